"""Handing over a rep's whole book: every record moves, history stays, a rerun moves nothing."""

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from kehu.assignment.models import AssignmentRule, RouteKind
from kehu.audit.models import AuditAction, AuditEntry
from kehu.conftest import Personas
from kehu.core import clock
from kehu.customers import services as customer_services
from kehu.customers.models import Contact, Customer, CustomerShare
from kehu.customers.queries import visible_customers
from kehu.handover.execute import count_records, execute_handover, locks_dropped
from kehu.handover.models import Handover, HandoverStatus, ItemKind, SuccessorMode
from kehu.handover.plan import PlanChoice, build_plan
from kehu.handover.tests.conftest import Book
from kehu.pool import services as pool_services
from kehu.pool.models import CustomerLock, PoolEntry
from kehu.pool.tests.fixtures import Pools
from kehu.sales.models import Contract, Deal, PaymentPlan, Quote, StageChange
from kehu.service.models import Ticket
from kehu.timeline.models import Event, EventKind, FollowUp


def _to_rep2(personas: Personas) -> PlanChoice:
    return PlanChoice(mode=SuccessorMode.USERS, successors=[personas.rep2])


def test_preview_lists_every_record(personas: Personas, book: Book) -> None:
    handover = build_plan(personas.manager, personas.rep, _to_rep2(personas))

    counts = count_records(handover)

    assert counts == {
        "customers": 2,
        "contacts": 3,
        "deals": 3,
        "quotes": 1,
        "contracts": 1,
        "payment_plans": 2,
        "tickets": 1,
        "follow_ups": 2,
        "follow_up_dates": 1,
        "locks": 1,
        "shares": 1,
        "pool": 0,
    }
    assert set(handover.items.values_list("successor_id", flat=True)) == {personas.rep2.pk}
    assert Customer.objects.filter(owner=personas.rep).count() == 2


def test_execute_moves_every_record(personas: Personas, book: Book) -> None:
    rep, rep2 = personas.rep, personas.rep2
    stages = dict(Deal.objects.values_list("pk", "stage_id"))
    history = StageChange.objects.count()
    handover = build_plan(personas.manager, rep, _to_rep2(personas))

    result = execute_handover(personas.manager, handover)

    assert result["changed"] is True
    assert result["skipped"] == 0
    assert result["totals"]["customers"] == 2
    assert result["totals"]["deals"] == 3
    assert result["totals"]["locks"] == 1
    assert set(
        Customer.objects.filter(pk__in=[book.first.pk, book.second.pk]).values_list(
            "owner_id", flat=True
        )
    ) == {rep2.pk}
    assert set(Deal.objects.values_list("owner_id", flat=True)) == {rep2.pk}
    assert dict(Deal.objects.values_list("pk", "stage_id")) == stages
    assert StageChange.objects.count() == history
    assert Deal.objects.get(pk=book.open_deal.pk).amount == Decimal("180000.50")
    assert Deal.objects.get(pk=book.won_deal.pk).stage.kind == "won"
    assert Deal.objects.get(pk=book.loose_deal.pk).customer_id == book.colleagues.pk
    assert Contract.objects.get(pk=book.contract.pk).owner_id == rep2.pk
    assert Contract.objects.get(pk=book.contract.pk).amount == Decimal("100000.10")
    assert list(
        PaymentPlan.objects.filter(contract=book.contract).values_list("amount", flat=True)
    ) == [Decimal("30000.03"), Decimal("70000.07")]
    assert Ticket.objects.get(pk=book.ticket.pk).assignee_id == rep2.pk
    assert Quote.objects.get(pk=book.quote.pk).creator_id == rep.pk
    assert Quote.objects.get(pk=book.quote.pk).customer_id == book.first.pk
    assert FollowUp.objects.get(pk=book.rep_note.pk).author_id == rep.pk
    assert FollowUp.objects.get(pk=book.manager_note.pk).author_id == personas.manager.pk
    assert Contact.objects.filter(customer=book.first).count() == 2
    assert Customer.objects.get(pk=book.first.pk).next_follow_up_on == dt.date(2099, 1, 5)
    assert CustomerLock.objects.get(customer=book.second).user_id == rep2.pk
    assert CustomerShare.objects.get(pk=book.share.pk).user_id == rep2.pk
    assert not CustomerShare.objects.filter(user=rep).exists()
    assert Handover.objects.get(pk=handover.pk).status == HandoverStatus.EXECUTED
    assert AuditEntry.objects.filter(action=AuditAction.HANDOVER_EXECUTED).count() == 1


def test_execute_records_ownership_events(personas: Personas, book: Book) -> None:
    handover = build_plan(personas.manager, personas.rep, _to_rep2(personas))

    execute_handover(personas.manager, handover)

    for customer in (book.first, book.second):
        event = Event.objects.filter(customer=customer, kind=EventKind.OWNER_CHANGED).get()
        assert event.actor_id == personas.manager.pk
        assert event.data["from"] == personas.rep.pk
        assert event.data["from_name"] == "李销售"
        assert event.data["to"] == personas.rep2.pk
        assert event.data["to_name"] == "张销售"
        assert event.data["handover"] == str(handover.public_id)


def test_second_run_changes_nothing(personas: Personas, book: Book) -> None:
    handover = build_plan(personas.manager, personas.rep, _to_rep2(personas))
    execute_handover(personas.manager, handover)
    events = Event.objects.count()
    versions = dict(Customer.objects.values_list("pk", "version"))

    again = execute_handover(personas.manager, handover)
    fresh = build_plan(personas.manager, personas.rep, _to_rep2(personas))
    fresh_result = execute_handover(personas.manager, fresh)

    assert again["changed"] is False
    assert fresh.items.count() == 0
    assert fresh_result["totals"]["customers"] == 0
    assert Event.objects.count() == events
    assert dict(Customer.objects.values_list("pk", "version")) == versions


def test_customer_moved_since_planning_is_skipped(personas: Personas, book: Book) -> None:
    handover = build_plan(personas.manager, personas.rep, _to_rep2(personas))
    Customer.objects.filter(pk=book.second.pk).update(owner=personas.manager)

    result = execute_handover(personas.manager, handover)

    assert result["skipped"] == 1
    assert Customer.objects.get(pk=book.second.pk).owner_id == personas.manager.pk
    assert Customer.objects.get(pk=book.first.pk).owner_id == personas.rep2.pk


def test_round_robin_alternates(personas: Personas, book: Book) -> None:
    choice = PlanChoice(mode=SuccessorMode.USERS, successors=[personas.rep2, personas.manager])
    handover = build_plan(personas.manager, personas.rep, choice)

    execute_handover(personas.manager, handover)

    assert Customer.objects.get(pk=book.first.pk).owner_id == personas.rep2.pk
    assert Customer.objects.get(pk=book.second.pk).owner_id == personas.manager.pk
    # The deals, contract and ticket of a customer follow it; the loose deal goes to the first.
    assert Deal.objects.get(pk=book.open_deal.pk).owner_id == personas.rep2.pk
    assert Deal.objects.get(pk=book.loose_deal.pk).owner_id == personas.rep2.pk


def test_per_customer_choice_and_pool(personas: Personas, book: Book, pools: Pools) -> None:
    choice = PlanChoice(
        mode=SuccessorMode.POOL,
        fallback=personas.rep2,
        overrides={book.first.pk: personas.manager},
    )
    handover = build_plan(personas.manager, personas.rep, choice)

    execute_handover(personas.manager, handover)

    assert Customer.objects.get(pk=book.first.pk).owner_id == personas.manager.pk
    second = Customer.objects.get(pk=book.second.pk)
    assert second.owner_id is None
    assert PoolEntry.objects.get(customer=second).pool_id == pools.east.pk
    assert not CustomerLock.objects.filter(customer=second).exists()
    assert Deal.objects.get(pk=book.open_deal.pk).owner_id == personas.manager.pk


def test_pool_needs_a_fallback(personas: Personas, book: Book) -> None:
    with pytest.raises(ValidationError) as raised:
        build_plan(personas.manager, personas.rep, PlanChoice(mode=SuccessorMode.POOL))

    assert "fallback" in raised.value.message_dict
    assert not Handover.objects.exists()


def test_on_job_transfer_keeps_read_access(personas: Personas, book: Book) -> None:
    until = clock.today() + dt.timedelta(days=14)
    choice = PlanChoice(
        mode=SuccessorMode.USERS,
        successors=[personas.rep2],
        customer_ids=[book.first.pk],
        read_only_until=until,
    )
    handover = build_plan(personas.manager, personas.rep, choice)

    execute_handover(personas.manager, handover)

    assert Customer.objects.get(pk=book.second.pk).owner_id == personas.rep.pk
    assert Deal.objects.get(pk=book.loose_deal.pk).owner_id == personas.rep.pk
    assert set(handover.items.values_list("kind", flat=True)) == {
        ItemKind.CUSTOMER,
        ItemKind.DEAL,
        ItemKind.CONTRACT,
        ItemKind.TICKET,
    }
    share = CustomerShare.objects.get(customer=book.first, user=personas.rep)
    assert share.access == "read"
    assert share.until == until
    assert visible_customers(personas.rep).filter(pk=book.first.pk).exists()


def test_read_access_refused_for_deactivated(personas: Personas, book: Book) -> None:
    personas.rep.is_active = False
    personas.rep.save(update_fields=["is_active"])
    choice = PlanChoice(
        mode=SuccessorMode.USERS,
        successors=[personas.rep2],
        read_only_until=clock.today(),
    )

    with pytest.raises(ValidationError) as raised:
        build_plan(personas.manager, personas.rep, choice)

    assert "read_only_until" in raised.value.message_dict


def test_manager_cannot_hand_over_outside_reach(personas: Personas, book: Book) -> None:
    with pytest.raises(PermissionDenied):
        build_plan(personas.other_manager, personas.rep, _to_rep2(personas))
    with pytest.raises(ValidationError):
        build_plan(
            personas.manager,
            personas.rep,
            PlanChoice(mode=SuccessorMode.USERS, successors=[personas.other_rep]),
        )

    assert not Handover.objects.exists()
    assert Customer.objects.filter(owner=personas.rep).count() == 2


def test_rep_cannot_hand_over(personas: Personas, book: Book) -> None:
    with pytest.raises(PermissionDenied):
        build_plan(personas.rep2, personas.rep, _to_rep2(personas))

    assert not Handover.objects.exists()


def test_successor_without_room_is_rejected(personas: Personas, book: Book, pools: Pools) -> None:
    pools.east.capacity_on, pools.east.capacity = True, 1
    pools.east.save()

    with pytest.raises(ValidationError) as raised:
        build_plan(personas.manager, personas.rep, _to_rep2(personas))

    assert "successors" in raised.value.message_dict
    assert not Handover.objects.exists()


def test_locks_kept_within_lock_limit(personas: Personas, book: Book, pools: Pools) -> None:
    own = customer_services.create_customer(personas.rep2, {"name": "宁波海川贸易有限公司"})
    pool_services.lock_customer(personas.rep2, own)
    pools.east.lock_limit = 1
    pools.east.save()
    handover = build_plan(personas.manager, personas.rep, _to_rep2(personas))

    assert locks_dropped(handover) == 1
    result = execute_handover(personas.manager, handover)

    assert result["locks_dropped"] == 1
    assert result["totals"]["locks"] == 0
    assert not CustomerLock.objects.filter(customer=book.second).exists()
    assert CustomerLock.objects.filter(user=personas.rep2).count() == 1


def test_command_reports_dropped_locks(personas: Personas, book: Book, pools: Pools) -> None:
    pools.east.lock_limit = 0
    pools.east.save()
    out = io.StringIO()

    call_command("handover", "rep", "--to", "rep2", "--as", "manager", "--json", stdout=out)

    report = json.loads(out.getvalue())
    assert report["locks_dropped"] == 1
    assert report["moved"]["locks"] == 0


def test_rules_skip_owner_out_of_reach(personas: Personas, book: Book) -> None:
    now = clock.now()
    Customer.objects.filter(pk=book.first.pk).update(industry="logistics")
    AssignmentRule.objects.create(
        name="物流客户",
        industries=["logistics"],
        route=RouteKind.USER,
        user=personas.boss,
        created_at=now,
        updated_at=now,
    )
    choice = PlanChoice(mode=SuccessorMode.RULES, fallback=personas.rep2)
    handover = build_plan(personas.manager, personas.rep, choice)

    first = handover.items.get(kind=ItemKind.CUSTOMER, customer=book.first)
    assert first.successor_id == personas.rep2.pk
    execute_handover(personas.manager, handover)
    assert Customer.objects.get(pk=book.first.pk).owner_id == personas.rep2.pk


def test_rules_route_each_customer(personas: Personas, book: Book) -> None:
    now = clock.now()
    Customer.objects.filter(pk=book.first.pk).update(industry="logistics")
    AssignmentRule.objects.create(
        name="制造业客户",
        industries=["logistics"],
        route=RouteKind.USER,
        user=personas.manager,
        created_at=now,
        updated_at=now,
    )
    choice = PlanChoice(mode=SuccessorMode.RULES, fallback=personas.rep2)
    handover = build_plan(personas.manager, personas.rep, choice)

    execute_handover(personas.manager, handover)

    assert Customer.objects.get(pk=book.first.pk).owner_id == personas.manager.pk
    # No rule and no default owner takes the second customer, so it goes to the pool.
    assert Customer.objects.get(pk=book.second.pk).owner_id is None
    assert PoolEntry.objects.filter(customer=book.second).exists()
    assert Deal.objects.get(pk=book.open_deal.pk).owner_id == personas.manager.pk
    assert Deal.objects.get(pk=book.loose_deal.pk).owner_id == personas.rep2.pk
