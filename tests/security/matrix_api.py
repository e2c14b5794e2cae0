"""The permission matrix's entries for the JSON API: what each persona's token gets.

Statuses read boss, manager, rep, outside agent, no token. A record route lists "in/out": the
in-scope customer's records, then the south rep's, which must get exactly the response of
missing ones (404 {"detail": "未找到。"}).
"""

from typing import Any

from tests.security.matrix import Entry, every, expect
from tests.security.world import Records, World

V1 = "api/v1/"
CUSTOMER = V1 + "customers/<customer_id>"
READ = expect("200", "200/404", "200/404", "200/404", "401")
# Writes for editors: the outside agent may see the customer but not change it.
EDIT = expect("200", "200/404", "200/404", "403/404", "401")
CREATE = expect("201", "201/404", "201/404", "403/404", "401")
# Only the boss may reveal, and the boss sees every field whole: 422 on "field".
REVEAL = expect("422", "403/404", "403/404", "403/404", "401")


def _constant(values: dict[str, Any]) -> Any:
    def build(world: World, role: str, records: Records) -> dict[str, Any]:
        return dict(values)

    return build


def _search(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"q": records.fragment}


def _new_owner(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"owner": str(world.personas.rep2.public_id)}


def _new_share(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"user": str(world.personas.other_manager.public_id), "access": "read"}


API_ENTRIES = [
    Entry(
        V1 + "docs/assets/<str:name>",
        "api-docs-asset",
        "GET",
        every("200", "200"),
        params={"name": "swagger-ui.css"},
    ),
    Entry(V1 + "openapi.json", "api-v1:openapi-json", "GET", every("200", "200")),
    Entry(V1 + "docs", "api-v1:openapi-view", "GET", every("200", "200")),
    Entry(V1, "api-v1:api-root", "GET", every("404", "404")),
    Entry(
        "api/^(?P<rest>.*)$",
        "",
        "GET",
        every("404", "404"),
        path="/api/v2/customers",
    ),
    Entry(
        V1 + "customers",
        "api-v1:list_",
        "GET",
        every("200/200", "401"),
        query=_search,
        shows="name",
        reader="200",
    ),
    Entry(
        V1 + "customers",
        "api-v1:create",
        "POST",
        expect("201", "201", "201", "403", "401"),
        data=_constant({"name": "杭州西溪新材料有限公司"}),
        writes=True,
    ),
    Entry(
        CUSTOMER,
        "api-v1:detail",
        "GET",
        READ,
        shows="name",
        reader="200",
    ),
    Entry(
        CUSTOMER,
        "api-v1:update",
        "PATCH",
        EDIT,
        data=_constant({"grade": "A"}),
        shows="name",
        writes=True,
        reader="403",
    ),
    # Reassigning needs the assign capability: the boss and the manager have it.
    Entry(
        CUSTOMER + "/owner",
        "api-v1:change_owner",
        "POST",
        expect("200", "200/404", "403/404", "403/404", "401"),
        data=_new_owner,
        writes=True,
        reader="403",
    ),
    # No preset sees a customer field masked; the agent sees mobiles masked but may not reveal.
    Entry(
        CUSTOMER + "/reveal",
        "api-v1:reveal_field",
        "POST",
        REVEAL,
        data=_constant({"field": "name"}),
        reader="403",
    ),
    Entry(
        CUSTOMER + "/contacts/<contact_id>/reveal",
        "api-v1:reveal_field",
        "POST",
        REVEAL,
        data=_constant({"field": "mobile"}),
        reader="403",
    ),
    Entry(
        CUSTOMER + "/contacts",
        "api-v1:list_",
        "GET",
        READ,
        shows="contact",
        reader="200",
    ),
    Entry(
        CUSTOMER + "/contacts",
        "api-v1:create",
        "POST",
        CREATE,
        data=_constant({"name": "吴新来"}),
        writes=True,
        reader="403",
    ),
    Entry(
        CUSTOMER + "/contacts/<contact_id>",
        "api-v1:update",
        "PATCH",
        EDIT,
        data=_constant({"title": "总经理"}),
        shows="contact",
        writes=True,
        reader="403",
    ),
    Entry(
        CUSTOMER + "/follow-ups",
        "api-v1:list_",
        "GET",
        READ,
        shows="follow_up",
        reader="200",
    ),
    Entry(
        CUSTOMER + "/follow-ups",
        "api-v1:create",
        "POST",
        expect("201", "201/404", "201/404", "201/404", "401"),
        data=_constant({"kind": "call", "content": "电话确认交期"}),
        writes=True,
        reader="403",
    ),
    # Only the author (the rep) or a role that may assign edits a follow-up.
    Entry(
        CUSTOMER + "/follow-ups/<follow_up_id>",
        "api-v1:update",
        "PATCH",
        EDIT,
        data=_constant({"content": "改写：确认交期"}),
        writes=True,
        reader="403",
    ),
    Entry(
        CUSTOMER + "/timeline",
        "api-v1:customer_timeline",
        "GET",
        READ,
        shows="follow_up",
        reader="200",
    ),
    Entry(
        V1 + "fields/<target>",
        "api-v1:list_",
        "GET",
        every("200", "401"),
        params={"target": "customer"},
    ),
    # The owner (the rep) and roles that may assign manage shares; the agent may not.
    Entry(
        CUSTOMER + "/shares",
        "api-v1:list_",
        "GET",
        EDIT,
        reader="403",
    ),
    Entry(
        CUSTOMER + "/shares",
        "api-v1:create",
        "POST",
        CREATE,
        data=_new_share,
        writes=True,
        reader="403",
    ),
    Entry(
        CUSTOMER + "/shares/<share_id>",
        "api-v1:delete",
        "DELETE",
        expect("204", "204/404", "204/404", "403/404", "401"),
        writes=True,
        reader="403",
    ),
]
