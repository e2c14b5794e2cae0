"""The reclaim sweep: customers whose owner let a pool's rule run out go back to that pool.

For each pool, the sweep takes the customers of the active owners the pool governs (see
kehu.pool.membership) and applies each rule that is switched on, in this order:
1. no follow-up: N days (per grade, no_follow_up_days_by_grade, else no_follow_up_days) after
   the later of the last logged follow-up and the time the owner received the customer;
2. no won deal: N days after the owner received the customer;
3. contract ended: N days after the end date of the customer's last signed contract, when no
   signed contract is still running or ends later; counted from the time the owner received
   the customer when that is later, so a customer claimed from the pool is not reclaimed at
   once.
"The time the owner received the customer" is Customer.owner_since, or created_at when it is
empty. Days are local dates, counted as kehu.pool.dates describes.

Exempt from every rule: customers with a deal in an open stage and locked customers. Won
customers (kehu.pool.won) are exempt from rules 1 and 2. Customers of deactivated owners are
left alone: the handover of a leaver's customers decides where they go.

Customers are chosen with one query per pool and rule and reclaimed in chunks, one
transaction per chunk. Each chunk evaluates the rule again for its own rows under the write
lock, so a follow-up logged or an owner changed since the selection keeps the customer, and a
second run finds nothing left to do.
"""

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterator

from django.db import transaction
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from kehu.audit import services as audit
from kehu.audit.models import AuditAction
from kehu.core import clock
from kehu.customers.choices import Grade
from kehu.customers.models import Customer, CustomerShare
from kehu.org.models import User
from kehu.pool import dates, membership
from kehu.pool.models import CustomerLock, EntryCause, Pool, PoolEntry, ReclaimWarning
from kehu.pool.won import won_q
from kehu.sales.models import Contract, ContractStatus, Deal, StageKind
from kehu.timeline import events
from kehu.timeline.models import Event, EventKind

logger = logging.getLogger(__name__)

RULES = (EntryCause.NO_FOLLOW_UP, EntryCause.NO_WIN, EntryCause.CONTRACT_ENDED)
CHUNK_SIZE = 2000


@dataclasses.dataclass
class RuleResult:
    """The counts of one rule of one pool, done or, in a dry run, to be done."""

    pool_id: int
    pool_name: str
    cause: str
    reclaimed: int = 0
    warned: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "pool": self.pool_name,
            "rule": self.cause,
            "reclaimed": self.reclaimed,
            "warned": self.warned,
        }


def is_on(pool: Pool, cause: str) -> bool:
    """Return whether `pool` has the rule `cause` switched on."""
    switches = {
        EntryCause.NO_FOLLOW_UP: pool.no_follow_up_on,
        EntryCause.NO_WIN: pool.no_win_on,
        EntryCause.CONTRACT_ENDED: pool.contract_ended_on,
    }
    return switches[EntryCause(cause)]


def grade_days(pool: Pool) -> dict[str, int]:
    """Return the valid per-grade overrides of the no-follow-up rule; bad entries are skipped."""
    overrides: dict[str, int] = {}
    raw = pool.no_follow_up_days_by_grade
    if not isinstance(raw, dict):
        return overrides
    for grade, days in raw.items():
        if grade in Grade.values and isinstance(days, int) and days >= 0:
            overrides[grade] = days
    return overrides


def rule_days(pool: Pool, cause: str, grade: str = "") -> int:
    """Return the days rule `cause` of `pool` allows a customer of `grade`."""
    if cause == EntryCause.NO_FOLLOW_UP:
        return grade_days(pool).get(grade, pool.no_follow_up_days)
    if cause == EntryCause.NO_WIN:
        return pool.no_win_days
    return pool.contract_ended_days


def active_owner_ids(pool: Pool) -> list[int]:
    """Return the active users whose customers `pool`'s rules govern."""
    governed = membership.governed_owner_ids(pool)
    return list(User.objects.filter(pk__in=governed, is_active=True).values_list("pk", flat=True))


def owner_start() -> Coalesce:
    return Coalesce("owner_since", "created_at")


def _last_contract_end() -> Subquery:
    signed = Contract.objects.filter(customer_id=OuterRef("pk"), status=ContractStatus.SIGNED)
    return Subquery(
        signed.order_by().values("customer_id").annotate(last=Max("end_on")).values("last")[:1]
    )


def _started_before(moment: dt.datetime, cause: str) -> Q:
    """Return the filter "the rule's clock started before `moment`"."""
    received = Q(owner_start__lt=moment)
    if cause == EntryCause.NO_FOLLOW_UP:
        return received & (Q(last_follow_up_at__isnull=True) | Q(last_follow_up_at__lt=moment))
    return received


def _ended_by(day: dt.date) -> Q:
    """Return the filter "every signed contract ended on `day` or before"."""
    running = Contract.objects.filter(customer_id=OuterRef("pk"), status=ContractStatus.SIGNED)
    running = running.filter(Q(end_on__isnull=True) | Q(end_on__gt=day))
    signed = Contract.objects.filter(customer_id=OuterRef("pk"), status=ContractStatus.SIGNED)
    return Q(Exists(signed)) & ~Q(Exists(running))


def _due_by(pool: Pool, cause: str, day: dt.date) -> Q:
    """Return the filter "rule `cause` of `pool` fires on `day`"."""
    working = pool.working_days

    def due(days: int) -> Q:
        if cause == EntryCause.CONTRACT_ENDED:
            latest = dates.latest_start(day, days, working_days=working)
            moment = dates.start_of_day(latest + dates.ONE_DAY)
            return _ended_by(latest) & _started_before(moment, cause)
        return _started_before(dates.cutoff(day, days, working_days=working), cause)

    if cause != EntryCause.NO_FOLLOW_UP:
        return due(rule_days(pool, cause))
    overrides = grade_days(pool)
    combined = ~Q(grade__in=list(overrides)) & due(pool.no_follow_up_days)
    for grade, days in overrides.items():
        combined |= Q(grade=grade) & due(days)
    return combined


def governed_customers(pool: Pool, owner_ids: list[int] | None = None) -> QuerySet[Customer]:
    """Return the customers of `pool`'s active owners that no exemption of every rule covers.

    `owner_ids` narrows the owners, such as to one user for the due-soon list.
    """
    owners = active_owner_ids(pool)
    if owner_ids is not None:
        owners = [owner for owner in owners if owner in owner_ids]
    open_deals = Deal.objects.filter(customer_id=OuterRef("pk"), stage__kind=StageKind.OPEN)
    locks = CustomerLock.objects.filter(customer_id=OuterRef("pk"))
    return (
        Customer.objects.filter(owner_id__in=owners)
        .exclude(Exists(open_deals))
        .exclude(Exists(locks))
        .annotate(owner_start=owner_start())
    )


def rule_customers(
    pool: Pool, cause: str, day: dt.date, owner_ids: list[int] | None = None
) -> QuerySet[Customer]:
    """Return the customers rule `cause` of `pool` reclaims on `day`, whether or not it is on."""
    customers = governed_customers(pool, owner_ids)
    if cause == EntryCause.CONTRACT_ENDED:
        customers = customers.filter(won_q())
    else:
        customers = customers.exclude(won_q())
    return customers.filter(_due_by(pool, cause, day))


def with_rule_start(customers: QuerySet[Customer], pool: Pool, cause: str) -> QuerySet[Customer]:
    """Annotate `rule_start` (the moment the rule's clock started) and `rule_days`."""
    received = owner_start()
    if cause == EntryCause.NO_FOLLOW_UP:
        start = Greatest(Coalesce("last_follow_up_at", received), received)
        overrides = grade_days(pool)
        days = Case(
            *(When(grade=grade, then=Value(n)) for grade, n in overrides.items()),
            default=Value(pool.no_follow_up_days),
            output_field=IntegerField(),
        )
        return customers.annotate(rule_start=start, rule_days=days)
    annotated = customers.annotate(rule_start=received, rule_days=Value(rule_days(pool, cause)))
    if cause == EntryCause.CONTRACT_ENDED:
        annotated = annotated.annotate(contract_end=_last_contract_end())
    return annotated


def start_date(customer: Customer) -> dt.date:
    """Return the local date a rule's clock started for a customer from `with_rule_start`."""
    # rule_start and rule_days are annotations, which django-stubs does not know on the model.
    start = dates.local_date(customer.rule_start)  # type: ignore[attr-defined]
    contract_end: dt.date | None = getattr(customer, "contract_end", None)
    if contract_end is not None and contract_end > start:
        return contract_end
    return start


def due_on(customer: Customer, pool: Pool) -> dt.date:
    """Return the date a customer annotated by `with_rule_start` falls due."""
    days: int = customer.rule_days  # type: ignore[attr-defined]
    return dates.due_date(start_date(customer), days, working_days=pool.working_days)


def warning_horizon(pool: Pool, today: dt.date) -> dt.date:
    """Return the last due date that a warning issued on `today` covers."""
    return dates.due_date(today, pool.warning_days, working_days=pool.working_days)


def sweep_pools(*, dry_run: bool = False, today: dt.date | None = None) -> list[RuleResult]:
    """Reclaim and warn for every pool and switched-on rule; return what each rule did.

    With `dry_run` nothing is written, and the counts say what a real run would do now.
    """
    day = today or clock.today()
    logger.info("pool sweep for %s started%s", day, " (dry run)" if dry_run else "")
    results: list[RuleResult] = []
    for pool in Pool.objects.order_by("pk"):
        results.extend(sweep_pool(pool, day, dry_run=dry_run))
    logger.info("pool sweep for %s finished", day)
    return results


def sweep_pool(pool: Pool, day: dt.date, *, dry_run: bool) -> list[RuleResult]:
    """Apply each switched-on rule of `pool` on `day`; the preview page runs it as a dry run."""
    results: list[RuleResult] = []
    earlier: list[str] = []
    for cause in RULES:
        if not is_on(pool, cause):
            continue
        # A real run has reclaimed what the earlier rules selected, so a dry run leaves it out.
        taken = earlier if dry_run else []
        result = RuleResult(pool.pk, pool.name, cause)
        result.reclaimed = _reclaim(pool, cause, day, dry_run=dry_run, taken=taken)
        if pool.warning_on:
            result.warned = _warn(pool, cause, day, dry_run=dry_run, taken=taken)
        results.append(result)
        earlier.append(cause)
        if not dry_run:
            logger.info(
                "pool %s rule %s: %s reclaimed, %s warned",
                pool.pk,
                cause,
                result.reclaimed,
                result.warned,
            )
    return results


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for first in range(0, len(ids), size):
        yield ids[first : first + size]


def _without(
    customers: QuerySet[Customer], pool: Pool, taken: list[str], day: dt.date
) -> QuerySet[Customer]:
    """Leave out the customers that the rules `taken` of `pool` reclaim on `day`."""
    for cause in taken:
        customers = customers.exclude(pk__in=rule_customers(pool, cause, day).values("pk"))
    return customers


def _reclaim(pool: Pool, cause: str, day: dt.date, *, dry_run: bool, taken: list[str]) -> int:
    candidates = _without(rule_customers(pool, cause, day), pool, taken, day)
    if dry_run:
        return candidates.count()
    ids = list(candidates.order_by("pk").values_list("pk", flat=True))
    reclaimed = 0
    for chunk in _chunks(ids, CHUNK_SIZE):
        reclaimed += _reclaim_chunk(pool, cause, day, chunk)
    if reclaimed:
        with transaction.atomic():
            audit.record(
                None,
                AuditAction.POOL_RECLAIMED,
                "pool",
                pool.public_id,
                {"rule": cause, "count": reclaimed, "day": day.isoformat()},
            )
    return reclaimed


def _reclaim_chunk(pool: Pool, cause: str, day: dt.date, chunk: list[int]) -> int:
    """Reclaim the customers of `chunk` that the rule still selects; return how many."""
    now = clock.now()
    with transaction.atomic():
        # The rule runs again on the locked rows, so a change since the selection counts.
        selected = with_rule_start(rule_customers(pool, cause, day), pool, cause)
        # rule_days is an annotation, which django-stubs does not know on the model.
        rows: list[tuple[int, int, int]] = [
            (customer.pk, customer.owner_id, customer.rule_days)  # type: ignore[attr-defined]
            for customer in selected.filter(pk__in=chunk)
            .select_for_update(of=("self",))
            .only("pk", "owner_id", "grade")
            if customer.owner_id is not None
        ]
        if not rows:
            return 0
        ids = [pk for pk, _owner, _days in rows]
        owners = {
            user.pk: str(user)
            for user in User.objects.filter(pk__in={owner for _pk, owner, _days in rows})
        }
        PoolEntry.objects.filter(customer_id__in=ids).delete()
        PoolEntry.objects.bulk_create(
            PoolEntry(
                customer_id=pk,
                pool=pool,
                entered_at=now,
                cause=cause,
                previous_owner_id=owner,
            )
            for pk, owner, _days in rows
        )
        Customer.objects.filter(pk__in=ids).update(
            owner=None, owner_since=None, version=F("version") + 1, updated_at=now
        )
        CustomerShare.objects.filter(customer_id__in=ids).delete()
        CustomerLock.objects.filter(customer_id__in=ids).delete()
        pool_id = str(pool.public_id)
        Event.objects.bulk_create(
            (
                events.pool_moved(
                    pk,
                    EventKind.POOL_RECLAIMED,
                    None,
                    {
                        "pool": pool_id,
                        "pool_name": pool.name,
                        "from": owner,
                        "from_name": owners.get(owner, ""),
                        "to": None,
                        "to_name": "",
                        "cause": cause,
                        "days": days,
                    },
                    now,
                )
                for pk, owner, days in rows
            ),
            batch_size=1000,
        )
    return len(rows)


def _warn(pool: Pool, cause: str, day: dt.date, *, dry_run: bool, taken: list[str]) -> int:
    """Record one warning per customer that the rule reclaims within the warning days."""
    horizon = warning_horizon(pool, day)
    soon = rule_customers(pool, cause, horizon).exclude(_due_by(pool, cause, day))
    soon = _without(soon, pool, taken, day)
    rows = list(with_rule_start(soon, pool, cause).only("pk", "owner_id", "grade"))
    warnings = [
        ReclaimWarning(
            customer_id=customer.pk,
            owner_id=customer.owner_id,
            pool=pool,
            cause=cause,
            due_on=due_on(customer, pool),
            created_at=clock.now(),
        )
        for customer in rows
        if customer.owner_id is not None
    ]
    if not warnings:
        return 0
    existing = set(
        ReclaimWarning.objects.filter(
            customer_id__in=[warning.customer_id for warning in warnings], cause=cause
        ).values_list("customer_id", "owner_id", "due_on")
    )
    new = [
        warning
        for warning in warnings
        if (warning.customer_id, warning.owner_id, warning.due_on) not in existing
    ]
    if not dry_run and new:
        ReclaimWarning.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
    return len(new)
