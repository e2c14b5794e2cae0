"""Giving customers to another owner: one customer (`services.change_owner`) or many at once.

A manager's transfer of one customer and a handover of hundreds go through `transfer_customers`,
so both check the same permissions, lock rows in the same order and record the same event.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.customers import ownership
from kehu.customers.models import Customer, CustomerShare, ShareAccess
from kehu.customers.owners import check_owner
from kehu.customers.queries import role_reach_customers
from kehu.org.models import Capability, User
from kehu.timeline import events
from kehu.timeline.models import Event

# Rows per INSERT statement of events and shares.
BATCH_SIZE = 500


def transfer_customers(
    actor: User,
    customer_ids: Sequence[int],
    new_owner: User | None,
    *,
    from_owner: User | None = None,
    event_data: Mapping[str, Any] | None = None,
    read_only_until: dt.date | None = None,
) -> list[int]:
    """Give customers to `new_owner` (None: unassigned) in one transaction; return the ids moved.

    Raises PermissionDenied unless the actor has the assign capability, reaches every customer
    through their role (shares do not count), and may give customers to `new_owner`
    (`check_owner`). Locks the customers in id order. With `from_owner`, customers that user
    no longer owns are skipped, so a handover run twice moves nothing the second time. Without
    it, customers `new_owner` already owns are skipped. Raises ValidationError when the new
    owner lacks room for all the moved customers (kehu.customers.ownership).

    Records an "owner changed" event per customer with `event_data` added, and runs the
    ownership hooks, which close pool entries and drop locks set by anyone but the new owner.
    With `read_only_until`, each previous owner keeps a read-only share until that day
    (inclusive); the previous owner must be active, because a deactivated user reads nothing.
    """
    if not actor.has_capability(Capability.ASSIGN):
        raise PermissionDenied(_("Your role may not do this."))
    ids = sorted(set(customer_ids))
    if from_owner is not None:
        # Customers given away since the caller chose them are skipped, wherever they went.
        ids = sorted(
            Customer.objects.filter(pk__in=ids, owner_id=from_owner.pk).values_list("pk", flat=True)
        )
    reached = role_reach_customers(actor).filter(pk__in=ids).count()
    if reached != len(ids):
        raise PermissionDenied(_("You may not reassign this customer."))
    check_owner(actor, new_owner)
    if read_only_until is not None and read_only_until < clock.today():
        raise ValidationError(
            {"read_only_until": [_("The read-only access must end today or later.")]}
        )

    now = clock.now()
    with transaction.atomic():
        # PostgreSQL cannot lock the nullable side of the owner join, so lock only customers.
        locked = list(
            Customer.objects.select_for_update(of=("self",))
            .select_related("owner")
            .filter(pk__in=ids)
            .order_by("pk")
        )
        new_owner_id = new_owner.pk if new_owner is not None else None
        if from_owner is not None:
            moving = [customer for customer in locked if customer.owner_id == from_owner.pk]
        else:
            moving = [customer for customer in locked if customer.owner_id != new_owner_id]
        if not moving:
            return []
        if new_owner is not None:
            ownership.check_room(new_owner, len(moving))
        moved_ids = [customer.pk for customer in moving]
        Customer.objects.filter(pk__in=moved_ids).update(
            owner=new_owner, owner_since=now, updated_at=now, version=F("version") + 1
        )
        extra = dict(event_data or {})
        Event.objects.bulk_create(
            [
                events.owner_changed(customer.pk, actor, customer.owner, new_owner, dict(extra))
                for customer in moving
            ],
            batch_size=BATCH_SIZE,
        )
        if read_only_until is not None:
            _keep_read_access(actor, moving, read_only_until, now)
        if new_owner is not None:
            ownership.received(moved_ids)
    return moved_ids


def _keep_read_access(
    actor: User, moved: Sequence[Customer], until: dt.date, now: dt.datetime
) -> None:
    """Give each previous owner a read-only share of the customer they gave up, until `until`."""
    previous = [(customer, customer.owner) for customer in moved if customer.owner is not None]
    for _customer, owner in previous:
        if not owner.is_active:
            raise ValidationError(
                {
                    "read_only_until": [
                        _("%(user)s is deactivated, so cannot keep read-only access.")
                        % {"user": owner}
                    ]
                }
            )
    for customer, owner in previous:
        CustomerShare.objects.filter(customer_id=customer.pk, user_id=owner.pk).delete()
    CustomerShare.objects.bulk_create(
        [
            CustomerShare(
                customer_id=customer.pk,
                user=owner,
                access=ShareAccess.READ,
                until=until,
                shared_by=actor,
                created_at=now,
            )
            for customer, owner in previous
        ],
        batch_size=BATCH_SIZE,
    )
    Event.objects.bulk_create(
        [
            events.customer_shared(customer.pk, actor, owner, ShareAccess.READ, until)
            for customer, owner in previous
        ],
        batch_size=BATCH_SIZE,
    )
