"""The ticket API: the same services as the pages, scope, field policy and the timeline."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.api.main import api
from kehu.conftest import Personas
from kehu.org.models import FieldAccess, User
from kehu.service import services
from kehu.service.models import Ticket, TicketReply
from kehu.service.tests.conftest import Desk, call_api, open_leak
from kehu.timeline.models import Event


def _restrict(user: User, policy: dict[str, str]) -> None:
    role = user.role
    assert role is not None
    role.field_policy = policy
    role.save(update_fields=["field_policy"])


def _state() -> tuple[int, int, int, list[int]]:
    return (
        Ticket.objects.count(),
        TicketReply.objects.count(),
        Event.objects.count(),
        list(Ticket.objects.order_by("pk").values_list("version", flat=True)),
    )


def test_open_read_and_list(personas: Personas, desk: Desk) -> None:
    status, body = call_api(
        personas.rep,
        "POST",
        "/tickets",
        {
            "customer": str(desk.customer.public_id),
            "subject": "安装后无法启动",
            "category": "installation",
            "priority": "high",
            "contact": str(desk.contact.public_id),
            "assignee": str(personas.manager.public_id),
        },
    )

    assert status == 201, body
    ticket = Ticket.objects.get()
    assert body["number"] == ticket.number
    assert body["status"] == "open"
    assert body["contact"] == {"id": str(desk.contact.public_id), "name": "周杰"}
    assert body["assignee"]["name"] == "王经理"
    assert body["customer"]["name"] == "温州瓯江阀门有限公司"
    listed = call_api(personas.manager, "GET", "/tickets?mine=1")[1]
    assert [item["id"] for item in listed["items"]] == [str(ticket.public_id)]
    assert (listed["page"], listed["pages"], listed["count"]) == (1, 1, 1)
    detail = call_api(personas.agent, "GET", f"/tickets/{ticket.public_id}")
    assert detail[0] == 200
    assert detail[1]["subject"] == "安装后无法启动"


def test_list_filters_and_rejects_bad_values(personas: Personas, desk: Desk) -> None:
    leak = open_leak(personas, desk)
    services.open_ticket(
        personas.rep, desk.customer, {"subject": "态度差", "category": "complaint"}
    )

    complaints = call_api(personas.rep, "GET", "/tickets?category=complaint")[1]
    bad = call_api(personas.rep, "GET", "/tickets?priority=bogus")

    assert [item["subject"] for item in complaints["items"]] == ["态度差"]
    assert bad[0] == 422
    assert list(bad[1]["errors"]) == ["priority"]
    repairs = call_api(personas.rep, "GET", "/tickets?category=repair")[1]
    assert [item["number"] for item in repairs["items"]] == [leak.number]


def test_change_status_assign_and_replies(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)
    base = f"/tickets/{ticket.public_id}"

    patched = call_api(personas.rep, "PATCH", base, {"priority": "urgent", "expected_version": 1})
    stale = call_api(personas.rep, "PATCH", base, {"priority": "low", "expected_version": 1})
    assigned = call_api(
        personas.rep, "POST", base + "/assign", {"assignee": str(personas.manager.public_id)}
    )
    reply = call_api(personas.manager, "POST", base + "/replies", {"body": "明早上门"})
    note = call_api(
        personas.manager, "POST", base + "/replies", {"body": "备件已出库", "internal": True}
    )
    refused = call_api(personas.rep, "POST", base + "/status", {"status": "closed"})
    closed = call_api(
        personas.rep, "POST", base + "/status", {"status": "closed", "resolution": "已更换阀门"}
    )
    replies = call_api(personas.agent, "GET", base + "/replies")

    assert (patched[0], patched[1]["priority"]) == (200, "urgent")
    assert (stale[0], list(stale[1]["errors"])) == (422, ["version"])
    assert assigned[1]["assignee"]["name"] == "王经理"
    assert (reply[0], note[0]) == (201, 201)
    assert (refused[0], list(refused[1]["errors"])) == (422, ["resolution"])
    assert closed[1]["status"] == "closed"
    assert closed[1]["closed_at"] is not None
    assert closed[1]["first_response_at"] is not None
    assert [(r["body"], r["internal"]) for r in replies[1]] == [
        ("明早上门", False),
        ("备件已出库", True),
    ]


def test_customer_tickets(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)

    mine = call_api(personas.rep, "GET", f"/customers/{desk.customer.public_id}/tickets")
    outside = call_api(personas.other_rep, "GET", f"/customers/{desk.customer.public_id}/tickets")

    assert [item["id"] for item in mine[1]] == [str(ticket.public_id)]
    assert outside[0] == 404


def test_agent_and_reader_may_not_write(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)
    base = f"/tickets/{ticket.public_id}"
    before = _state()

    for user in (personas.agent, personas.rep2):
        answers = [
            call_api(user, "POST", base + "/replies", {"body": "x"})[0],
            call_api(user, "PATCH", base, {"subject": "改"})[0],
            call_api(user, "POST", base + "/status", {"status": "in_progress"})[0],
            call_api(user, "POST", base + "/assign", {"assignee": None})[0],
            call_api(
                user,
                "POST",
                "/tickets",
                {"customer": str(desk.customer.public_id), "subject": "x", "category": "other"},
            )[0],
        ]
        assert answers == [403, 403, 403, 403, 403], user.username

    assert _state() == before


def test_outside_ticket_is_missing(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)
    before = _state()

    read = call_api(personas.other_rep, "GET", f"/tickets/{ticket.public_id}")
    reply = call_api(
        personas.other_rep, "POST", f"/tickets/{ticket.public_id}/replies", {"body": "x"}
    )
    missing = call_api(personas.other_rep, "GET", "/tickets/8d0c7a52-5f6b-4b8e-9b61-3c1f4c4e0a11")

    assert (read[0], reply[0]) == (404, 404)
    assert read[1] == missing[1]
    assert _state() == before


def test_field_policy_in_api_and_timeline(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)
    services.reply_to_ticket(personas.rep, ticket, "更换密封圈")
    services.assign_ticket(personas.rep, ticket, personas.manager)
    services.set_ticket_status(personas.rep, ticket, "resolved", resolution="上门更换")
    _restrict(
        personas.manager,
        {
            "ticket.subject": FieldAccess.MASKED,
            "ticket.description": FieldAccess.HIDDEN,
            "ticket.replies": FieldAccess.HIDDEN,
            "ticket.assignee": FieldAccess.HIDDEN,
            "ticket.resolution": FieldAccess.HIDDEN,
        },
    )

    detail = call_api(personas.manager, "GET", f"/tickets/{ticket.public_id}")[1]
    replies = call_api(personas.manager, "GET", f"/tickets/{ticket.public_id}/replies")[1]
    timeline = call_api(personas.manager, "GET", f"/customers/{desk.customer.public_id}/timeline")

    assert detail["subject"] == "****"
    assert "description" not in detail
    assert "assignee" not in detail
    assert "resolution" not in detail
    assert "body" not in replies[0]
    text = str(timeline[1])
    assert timeline[0] == 200
    for secret in ("阀门漏水", "更换密封圈", "上门更换", "王经理", "DN50"):
        assert secret not in text
    assert "ticket_assigned" not in text
    assert "ticket_status_changed" in text
    assert "ticket_replied" in text


def test_hidden_field_cannot_be_written(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)
    _restrict(personas.rep, {"ticket.priority": FieldAccess.READ_ONLY})
    before = _state()

    status, body = call_api(
        personas.rep, "PATCH", f"/tickets/{ticket.public_id}", {"priority": "low"}
    )

    assert status == 422
    assert list(body["errors"]) == ["priority"]
    assert _state() == before


def test_openapi_describes_ticket_bodies() -> None:
    schema = api.get_openapi_schema()

    components = schema["components"]["schemas"]
    assert {"TicketOut", "TicketIn", "TicketPatch", "ReplyOut", "TicketPage"} <= set(components)
    assert "status" in components["TicketOut"]["properties"]
    assert "/api/v1/tickets/{ticket_id}/replies" in schema["paths"]


def test_list_query_count_is_fixed(personas: Personas, desk: Desk) -> None:
    for number in range(3):
        open_leak(personas, desk, subject=f"渗漏{number}")
    few = _count_queries(personas.rep, "/tickets")
    for number in range(3, 30):
        open_leak(personas, desk, subject=f"渗漏{number}")

    many = _count_queries(personas.rep, "/tickets")

    assert many == few


def _count_queries(user: User, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        status, _body = call_api(user, "GET", path)
    assert status == 200
    return len(queries.captured_queries)


def test_control_characters_in_ticket_text(personas: Personas, desk: Desk) -> None:
    before = _state()
    base = {"customer": str(desk.customer.public_id), "category": "repair"}

    nul = call_api(personas.rep, "POST", "/tickets", {**base, "subject": "a\u0000b"})
    surrogate = call_api(personas.rep, "POST", "/tickets", {**base, "subject": "a\ud800b"})
    broken_line = call_api(personas.rep, "POST", "/tickets", {**base, "subject": "漏水\n严重"})

    assert (nul[0], surrogate[0]) == (422, 422)
    assert "U+0000" in nul[1]["errors"]["subject"][0]
    assert broken_line[0] == 201
    assert broken_line[1]["subject"] == "漏水 严重"
    assert _state()[0] == before[0] + 1
