"""Capacity (库容): the most customers an owner may hold, won customers not counted.

The pool that governs the owner (kehu.pool.membership.governing_pool) sets the limit when its
capacity switch is on. PoolConfig.ready registers `check_capacity` with
kehu.customers.ownership, so creating, importing, reassigning, claiming and assigning customers
all pass through it.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kehu.customers.models import Customer
from kehu.org.models import User
from kehu.pool.membership import governing_pool
from kehu.pool.won import not_won_q


def lock_owner(owner: User) -> None:
    """Lock the owner's user row until the transaction ends.

    Every write that counts an owner's customers, claims or locks and then adds to them takes
    this lock first, so two such writes for one owner run one after the other and the second
    counts what the first added. On SQLite the IMMEDIATE transactions serialize the writers and
    this statement locks nothing more.
    """
    if transaction.get_connection().in_atomic_block:
        list(User.objects.select_for_update().filter(pk=owner.pk).values_list("pk", flat=True))


def counted_customers(owner: User) -> int:
    """Return how many of the owner's customers count against the capacity."""
    return Customer.objects.filter(not_won_q(), owner_id=owner.pk).count()


def check_capacity(owner: User, adding: int) -> None:
    """Raise ValidationError when `adding` more customers would take `owner` over the capacity.

    Locks the owner's user row when called inside a transaction (see `lock_owner`).
    """
    if adding <= 0:
        return
    pool = governing_pool(owner)
    if not pool.capacity_on:
        return
    lock_owner(owner)
    held = counted_customers(owner)
    if held + adding <= pool.capacity:
        return
    raise ValidationError(
        {
            "owner": [
                _(
                    "%(owner)s already holds %(held)d customers, and the limit of %(pool)s "
                    "is %(limit)d (won customers not counted), so %(owner)s cannot receive "
                    "%(adding)d more."
                )
                % {
                    "owner": owner,
                    "held": held,
                    "pool": pool.name,
                    "limit": pool.capacity,
                    "adding": adding,
                }
            ]
        }
    )
