"""The permission matrix's entries for the offboarding and handover pages and their API.

Statuses read boss, manager, rep, outside agent, signed out. Only roles with the assign
capability (the boss and the manager) open the handover pages. The successor's inbox and the
briefing are open to every signed-in user, within the customers that user may see. On the
handover pages the rep and the outside agent get a 403 before any record is loaded, so an
outside record and a missing one look alike to them. The in-scope person is the second rep, in
the manager's department; the outside one is the south rep, whose records the east manager does
not reach (404).
"""

from typing import Any

from tests.security.matrix import Entry, expect
from tests.security.world import Records, World

PAGE = expect("200", "200", "403", "403", "302")
WRITE = expect("302", "302", "403", "403", "302")
RECORD_PAGE = expect("200", "200/404", "403/403", "403/403", "302")
RECORD_WRITE = expect("302", "302/404", "403/403", "403/403", "302")
# The successor's inbox lists only the signed-in user's own handed-over customers. A customer's
# briefing has the customer page's access: a user who may not see the customer gets a 404.
OWN_PAGE = expect("200", "200", "200", "200", "302")
CUSTOMER_PAGE = expect("200", "200/404", "200/404", "200/404", "302")


def _offboarding_form(world: World, role: str, records: Records) -> dict[str, Any]:
    """Start the offboarding of the east rep, whom the boss and the east manager reach."""
    return {"user": str(world.personas.rep.public_id), "last_day": "2099-12-31"}


def _plan_form(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"mode": "users", "successors": [str(world.personas.rep.public_id)], "scope": "all"}


HANDOVER_PAGE_ENTRIES = [
    Entry("handover/", "web:handover_home", "GET", PAGE),
    Entry("handover/inbox/", "web:handover_inbox", "GET", OWN_PAGE),
    Entry(
        "handover/customers/<uuid:public_id>/briefing/",
        "web:customer_briefing",
        "GET",
        CUSTOMER_PAGE,
        target="customer",
        shows="name",
        reader="200",
    ),
    Entry(
        "handover/offboard/",
        "web:offboarding_start",
        "POST",
        WRITE,
        data=_offboarding_form,
        writes=True,
    ),
    Entry(
        "handover/offboardings/<uuid:public_id>/cancel/",
        "web:offboarding_cancel",
        "POST",
        RECORD_WRITE,
        target="offboarding",
        writes=True,
    ),
    Entry(
        "handover/users/<uuid:public_id>/plan/",
        "web:handover_plan",
        "GET",
        RECORD_PAGE,
        target="person",
    ),
    Entry(
        "handover/users/<uuid:public_id>/plan/",
        "web:handover_plan",
        "POST",
        RECORD_WRITE,
        target="person",
        data=_plan_form,
        writes=True,
    ),
    Entry(
        "handover/<uuid:public_id>/",
        "web:handover_preview",
        "GET",
        RECORD_PAGE,
        target="handover",
    ),
    Entry(
        "handover/<uuid:public_id>/execute/",
        "web:handover_execute",
        "POST",
        RECORD_WRITE,
        target="handover",
        writes=True,
    ),
]


V1 = "api/v1/"
API_WRITE = expect("201", "201", "403", "403", "401")
API_RECORD_READ = expect("200", "200/404", "403/403", "403/403", "401")


def _api_plan(world: World, role: str, records: Records) -> dict[str, Any]:
    """Plan a handover of the records' person; the south rep is outside the manager's reach."""
    return {
        "user": records.person,
        "mode": "users",
        "successors": [str(world.personas.rep.public_id)],
    }


HANDOVER_API_ENTRIES = [
    Entry(
        V1 + "offboardings",
        "api-v1:start_offboarding",
        "POST",
        API_WRITE,
        data=_offboarding_form,
        writes=True,
    ),
    Entry(
        V1 + "handovers",
        "api-v1:plan_handover",
        "POST",
        expect("201", "201/404", "403/403", "403/403", "401"),
        data=_api_plan,
        writes=True,
    ),
    Entry(V1 + "handovers/<handover_id>", "api-v1:get_handover", "GET", API_RECORD_READ),
    Entry(
        V1 + "handovers/<handover_id>/execute",
        "api-v1:execute_plan",
        "POST",
        API_RECORD_READ,
        writes=True,
    ),
]
