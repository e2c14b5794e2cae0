"""The permission matrix's entries for the pages: what each persona gets on each route.

Statuses read boss, manager, rep, outside agent, signed out. "302" for the signed-out is the
redirect to the login page. A record route lists "in/out": the persona's own or in-scope record,
then the south rep's, which must get exactly the response of a missing record.
"""

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from kehu.customers.models import Contact, Customer
from tests.security.matrix import Entry, every, expect
from tests.security.world import Records, World

# Pages of one record: visible to all four personas, none of whom reaches the outside record.
READ = expect("200", "200/404", "200/404", "200/404", "302")
# Forms for editors: the outside agent is rejected before any record is loaded.
EDIT_FORM = expect("200", "200/404", "200/404", "403/403", "302")
EDIT_POST = expect("302", "302/404", "302/404", "403/403", "302")
# Settings only the boss may change.
BOSS_ONLY = expect("200", "403", "403", "403", "302")
BOSS_ONLY_POST = expect("302", "403", "403", "403", "302")
# Imports: every preset but the outside agent may import, each into their own imports.
IMPORT_READ = expect("200", "200/404", "200/404", "403/403", "302")
IMPORT_WRITE = expect("302", "302/404", "302/404", "403/403", "302")
# Steps that the import's status (uploaded) does not allow yet: 409, and nothing changes.
IMPORT_REFUSED = expect("409", "409/404", "409/404", "403/403", "302")


def _version(model: type[Customer] | type[Contact], public_id: str) -> str:
    found = model.objects.filter(public_id=public_id).values_list("version", flat=True).first()
    return str(found or 1)


def _customer_form(world: World, role: str, records: Records) -> dict[str, Any]:
    return {
        "kind": "company",
        "name": "温州瓯江阀门制造有限公司",
        "status": "lead",
        "expected_version": _version(Customer, records.customer),
    }


def _new_customer(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"kind": "company", "name": "杭州西溪新材料有限公司", "status": "lead"}


def _new_contact(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"name": "吴新来", "mobile": "13700001111"}


def _contact_form(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"name": "周杰", "title": "采购经理", "mobile": records.mobile}


def _follow_up(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"kind": "call", "content": "电话确认交期", "occurred_at": "2024-03-05T10:00"}


def _search(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"q": records.fragment}


def _upload(world: World, role: str, records: Records) -> dict[str, Any]:
    content = "客户名称\n台州椒江机电有限公司\n".encode()
    return {"file": SimpleUploadedFile("新名单.csv", content), "kind": "customers"}


def _mapping(world: World, role: str, records: Records) -> dict[str, Any]:
    return {
        "action": "check",
        "column_0": "customer.name",
        "column_1": "contact.mobile",
        "owner": "",
        "on_duplicate": "skip",
    }


def _field_form(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"label": "客户层级（新）", "label_en": "Tier", "choices": "", "position": "5"}


def _new_field(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"target": "customer", "key": "tier", "field_type": "text", "label": "客户分层"}


def _share(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"user": str(world.personas.other_manager.public_id), "access": "read", "until": ""}


def _spare_agent(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"agent": str(world.spare_agent.public_id)}


def _assigned_agent(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"agent": str(world.personas.agent.public_id)}


def _constant(values: dict[str, Any]) -> Any:
    def build(world: World, role: str, records: Records) -> dict[str, Any]:
        return dict(values)

    return build


PAGE_ENTRIES = [
    Entry(
        "",
        "web:customer_list",
        "GET",
        every("200/200", "302"),
        query=_search,
        shows="name",
        echoes_query=True,
        reader="200",
    ),
    Entry("login/", "web:login", "GET", every("302", "200")),
    Entry("logout/", "web:logout", "POST", every("302", "302")),
    Entry(
        "language/",
        "web:set_language",
        "POST",
        every("302", "302"),
        data=_constant({"language": "zh-hans", "next": "/"}),
    ),
    Entry(
        "regions/",
        "web:region_options",
        "GET",
        every("200", "302"),
        query=_constant({"from": "province", "province": "33"}),
    ),
    Entry(
        "customers/new/", "web:customer_create", "GET", expect("200", "200", "200", "403", "302")
    ),
    Entry(
        "customers/new/",
        "web:customer_create",
        "POST",
        expect("302", "302", "302", "403", "302"),
        data=_new_customer,
        writes=True,
    ),
    Entry(
        "customers/count/",
        "web:customer_count",
        "GET",
        every("200/200", "302"),
        query=_search,
        reader="200",
    ),
    Entry(
        "customers/columns/",
        "web:list_columns",
        "POST",
        every("302", "302"),
        data=_constant({"columns": ["name", "status", "grade"]}),
        writes=True,
    ),
    Entry(
        "customers/views/",
        "web:saved_view_create",
        "POST",
        every("302", "302"),
        data=_constant({"name": "新的视图", "query": "q=五金"}),
        writes=True,
    ),
    Entry(
        "customers/views/<uuid:public_id>/delete/",
        "web:saved_view_delete",
        "POST",
        every("302/404", "302"),
        target="view",
        writes=True,
    ),
    Entry(
        "customers/<uuid:public_id>/",
        "web:customer_detail",
        "GET",
        READ,
        target="customer",
        shows="name",
        reader="200",
    ),
    Entry(
        "customers/<uuid:public_id>/edit/",
        "web:customer_edit",
        "GET",
        EDIT_FORM,
        target="customer",
        shows="name",
        reader="403",
    ),
    Entry(
        "customers/<uuid:public_id>/edit/",
        "web:customer_edit",
        "POST",
        EDIT_POST,
        target="customer",
        data=_customer_form,
        writes=True,
        reader="403",
    ),
    Entry(
        "customers/<uuid:public_id>/contacts/new/",
        "web:contact_create",
        "GET",
        EDIT_FORM,
        target="customer",
        shows="name",
        reader="403",
    ),
    Entry(
        "customers/<uuid:public_id>/contacts/new/",
        "web:contact_create",
        "POST",
        EDIT_POST,
        target="customer",
        data=_new_contact,
        writes=True,
        reader="403",
    ),
    Entry(
        "customers/<uuid:public_id>/follow-ups/",
        "web:follow_up_create",
        "POST",
        expect("302", "302/404", "302/404", "302/404", "302"),
        target="customer",
        data=_follow_up,
        writes=True,
        reader="403",
    ),
    # No preset sees a customer field masked: the boss reads everything whole, and the other
    # roles may not reveal.
    Entry(
        "customers/<uuid:public_id>/reveal/<slug:key>/",
        "web:customer_reveal",
        "POST",
        expect("400", "403/404", "403/404", "403/404", "302"),
        target="customer",
        params={"key": "name"},
        reader="403",
    ),
    Entry(
        "contacts/<uuid:public_id>/edit/",
        "web:contact_edit",
        "GET",
        EDIT_FORM,
        target="contact",
        shows="contact",
        reader="403",
    ),
    Entry(
        "contacts/<uuid:public_id>/edit/",
        "web:contact_edit",
        "POST",
        EDIT_POST,
        target="contact",
        data=_contact_form,
        writes=True,
        reader="403",
    ),
    # The agent sees mobiles masked but may not reveal them; the boss sees them whole.
    Entry(
        "contacts/<uuid:public_id>/reveal/<slug:key>/",
        "web:contact_reveal",
        "POST",
        expect("400", "403/404", "403/404", "403/404", "302"),
        target="contact",
        params={"key": "mobile"},
        reader="403",
    ),
    # Only the author (the rep) or a role that may assign edits a follow-up.
    Entry(
        "follow-ups/<uuid:public_id>/edit/",
        "web:follow_up_edit",
        "GET",
        expect("200", "200/404", "200/404", "403/404", "302"),
        target="follow_up",
        shows="follow_up",
        reader="403",
    ),
    Entry(
        "follow-ups/<uuid:public_id>/edit/",
        "web:follow_up_edit",
        "POST",
        expect("302", "302/404", "302/404", "403/404", "302"),
        target="follow_up",
        data=_follow_up,
        writes=True,
        reader="403",
    ),
    # The owner (the rep) and roles that may assign manage shares; the agent may not.
    Entry(
        "customers/<uuid:public_id>/sharing/",
        "web:customer_sharing",
        "GET",
        expect("200", "200/404", "200/404", "403/404", "302"),
        target="customer",
        shows="name",
        reader="403",
    ),
    Entry(
        "customers/<uuid:public_id>/sharing/",
        "web:customer_sharing",
        "POST",
        expect("302", "302/404", "302/404", "403/404", "302"),
        target="customer",
        data=_share,
        writes=True,
        reader="403",
    ),
    Entry(
        "shares/<uuid:public_id>/end/",
        "web:share_end",
        "POST",
        expect("302", "302/404", "302/404", "403/404", "302"),
        target="share",
        writes=True,
        reader="403",
    ),
    # Assigning outside agents needs the assign capability: the boss and the manager have it.
    Entry(
        "customers/<uuid:public_id>/agents/",
        "web:customer_agent_assign",
        "POST",
        expect("302", "302/404", "403/404", "403/404", "302"),
        target="customer",
        data=_spare_agent,
        writes=True,
        reader="403",
    ),
    Entry(
        "customers/<uuid:public_id>/agents/remove/",
        "web:customer_agent_remove",
        "POST",
        expect("302", "302/404", "403/404", "403/404", "302"),
        target="customer",
        data=_assigned_agent,
        writes=True,
        reader="403",
    ),
    Entry(
        "attachments/<uuid:public_id>/",
        "web:attachment_download",
        "GET",
        READ,
        target="attachment",
        shows="file",
        reader="200",
    ),
    Entry("settings/fields/", "web:field_list", "GET", BOSS_ONLY),
    Entry("settings/fields/new/", "web:field_create", "GET", BOSS_ONLY),
    Entry(
        "settings/fields/new/",
        "web:field_create",
        "POST",
        BOSS_ONLY_POST,
        data=_new_field,
        writes=True,
    ),
    Entry("settings/fields/<uuid:public_id>/edit/", "web:field_edit", "GET", BOSS_ONLY, "field"),
    Entry(
        "settings/fields/<uuid:public_id>/edit/",
        "web:field_edit",
        "POST",
        BOSS_ONLY_POST,
        target="field",
        data=_field_form,
        writes=True,
    ),
    Entry(
        "settings/fields/<uuid:public_id>/deactivate/",
        "web:field_deactivate",
        "POST",
        BOSS_ONLY_POST,
        target="field",
        writes=True,
    ),
    Entry(
        "settings/fields/<uuid:public_id>/reactivate/",
        "web:field_reactivate",
        "POST",
        BOSS_ONLY_POST,
        target="field",
    ),
    Entry("imports/", "web:import_start", "GET", expect("200", "200", "200", "403", "302")),
    Entry(
        "imports/",
        "web:import_start",
        "POST",
        expect("302", "302", "302", "403", "302"),
        data=_upload,
        writes=True,
    ),
    Entry(
        "imports/<uuid:public_id>/",
        "web:import_detail",
        "GET",
        IMPORT_READ,
        target="import",
        shows="import",
    ),
    Entry("imports/<uuid:public_id>/sheet/", "web:import_sheet", "GET", IMPORT_READ, "import"),
    Entry(
        "imports/<uuid:public_id>/sheet/",
        "web:import_sheet",
        "POST",
        IMPORT_WRITE,
        target="import",
        data=_constant({"sheet_name": "", "header_row": "1", "header_rows": "1"}),
    ),
    Entry("imports/<uuid:public_id>/mapping/", "web:import_mapping", "GET", IMPORT_READ, "import"),
    Entry(
        "imports/<uuid:public_id>/mapping/",
        "web:import_mapping",
        "POST",
        IMPORT_WRITE,
        target="import",
        data=_mapping,
        writes=True,
    ),
    Entry(
        "imports/<uuid:public_id>/progress/", "web:import_progress", "GET", IMPORT_READ, "import"
    ),
    Entry(
        "imports/<uuid:public_id>/commit/", "web:import_commit", "POST", IMPORT_REFUSED, "import"
    ),
    Entry(
        "imports/<uuid:public_id>/resume/", "web:import_resume", "POST", IMPORT_REFUSED, "import"
    ),
    Entry("imports/<uuid:public_id>/undo/", "web:import_undo", "POST", IMPORT_REFUSED, "import"),
    Entry(
        "imports/<uuid:public_id>/discard/",
        "web:import_discard",
        "POST",
        IMPORT_WRITE,
        target="import",
        writes=True,
    ),
    Entry(
        "imports/<uuid:public_id>/rejected/",
        "web:import_rejected",
        "GET",
        IMPORT_READ,
        target="import",
    ),
]
