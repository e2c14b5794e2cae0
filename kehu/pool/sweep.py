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

One query per pool evaluates every rule for each of its customers (`plan_pool`). Customers
are then reclaimed in chunks, one transaction per chunk, with set-based writes. Each chunk
evaluates the rule again for its own rows under the write lock, so a follow-up logged or an
owner changed since the selection keeps the customer, and a second run finds nothing left to
do.
"""

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterator

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    DateTimeField,
    Exists,
    ExpressionWrapper,
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
from django.db.models.functions import Coalesce, Greatest, NullIf

from kehu.audit import services as audit
from kehu.audit.models import AuditAction
from kehu.core import clock, db
from kehu.customers.choices import Grade
from kehu.customers.models import Customer, CustomerShare
from kehu.org.models import User
from kehu.pool import dates, membership
from kehu.pool.models import CustomerLock, EntryCause, Pool, PoolEntry, ReclaimWarning
from kehu.pool.won import won_q
from kehu.sales.models import Contract, ContractStatus, Deal, StageKind
from kehu.timeline import events
from kehu.timeline.models import EventKind

logger = logging.getLogger(__name__)

RULES = (EntryCause.NO_FOLLOW_UP, EntryCause.NO_WIN, EntryCause.CONTRACT_ENDED)
# Customers reclaimed per transaction. Fewer, larger commits write each touched index page fewer
# times. On SQLite a chunk holds the write lock for one to two seconds at 1,000,000 customers
# (docs/benchmarks.md), inside the 20-second busy timeout that other writers wait.
CHUNK_SIZE = 10_000


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


@dataclasses.dataclass
class PoolPlan:
    """The customers each rule of one pool reclaims on one day, and those it warns about.

    The first rule in RULES order that is due reclaims a customer. A rule warns about the
    customers it reclaims within the warning days, unless an earlier rule reclaims them today.
    """

    reclaim: dict[str, list[int]]
    warn: dict[str, list[int]]


def _flag(condition: Q) -> ExpressionWrapper[Q]:
    return ExpressionWrapper(condition, output_field=BooleanField())


def _rule_flag(pool: Pool, cause: str, day: dt.date) -> ExpressionWrapper[Q] | Case:
    """Return "rule `cause` of `pool` is due on `day`" as a column of the plan's query.

    The contract rule's subqueries run only for won customers: CASE evaluates its condition
    first, and most customers are not won.
    """
    if cause != EntryCause.CONTRACT_ENDED:
        return _flag(_due_by(pool, cause, day))
    return Case(
        When(won_q(), then=_flag(_due_by(pool, cause, day))),
        default=Value(False),
        output_field=BooleanField(),
    )


def plan_pool(pool: Pool, day: dt.date) -> PoolPlan:
    """Evaluate every switched-on rule of `pool` for `day` in one pass over its customers."""
    causes = [cause for cause in RULES if is_on(pool, cause)]
    reclaim: dict[str, list[int]] = {cause: [] for cause in causes}
    warn: dict[str, list[int]] = {cause: [] for cause in causes}
    if not causes:
        return PoolPlan(reclaim, warn)
    horizon = warning_horizon(pool, day) if pool.warning_on else None
    flags: dict[str, ExpressionWrapper[Q] | Case] = {"is_won": _flag(won_q())}
    for index, cause in enumerate(causes):
        flags[f"now_{index}"] = _rule_flag(pool, cause, day)
        if horizon is not None:
            flags[f"soon_{index}"] = _rule_flag(pool, cause, horizon)
    rows = governed_customers(pool).annotate(**flags).values_list("pk", *flags)
    stride = 1 if horizon is None else 2
    for pk, is_won, *due in rows.iterator(chunk_size=10_000):
        for index, cause in enumerate(causes):
            # The contract rule concerns won customers only; the other rules spare them.
            if is_won != (cause == EntryCause.CONTRACT_ENDED):
                continue
            if due[index * stride]:
                reclaim[cause].append(pk)
                break
            if stride == 2 and due[index * stride + 1]:
                warn[cause].append(pk)
    return PoolPlan(reclaim, warn)


def sweep_pool(pool: Pool, day: dt.date, *, dry_run: bool) -> list[RuleResult]:
    """Apply each switched-on rule of `pool` on `day`; the preview page runs it as a dry run."""
    plan = plan_pool(pool, day)
    results: list[RuleResult] = []
    for cause, ids in plan.reclaim.items():
        result = RuleResult(pool.pk, pool.name, cause)
        result.reclaimed = len(ids) if dry_run else _reclaim(pool, cause, day, ids)
        result.warned = _warn(pool, cause, plan.warn[cause], dry_run=dry_run)
        results.append(result)
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


def _reclaim(pool: Pool, cause: str, day: dt.date, ids: list[int]) -> int:
    reclaimed = 0
    for chunk in _chunks(sorted(ids), CHUNK_SIZE):
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


def _owner_name() -> Coalesce:
    """Return the owner's name as str(User) gives it: the display name, else the username."""
    return Coalesce(NullIf("owner__display_name", Value("")), "owner__username")


def _reclaim_chunk(pool: Pool, cause: str, day: dt.date, chunk: list[int]) -> int:
    """Reclaim the customers of `chunk` that the rule still selects; return how many.

    Every write is one set-based statement. The rule selects the customers again inside the
    transaction, so a change since the plan counts. PostgreSQL locks their rows, and on SQLite
    the transaction holds the write lock.
    """
    now = clock.now()
    chunk_ids = db.id_list(chunk)
    with transaction.atomic():
        selected = rule_customers(pool, cause, day).filter(pk__in=chunk_ids, owner__isnull=False)
        if connection.features.has_select_for_update:
            # A claim, transfer or follow-up of these customers waits for this transaction.
            list(selected.select_for_update(of=("self",)).values_list("pk", flat=True))
        # An owned customer has no pool entry, and one left over would block the new entry.
        PoolEntry.objects.filter(customer_id__in=chunk_ids, customer__owner__isnull=False).delete()
        count = db.insert_select(
            PoolEntry,
            selected,
            {
                "customer": F("pk"),
                "pool": Value(pool.pk),
                "entered_at": Value(now, output_field=DateTimeField()),
                "cause": Value(cause),
                "previous_owner": F("owner_id"),
                "note": Value(""),
            },
        )
        if not count:
            return 0
        # The new entries name the customers reclaimed, for the statements that follow.
        entered = PoolEntry.objects.filter(
            pool=pool, cause=cause, entered_at=now, customer_id__in=chunk_ids
        ).values("customer_id")
        customers = Customer.objects.filter(pk__in=entered)
        events.insert_pool_moved(
            with_rule_start(customers, pool, cause),
            EventKind.POOL_RECLAIMED,
            {
                "pool": str(pool.public_id),
                "pool_name": pool.name,
                "from": F("owner_id"),
                "from_name": _owner_name(),
                "to": None,
                "to_name": "",
                "cause": cause,
                "days": F("rule_days"),
            },
            now,
        )
        customers.update(owner=None, owner_since=None, version=F("version") + 1, updated_at=now)
        CustomerShare.objects.filter(customer_id__in=entered).delete()
        CustomerLock.objects.filter(customer_id__in=entered).delete()
    return count


def _warn(pool: Pool, cause: str, ids: list[int], *, dry_run: bool) -> int:
    """Record one warning per customer of `ids` and due date; return how many are new."""
    warnings: list[ReclaimWarning] = []
    for chunk in _chunks(ids, CHUNK_SIZE):
        customers = with_rule_start(Customer.objects.filter(pk__in=db.id_list(chunk)), pool, cause)
        warnings.extend(
            ReclaimWarning(
                customer_id=customer.pk,
                owner_id=customer.owner_id,
                pool=pool,
                cause=cause,
                due_on=due_on(customer, pool),
                created_at=clock.now(),
            )
            for customer in customers.only("pk", "owner_id", "grade")
            if customer.owner_id is not None
        )
    if not warnings:
        return 0
    existing: set[tuple[int, int, dt.date]] = set()
    for chunk in _chunks([warning.customer_id for warning in warnings], CHUNK_SIZE):
        existing.update(
            ReclaimWarning.objects.filter(
                customer_id__in=db.id_list(chunk), cause=cause
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
