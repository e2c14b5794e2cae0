"""The demo company's public pool: its unassigned customers wait there, with two rules on."""

from kehu.core import clock
from kehu.customers.models import Customer
from kehu.pool.membership import company_pool
from kehu.pool.models import EntryCause, PoolEntry
from kehu.timeline import events
from kehu.timeline.models import Event, EventKind


def seed_pools() -> int:
    """Put every unassigned customer in the company pool; return how many.

    Switches on the daily claim limit and the capacity with their preset numbers, so the demo
    shows both on the pool pages.
    """
    pool = company_pool()
    pool.claim_limit_on = True
    pool.capacity_on = True
    pool.save(update_fields=["claim_limit_on", "capacity_on"])
    now = clock.now()
    unassigned = list(
        Customer.objects.filter(owner__isnull=True, pool_entry__isnull=True).values_list(
            "pk", flat=True
        )
    )
    PoolEntry.objects.bulk_create(
        PoolEntry(customer_id=pk, pool=pool, entered_at=now, cause=EntryCause.PLACED)
        for pk in unassigned
    )
    data = {"pool": str(pool.public_id), "pool_name": pool.name, "cause": EntryCause.PLACED.value}
    Event.objects.bulk_create(
        events.pool_moved(pk, EventKind.POOL_PLACED, None, data, now) for pk in unassigned
    )
    return len(unassigned)
