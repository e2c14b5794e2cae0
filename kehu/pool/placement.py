"""Putting new customers that have no owner into a public pool.

Customers created without an owner (no assignment rule or default owner took them, or the
creator left them unassigned) enter the pool that governs the creator: the pool of the
creator's department or of the nearest department above it that has one, or else the company
pool. The people who entered the customer are the ones most likely to work it, and a
department's pool is what its members claim from. Writes without a creator (a system job)
use the company pool.
"""

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from kehu.audit import services as audit
from kehu.audit.models import AuditAction
from kehu.core import clock
from kehu.customers.models import Customer
from kehu.org.models import Capability, User
from kehu.pool.membership import company_pool, governing_pool
from kehu.pool.models import EntryCause, Pool, PoolEntry
from kehu.timeline import events
from kehu.timeline.models import Event, EventKind

# Rows per INSERT statement of entries and events.
BATCH_SIZE = 500


def pool_for_new(actor: User | None) -> Pool:
    """Return the pool that takes the unowned customers `actor` creates."""
    if actor is None:
        return company_pool()
    return governing_pool(actor)


def place_new(
    actor: User | None,
    customer_ids: Sequence[int],
    *,
    pool: Pool | None = None,
    note: str = "",
) -> int:
    """Put new customers without an owner into `pool` (default: `pool_for_new(actor)`).

    Raises PermissionDenied unless the actor may leave customers unassigned (the assign
    capability); None is the system. Locks the customers in id order and skips those that have
    an owner or are already in a pool, so a retry places nothing twice. Records a "placed in the
    pool" event per customer and one audit entry listing them. Returns how many it placed.
    """
    if actor is not None and not actor.has_capability(Capability.ASSIGN):
        raise PermissionDenied(_("Only a manager may leave a customer unassigned."))
    if not customer_ids:
        return 0
    target = pool or pool_for_new(actor)
    now = clock.now()
    with transaction.atomic():
        unowned = list(
            Customer.objects.select_for_update()
            .filter(pk__in=customer_ids, owner__isnull=True)
            .order_by("pk")
            .values_list("pk", "public_id")
        )
        pooled = set(
            PoolEntry.objects.filter(customer_id__in=[pk for pk, _ in unowned]).values_list(
                "customer_id", flat=True
            )
        )
        placing = [(pk, public_id) for pk, public_id in unowned if pk not in pooled]
        if not placing:
            return 0
        PoolEntry.objects.bulk_create(
            [
                PoolEntry(
                    customer_id=pk,
                    pool=target,
                    entered_at=now,
                    cause=EntryCause.PLACED,
                    note=note,
                )
                for pk, _public_id in placing
            ],
            batch_size=BATCH_SIZE,
        )
        data = {
            "pool": str(target.public_id),
            "pool_name": target.name,
            "cause": EntryCause.PLACED.value,
        }
        if note:
            data["note"] = note
        Event.objects.bulk_create(
            [
                events.pool_moved(pk, EventKind.POOL_PLACED, actor, dict(data), now)
                for pk, _public_id in placing
            ],
            batch_size=BATCH_SIZE,
        )
        audit.record(
            actor,
            AuditAction.POOL_PLACED,
            "pool",
            target.public_id,
            {"count": len(placing), "customers": [str(public_id) for _pk, public_id in placing]},
        )
    return len(placing)
