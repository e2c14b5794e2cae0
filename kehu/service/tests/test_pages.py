"""Ticket pages: the list and its filters, the ticket page and its forms, the customer page."""

import html
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kehu.conftest import Personas, field_errors
from kehu.org.models import FieldAccess, User
from kehu.service import services
from kehu.service.models import Ticket, TicketReply
from kehu.service.tests.conftest import Desk, open_leak
from kehu.timeline.models import Event


def _client(user: User) -> Client:
    client = Client(headers={"Accept-Language": "zh-hans"})
    client.force_login(user)
    return client


def _restrict(user: User, policy: dict[str, str]) -> None:
    role = user.role
    assert role is not None
    role.field_policy = policy
    role.save(update_fields=["field_policy"])


def test_list_shows_visible_tickets_only(personas: Personas, desk: Desk) -> None:
    mine = open_leak(personas, desk)
    services.open_ticket(
        personas.other_rep, desk.other_customer, {"subject": "电缆破损", "category": "return"}
    )

    body = _client(personas.rep).get("/tickets/").content.decode()

    assert mine.number in body
    assert "阀门漏水" in body
    assert "电缆破损" not in body
    assert "故障报修" in body


def test_list_filters(personas: Personas, desk: Desk) -> None:
    leak = open_leak(personas, desk)
    complaint = services.open_ticket(
        personas.rep,
        desk.customer,
        {"subject": "安装师傅迟到", "category": "complaint", "priority": "urgent"},
        assignee=personas.rep,
    )
    services.set_ticket_status(personas.rep, leak, "resolved", resolution="已更换阀芯")
    client = _client(personas.rep)

    by_category = client.get("/tickets/", {"category": "complaint"}).content.decode()
    mine = client.get("/tickets/", {"mine": "1"}).content.decode()
    active = client.get("/tickets/", {"active": "1"}).content.decode()
    resolved = client.get("/tickets/", {"status": "resolved"}).content.decode()

    assert complaint.number in by_category
    assert leak.number not in by_category
    assert complaint.number in mine
    assert leak.number not in mine
    assert complaint.number in active
    assert leak.number not in active
    assert leak.number in resolved
    assert complaint.number not in resolved


def test_list_rejects_filter_on_hidden_field(personas: Personas, desk: Desk) -> None:
    open_leak(personas, desk)
    _restrict(personas.rep, {"ticket.status": FieldAccess.HIDDEN})

    response = _client(personas.rep).get("/tickets/", {"status": "open"})

    assert response.status_code == 400
    assert "未知的筛选字段“status”" in response.content.decode()


def test_list_pages_and_query_count(personas: Personas, desk: Desk) -> None:
    for number in range(55):
        services.open_ticket(
            personas.rep, desk.customer, {"subject": f"咨询{number}", "category": "consultation"}
        )
    client = _client(personas.rep)
    client.get("/tickets/")

    with CaptureQueriesContext(connection) as first:
        page_one = client.get("/tickets/").content.decode()
    page_two = client.get("/tickets/", {"page": "2"}).content.decode()

    assert "咨询54" in page_one
    assert "咨询0<" not in page_one
    assert "咨询0<" in page_two
    assert "第 1 页，共 2 页" in page_one
    # A query per row would add 50; the page's own queries stay fixed.
    assert len(first.captured_queries) < 20


def test_detail_shows_replies_oldest_first(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)
    services.reply_to_ticket(personas.rep, ticket, "第一条回复")
    services.reply_to_ticket(personas.manager, ticket, "第二条备注", internal=True)

    body = _client(personas.rep).get(f"/tickets/{ticket.public_id}/").content.decode()

    assert body.index("第一条回复") < body.index("第二条备注")
    assert "内部备注" in body
    assert "DN50 球阀接口渗漏" in body
    assert ticket.number in body


def test_create_from_customer_page(personas: Personas, desk: Desk) -> None:
    client = _client(personas.rep)
    customer_page = client.get(f"/customers/{desk.customer.public_id}/").content.decode()
    assert f"/customers/{desk.customer.public_id}/tickets/new/" in customer_page

    form = client.get(f"/customers/{desk.customer.public_id}/tickets/new/?category=complaint")
    response = client.post(
        f"/customers/{desk.customer.public_id}/tickets/new/",
        {
            "subject": "送货延误",
            "category": "complaint",
            "priority": "high",
            "contact": str(desk.contact.public_id),
            "assignee": str(personas.manager.public_id),
            "description": "客户投诉送货晚了三天",
        },
    )

    assert form.status_code == 200
    assert 'value="complaint" selected' in form.content.decode()
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/tickets/{ticket.public_id}/"
    assert (ticket.category, ticket.contact, ticket.assignee) == (
        "complaint",
        desk.contact,
        personas.manager,
    )
    customer_page = client.get(f"/customers/{desk.customer.public_id}/").content.decode()
    assert "送货延误" in customer_page
    assert "新建工单" in customer_page


def test_create_shows_errors(personas: Personas, desk: Desk) -> None:
    response = _client(personas.rep).post(
        f"/customers/{desk.customer.public_id}/tickets/new/", {"subject": "", "category": ""}
    )

    assert response.status_code == 400
    assert "此字段为必填项" in response.content.decode()
    assert Ticket.objects.count() == 0


def _shown_value(page: str, name: str) -> str:
    found = re.search(
        rf'<textarea name="{name}"[^>]*>(.*?)</textarea>|<input type="text" name="{name}"'
        rf' [^>]*value="(.*?)"',
        page,
        re.DOTALL,
    )
    assert found is not None, name
    return html.unescape(found.group(1) or found.group(2) or "")


def test_create_shows_every_error_beside_its_field(personas: Personas, desk: Desk) -> None:
    personas.rep2.is_active = False
    personas.rep2.save(update_fields=["is_active"])
    long_subject = "漏" * 201

    response = _client(personas.rep).post(
        f"/customers/{desk.customer.public_id}/tickets/new/",
        {
            "subject": long_subject,
            "category": "维修",
            "priority": "very high",
            "contact": str(desk.other_contact.public_id),
            "assignee": str(personas.rep2.public_id),
            "description": "DN50 球阀接口渗漏",
        },
    )

    page = response.content.decode()
    errors = field_errors(page)
    assert response.status_code == 400
    assert errors["subject"] == ["最多 200 个字符，当前为 201 个。"]
    assert errors["category"] == ["“维修”不是可选值之一。"]
    assert errors["priority"] == ["“very high”不是可选值之一。"]
    assert errors["contact"] == ["此客户没有该 ID 的联系人。"]
    assert errors["assignee"] == ["没有可处理此客户工单的用户使用该 ID。"]
    assert errors["description"] == []
    assert _shown_value(page, "subject") == long_subject
    assert _shown_value(page, "description") == "DN50 球阀接口渗漏"
    assert '<div class="alert error"' not in page
    assert Ticket.objects.count() == 0


def test_edit_shows_every_error_beside_its_field(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)

    response = _client(personas.rep).post(
        f"/tickets/{ticket.public_id}/edit/",
        {
            "subject": "",
            "category": "repair",
            "priority": "very high",
            "contact": str(desk.other_contact.public_id),
            "description": "换新阀门",
            "expected_version": "1",
        },
    )

    page = response.content.decode()
    errors = field_errors(page)
    assert response.status_code == 400
    assert errors["subject"] == ["此字段为必填项。"]
    assert errors["priority"] == ["“very high”不是可选值之一。"]
    assert errors["contact"] == ["此客户没有该 ID 的联系人。"]
    assert errors["category"] == []
    assert _shown_value(page, "description") == "换新阀门"
    assert Ticket.objects.get().version == 1


def test_edit_checks_version(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)
    url = f"/tickets/{ticket.public_id}/edit/"
    client = _client(personas.rep)
    values = {"subject": "阀门漏水（加急）", "category": "repair", "priority": "urgent"}

    saved = client.post(url, {**values, "expected_version": "1"})
    stale = client.post(url, {**values, "subject": "旧页面", "expected_version": "1"})

    assert saved.status_code == 302
    assert stale.status_code == 400
    assert Ticket.objects.get().subject == "阀门漏水（加急）"


def test_reply_with_htmx_returns_replies(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)

    response = _client(personas.rep).post(
        f"/tickets/{ticket.public_id}/replies/",
        {"body": "您好，已安排师傅上门。"},
        headers={"HX-Request": "true"},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section class="card" id="replies">')
    assert "您好，已安排师傅上门。" in body
    assert TicketReply.objects.get().body == "您好，已安排师傅上门。"


def test_status_form_needs_resolution(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)
    url = f"/tickets/{ticket.public_id}/status/"
    client = _client(personas.rep)

    refused = client.post(url, {"status": "resolved", "resolution": ""})
    done = client.post(url, {"status": "resolved", "resolution": "更换阀芯后不再渗漏"})

    assert refused.status_code == 400
    assert "请先填写处理结果" in refused.content.decode()
    assert done.status_code == 302
    assert Ticket.objects.get().status == "resolved"


def test_assign_form(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)
    url = f"/tickets/{ticket.public_id}/assign/"
    client = _client(personas.rep)

    refused = client.post(url, {"assignee": str(personas.agent.public_id)})
    done = client.post(url, {"assignee": str(personas.manager.public_id)})

    assert refused.status_code == 400
    assert done.status_code == 302
    assert Ticket.objects.get().assignee == personas.manager


def test_agent_reads_but_gets_no_forms(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)
    client = _client(personas.agent)
    before = (Ticket.objects.get().version, TicketReply.objects.count(), Event.objects.count())

    page = client.get(f"/tickets/{ticket.public_id}/").content.decode()
    reply = client.post(f"/tickets/{ticket.public_id}/replies/", {"body": "代理回复"})
    status = client.post(
        f"/tickets/{ticket.public_id}/status/", {"status": "closed", "resolution": "x"}
    )
    new = client.get(f"/customers/{desk.customer.public_id}/tickets/new/")
    customer_page = client.get(f"/customers/{desk.customer.public_id}/").content.decode()

    assert "阀门漏水" in page
    assert "/replies/" not in page
    assert "/status/" not in page
    assert "阀门漏水" in customer_page
    assert "/tickets/new/" not in customer_page
    assert (reply.status_code, status.status_code, new.status_code) == (403, 403, 403)
    after = (Ticket.objects.get().version, TicketReply.objects.count(), Event.objects.count())
    assert after == before


def test_field_policy_on_pages_and_timeline(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)
    services.reply_to_ticket(personas.rep, ticket, "更换密封圈即可")
    services.set_ticket_status(personas.rep, ticket, "resolved", resolution="上门更换密封圈")
    _restrict(
        personas.manager,
        {
            "ticket.subject": FieldAccess.MASKED,
            "ticket.replies": FieldAccess.HIDDEN,
            "ticket.resolution": FieldAccess.HIDDEN,
            "ticket.status": FieldAccess.HIDDEN,
        },
    )
    client = _client(personas.manager)

    pages = [
        client.get(f"/tickets/{ticket.public_id}/").content.decode(),
        client.get("/tickets/").content.decode(),
        client.get(f"/customers/{desk.customer.public_id}/").content.decode(),
    ]

    for body in pages:
        assert "阀门漏水" not in body
        assert "更换密封圈" not in body
        assert "已解决" not in body
    assert "****" in pages[0]
    assert ticket.number in pages[2]


@pytest.mark.parametrize("path", ["/tickets/", "/"])
def test_navigation_links_to_tickets(personas: Personas, path: str) -> None:
    body = _client(personas.agent).get(path).content.decode()

    assert 'href="/tickets/"' in body
