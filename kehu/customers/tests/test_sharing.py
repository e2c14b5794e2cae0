"""Sharing customers with colleagues and assigning outside agents (kehu.customers.sharing)."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from pytest_django.fixtures import Settings

from kehu.audit.models import AuditAction, AuditEntry
from kehu.conftest import Personas
from kehu.core import clock
from kehu.customers import services, sharing
from kehu.customers.models import Customer, CustomerShare, ShareAccess
from kehu.customers.queries import is_visible, is_writable
from kehu.org.models import User
from kehu.timeline import services as timeline_services
from kehu.timeline.models import Event, EventKind, FollowUp


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    """Hash the personas' passwords with a fast hasher; Argon2 costs seconds per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def customer(personas: Personas) -> Customer:
    """A customer of the second rep, whom the first rep cannot see."""
    return services.create_customer(
        personas.rep2, {"name": "宁波海风贸易有限公司"}, [{"name": "赵强"}], owner=personas.rep2
    )


@pytest.fixture
def frozen() -> Iterator[None]:
    clock.freeze(timezone.make_aware(dt.datetime(2026, 3, 10, 10, 0)))
    yield
    clock.freeze(None)


def _state() -> dict[str, list[Any]]:
    return {
        "customers": list(Customer.objects.order_by("pk").values()),
        "shares": list(CustomerShare.objects.order_by("pk").values()),
        "agents": list(Customer.agents.through.objects.order_by("pk").values()),
        "follow_ups": list(FollowUp.objects.order_by("pk").values()),
        "events": list(Event.objects.order_by("pk").values()),
        "audit": list(AuditEntry.objects.order_by("pk").values()),
    }


def test_owner_shares_read_only(personas: Personas, customer: Customer) -> None:
    share = sharing.share_customer(personas.rep2, customer, personas.rep, ShareAccess.READ, None)

    assert is_visible(personas.rep, customer)
    assert not is_writable(personas.rep, customer)
    assert (share.access, share.until, share.shared_by) == ("read", None, personas.rep2)
    event = Event.objects.get(kind=EventKind.SHARED)
    assert event.actor == personas.rep2
    assert event.data == {"name": "李销售", "access": "read", "until": None}
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.target_type, entry.target_id) == (
        AuditAction.SHARE_ADDED,
        "customer",
        str(customer.public_id),
    )
    assert entry.detail == {"user": str(personas.rep.public_id), "access": "read", "until": None}


def test_read_only_share_cannot_edit_or_follow_up(personas: Personas, customer: Customer) -> None:
    sharing.share_customer(personas.rep2, customer, personas.rep, ShareAccess.READ, None)
    before = _state()

    with pytest.raises(PermissionDenied):
        services.update_customer(personas.rep, customer, {"grade": "A"})
    with pytest.raises(PermissionDenied):
        services.add_contact(personas.rep, customer, {"name": "钱伟"})
    with pytest.raises(PermissionDenied):
        timeline_services.add_follow_up(personas.rep, customer, {"kind": "call", "content": "x"})

    assert _state() == before


def test_read_write_share_edits_and_follows_up(personas: Personas, customer: Customer) -> None:
    sharing.share_customer(personas.rep2, customer, personas.rep, ShareAccess.WRITE, None)

    services.update_customer(personas.rep, customer, {"grade": "A"})
    follow_up = timeline_services.add_follow_up(
        personas.rep, customer, {"kind": "call", "content": "电话回访"}
    )

    customer.refresh_from_db()
    assert customer.grade == "A"
    assert customer.owner == personas.rep2
    assert follow_up.author == personas.rep


def test_share_until_date_expires(personas: Personas, customer: Customer, frozen: None) -> None:
    sharing.share_customer(
        personas.rep2, customer, personas.rep, ShareAccess.WRITE, dt.date(2026, 3, 12)
    )

    clock.freeze(timezone.make_aware(dt.datetime(2026, 3, 12, 23, 59)))
    assert is_visible(personas.rep, customer)
    assert is_writable(personas.rep, customer)

    clock.freeze(timezone.make_aware(dt.datetime(2026, 3, 13, 0, 0)))
    assert not is_visible(personas.rep, customer)
    assert not is_writable(personas.rep, customer)
    share = CustomerShare.objects.get()
    assert not sharing.is_active_share(share)


def test_end_date_in_past_rejected(personas: Personas, customer: Customer, frozen: None) -> None:
    before = _state()

    with pytest.raises(ValidationError) as raised:
        sharing.share_customer(
            personas.rep2, customer, personas.rep, ShareAccess.READ, dt.date(2026, 3, 9)
        )

    assert raised.value.message_dict == {
        "until": ["截止日期 2026-03-09 已过，请选择今天或之后的日期。"]
    }
    assert _state() == before


def test_rep_cannot_share_someone_elses_customer(personas: Personas, customer: Customer) -> None:
    before = _state()

    with pytest.raises(Http404):
        sharing.share_customer(personas.rep, customer, personas.other_rep, "read", None)

    assert _state() == before


def test_shared_rep_cannot_reshare(personas: Personas, customer: Customer) -> None:
    share = sharing.share_customer(personas.rep2, customer, personas.rep, ShareAccess.WRITE, None)
    before = _state()

    with pytest.raises(PermissionDenied) as raised:
        sharing.share_customer(personas.rep, customer, personas.other_rep, "read", None)
    with pytest.raises(PermissionDenied):
        sharing.unshare(personas.rep, share)

    assert str(raised.value) == "只有负责人或经理可以共享此客户。"
    assert _state() == before


def test_manager_shares_customer_in_reach(personas: Personas, customer: Customer) -> None:
    sharing.share_customer(personas.manager, customer, personas.other_rep, "read", None)

    assert is_visible(personas.other_rep, customer)


def test_other_departments_manager_sees_nothing(personas: Personas, customer: Customer) -> None:
    before = _state()

    with pytest.raises(Http404):
        sharing.share_customer(personas.other_manager, customer, personas.other_rep, "read", None)
    with pytest.raises(Http404):
        sharing.assign_agent(personas.other_manager, customer, personas.agent)

    assert _state() == before


@pytest.mark.parametrize(
    ("recipient", "message"),
    [
        ("agent", "外部代理 是外部协作者。外部协作者通过指派获得客户，不能通过共享获得。"),
        ("rep2", "您不能把客户共享给自己。"),
        ("inactive", "李销售 已停用。"),
    ],
)
def test_bad_recipients_rejected(
    personas: Personas, customer: Customer, recipient: str, message: str
) -> None:
    if recipient == "inactive":
        User.objects.filter(pk=personas.rep.pk).update(is_active=False)
        personas.rep.refresh_from_db()
        user = personas.rep
    else:
        user = getattr(personas, recipient)
    before = _state()

    with pytest.raises(ValidationError) as raised:
        sharing.share_customer(personas.rep2, customer, user, "read", None)

    assert raised.value.message_dict == {"user": [message]}
    assert _state() == before


def test_manager_cannot_share_with_owner(personas: Personas, customer: Customer) -> None:
    with pytest.raises(ValidationError) as raised:
        sharing.share_customer(personas.manager, customer, personas.rep2, "read", None)

    assert raised.value.message_dict == {"user": ["张销售 已经是此客户的负责人。"]}


def test_unknown_access_rejected(personas: Personas, customer: Customer) -> None:
    with pytest.raises(ValidationError) as raised:
        sharing.share_customer(personas.rep2, customer, personas.rep, "admin", None)

    assert list(raised.value.message_dict) == ["access"]
    assert not CustomerShare.objects.exists()


def test_sharing_again_changes_access(personas: Personas, customer: Customer) -> None:
    sharing.share_customer(personas.rep2, customer, personas.rep, ShareAccess.READ, None)
    sharing.share_customer(personas.rep2, customer, personas.rep, ShareAccess.READ, None)
    sharing.share_customer(personas.manager, customer, personas.rep, ShareAccess.WRITE, None)

    share = CustomerShare.objects.get()
    assert (share.access, share.shared_by) == ("write", personas.manager)
    assert Event.objects.filter(kind=EventKind.SHARED).count() == 2
    assert AuditEntry.objects.filter(action=AuditAction.SHARE_ADDED).count() == 2


def test_unshare_ends_access(personas: Personas, customer: Customer) -> None:
    share = sharing.share_customer(personas.rep2, customer, personas.rep, "write", None)

    sharing.unshare(personas.rep2, share)

    assert not is_visible(personas.rep, customer)
    assert not CustomerShare.objects.exists()
    event = Event.objects.get(kind=EventKind.SHARE_ENDED)
    assert (event.actor, event.data) == (personas.rep2, {"name": "李销售"})
    assert AuditEntry.objects.filter(action=AuditAction.SHARE_REMOVED).count() == 1


def test_manager_assigns_and_removes_agent(personas: Personas, customer: Customer) -> None:
    sharing.assign_agent(personas.manager, customer, personas.agent)
    sharing.assign_agent(personas.manager, customer, personas.agent)

    assert is_visible(personas.agent, customer)
    timeline_services.add_follow_up(personas.agent, customer, {"kind": "call", "content": "拜访"})
    with pytest.raises(PermissionDenied):
        services.update_customer(personas.agent, customer, {"grade": "A"})

    sharing.unassign_agent(personas.manager, customer, personas.agent)

    assert not is_visible(personas.agent, customer)
    kinds = list(
        Event.objects.filter(kind__startswith="agent_").order_by("pk").values_list("kind", "data")
    )
    assert kinds == [
        (EventKind.AGENT_ASSIGNED, {"name": "外部代理"}),
        (EventKind.AGENT_REMOVED, {"name": "外部代理"}),
    ]
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == [AuditAction.AGENT_ASSIGNED, AuditAction.AGENT_REMOVED]


def test_owner_rep_cannot_assign_agent(personas: Personas, customer: Customer) -> None:
    before = _state()

    with pytest.raises(PermissionDenied):
        sharing.assign_agent(personas.rep2, customer, personas.agent)

    assert _state() == before


def test_assigning_a_rep_as_agent_rejected(personas: Personas, customer: Customer) -> None:
    with pytest.raises(ValidationError) as raised:
        sharing.assign_agent(personas.manager, customer, personas.rep)

    assert list(raised.value.message_dict) == ["agent"]
    assert not customer.agents.exists()


def test_agent_cannot_share_assigned_customer(personas: Personas, customer: Customer) -> None:
    sharing.assign_agent(personas.manager, customer, personas.agent)
    before = _state()

    with pytest.raises(PermissionDenied):
        sharing.share_customer(personas.agent, customer, personas.rep, "read", None)

    assert _state() == before
