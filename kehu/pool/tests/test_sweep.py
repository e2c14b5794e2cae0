"""The reclaim sweep's rules, exemptions, writes and warnings, on a frozen clock."""

import datetime as dt
from decimal import Decimal

import pytest

from kehu.audit.models import AuditAction, AuditEntry
from kehu.conftest import Personas
from kehu.core import clock
from kehu.customers import services as customer_services
from kehu.customers import sharing
from kehu.customers.models import Customer, CustomerShare, ShareAccess
from kehu.org import services as org_services
from kehu.org.models import Department
from kehu.pool import sweep
from kehu.pool.models import CustomerLock, EntryCause, Pool, PoolEntry, ReclaimWarning
from kehu.pool.tests.conftest import MakeCustomer, at
from kehu.sales.models import Contract, ContractStatus, Deal, Pipeline, StageKind
from kehu.timeline import services as timeline_services
from kehu.timeline.models import Event, EventKind

pytestmark = pytest.mark.django_db


def switch_on(pool: Pool, **fields: object) -> None:
    for name, value in fields.items():
        setattr(pool, name, value)
    pool.save()


def run_at(moment: dt.datetime, *, dry_run: bool = False) -> dict[tuple[str, str], int]:
    """Run the sweep at `moment` and return {(pool name, rule): reclaimed}."""
    clock.freeze(moment)
    return {(r.pool_name, r.cause): r.reclaimed for r in sweep.sweep_pools(dry_run=dry_run)}


def owner_of(customer: Customer) -> int | None:
    return Customer.objects.values_list("owner_id", flat=True).get(pk=customer.pk)


def add_deal(customer: Customer, kind: str) -> Deal:
    pipeline = Pipeline.objects.get(is_default=True)
    assert customer.owner is not None
    now = clock.now()
    return Deal.objects.create(
        customer=customer,
        name="阀门采购",
        pipeline=pipeline,
        stage=pipeline.stages.filter(kind=kind).order_by("position")[0],
        owner=customer.owner,
        created_at=now,
        updated_at=now,
    )


def add_contract(
    customer: Customer, start: dt.date, end: dt.date | None, status: str = ContractStatus.SIGNED
) -> Contract:
    assert customer.owner is not None
    now = clock.now()
    return Contract.objects.create(
        number=f"HT-{Contract.objects.count() + 1}",
        customer=customer,
        title="年度维保",
        amount=Decimal("1000.00"),
        start_on=start,
        end_on=end,
        status=status,
        owner=customer.owner,
        created_at=now,
        updated_at=now,
    )


def test_no_follow_up_counts_shanghai_dates(pool: Pool, make_customer: MakeCustomer) -> None:
    switch_on(pool, no_follow_up_on=True, no_follow_up_days=30)
    late = make_customer(at(2026, 3, 1, 23, 59))
    next_day = make_customer(at(2026, 3, 2, 0, 0))

    assert run_at(at(2026, 3, 30, 23, 59)) == {(pool.name, EntryCause.NO_FOLLOW_UP): 0}
    assert run_at(at(2026, 3, 31, 0, 0)) == {(pool.name, EntryCause.NO_FOLLOW_UP): 1}
    assert owner_of(late) is None
    assert owner_of(next_day) is not None
    assert run_at(at(2026, 4, 1, 0, 0)) == {(pool.name, EntryCause.NO_FOLLOW_UP): 1}
    assert owner_of(next_day) is None


def test_follow_up_restarts_the_clock(
    personas: Personas, pool: Pool, make_customer: MakeCustomer
) -> None:
    switch_on(pool, no_follow_up_on=True, no_follow_up_days=30)
    customer = make_customer(at(2026, 1, 1))
    clock.freeze(at(2026, 3, 1, 18))
    timeline_services.add_follow_up(personas.rep, customer, {"kind": "call", "content": "回访"})

    run_at(at(2026, 3, 30, 23))
    assert owner_of(customer) == personas.rep.pk
    run_at(at(2026, 3, 31, 1))
    assert owner_of(customer) is None


def test_clock_starts_when_the_owner_received_it(
    personas: Personas, pool: Pool, make_customer: MakeCustomer
) -> None:
    switch_on(pool, no_follow_up_on=True, no_follow_up_days=30, no_win_on=True, no_win_days=40)
    customer = make_customer(at(2026, 1, 1), owner=personas.rep2)
    clock.freeze(at(2026, 1, 5))
    timeline_services.add_follow_up(personas.rep2, customer, {"kind": "call", "content": "回访"})
    clock.freeze(at(2026, 3, 1, 10))
    customer_services.change_owner(personas.manager, customer, personas.rep)

    run_at(at(2026, 3, 30, 23))
    assert owner_of(customer) == personas.rep.pk
    assert run_at(at(2026, 3, 31, 0, 30))[(pool.name, EntryCause.NO_FOLLOW_UP)] == 1
    entry = PoolEntry.objects.get(customer=customer)
    assert entry.cause == EntryCause.NO_FOLLOW_UP
    assert entry.previous_owner == personas.rep


def test_grade_overrides_the_days(pool: Pool, make_customer: MakeCustomer) -> None:
    switch_on(pool, no_follow_up_on=True, no_follow_up_days=30)
    assert pool.no_follow_up_days_by_grade == {"A": 15, "C": 60}
    key = make_customer(at(2026, 3, 1), grade="A")
    regular = make_customer(at(2026, 3, 1), grade="B")
    low = make_customer(at(2026, 3, 1), grade="C")

    run_at(at(2026, 3, 16, 1))
    assert [owner_of(c) is None for c in (key, regular, low)] == [True, False, False]
    run_at(at(2026, 3, 31, 1))
    assert [owner_of(c) is None for c in (key, regular, low)] == [True, True, False]
    run_at(at(2026, 4, 29, 1))
    assert owner_of(low) is not None
    run_at(at(2026, 4, 30, 1))
    assert owner_of(low) is None


def test_exemptions_keep_customers(
    personas: Personas, pool: Pool, make_customer: MakeCustomer
) -> None:
    switch_on(pool, no_follow_up_on=True, no_follow_up_days=30, no_win_on=True, no_win_days=30)
    won_status = make_customer(at(2026, 1, 1), status="won")
    won_deal = make_customer(at(2026, 1, 1))
    add_deal(won_deal, StageKind.WON)
    open_deal = make_customer(at(2026, 1, 1))
    add_deal(open_deal, StageKind.OPEN)
    locked = make_customer(at(2026, 1, 1))
    CustomerLock.objects.create(customer=locked, user=personas.rep, locked_at=clock.now())
    lost_deal = make_customer(at(2026, 1, 1))
    add_deal(lost_deal, StageKind.LOST)

    results = run_at(at(2026, 6, 1))

    assert results[(pool.name, EntryCause.NO_FOLLOW_UP)] == 1
    assert owner_of(lost_deal) is None
    for kept in (won_status, won_deal, open_deal, locked):
        assert owner_of(kept) == personas.rep.pk


def test_deactivated_owners_keep_their_customers(
    personas: Personas, pool: Pool, make_customer: MakeCustomer
) -> None:
    switch_on(pool, no_follow_up_on=True)
    customer = make_customer(at(2026, 1, 1), owner=personas.rep2)
    org_services.deactivate_user(personas.boss, personas.rep2)

    run_at(at(2026, 6, 1))

    assert owner_of(customer) == personas.rep2.pk


def test_no_win_counts_from_the_owner_start(
    personas: Personas, pool: Pool, make_customer: MakeCustomer
) -> None:
    switch_on(pool, no_win_on=True, no_win_days=90)
    customer = make_customer(at(2026, 1, 1))
    clock.freeze(at(2026, 3, 30))
    timeline_services.add_follow_up(personas.rep, customer, {"kind": "call", "content": "回访"})

    run_at(at(2026, 3, 31, 23, 59))
    assert owner_of(customer) == personas.rep.pk
    assert run_at(at(2026, 4, 1, 0, 0)) == {(pool.name, EntryCause.NO_WIN): 1}
    assert PoolEntry.objects.get(customer=customer).cause == EntryCause.NO_WIN


def test_contract_ended_reclaims_won_customers(
    personas: Personas, pool: Pool, make_customer: MakeCustomer
) -> None:
    switch_on(pool, contract_ended_on=True, contract_ended_days=90)
    ended = make_customer(at(2025, 1, 1), status="won")
    add_contract(ended, dt.date(2025, 1, 1), dt.date(2026, 1, 10))
    renewed = make_customer(at(2025, 1, 1), status="won")
    add_contract(renewed, dt.date(2025, 1, 1), dt.date(2026, 1, 10))
    add_contract(renewed, dt.date(2026, 1, 11), dt.date(2027, 1, 10))
    draft_renewal = make_customer(at(2025, 1, 1), status="won")
    add_contract(draft_renewal, dt.date(2025, 1, 1), dt.date(2026, 1, 10))
    add_contract(draft_renewal, dt.date(2026, 1, 11), None, status=ContractStatus.DRAFT)
    open_ended = make_customer(at(2025, 1, 1), status="won")
    add_contract(open_ended, dt.date(2025, 1, 1), None)
    never_signed = make_customer(at(2025, 1, 1), status="won")

    assert run_at(at(2026, 4, 9, 23)) == {(pool.name, EntryCause.CONTRACT_ENDED): 0}
    assert run_at(at(2026, 4, 10, 1)) == {(pool.name, EntryCause.CONTRACT_ENDED): 2}
    assert owner_of(ended) is None
    assert owner_of(draft_renewal) is None
    for kept in (renewed, open_ended, never_signed):
        assert owner_of(kept) == personas.rep.pk


def test_contract_ended_waits_for_a_new_owner(
    personas: Personas, pool: Pool, make_customer: MakeCustomer
) -> None:
    switch_on(pool, contract_ended_on=True, contract_ended_days=90)
    customer = make_customer(at(2025, 1, 1), status="won")
    add_contract(customer, dt.date(2025, 1, 1), dt.date(2025, 6, 30))
    clock.freeze(at(2026, 3, 1))
    customer_services.change_owner(personas.manager, customer, personas.rep2)

    run_at(at(2026, 5, 29, 9))
    assert owner_of(customer) == personas.rep2.pk
    run_at(at(2026, 5, 30, 9))
    assert owner_of(customer) is None


def test_working_days_skip_national_day(pool: Pool, make_customer: MakeCustomer) -> None:
    switch_on(pool, no_follow_up_on=True, no_follow_up_days=3, working_days=True)
    customer = make_customer(at(2026, 9, 30, 17))

    run_at(at(2026, 10, 9, 23))
    assert owner_of(customer) is not None
    run_at(at(2026, 10, 10, 1))
    assert owner_of(customer) is None


def test_switched_off_rules_do_nothing(pool: Pool, make_customer: MakeCustomer) -> None:
    customer = make_customer(at(2025, 1, 1))

    assert run_at(at(2026, 6, 1)) == {}
    assert owner_of(customer) is not None


def test_reclaim_writes_everything_once(
    personas: Personas, pool: Pool, make_customer: MakeCustomer
) -> None:
    switch_on(pool, no_follow_up_on=True, no_follow_up_days=30)
    customers = [make_customer(at(2026, 1, 1)) for _ in range(3)]
    clock.freeze(at(2026, 1, 2))
    sharing.share_customer(personas.rep, customers[0], personas.rep2, ShareAccess.READ, None)
    versions = {c.pk: c.version for c in Customer.objects.all()}

    assert run_at(at(2026, 3, 1, 1)) == {(pool.name, EntryCause.NO_FOLLOW_UP): 3}

    for customer in Customer.objects.all():
        assert customer.owner_id is None
        assert customer.owner_since is None
        assert customer.version == versions[customer.pk] + 1
        assert customer.updated_at == at(2026, 3, 1, 1)
    assert CustomerShare.objects.count() == 0
    entries = PoolEntry.objects.filter(pool=pool)
    assert entries.count() == 3
    assert {entry.previous_owner_id for entry in entries} == {personas.rep.pk}
    events = Event.objects.filter(kind=EventKind.POOL_RECLAIMED)
    assert events.count() == 3
    event = events.get(customer=customers[0])
    assert event.actor is None
    assert event.data == {
        "pool": str(pool.public_id),
        "pool_name": pool.name,
        "from": personas.rep.pk,
        "from_name": str(personas.rep),
        "to": None,
        "to_name": "",
        "cause": EntryCause.NO_FOLLOW_UP,
        "days": 30,
    }
    audit = AuditEntry.objects.get(action=AuditAction.POOL_RECLAIMED)
    assert audit.target_id == str(pool.public_id)
    assert audit.detail == {"rule": EntryCause.NO_FOLLOW_UP, "count": 3, "day": "2026-03-01"}

    assert len({event.public_id for event in events}) == 3
    assert event.occurred_at == at(2026, 3, 1, 1)
    entry = PoolEntry.objects.get(customer=customers[0])
    assert entry.entered_at == at(2026, 3, 1, 1)
    assert entry.cause == EntryCause.NO_FOLLOW_UP

    assert run_at(at(2026, 3, 1, 2)) == {(pool.name, EntryCause.NO_FOLLOW_UP): 0}
    assert Event.objects.filter(kind=EventKind.POOL_RECLAIMED).count() == 3
    assert AuditEntry.objects.filter(action=AuditAction.POOL_RECLAIMED).count() == 1
    assert sum(Customer.objects.values_list("version", flat=True)) == sum(versions.values()) + 3


def test_department_pool_takes_its_owners_customers(
    personas: Personas, pool: Pool, make_customer: MakeCustomer
) -> None:
    east = Department.objects.get(name="华东销售部")
    east_pool = Pool.objects.create(
        name="华东公海",
        department=east,
        no_follow_up_on=True,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    east_customer = make_customer(at(2026, 1, 1), owner=personas.rep)
    south_customer = make_customer(at(2026, 1, 1), owner=personas.other_rep)

    results = run_at(at(2026, 6, 1))

    assert results == {("华东公海", EntryCause.NO_FOLLOW_UP): 1}
    assert PoolEntry.objects.get(customer=east_customer).pool == east_pool
    assert owner_of(south_customer) == personas.other_rep.pk


def test_dry_run_changes_nothing(pool: Pool, make_customer: MakeCustomer) -> None:
    switch_on(pool, no_follow_up_on=True, warning_on=True)
    make_customer(at(2026, 1, 1))
    make_customer(at(2026, 2, 1))

    clock.freeze(at(2026, 3, 1))
    results = sweep.sweep_pools(dry_run=True)

    assert [(r.reclaimed, r.warned) for r in results] == [(1, 1)]
    assert Customer.objects.filter(owner__isnull=True).count() == 0
    assert PoolEntry.objects.count() == 0
    assert ReclaimWarning.objects.count() == 0
    assert Event.objects.filter(kind=EventKind.POOL_RECLAIMED).count() == 0


def test_warnings_are_recorded_once(
    personas: Personas, pool: Pool, make_customer: MakeCustomer
) -> None:
    switch_on(pool, no_follow_up_on=True, no_follow_up_days=30, warning_on=True, warning_days=3)
    customer = make_customer(at(2026, 3, 1, 12))
    make_customer(at(2026, 3, 10))

    clock.freeze(at(2026, 3, 27, 1))
    assert [r.warned for r in sweep.sweep_pools()] == [0]
    clock.freeze(at(2026, 3, 28, 1))
    assert [r.warned for r in sweep.sweep_pools()] == [1]
    warning = ReclaimWarning.objects.get()
    assert (warning.customer, warning.owner, warning.due_on) == (
        customer,
        personas.rep,
        dt.date(2026, 3, 31),
    )
    assert warning.cause == EntryCause.NO_FOLLOW_UP
    clock.freeze(at(2026, 3, 29, 1))
    assert [r.warned for r in sweep.sweep_pools()] == [0]

    timeline_services.add_follow_up(personas.rep, customer, {"kind": "call", "content": "回访"})
    clock.freeze(at(2026, 4, 25, 1))
    assert [r.warned for r in sweep.sweep_pools()] == [1]
    assert sorted(ReclaimWarning.objects.values_list("due_on", flat=True)) == [
        dt.date(2026, 3, 31),
        dt.date(2026, 4, 28),
    ]


def test_dry_run_counts_each_customer_once(pool: Pool, make_customer: MakeCustomer) -> None:
    switch_on(pool, no_follow_up_on=True, no_win_on=True, no_win_days=30)
    make_customer(at(2026, 1, 1))

    dry = run_at(at(2026, 3, 1), dry_run=True)
    real = run_at(at(2026, 3, 1))

    assert (
        dry
        == real
        == {
            (pool.name, EntryCause.NO_FOLLOW_UP): 1,
            (pool.name, EntryCause.NO_WIN): 0,
        }
    )


def test_reclaim_names_an_owner_without_display_name(
    personas: Personas, pool: Pool, make_customer: MakeCustomer
) -> None:
    switch_on(pool, no_follow_up_on=True, no_follow_up_days=30, no_follow_up_days_by_grade={})
    personas.rep.display_name = ""
    personas.rep.save(update_fields=["display_name"])
    customer = make_customer(at(2026, 1, 1), grade="A")

    run_at(at(2026, 3, 1, 1))

    event = Event.objects.get(kind=EventKind.POOL_RECLAIMED, customer=customer)
    assert event.data["from_name"] == personas.rep.username == "rep"
    assert event.data["days"] == 30


def test_follow_up_after_the_plan_keeps_customer(
    personas: Personas, pool: Pool, make_customer: MakeCustomer
) -> None:
    """A chunk selects its customers again when it writes, so a follow-up logged between the
    plan and the write keeps the customer with its owner."""
    switch_on(pool, no_follow_up_on=True, no_follow_up_days=30)
    kept = make_customer(at(2026, 1, 1))
    lost = make_customer(at(2026, 1, 1))
    clock.freeze(at(2026, 3, 1, 1))
    day = clock.today()
    plan = sweep.plan_pool(pool, day)
    assert sorted(plan.reclaim[EntryCause.NO_FOLLOW_UP]) == sorted([kept.pk, lost.pk])

    timeline_services.add_follow_up(personas.rep, kept, {"kind": "call", "content": "回访"})
    # The chunk writer gets the plan's stale ids, as it would mid-sweep.
    reclaimed = sweep._reclaim(pool, EntryCause.NO_FOLLOW_UP, day, plan.reclaim["no_follow_up"])

    assert reclaimed == 1
    assert owner_of(kept) == personas.rep.pk
    assert owner_of(lost) is None
    assert PoolEntry.objects.filter(customer=kept).count() == 0
    assert Event.objects.filter(kind=EventKind.POOL_RECLAIMED, customer=kept).count() == 0
