"""The permission matrix's entries for the ticket pages and API endpoints.

Statuses read boss, manager, rep, outside agent, signed out. A ticket is in a persona's scope
when its customer is: the in-scope ticket belongs to the east rep's customer, which is assigned
to the outside agent and shared read-only with the second rep (the reader). Outside agents read
tickets but never write them. The pages reject their writes with 403 before loading any record.
The API looks the ticket up first, so there an outside ticket is a 404.
"""

from typing import Any

from tests.security.matrix import Entry, every, expect
from tests.security.world import Records, World

READ = expect("200", "200/404", "200/404", "200/404", "302")
EDIT_FORM = expect("200", "200/404", "200/404", "403/403", "302")
EDIT_POST = expect("302", "302/404", "302/404", "403/403", "302")

V1 = "api/v1/"
TICKET = V1 + "tickets/<ticket_id>"
API_READ = expect("200", "200/404", "200/404", "200/404", "401")
API_EDIT = expect("200", "200/404", "200/404", "403/404", "401")


def _constant(values: dict[str, Any]) -> Any:
    def build(world: World, role: str, records: Records) -> dict[str, Any]:
        return dict(values)

    return build


def _ticket_form(world: World, role: str, records: Records) -> dict[str, Any]:
    return {
        "subject": "球阀渗漏（复查）",
        "category": "repair",
        "priority": "high",
        "description": "第二次上门复查",
        "expected_version": "1",
    }


def _new_ticket(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"subject": "送货延误投诉", "category": "complaint", "priority": "urgent"}


def _self_assignee(world: World, role: str, records: Records) -> dict[str, Any]:
    """Assign the ticket to the acting persona, who may work on the in-scope customer."""
    user = world.user(role)
    return {"assignee": str(user.public_id) if user is not None else ""}


def _api_new_ticket(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"customer": records.customer, "subject": "接口工单", "category": "consultation"}


SERVICE_PAGE_ENTRIES = [
    Entry("tickets/", "web:ticket_list", "GET", every("200", "302"), shows="ticket", reader="200"),
    Entry(
        "tickets/<uuid:public_id>/",
        "web:ticket_detail",
        "GET",
        READ,
        target="ticket",
        shows="ticket",
        reader="200",
    ),
    Entry(
        "tickets/<uuid:public_id>/edit/",
        "web:ticket_edit",
        "GET",
        EDIT_FORM,
        target="ticket",
        shows="ticket",
        reader="403",
    ),
    Entry(
        "tickets/<uuid:public_id>/edit/",
        "web:ticket_edit",
        "POST",
        EDIT_POST,
        target="ticket",
        data=_ticket_form,
        writes=True,
        reader="403",
    ),
    Entry(
        "tickets/<uuid:public_id>/replies/",
        "web:ticket_reply",
        "POST",
        EDIT_POST,
        target="ticket",
        data=_constant({"body": "您好，工程师明天上午到。"}),
        writes=True,
        reader="403",
    ),
    Entry(
        "tickets/<uuid:public_id>/status/",
        "web:ticket_status",
        "POST",
        EDIT_POST,
        target="ticket",
        data=_constant({"status": "in_progress"}),
        writes=True,
        reader="403",
    ),
    Entry(
        "tickets/<uuid:public_id>/assign/",
        "web:ticket_assign",
        "POST",
        EDIT_POST,
        target="ticket",
        data=_self_assignee,
        writes=True,
        reader="403",
    ),
    Entry(
        "customers/<uuid:public_id>/tickets/new/",
        "web:ticket_create",
        "GET",
        EDIT_FORM,
        target="customer",
        shows="name",
        reader="403",
    ),
    Entry(
        "customers/<uuid:public_id>/tickets/new/",
        "web:ticket_create",
        "POST",
        EDIT_POST,
        target="customer",
        data=_new_ticket,
        writes=True,
        reader="403",
    ),
]

SERVICE_API_ENTRIES = [
    Entry(
        V1 + "tickets",
        "api-v1:list_tickets",
        "GET",
        every("200", "401"),
        shows="ticket",
        reader="200",
    ),
    # The customer is named in the body: an outside one is a 404 like a missing one.
    Entry(
        V1 + "tickets",
        "api-v1:open_ticket",
        "POST",
        expect("201", "201/404", "201/404", "403/403", "401"),
        data=_api_new_ticket,
        writes=True,
        reader="403",
    ),
    Entry(TICKET, "api-v1:ticket_detail", "GET", API_READ, shows="ticket", reader="200"),
    Entry(
        TICKET,
        "api-v1:change_ticket",
        "PATCH",
        API_EDIT,
        data=_constant({"subject": "接口改主题", "priority": "low"}),
        writes=True,
        reader="403",
    ),
    Entry(
        TICKET + "/status",
        "api-v1:ticket_status",
        "POST",
        API_EDIT,
        data=_constant({"status": "in_progress"}),
        writes=True,
        reader="403",
    ),
    Entry(
        TICKET + "/assign",
        "api-v1:assign_ticket",
        "POST",
        API_EDIT,
        data=_self_assignee,
        writes=True,
        reader="403",
    ),
    Entry(TICKET + "/replies", "api-v1:ticket_replies", "GET", API_READ, reader="200"),
    Entry(
        TICKET + "/replies",
        "api-v1:reply_to_ticket",
        "POST",
        expect("201", "201/404", "201/404", "403/404", "401"),
        data=_constant({"body": "接口回复"}),
        writes=True,
        reader="403",
    ),
    Entry(
        V1 + "customers/<customer_id>/tickets",
        "api-v1:customer_tickets",
        "GET",
        API_READ,
        shows="ticket",
        reader="200",
    ),
]
