"""Ticket services: numbers, status rules, assignment, replies, who may write, the field policy."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from kehu.audit.models import AuditAction, AuditEntry
from kehu.conftest import Personas
from kehu.core import clock
from kehu.org.models import FieldAccess
from kehu.service import services
from kehu.service.models import Ticket, TicketReply, TicketStatus
from kehu.service.tests.conftest import Desk, open_leak
from kehu.timeline.models import Event, EventKind

UTC = dt.UTC


@pytest.fixture
def frozen() -> object:
    # 23:30 on 5 December 2026 in Shanghai.
    clock.freeze(dt.datetime(2026, 12, 5, 15, 30, tzinfo=UTC))
    yield
    clock.freeze(None)


def _state() -> tuple[int, int, int, int, list[tuple[str, int]]]:
    return (
        Ticket.objects.count(),
        TicketReply.objects.count(),
        Event.objects.count(),
        AuditEntry.objects.count(),
        list(Ticket.objects.order_by("pk").values_list("status", "version")),
    )


def test_open_ticket_numbers_by_shanghai_day(
    personas: Personas, desk: Desk, frozen: object
) -> None:
    first = open_leak(personas, desk)
    second = open_leak(personas, desk)
    # 16:00 UTC is midnight in Shanghai: a new day, and its numbers start again at 1.
    clock.freeze(dt.datetime(2026, 12, 5, 16, 0, tzinfo=UTC))
    third = open_leak(personas, desk)

    assert first.number == "GD-20261205-0001"
    assert second.number == "GD-20261205-0002"
    assert third.number == "GD-20261206-0001"


def test_open_ticket_records_event_and_audit(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk, priority="high")

    assert ticket.status == TicketStatus.OPEN
    assert ticket.priority == "high"
    assert ticket.contact == desk.contact
    assert ticket.created_by == personas.rep
    assert ticket.closed_at is None
    event = Event.objects.get(kind=EventKind.TICKET_OPENED)
    assert event.customer_id == desk.customer.pk
    assert event.data["number"] == ticket.number
    assert event.data["category"] == "repair"
    assert AuditEntry.objects.filter(action=AuditAction.TICKET_CREATED).count() == 1


def test_open_ticket_accepts_chinese_labels(personas: Personas, desk: Desk) -> None:
    with translation.override("zh-hans"):
        ticket = services.open_ticket(
            personas.rep,
            desk.customer,
            {"subject": "服务态度差", "category": "投诉", "priority": "紧急"},
        )

    assert (ticket.category, ticket.priority) == ("complaint", "urgent")


def test_open_ticket_rejects_missing_subject_and_category(personas: Personas, desk: Desk) -> None:
    before = _state()

    with pytest.raises(ValidationError) as raised:
        services.open_ticket(personas.rep, desk.customer, {"subject": " ", "category": "bogus"})

    assert sorted(raised.value.message_dict) == ["category", "subject"]
    assert _state() == before


def test_open_ticket_reports_every_error(personas: Personas, desk: Desk) -> None:
    personas.rep2.is_active = False
    personas.rep2.save(update_fields=["is_active"])
    before = _state()

    with pytest.raises(ValidationError) as raised:
        services.open_ticket(
            personas.rep,
            desk.customer,
            {"subject": "", "category": "bogus"},
            contact=desk.other_contact,
            assignee=personas.rep2,
        )

    assert sorted(raised.value.message_dict) == ["assignee", "category", "contact", "subject"]
    assert _state() == before


def test_change_ticket_reports_every_error(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)
    before = _state()

    with pytest.raises(ValidationError) as raised:
        services.change_ticket(
            personas.rep, ticket, {"priority": "bogus"}, contact=desk.other_contact
        )

    assert sorted(raised.value.message_dict) == ["contact", "priority"]
    assert _state() == before


def test_open_ticket_rejects_other_customers_contact(personas: Personas, desk: Desk) -> None:
    before = _state()

    with pytest.raises(ValidationError) as raised:
        services.open_ticket(
            personas.rep,
            desk.customer,
            {"subject": "漏水", "category": "repair"},
            contact=desk.other_contact,
        )

    assert list(raised.value.message_dict) == ["contact"]
    assert _state() == before


@pytest.mark.parametrize("persona", ["agent", "rep2", "other_rep"])
def test_open_ticket_denied(personas: Personas, desk: Desk, persona: str) -> None:
    before = _state()

    with pytest.raises(PermissionDenied):
        services.open_ticket(
            getattr(personas, persona), desk.customer, {"subject": "漏水", "category": "repair"}
        )

    assert _state() == before


@pytest.mark.parametrize("persona", ["agent", "rep2", "other_rep"])
def test_writes_denied_on_existing_ticket(personas: Personas, desk: Desk, persona: str) -> None:
    ticket = open_leak(personas, desk)
    actor = getattr(personas, persona)
    before = _state()

    with pytest.raises(PermissionDenied):
        services.reply_to_ticket(actor, ticket, "已安排上门")
    with pytest.raises(PermissionDenied):
        services.change_ticket(actor, ticket, {"priority": "urgent"})
    with pytest.raises(PermissionDenied):
        services.assign_ticket(actor, ticket, personas.manager)
    with pytest.raises(PermissionDenied):
        services.set_ticket_status(actor, ticket, "resolved", resolution="已更换")

    assert _state() == before


def test_resolving_needs_resolution(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)
    before = _state()

    with pytest.raises(ValidationError) as raised:
        services.set_ticket_status(personas.rep, ticket, "resolved")
    with pytest.raises(ValidationError):
        services.set_ticket_status(personas.rep, ticket, "closed", resolution="  ")

    assert list(raised.value.message_dict) == ["resolution"]
    assert _state() == before


def test_status_times_resolve_close_reopen(personas: Personas, desk: Desk, frozen: object) -> None:
    ticket = open_leak(personas, desk)
    resolved_at = dt.datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
    clock.freeze(resolved_at)
    ticket = services.set_ticket_status(personas.rep, ticket, "resolved", resolution="更换密封圈")
    closed_at = dt.datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    clock.freeze(closed_at)
    ticket = services.set_ticket_status(personas.rep, ticket, "closed")

    assert (ticket.status, ticket.resolution) == ("closed", "更换密封圈")
    assert (ticket.resolved_at, ticket.closed_at) == (resolved_at, closed_at)

    ticket = services.set_ticket_status(personas.rep, ticket, "in_progress")

    assert ticket.status == "in_progress"
    assert (ticket.resolved_at, ticket.closed_at) == (None, None)
    assert ticket.resolution == "更换密封圈"
    changes = Event.objects.filter(kind=EventKind.TICKET_STATUS_CHANGED).order_by("pk")
    assert [(e.data["previous"], e.data["status"]) for e in changes] == [
        ("open", "resolved"),
        ("resolved", "closed"),
        ("closed", "in_progress"),
    ]
    assert changes[0].data["resolution"] == "更换密封圈"
    assert "resolution" not in changes[2].data


def test_closing_directly_sets_both_times(personas: Personas, desk: Desk, frozen: object) -> None:
    ticket = open_leak(personas, desk)

    ticket = services.set_ticket_status(personas.rep, ticket, "closed", resolution="客户撤回")

    assert ticket.resolved_at == ticket.closed_at == clock.now()


def test_same_status_is_rejected(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)

    with pytest.raises(ValidationError) as raised:
        services.set_ticket_status(personas.rep, ticket, "open")

    assert list(raised.value.message_dict) == ["status"]


def test_stale_version_is_rejected(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)
    services.change_ticket(personas.rep, ticket, {"priority": "high"}, expected_version=1)
    before = _state()

    with pytest.raises(ValidationError) as raised:
        services.change_ticket(personas.manager, ticket, {"priority": "low"}, expected_version=1)

    assert list(raised.value.message_dict) == ["version"]
    assert _state() == before
    assert Ticket.objects.get().priority == "high"


def test_change_ticket_fields_and_contact(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)

    changed = services.change_ticket(
        personas.rep, ticket, {"subject": "阀门漏水（二次）", "priority": "urgent"}, contact=None
    )

    assert (changed.subject, changed.priority, changed.contact) == (
        "阀门漏水（二次）",
        "urgent",
        None,
    )
    assert changed.version == 2
    entry = AuditEntry.objects.get(action=AuditAction.TICKET_CHANGED)
    assert entry.detail == {"subject": "阀门漏水（二次）", "priority": "urgent", "contact": None}


def test_change_ticket_rejects_protected_keys(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)

    with pytest.raises(ValidationError) as raised:
        services.change_ticket(personas.rep, ticket, {"status": "closed", "number": "GD-1"})

    assert sorted(raised.value.message_dict) == ["number", "status"]
    assert Ticket.objects.get().status == "open"


def test_resolved_ticket_keeps_a_resolution(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)
    ticket = services.set_ticket_status(personas.rep, ticket, "resolved", resolution="已更换")

    with pytest.raises(ValidationError) as raised:
        services.change_ticket(personas.rep, ticket, {"resolution": ""})

    assert list(raised.value.message_dict) == ["resolution"]


def test_assign_ticket_records_event(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)

    assigned = services.assign_ticket(personas.rep, ticket, personas.manager)

    assert assigned.assignee == personas.manager
    event = Event.objects.get(kind=EventKind.TICKET_ASSIGNED)
    assert (event.data["from_name"], event.data["to_name"]) == ("", "王经理")


@pytest.mark.parametrize("persona", ["agent", "rep2", "other_rep"])
def test_assignee_must_work_on_customer(personas: Personas, desk: Desk, persona: str) -> None:
    ticket = open_leak(personas, desk)
    before = _state()

    with pytest.raises(ValidationError) as raised:
        services.assign_ticket(personas.rep, ticket, getattr(personas, persona))

    assert list(raised.value.message_dict) == ["assignee"]
    assert _state() == before


def test_deactivated_user_is_no_assignee(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)
    personas.manager.is_active = False
    personas.manager.save(update_fields=["is_active"])

    with pytest.raises(ValidationError):
        services.assign_ticket(personas.rep, ticket, personas.manager)


def test_find_assignee_missing_and_refused_look_alike(personas: Personas, desk: Desk) -> None:
    with pytest.raises(ValidationError) as missing:
        services.find_assignee(desk.customer, "7d7f7a4e-4c3a-4bd0-9d4c-000000000000")
    with pytest.raises(ValidationError) as refused:
        services.find_assignee(desk.customer, str(personas.other_rep.public_id))

    assert missing.value.message_dict == refused.value.message_dict


def test_first_public_reply_sets_first_response(
    personas: Personas, desk: Desk, frozen: object
) -> None:
    ticket = open_leak(personas, desk)
    services.reply_to_ticket(personas.rep, ticket, "请先关闭总阀", internal=True)
    assert Ticket.objects.get().first_response_at is None

    services.reply_to_ticket(personas.rep, ticket, "您好，师傅明早上门。")
    first = Ticket.objects.get().first_response_at
    clock.freeze(dt.datetime(2026, 12, 6, 1, 0, tzinfo=UTC))
    services.reply_to_ticket(personas.manager, ticket, "已确认上门时间")

    assert first == dt.datetime(2026, 12, 5, 15, 30, tzinfo=UTC)
    assert Ticket.objects.get().first_response_at == first
    events = Event.objects.filter(kind=EventKind.TICKET_REPLIED).order_by("pk")
    assert [e.data["internal"] for e in events] == [True, False, False]
    assert events[1].data["excerpt"] == "您好，师傅明早上门。"
    assert AuditEntry.objects.filter(action=AuditAction.TICKET_REPLIED).count() == 3


def test_empty_reply_is_rejected(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)

    with pytest.raises(ValidationError) as raised:
        services.reply_to_ticket(personas.rep, ticket, "   ")

    assert list(raised.value.message_dict) == ["body"]
    assert TicketReply.objects.count() == 0


def test_field_policy_rejects_unwritable_fields(personas: Personas, desk: Desk) -> None:
    ticket = open_leak(personas, desk)
    role = personas.rep.role
    assert role is not None
    role.field_policy = {
        "ticket.priority": FieldAccess.READ_ONLY,
        "ticket.description": FieldAccess.HIDDEN,
        "ticket.replies": FieldAccess.READ_ONLY,
        "ticket.status": FieldAccess.READ_ONLY,
    }
    role.save(update_fields=["field_policy"])
    personas.rep.refresh_from_db()
    before = _state()

    with pytest.raises(ValidationError) as raised:
        services.change_ticket(personas.rep, ticket, {"priority": "low", "description": "x"})
    with pytest.raises(ValidationError):
        services.reply_to_ticket(personas.rep, ticket, "已处理")
    with pytest.raises(ValidationError):
        services.set_ticket_status(personas.rep, ticket, "in_progress")

    messages = raised.value.message_dict
    assert messages["description"] == ["未知字段“description”。"]
    assert "priority" in messages
    assert _state() == before
