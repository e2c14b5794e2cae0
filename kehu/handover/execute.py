"""Executing a handover plan in one transaction, and counting what a plan moves.

Customers move through kehu.customers.transfer, the same write as a manager's transfer of one
customer, so every customer gets an "owner changed" event that names the predecessor, the
successor and the handover. Contacts, quotes, payment plans, follow-ups and follow-up dates stay
attached to their customer, so they move with it. Authorship of follow-ups, deals and quotes
never changes.
"""

import datetime as dt
import logging
from collections import Counter, defaultdict
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.utils.translation import gettext as _

from kehu.audit import services as audit
from kehu.audit.models import AuditAction
from kehu.core import clock
from kehu.customers.models import Contact, Customer, CustomerShare
from kehu.customers.owners import check_owner
from kehu.customers.transfer import transfer_customers
from kehu.handover.models import (
    Handover,
    HandoverItem,
    HandoverStatus,
    ItemKind,
    OffboardingStatus,
)
from kehu.handover.offboarding import check_handover_actor, owns_anything
from kehu.org.models import User
from kehu.pool.membership import governing_pool
from kehu.pool.models import CustomerLock
from kehu.pool.placement import place_new
from kehu.sales.models import Contract, Deal, PaymentPlan, Quote
from kehu.service.models import Ticket
from kehu.timeline.models import FollowUp

logger = logging.getLogger(__name__)

# The record types a handover reports, in the order the pages and the command list them.
RECORD_TYPES = (
    "customers",
    "contacts",
    "deals",
    "quotes",
    "contracts",
    "payment_plans",
    "tickets",
    "follow_ups",
    "follow_up_dates",
    "locks",
    "shares",
    "pool",
)


def count_records(handover: Handover, *, moved: bool | None = None) -> dict[str, int]:
    """Return how many records of each type the plan moves; with `moved`, only the items that
    moved (True) or did not (False).

    "pool" counts the customers that go to the public pool; they are also in "customers".
    "follow_ups" counts past follow-ups, which go with the customer with their authors.
    "locks" counts the predecessor's locks on the customers, which stay until execution.
    """
    items = handover.items.all()
    if moved is not None:
        items = items.filter(moved=moved)
    kinds = dict(items.values_list("kind").annotate(count=Count("pk")).values_list("kind", "count"))
    customer_items = items.filter(kind=ItemKind.CUSTOMER)
    customer_ids = customer_items.values("customer_id")
    contract_ids = items.filter(kind=ItemKind.CONTRACT).values("object_id")
    today = clock.today()
    return {
        "customers": kinds.get(ItemKind.CUSTOMER, 0),
        "contacts": Contact.objects.filter(customer_id__in=customer_ids).count(),
        "deals": kinds.get(ItemKind.DEAL, 0),
        "quotes": Quote.objects.filter(customer_id__in=customer_ids).count(),
        "contracts": kinds.get(ItemKind.CONTRACT, 0),
        "payment_plans": PaymentPlan.objects.filter(contract_id__in=contract_ids).count(),
        "tickets": kinds.get(ItemKind.TICKET, 0),
        "follow_ups": FollowUp.objects.filter(customer_id__in=customer_ids).count(),
        "follow_up_dates": Customer.objects.filter(
            pk__in=customer_ids, next_follow_up_on__gte=today
        ).count(),
        "locks": CustomerLock.objects.filter(
            customer_id__in=customer_ids, user_id=handover.predecessor_id
        ).count(),
        "shares": kinds.get(ItemKind.SHARE, 0),
        "pool": customer_items.filter(successor__isnull=True).count(),
    }


def execute_handover(actor: User, handover: Handover) -> dict[str, Any]:
    """Move every record of a planned handover to its successor in one transaction.

    Raises PermissionDenied as `check_handover_actor` does, or when a successor may no longer
    receive customers (deactivated, leaving, out of the actor's reach). A customer whose owner
    changed since the plan was built is skipped, with its records, and counted in "skipped".
    Executing an executed or discarded handover changes nothing and returns its stored result.
    Returns {"totals": {record type: count}, "skipped": count, "locks_dropped": count,
    "changed": bool}, where "locks_dropped" counts the locks not kept for want of lock room.
    """
    check_handover_actor(actor, handover.predecessor)

    with transaction.atomic():
        locked = Handover.objects.select_for_update().get(pk=handover.pk)
        if locked.status != HandoverStatus.PLANNED:
            return {**locked.result, "changed": False}
        successors = _successors(actor, locked)
        moved_customers, locks_moved, dropped = _move_customers(actor, locked, successors)
        skipped_customers = set(
            locked.items.filter(kind=ItemKind.CUSTOMER)
            .exclude(customer_id__in=moved_customers)
            .values_list("customer_id", flat=True)
        )
        skipped = len(skipped_customers)
        skipped += _move_followers(locked, successors, skipped_customers)
        now = clock.now()
        counts = {**count_records(locked, moved=True), "locks": locks_moved}
        result = {"totals": counts, "skipped": skipped, "locks_dropped": dropped}
        locked.status = HandoverStatus.EXECUTED
        locked.executed_by = actor
        locked.executed_at = now
        locked.result = result
        locked.save(update_fields=["status", "executed_by", "executed_at", "result"])
        _complete_offboarding(locked, now)
        audit.record(
            actor,
            AuditAction.HANDOVER_EXECUTED,
            "handover",
            locked.public_id,
            {"predecessor": str(locked.predecessor.public_id), **result},
        )
    logger.info(
        "handover %s executed by user %s: %d customers, %d skipped",
        handover.pk,
        actor.pk,
        counts["customers"],
        skipped,
    )
    return {**result, "changed": True}


def _successors(actor: User, handover: Handover) -> dict[int, User]:
    """Return the plan's successors by id after checking each may still receive records."""
    ids = set(handover.items.filter(successor__isnull=False).values_list("successor_id", flat=True))
    people = {user.pk: user for user in User.objects.select_related("role").filter(pk__in=ids)}
    for user in people.values():
        try:
            check_owner(actor, user)
        except (PermissionDenied, ValidationError) as error:
            raise PermissionDenied(
                _("%(user)s may no longer receive customers; build a new plan.") % {"user": user}
            ) from error
    return people


def _move_customers(
    actor: User, handover: Handover, successors: dict[int, User]
) -> tuple[set[int], int, int]:
    """Move the plan's customers, keep their locks for people, and place the rest in the pool.

    A successor keeps the predecessor's oldest locks up to their room under the lock limit of
    the pool that governs them (`lock_room`). Returns the ids of the customers moved, how many
    locks went to successors and how many were dropped for want of room.
    """
    predecessor = handover.predecessor
    by_successor: dict[int | None, list[int]] = defaultdict(list)
    for customer_id, successor_id in handover.items.filter(kind=ItemKind.CUSTOMER).values_list(
        "customer_id", "successor_id"
    ):
        by_successor[successor_id].append(customer_id)
    event_data = {"handover": str(handover.public_id)}
    moved: set[int] = set()
    locks_moved = 0
    locks_dropped = 0
    for receiver_id, customer_ids in sorted(by_successor.items(), key=lambda pair: pair[0] or 0):
        locks = dict(
            CustomerLock.objects.filter(
                customer_id__in=customer_ids, user_id=predecessor.pk
            ).values_list("customer_id", "locked_at")
        )
        successor = successors[receiver_id] if receiver_id is not None else None
        ids = transfer_customers(
            actor,
            customer_ids,
            successor,
            from_owner=predecessor,
            event_data=event_data,
            read_only_until=handover.read_only_until if successor is not None else None,
        )
        moved.update(ids)
        if successor is None:
            CustomerLock.objects.filter(customer_id__in=ids).delete()
            place_new(actor, ids, pool=governing_pool(predecessor), note=_("Handover"))
        else:
            locked_ids = sorted((pk for pk in ids if pk in locks), key=lambda pk: (locks[pk], pk))
            free = lock_room(successor)
            locks_dropped += max(len(locked_ids) - free, 0)
            relocked = locked_ids[:free]
            recreated = CustomerLock.objects.bulk_create(
                [
                    CustomerLock(customer_id=pk, user=successor, locked_at=locks[pk])
                    for pk in relocked
                ]
            )
            locks_moved += len(recreated)
        HandoverItem.objects.filter(
            handover=handover, kind=ItemKind.CUSTOMER, customer_id__in=ids
        ).update(moved=True)
    return moved, locks_moved, locks_dropped


def lock_room(user: User) -> int:
    """Return how many more customers `user` may lock under the pool that governs them.

    A pool with locks off leaves no room, as lock_customer refuses every lock there.
    """
    pool = governing_pool(user)
    if not pool.lock_on:
        return 0
    locked_count = CustomerLock.objects.filter(user=user, customer__owner=user).count()
    return max(pool.lock_limit - locked_count, 0)


def locks_dropped(handover: Handover) -> int:
    """Return how many of the predecessor's locks would not be kept if the plan ran now.

    Locks of customers going to the pool end anyway and are not counted. Execution keeps the
    oldest locks up to each successor's room (`lock_room`) and drops the rest.
    """
    locked_ids = CustomerLock.objects.filter(user_id=handover.predecessor_id).values("customer_id")
    per_successor = Counter(
        handover.items.filter(
            kind=ItemKind.CUSTOMER, successor__isnull=False, customer_id__in=locked_ids
        ).values_list("successor_id", flat=True)
    )
    people = User.objects.filter(pk__in=list(per_successor))
    return sum(max(per_successor[user.pk] - lock_room(user), 0) for user in people)


def _move_followers(
    handover: Handover, successors: dict[int, User], skipped_customers: set[int]
) -> int:
    """Move the plan's deals, contracts, tickets and shares; return how many were skipped.

    A record is skipped when its customer was skipped or the predecessor no longer owns it or
    is no longer its assignee.
    """
    predecessor_id = handover.predecessor_id
    now = clock.now()
    skipped = 0
    grouped: dict[tuple[str, int], list[int]] = defaultdict(list)
    for kind, object_id, customer_id, successor_id in handover.items.exclude(
        kind=ItemKind.CUSTOMER
    ).values_list("kind", "object_id", "customer_id", "successor_id"):
        if customer_id in skipped_customers:
            skipped += 1
            continue
        grouped[(kind, successor_id)].append(object_id)
    for (kind, successor_id), ids in sorted(grouped.items()):
        successor = successors[successor_id]
        done_ids = _move_records(kind, ids, predecessor_id, successor, now)
        skipped += len(ids) - len(done_ids)
        HandoverItem.objects.filter(handover=handover, kind=kind, object_id__in=done_ids).update(
            moved=True
        )
    return skipped


def _move_records(
    kind: str, ids: list[int], predecessor_id: int, successor: User, now: dt.datetime
) -> list[int]:
    """Give the records of `kind` still owned by (or assigned to) the predecessor to `successor`,
    and return their ids."""
    if kind == ItemKind.DEAL:
        deals = Deal.objects.filter(pk__in=ids, owner_id=predecessor_id)
        done = list(deals.values_list("pk", flat=True))
        deals.update(owner=successor, updated_at=now, version=F("version") + 1)
    elif kind == ItemKind.CONTRACT:
        contracts = Contract.objects.filter(pk__in=ids, owner_id=predecessor_id)
        done = list(contracts.values_list("pk", flat=True))
        contracts.update(owner=successor, updated_at=now)
    elif kind == ItemKind.TICKET:
        tickets = Ticket.objects.filter(pk__in=ids, assignee_id=predecessor_id)
        done = list(tickets.values_list("pk", flat=True))
        tickets.update(assignee=successor, updated_at=now, version=F("version") + 1)
    else:
        done = _move_shares(ids, predecessor_id, successor)
    return done


def _move_shares(ids: list[int], predecessor_id: int, successor: User) -> list[int]:
    """Give the predecessor's shares to the successor; a share the successor already has, or of
    a customer they own, wins, and the predecessor's is deleted."""
    shares = list(CustomerShare.objects.filter(pk__in=ids, user_id=predecessor_id))
    shared_already = set(
        CustomerShare.objects.filter(
            user=successor, customer_id__in=[share.customer_id for share in shares]
        ).values_list("customer_id", flat=True)
    )
    owned = set(
        successor.owned_customers.filter(
            pk__in=[share.customer_id for share in shares]
        ).values_list("pk", flat=True)
    )
    redundant = [share.pk for share in shares if share.customer_id in shared_already | owned]
    CustomerShare.objects.filter(pk__in=redundant).delete()
    CustomerShare.objects.filter(pk__in=[share.pk for share in shares]).exclude(
        pk__in=redundant
    ).update(user=successor)
    return [share.pk for share in shares]


def _complete_offboarding(handover: Handover, now: dt.datetime) -> None:
    """Complete the handover's offboarding once the predecessor owns nothing any more."""
    offboarding = handover.offboarding
    if offboarding is None or offboarding.status != OffboardingStatus.OPEN:
        return
    if owns_anything(handover.predecessor_id):
        return
    offboarding.status = OffboardingStatus.COMPLETED
    offboarding.ended_at = now
    offboarding.save(update_fields=["status", "ended_at"])
