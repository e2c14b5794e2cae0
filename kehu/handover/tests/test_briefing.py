"""The successor's briefing page and handover inbox, after the rep's book went to the second rep."""

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from kehu.conftest import Personas
from kehu.customers import services as customer_services
from kehu.handover.briefing import inbox, inbox_count
from kehu.handover.execute import execute_handover
from kehu.handover.models import Handover
from kehu.handover.plan import PlanChoice, build_plan
from kehu.handover.tests.conftest import Book
from kehu.org.models import FieldAccess, Role, User
from kehu.sales import quotes
from kehu.sales import services as sales_services
from kehu.service import services as ticket_services
from kehu.timeline import services as timeline_services


def _client(user: User) -> Client:
    client = Client(headers={"Accept-Language": "zh-hans"})
    client.force_login(user)
    return client


@pytest.fixture
def handed_over(personas: Personas, book: Book) -> Handover:
    """Send the quote, name a decision maker on the first customer and hand the book to rep2."""
    quotes.set_quote_status(personas.rep, book.quote, "sent")
    customer_services.add_contact(
        personas.rep,
        book.first,
        {"name": "孙志远", "title": "采购总监", "decision_role": "decision_maker"},
    )
    handover = build_plan(
        personas.manager, personas.rep, PlanChoice(mode="users", successors=[personas.rep2])
    )
    execute_handover(personas.manager, handover)
    handover.refresh_from_db()
    return handover


def test_briefing_shows_each_part(personas: Personas, book: Book, handed_over: Handover) -> None:
    response = _client(personas.rep2).get(f"/handover/customers/{book.first.public_id}/briefing/")
    page = response.content.decode()

    assert response.status_code == 200
    assert "交接简报：温州瓯江阀门有限公司" in page
    assert "由 李销售 于" in page
    assert "交接。" in page
    # Contacts with their role in the decision.
    assert "孙志远" in page
    assert "采购总监 · 决策人" in page
    assert "王建国" in page
    # The last interactions, and the next step promised with its date.
    assert "确认了二期需求" in page
    assert "经理陪同拜访" in page
    assert "2099-01-05" in page
    # Open deals with stage and amount; the won deal is left out.
    assert "阀门年度采购" in page
    assert "180,000.50" in page
    assert "首批试用订单" not in page
    # The quote awaiting an answer, with its total.
    assert book.quote.number in page
    assert "1,205.00" in page
    # The contract with both instalments overdue (their due dates are in 2026).
    assert "阀门供货合同" in page
    assert "逾期 ¥100,000.10" in page
    # The open complaint, both as an open ticket and as a recent complaint.
    assert page.count("阀门漏水") == 2
    # A decision maker, a recent follow-up and a next date are on record.
    assert "记录中未发现缺口。" in page


def test_briefing_lists_gaps(personas: Personas, book: Book, handed_over: Handover) -> None:
    response = _client(personas.rep2).get(f"/handover/customers/{book.second.public_id}/briefing/")
    page = response.content.decode()

    assert response.status_code == 200
    assert "联系人中没有记录决策人。" in page
    assert "最近 30 天内没有跟进。" in page
    assert "尚未设置下次跟进日期。" in page


def test_briefing_hides_money_without_money_access(
    personas: Personas, book: Book, handed_over: Handover
) -> None:
    rep_role = personas.rep2.role
    assert rep_role is not None
    no_money = Role.objects.create(
        name="无金额销售",
        data_scope=rep_role.data_scope,
        capabilities=list(rep_role.capabilities),
        money_access=FieldAccess.HIDDEN,
    )
    personas.rep2.role = no_money
    personas.rep2.save(update_fields=["role"])

    response = _client(personas.rep2).get(f"/handover/customers/{book.first.public_id}/briefing/")
    page = response.content.decode()

    assert response.status_code == 200
    assert "阀门年度采购" in page
    assert "阀门供货合同" in page
    assert "180,000.50" not in page
    assert "1,205.00" not in page
    assert "100,000.10" not in page
    assert "已回款" not in page


def test_briefing_404_outside_scope(personas: Personas, book: Book, handed_over: Handover) -> None:
    url = f"/handover/customers/{book.first.public_id}/briefing/"

    outside = _client(personas.other_rep).get(url)
    predecessor = _client(personas.rep).get(url)

    assert outside.status_code == 404
    assert predecessor.status_code == 404
    assert _client(personas.manager).get(url).status_code == 200


def test_inbox_until_first_follow_up(personas: Personas, book: Book, handed_over: Handover) -> None:
    client = _client(personas.rep2)
    listed = client.get("/handover/inbox/").content.decode()

    assert [item.customer_id for item in inbox(personas.rep2)] == [
        book.second.pk,
        book.first.pk,
    ]
    assert inbox_count(personas.rep2) == 2
    assert f"/handover/customers/{book.first.public_id}/briefing/" in listed
    assert "宁波港城物流有限公司" in listed
    assert '交接收件箱 <span class="badge">2</span>' in listed

    timeline_services.add_follow_up(
        personas.rep2, book.first, {"kind": "call", "content": "接手后首次致电"}
    )
    after = client.get("/handover/inbox/").content.decode()

    assert [item.customer_id for item in inbox(personas.rep2)] == [book.second.pk]
    assert inbox_count(personas.rep2) == 1
    assert f"/handover/customers/{book.first.public_id}/briefing/" not in after
    assert f"/handover/customers/{book.second.public_id}/briefing/" in after


def test_inbox_ignores_others_follow_ups(
    personas: Personas, book: Book, handed_over: Handover
) -> None:
    timeline_services.add_follow_up(
        personas.manager, book.first, {"kind": "visit", "content": "经理交接后回访"}
    )

    assert inbox_count(personas.rep2) == 2
    assert inbox(personas.manager) == []
    assert inbox(personas.rep) == []


def test_briefing_in_english(personas: Personas, book: Book, handed_over: Handover) -> None:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(personas.rep2)

    page = client.get(f"/handover/customers/{book.first.public_id}/briefing/").content.decode()

    assert "Briefing: 温州瓯江阀门有限公司" in page
    assert "Contacts and their role in the decision" in page
    assert "The last 5 follow-ups" in page
    assert "Quotes awaiting an answer" in page
    assert "Complaints in the last 90 days" in page


def test_briefing_query_count_is_pinned(
    personas: Personas,
    book: Book,
    handed_over: Handover,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = _client(personas.rep2)
    url = f"/handover/customers/{book.first.public_id}/briefing/"

    # Each record type is one read, preceded by the visibility layer's check of the user's
    # shares, and each target's custom fields are read once.
    with django_assert_num_queries(29):
        client.get(url)
    # One more of every listed record must not add a query.
    rep2 = personas.rep2
    sales_services.create_deal(rep2, book.first, {"name": "二期扩容", "amount": "5000"})
    timeline_services.add_follow_up(rep2, book.first, {"kind": "call", "content": "再次确认"})
    customer_services.add_contact(rep2, book.first, {"name": "周敏", "title": "财务"})
    ticket_services.open_ticket(
        rep2, book.first, {"subject": "发货延迟", "category": "complaint"}, assignee=rep2
    )
    with django_assert_num_queries(29):
        client.get(url)
