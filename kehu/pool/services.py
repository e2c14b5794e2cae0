"""Every write that moves a customer into or out of a public pool, and owners' locks.

Pages, the API and jobs call these. Each function checks permission first, writes in one
transaction, and records the timeline event and the audit entry. Rows are locked in one order
everywhere: the customer, then its pool entry, then the user row of the owner who receives it
(kehu.pool.capacity.lock_owner). The owner lock makes the daily claim limit, the capacity and
the lock limit hold under concurrent requests. On SQLite the IMMEDIATE transactions serialize
the writers instead.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.audit import services as audit
from kehu.audit.models import AuditAction
from kehu.core import clock
from kehu.customers import ownership
from kehu.customers.models import Customer, CustomerShare
from kehu.customers.queries import in_role_reach
from kehu.org.models import Capability, User
from kehu.org.visibility import may_own_customers
from kehu.pool import membership
from kehu.pool.capacity import lock_owner
from kehu.pool.models import (
    Claim,
    CustomerLock,
    EntryCause,
    Pool,
    PoolEntry,
    PoolOpen,
    ReturnReason,
)
from kehu.timeline import events
from kehu.timeline.models import Event, EventKind

NOTE_MAX_LENGTH = 500


class AlreadyClaimed(ValidationError):
    """Raised when the customer left the pool before this request could take it."""

    def __init__(self) -> None:
        super().__init__(
            {
                "customer": [
                    _("Someone else has already claimed this customer, or it left the pool.")
                ]
            }
        )


def _entry_or_refuse(customer: Customer) -> PoolEntry:
    entry = PoolEntry.objects.select_related("pool").filter(customer_id=customer.pk).first()
    if entry is None:
        raise AlreadyClaimed
    return entry


def _lock_pool_customer(customer: Customer) -> tuple[Customer, PoolEntry]:
    """Lock the customer, then its entry; raise AlreadyClaimed once it has left the pool."""
    # PostgreSQL cannot lock the nullable side of a join, so only the customer row is locked.
    locked = Customer.objects.select_for_update(of=("self",)).get(pk=customer.pk)
    entry = PoolEntry.objects.select_for_update().filter(customer_id=customer.pk).first()
    if entry is None or locked.owner_id is not None:
        raise AlreadyClaimed
    return locked, entry


def _pool_data(pool: Pool, **values: Any) -> dict[str, Any]:
    return {"pool": str(pool.public_id), "pool_name": pool.name, **values}


def _owner_values(key: str, user: User | None) -> dict[str, Any]:
    """Return the event data of one side of a move, as owner_changed stores it."""
    return {key: user.pk if user else None, f"{key}_name": str(user) if user else ""}


def _give(locked: Customer, entry: PoolEntry, owner: User, now: dt.datetime) -> None:
    """Make `owner` the owner of a locked pool customer and close its pool entry."""
    Customer.objects.filter(pk=locked.pk).update(
        owner=owner, owner_since=now, updated_at=now, version=F("version") + 1
    )
    entry.delete()


def may_claim(user: User) -> bool:
    """Return whether the user's role may own, and so claim, customers.

    A user whose offboarding has started (User.leaving_on) claims nothing more.
    """
    return user.is_active and not user.is_leaving and may_own_customers(user)


def claim(actor: User, customer: Customer) -> Customer:
    """Take a pool customer as its owner (领取).

    The actor must be a member of the customer's pool who may own customers. Of concurrent
    claims of one customer exactly one succeeds; the others raise AlreadyClaimed. Under the
    pool's rules, raises ValidationError when the actor returned or lost the customer less than
    the cooldown ago, has claimed the daily limit from this pool today (the Asia/Shanghai day),
    or would exceed the capacity of the pool that governs them. Records a Claim row, a "claimed
    from the pool" event and an audit entry; the owner's clock starts now (owner_since).
    """
    entry = _entry_or_refuse(customer)
    if actor.is_leaving:
        raise PermissionDenied(
            _("Your offboarding has started, so you cannot claim customers from the pool.")
        )
    if not may_claim(actor) or not membership.is_member(actor, entry.pool):
        raise PermissionDenied(_("Only members of this pool may claim its customers."))

    now = clock.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        locked, entry = _lock_pool_customer(customer)
        pool = Pool.objects.get(pk=entry.pool_id)
        _check_cooldown(actor, entry, pool, now)
        lock_owner(actor)
        if pool.claim_limit_on:
            claimed = Claim.objects.filter(user=actor, pool=pool, day=today).count()
            if claimed >= pool.claim_limit:
                raise ValidationError(
                    {
                        "customer": [
                            _(
                                "You have claimed %(count)d customers from %(pool)s today and "
                                "the daily limit is %(limit)d. Claim again tomorrow."
                            )
                            % {"count": claimed, "pool": pool.name, "limit": pool.claim_limit}
                        ]
                    }
                )
        ownership.check_room(actor, 1)
        _give(locked, entry, actor, now)
        Claim.objects.create(user=actor, customer=locked, pool=pool, claimed_at=now, day=today)
        data = _pool_data(pool, **_owner_values("from", None), **_owner_values("to", actor))
        data["cause"] = entry.cause
        events.pool_moved(locked.pk, EventKind.POOL_CLAIMED, actor, data, now).save()
        audit.record(
            actor,
            AuditAction.POOL_CLAIMED,
            "customer",
            locked.public_id,
            {"pool": str(pool.public_id)},
        )
    locked.refresh_from_db()
    return locked


def _check_cooldown(actor: User, entry: PoolEntry, pool: Pool, now: dt.datetime) -> None:
    if not pool.cooldown_on or entry.previous_owner_id != actor.pk:
        return
    allowed_at = entry.entered_at + dt.timedelta(days=pool.cooldown_days)
    if now >= allowed_at:
        return
    raise ValidationError(
        {
            "customer": [
                _(
                    "You owned this customer until it entered the pool, so you may claim it "
                    "again from %(date)s (a cooldown of %(days)d days)."
                )
                % {
                    "date": timezone.localtime(allowed_at).strftime("%Y-%m-%d %H:%M"),
                    "days": pool.cooldown_days,
                }
            ]
        }
    )


def check_assignee(pool: Pool, user: User) -> None:
    """Raise ValidationError on "user" unless `user` may receive customers of `pool`.

    A deactivated user gets a message of their own that names them, because the fix is to
    choose someone else, not to change the pool's members.
    """
    if not user.is_active:
        raise ValidationError(
            {
                "user": [
                    _(
                        "%(user)s is deactivated and cannot receive customers. Choose another "
                        "member."
                    )
                    % {"user": user}
                ]
            }
        )
    if not may_claim(user) or not membership.is_member(user, pool):
        raise ValidationError(
            {
                "user": [
                    _(
                        "%(user)s cannot receive customers of %(pool)s: pool customers go only "
                        "to active members of the pool who may own customers."
                    )
                    % {"user": user, "pool": pool.name}
                ]
            }
        )


def assign(actor: User, customer: Customer, user: User) -> Customer:
    """Give a pool customer to a member of its pool (分配); for the pool's administrators.

    Checks the capacity of the pool that governs `user`. Raises PermissionDenied for anyone but
    an administrator of the pool, ValidationError on "user" for a user who may not receive it,
    and AlreadyClaimed once the customer has left the pool. The daily claim limit and the
    cooldown do not apply to an assignment.
    """
    entry = _entry_or_refuse(customer)
    if not membership.is_admin(actor, entry.pool):
        raise PermissionDenied(_("Only administrators of this pool may assign its customers."))
    check_assignee(entry.pool, user)

    now = clock.now()
    with transaction.atomic():
        locked, entry = _lock_pool_customer(customer)
        pool = Pool.objects.get(pk=entry.pool_id)
        ownership.check_room(user, 1)
        _give(locked, entry, user, now)
        data = _pool_data(pool, **_owner_values("from", None), **_owner_values("to", user))
        data["cause"] = entry.cause
        events.pool_moved(locked.pk, EventKind.POOL_ASSIGNED, actor, data, now).save()
        audit.record(
            actor,
            AuditAction.POOL_ASSIGNED,
            "customer",
            locked.public_id,
            {"pool": str(pool.public_id), "user": str(user.public_id)},
        )
    locked.refresh_from_db()
    return locked


def active_reasons() -> list[ReturnReason]:
    return list(ReturnReason.objects.filter(is_active=True))


def may_return(actor: User, customer: Customer) -> bool:
    """Return whether the actor may return the customer: its owner, or a manager who reaches it."""
    if customer.owner_id is None or not actor.is_active:
        return False
    if customer.owner_id == actor.pk:
        return True
    return actor.has_capability(Capability.ASSIGN) and in_role_reach(actor, customer)


def _clean_return(reason: ReturnReason | None, note: str) -> str:
    errors: dict[str, list[str]] = {}
    if reason is None:
        if ReturnReason.objects.filter(is_active=True).exists():
            errors["reason"] = [_("Choose why the customer goes back to the pool.")]
    elif not ReturnReason.objects.filter(pk=reason.pk, is_active=True).exists():
        errors["reason"] = [
            _("The reason “%(reason)s” is no longer in use; choose another.")
            % {"reason": reason.name}
        ]
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = [
            _("The note has %(length)d characters; the limit is %(limit)d.")
            % {"length": len(note), "limit": NOTE_MAX_LENGTH}
        ]
    if errors:
        raise ValidationError(errors)
    return note


def return_to_pool(
    actor: User, customer: Customer, reason: ReturnReason | None, note: str = ""
) -> PoolEntry:
    """Return an owned customer to the pool that governs its owner (退回).

    The owner may return it, and so may a user with the assign capability whose role reaches
    it. `reason` is required while the list of active return reasons is not empty. Clears the
    owner and records them as the previous owner, ends every share of the customer (a "share
    ended" event each) and removes its lock. Records a "returned to the pool" event and an
    audit entry.
    """
    if not may_return(actor, customer):
        raise PermissionDenied(_("Only the owner or a manager may return this customer."))
    note = _clean_return(reason, note)

    now = clock.now()
    with transaction.atomic():
        locked = (
            Customer.objects.select_for_update(of=("self",))
            .select_related("owner")
            .get(pk=customer.pk)
        )
        owner = locked.owner
        if owner is None:
            raise ValidationError({"customer": [_("This customer is already in the pool.")]})
        pool = membership.governing_pool(owner)
        PoolEntry.objects.filter(customer_id=locked.pk).delete()
        entry = PoolEntry.objects.create(
            customer=locked,
            pool=pool,
            entered_at=now,
            cause=EntryCause.RETURNED,
            previous_owner=owner,
            reason=reason,
            note=note,
        )
        Customer.objects.filter(pk=locked.pk).update(
            owner=None, owner_since=None, updated_at=now, version=F("version") + 1
        )
        ended = _end_shares(actor, locked)
        CustomerLock.objects.filter(customer_id=locked.pk).delete()
        data = _pool_data(
            pool,
            **_owner_values("from", owner),
            **_owner_values("to", None),
            cause=EntryCause.RETURNED.value,
            reason=reason.name if reason else "",
            note=note,
        )
        events.pool_moved(locked.pk, EventKind.POOL_RETURNED, actor, data, now).save()
        audit.record(
            actor,
            AuditAction.POOL_RETURNED,
            "customer",
            locked.public_id,
            {
                "pool": str(pool.public_id),
                "previous_owner": str(owner.public_id),
                "reason": reason.name if reason else "",
                "shares_ended": ended,
            },
        )
    return entry


def _end_shares(actor: User, customer: Customer) -> int:
    """Delete the customer's shares with a "share ended" event each; return how many."""
    shares = list(CustomerShare.objects.filter(customer_id=customer.pk).select_related("user"))
    if not shares:
        return 0
    CustomerShare.objects.filter(pk__in=[share.pk for share in shares]).delete()
    ended = [events.share_ended(customer.pk, actor, share.user) for share in shares]
    Event.objects.bulk_create(ended)
    return len(shares)


def lock_rules(owner: User) -> Pool:
    """Return the pool whose lock switch and limit apply to `owner`'s customers."""
    return membership.governing_pool(owner)


def lock_customer(actor: User, customer: Customer) -> CustomerLock:
    """Keep one of the actor's own customers out of every reclaim rule.

    Only the owner may lock, while the governing pool allows locks, up to its lock limit.
    Locking a locked customer changes nothing. Records an audit entry.
    """
    if customer.owner_id != actor.pk or not actor.is_active:
        raise PermissionDenied(_("Only the owner may lock this customer."))
    pool = lock_rules(actor)
    if not pool.lock_on:
        raise ValidationError(
            {"customer": [_("%(pool)s does not let owners lock customers.") % {"pool": pool}]}
        )

    with transaction.atomic():
        locked = Customer.objects.select_for_update(of=("self",)).get(pk=customer.pk)
        if locked.owner_id != actor.pk:
            raise PermissionDenied(_("Only the owner may lock this customer."))
        lock_owner(actor)
        existing = CustomerLock.objects.filter(customer_id=locked.pk, user=actor).first()
        if existing is not None:
            return existing
        held = CustomerLock.objects.filter(user=actor, customer__owner=actor).count()
        if held >= pool.lock_limit:
            raise ValidationError(
                {
                    "customer": [
                        _(
                            "You have locked %(count)d customers, the limit of %(pool)s. "
                            "Unlock one first."
                        )
                        % {"count": held, "pool": pool.name}
                    ]
                }
            )
        CustomerLock.objects.filter(customer_id=locked.pk).delete()
        lock = CustomerLock.objects.create(customer=locked, user=actor, locked_at=clock.now())
        audit.record(actor, AuditAction.CUSTOMER_LOCKED, "customer", locked.public_id)
    return lock


def may_unlock(actor: User, customer: Customer) -> bool:
    return actor.is_active and (
        customer.owner_id == actor.pk
        or (actor.has_capability(Capability.ASSIGN) and in_role_reach(actor, customer))
    )


def unlock_customer(actor: User, customer: Customer) -> None:
    """Remove a customer's lock; the owner or a manager who reaches it may. Records an audit
    entry when there was a lock."""
    if not may_unlock(actor, customer):
        raise PermissionDenied(_("Only the owner or a manager may unlock this customer."))
    with transaction.atomic():
        deleted, _rows = CustomerLock.objects.filter(customer_id=customer.pk).delete()
        if deleted:
            audit.record(actor, AuditAction.CUSTOMER_UNLOCKED, "customer", customer.public_id)


def open_pool_customer(actor: User, entry: PoolEntry) -> None:
    """Record that a member opened a pool customer today, within the pool's daily open limit.

    Opening the same customer again on the same Asia/Shanghai day counts once. Raises
    PermissionDenied for non-members and ValidationError once the limit is reached.
    """
    pool = entry.pool
    if not membership.is_member(actor, pool):
        raise PermissionDenied(_("Only members of this pool may open its customers."))
    today = clock.today()
    with transaction.atomic():
        if PoolOpen.objects.filter(user=actor, customer_id=entry.customer_id, day=today).exists():
            return
        if pool.open_limit_on and not membership.administers_all(actor):
            lock_owner(actor)
            opened = PoolOpen.objects.filter(user=actor, pool=pool, day=today).count()
            if opened >= pool.open_limit:
                raise ValidationError(
                    {
                        "customer": [
                            _(
                                "You have opened %(count)d customers of %(pool)s today and the "
                                "daily limit is %(limit)d. Open more tomorrow."
                            )
                            % {"count": opened, "pool": pool.name, "limit": pool.open_limit}
                        ]
                    }
                )
        PoolOpen.objects.get_or_create(
            user=actor, customer_id=entry.customer_id, day=today, defaults={"pool": pool}
        )


def customers_received(customer_ids: list[int]) -> None:
    """Close the pool entries of customers given an owner elsewhere (a manager's transfer), and
    drop locks that another user set on them."""
    PoolEntry.objects.filter(customer_id__in=customer_ids).delete()
    for lock in CustomerLock.objects.filter(customer_id__in=customer_ids).select_related(
        "customer"
    ):
        if lock.user_id != lock.customer.owner_id:
            lock.delete()
