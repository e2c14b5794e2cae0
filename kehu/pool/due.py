"""Reads about coming reclaims: the due-soon list, the warning badge and the sweep preview.

Every read a request can reach starts from the visibility layer: the customers listed are
those `visible_customers` returns, and the preview shows only the pools `admin_pools` returns.
The rules are evaluated by kehu.pool.sweep, the same code the sweep runs.
"""

import dataclasses
import datetime as dt

from django.db.models import QuerySet

from kehu.core import clock
from kehu.customers.models import Customer
from kehu.customers.queries import customer_scope
from kehu.org.models import User
from kehu.pool import membership, sweep
from kehu.pool.models import Pool, ReclaimWarning

# The due-soon list reads at most this many customers per pool and rule, earliest start first.
# NOTE: a manager whose reach holds more customers due soon than this sees the earliest ones
# only; the page says when the cap was reached.
DUE_SOON_CAP = 500


@dataclasses.dataclass
class DueRow:
    """A customer that a rule reclaims on `due_on` unless someone acts before."""

    customer: Customer
    pool: Pool
    cause: str
    due_on: dt.date
    # True when `due_on` is today or earlier, so the next sweep reclaims the customer.
    overdue: bool


@dataclasses.dataclass
class DueSoon:
    rows: list[DueRow]
    # True when some pool and rule had more rows than DUE_SOON_CAP.
    capped: bool


def due_soon(user: User, today: dt.date | None = None) -> DueSoon:
    """Return the visible customers that a switched-on rule reclaims within the warning days.

    The window is each pool's warning_days, whether or not its warnings are on. A customer due
    under two rules is listed once, under the earlier date. Customers due on `today` or before
    are listed too, as overdue.
    """
    day = today or clock.today()
    scope = customer_scope(user)
    found: dict[int, DueRow] = {}
    capped = False
    for pool in Pool.objects.order_by("pk"):
        horizon = sweep.warning_horizon(pool, day)
        for cause in sweep.RULES:
            if not sweep.is_on(pool, cause):
                continue
            customers = sweep.rule_customers(pool, cause, horizon).filter(scope)
            annotated = sweep.with_rule_start(customers, pool, cause).select_related("owner")
            batch = list(annotated.order_by(sweep.owner_start(), "pk")[: DUE_SOON_CAP + 1])
            capped = capped or len(batch) > DUE_SOON_CAP
            for customer in batch[:DUE_SOON_CAP]:
                due_on = sweep.due_on(customer, pool)
                row = DueRow(customer, pool, cause, due_on, overdue=due_on <= day)
                known = found.get(customer.pk)
                if known is None or row.due_on < known.due_on:
                    found[customer.pk] = row
    rows = sorted(found.values(), key=lambda row: (row.due_on, row.customer.pk))
    return DueSoon(rows, capped)


def warning_count(user: User, today: dt.date | None = None) -> int:
    """Return how many of `user`'s own customers carry a warning whose date has not passed."""
    if not user.is_authenticated:
        return 0
    day = today or clock.today()
    return (
        ReclaimWarning.objects.filter(owner_id=user.pk, due_on__gte=day, customer__owner=user)
        .values("customer_id")
        .distinct()
        .count()
    )


@dataclasses.dataclass
class PoolPreview:
    pool: Pool
    results: list[sweep.RuleResult]


def previewable_pools(user: User) -> QuerySet[Pool]:
    """Return the pools whose next sweep `user` may preview: the pools they administer."""
    return membership.admin_pools(user).order_by("pk")


def preview(user: User, today: dt.date | None = None) -> list[PoolPreview]:
    """Return what the next sweep would do in each pool `user` administers, as a dry run."""
    day = today or clock.today()
    return [
        PoolPreview(pool, sweep.sweep_pool(pool, day, dry_run=True))
        for pool in previewable_pools(user)
    ]


def preview_customers(user: User, pool: Pool, cause: str, day: dt.date) -> QuerySet[Customer]:
    """Return the visible customers rule `cause` of `pool` would reclaim on `day`."""
    customers = sweep.rule_customers(pool, cause, day).filter(customer_scope(user))
    annotated = sweep.with_rule_start(customers, pool, cause).select_related("owner")
    return annotated.order_by(sweep.owner_start(), "pk")
