"""Starting an offboarding, deactivating without a handover, and the pending-handover list."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from kehu.assignment.models import AssignmentRule, RouteKind, RoutingDefault
from kehu.assignment.routing import route
from kehu.audit.models import AuditAction, AuditEntry
from kehu.conftest import Personas
from kehu.core import clock
from kehu.customers import services as customer_services
from kehu.customers.models import Customer
from kehu.customers.queries import visible_customers
from kehu.handover.models import Offboarding, OffboardingStatus
from kehu.handover.offboarding import (
    cancel_offboarding,
    pending_handovers,
    start_offboarding,
)
from kehu.handover.tests.conftest import Book
from kehu.leads import services as lead_services
from kehu.org import services as org_services
from kehu.org.models import Capability, Role, User
from kehu.pool import services as pool_services
from kehu.sales.models import Deal
from kehu.service.models import Ticket


def _last_day() -> dt.date:
    return clock.today() + dt.timedelta(days=30)


def _fresh(user: User) -> User:
    return User.objects.select_related("role").get(pk=user.pk)


def _grant_export(user: User) -> None:
    """Give the user's role the export capability, which no preset grants."""
    assert user.role is not None
    user.role.capabilities = [*user.role.capabilities, Capability.EXPORT.value]
    user.role.save(update_fields=["capabilities"])


def test_offboarding_withholds_export_and_claim(personas: Personas) -> None:
    _grant_export(personas.rep)
    assert personas.rep.has_capability(Capability.EXPORT)
    assert pool_services.may_claim(personas.rep)

    # The rep's role now has export, which the manager's lacks, so the boss starts it.
    start_offboarding(personas.boss, personas.rep, _last_day())

    rep = _fresh(personas.rep)
    assert rep.leaving_on == _last_day()
    assert not rep.has_capability(Capability.EXPORT)
    assert rep.has_capability(Capability.FOLLOW_UP)
    assert not pool_services.may_claim(rep)
    assert AuditEntry.objects.filter(action=AuditAction.OFFBOARDING_STARTED).count() == 1


def test_rule_naming_only_leaver_falls_back(personas: Personas) -> None:
    now = clock.now()
    AssignmentRule.objects.create(
        name="华东客户",
        route=RouteKind.USER,
        user=personas.rep,
        created_at=now,
        updated_at=now,
    )
    RoutingDefault.objects.create(target="customer", owner=personas.rep2, updated_at=now)
    assert route({}, target="customer").owner == personas.rep

    start_offboarding(personas.manager, personas.rep, _last_day())

    chosen = route({}, target="customer")
    assert chosen.owner == personas.rep2
    assert chosen.rule is None


def test_leaver_cannot_receive_customers(personas: Personas) -> None:
    customer = customer_services.create_customer(personas.rep2, {"name": "苏州园林建设有限公司"})
    start_offboarding(personas.manager, personas.rep, _last_day())

    with pytest.raises(ValidationError):
        customer_services.change_owner(personas.manager, customer, _fresh(personas.rep))

    assert Customer.objects.get(pk=customer.pk).owner_id == personas.rep2.pk


def test_leaver_cannot_create_own_customers(personas: Personas) -> None:
    start_offboarding(personas.manager, personas.rep, _last_day())
    rep = _fresh(personas.rep)

    with pytest.raises(ValidationError, match="正在办理离职"):
        customer_services.create_customer(rep, {"name": "苏州园林建设有限公司"}, owner=rep)

    assert not Customer.objects.filter(name="苏州园林建设有限公司").exists()


def test_cancel_gives_rights_back(personas: Personas) -> None:
    _grant_export(personas.rep)
    offboarding = start_offboarding(personas.boss, personas.rep, _last_day())

    cancel_offboarding(personas.boss, offboarding)

    rep = _fresh(personas.rep)
    assert rep.leaving_on is None
    assert rep.has_capability(Capability.EXPORT)
    assert Offboarding.objects.get(pk=offboarding.pk).status == OffboardingStatus.CANCELLED


def test_start_twice_is_rejected(personas: Personas) -> None:
    start_offboarding(personas.manager, personas.rep, _last_day())

    with pytest.raises(ValidationError):
        start_offboarding(personas.boss, _fresh(personas.rep), _last_day())

    assert Offboarding.objects.count() == 1


def test_start_outside_reach_is_denied(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        start_offboarding(personas.other_manager, personas.rep, _last_day())
    with pytest.raises(PermissionDenied):
        start_offboarding(personas.rep2, personas.rep, _last_day())

    assert not Offboarding.objects.exists()
    assert _fresh(personas.rep).leaving_on is None


def test_past_last_day_is_rejected(personas: Personas) -> None:
    with pytest.raises(ValidationError) as raised:
        start_offboarding(personas.manager, personas.rep, clock.today() - dt.timedelta(days=1))

    assert "last_day" in raised.value.message_dict


def test_deactivation_orphans_nothing(personas: Personas, book: Book) -> None:
    owned = set(Customer.objects.filter(owner=personas.rep).values_list("pk", flat=True))

    org_services.deactivate_user(personas.boss, personas.rep)

    assert set(Customer.objects.filter(owner=personas.rep).values_list("pk", flat=True)) == owned
    assert Deal.objects.filter(owner=personas.rep).count() == 3
    assert Ticket.objects.get(pk=book.ticket.pk).assignee_id == personas.rep.pk
    assert not Customer.objects.filter(owner__isnull=True).exists()
    assert owned <= set(visible_customers(personas.manager).values_list("pk", flat=True))
    assert list(pending_handovers(personas.manager)) == [personas.rep]
    assert list(pending_handovers(personas.boss)) == [personas.rep]
    assert list(pending_handovers(personas.other_manager)) == []
    assert list(pending_handovers(personas.rep2)) == []


def test_open_lead_keeps_offboarding_open(personas: Personas, book: Book) -> None:
    lead = lead_services.create_lead(personas.rep, {"name": "钱先生", "mobile": "13900001111"})
    start_offboarding(personas.manager, personas.rep, _last_day())

    call_command("handover", "rep", "--to", "rep2", "--as", "manager", stdout=StringIO())

    assert Offboarding.objects.get().status == OffboardingStatus.OPEN
    assert list(pending_handovers(personas.manager)) == [personas.rep]

    lead_services.assign_lead(personas.manager, lead, personas.rep2)
    call_command("handover", "rep", "--to", "rep2", "--as", "manager", stdout=StringIO())

    assert Offboarding.objects.get().status == OffboardingStatus.COMPLETED
    assert list(pending_handovers(personas.manager)) == []


def test_handover_completes_offboarding(personas: Personas, book: Book) -> None:
    start_offboarding(personas.manager, personas.rep, _last_day())
    out = StringIO()

    call_command("handover", "rep", "--to", "rep2", "--as", "manager", "--json", stdout=out)

    report = json.loads(out.getvalue())
    assert report["moved"]["customers"] == 2
    assert report["moved"]["deals"] == 3
    assert report["moved"]["contracts"] == 1
    assert report["moved"]["tickets"] == 1
    assert Offboarding.objects.get().status == OffboardingStatus.COMPLETED
    assert list(pending_handovers(personas.manager)) == []


def test_command_dry_run_and_rerun(personas: Personas, book: Book) -> None:
    dry = StringIO()
    call_command("handover", "rep", "--to", "rep2", "--dry-run", "--json", stdout=dry)
    assert json.loads(dry.getvalue())["moved"]["customers"] == 2
    assert Customer.objects.filter(owner=personas.rep).count() == 2

    call_command("handover", "rep", "--to", "rep2", stdout=StringIO())
    again = StringIO()
    call_command("handover", "rep", "--to", "rep2", stdout=again)

    assert "customers: 0" in again.getvalue()
    assert Customer.objects.filter(owner=personas.rep2).count() == 2


def test_command_rejects_unknown_user(personas: Personas) -> None:
    with pytest.raises(CommandError):
        call_command("handover", "nobody", "--to", "rep2", stdout=StringIO())


def _team_lead(user: User, manager: User) -> User:
    """Give `user` a role like the manager's without managing pools."""
    assert manager.role is not None
    role = Role.objects.create(
        name="组长",
        data_scope=manager.role.data_scope,
        capabilities=[c for c in manager.role.capabilities if c != Capability.MANAGE_POOLS],
    )
    user.role = role
    user.manager = None
    user.save(update_fields=["role", "manager"])
    return _fresh(user)


def test_lead_cannot_offboard_higher_role(personas: Personas) -> None:
    lead = _team_lead(personas.rep2, personas.manager)

    with pytest.raises(PermissionDenied, match="角色权限高于您"):
        start_offboarding(lead, _fresh(personas.manager), _last_day())

    assert not Offboarding.objects.exists()
    assert _fresh(personas.manager).leaving_on is None


def test_same_role_cannot_offboard_own_manager(personas: Personas) -> None:
    boss_role = personas.boss.role
    deputy = personas.rep2
    deputy.role = boss_role
    deputy.manager = personas.boss
    deputy.save(update_fields=["role", "manager"])

    with pytest.raises(PermissionDenied, match="是您的上级"):
        start_offboarding(_fresh(deputy), _fresh(personas.boss), _last_day())

    start_offboarding(_fresh(personas.boss), _fresh(deputy), _last_day())
    assert _fresh(deputy).leaving_on == _last_day()
