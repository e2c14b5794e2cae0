"""Reads of customers and contacts. Every read a request can reach starts here.

A user reads the customers their role reaches (`kehu.org.visibility.reach`) and those shared with
them until the share ends. They write to the customers their role reaches and to those shared
with them read-write; which writes they may do is up to their role's capabilities. Features that
keep unowned customers for their own members, such as the public pool, narrow which unowned
customers a role reaches (`register_unassigned_filter`).
"""

from collections.abc import Callable

from django.db.models import Q, QuerySet

from kehu.core import clock
from kehu.customers.models import Contact, Customer, CustomerShare, ShareAccess
from kehu.org.models import User
from kehu.org.visibility import NOTHING, Reach, reach

NONE = Q(pk__in=[])

# A filter returns which unowned customers `user` may read through a role that reaches
# unassigned customers; Q() leaves them all. Every registered filter applies.
UnassignedFilter = Callable[[User], Q]

_unassigned_filters: list[UnassignedFilter] = []


def register_unassigned_filter(narrow: UnassignedFilter) -> None:
    """Add a filter on the unowned customers a role reaches; registering it twice keeps one."""
    if narrow not in _unassigned_filters:
        _unassigned_filters.append(narrow)


def _unassigned(user: User) -> Q:
    found = Q(owner__isnull=True)
    for narrow in _unassigned_filters:
        found &= narrow(user)
    return found


def _role_filter(user: User, role_reach: Reach) -> Q:
    if role_reach.everything:
        return Q()
    parts: list[Q] = []
    if len(role_reach.owner_ids) == 1:
        parts.append(Q(owner_id=role_reach.owner_ids[0]))
    elif role_reach.owner_ids:
        parts.append(Q(owner_id__in=role_reach.owner_ids))
    if role_reach.department_ids:
        parts.append(Q(owner__department_id__in=role_reach.department_ids))
    if role_reach.unassigned:
        parts.append(_unassigned(user))
    if role_reach.assigned:
        assigned = Customer.agents.through.objects.filter(user_id=user.pk)
        parts.append(Q(pk__in=assigned.values("customer_id")))
    combined = NONE
    for part in parts:
        combined = part if combined is NONE else combined | part
    return combined


def active_shares(user: User, *, writable: bool = False) -> QuerySet[CustomerShare]:
    shares = CustomerShare.objects.filter(user_id=user.pk).filter(
        Q(until__isnull=True) | Q(until__gte=clock.today())
    )
    if writable:
        shares = shares.filter(access=ShareAccess.WRITE)
    return shares


def _scope_parts(user: User, *, writable: bool) -> list[Q]:
    """Return filters whose union is the user's scope: the role's reach, then any shares."""
    role_reach = reach(user)
    if role_reach == NOTHING:
        return [NONE]
    parts = [_role_filter(user, role_reach)]
    if role_reach.everything:
        return parts
    shares = active_shares(user, writable=writable)
    # Most users have no shares, and leaving the branch out keeps the plain owner filter.
    if shares.exists():
        parts.append(Q(pk__in=shares.values("customer_id")))
    return parts


def _scope(user: User, *, writable: bool) -> Q:
    combined = NONE
    for part in _scope_parts(user, writable=writable):
        combined = part if combined is NONE else combined | part
    return combined


def visible_parts(user: User) -> list[QuerySet[Customer]]:
    """Return querysets whose union is `visible_customers(user)`.

    With shares, one filter `owner = me OR id IN (shared)` stops SQLite from walking an owner
    index in sort order, so an ordered page would sort every row the role reaches. Ordered
    pages instead take their first rows from each part and merge them (see
    `kehu.customers.listing`).
    """
    return [Customer.objects.filter(part) for part in _scope_parts(user, writable=False)]


def customer_scope(user: User) -> Q:
    """Return a filter on Customer for the customers `user` may read."""
    return _scope(user, writable=False)


def visible_customers(user: User) -> QuerySet[Customer]:
    """Return the customers `user` may read."""
    return Customer.objects.filter(customer_scope(user))


def writable_customers(user: User) -> QuerySet[Customer]:
    """Return the customers `user` may change, capabilities permitting."""
    return Customer.objects.filter(_scope(user, writable=True))


def visible_contacts(user: User) -> QuerySet[Contact]:
    return Contact.objects.filter(customer__in=visible_customers(user).values("pk"))


def is_visible(user: User, customer: Customer) -> bool:
    return visible_customers(user).filter(pk=customer.pk).exists()


def is_writable(user: User, customer: Customer) -> bool:
    return writable_customers(user).filter(pk=customer.pk).exists()


def role_reach_customers(user: User) -> QuerySet[Customer]:
    """Return the customers inside the reach of the user's role, shares left aside.

    The bulk form of `in_role_reach`, for writes that move many customers at once.
    """
    role_reach = reach(user)
    if role_reach == NOTHING:
        return Customer.objects.none()
    return Customer.objects.filter(_role_filter(user, role_reach))


def in_role_reach(user: User, customer: Customer) -> bool:
    """Return whether `customer` is inside the reach of the user's role, shares left aside.

    A share lets a colleague read or change a customer, never hand it to someone else or manage
    other people's work on it.
    """
    role_reach = reach(user)
    if role_reach == NOTHING:
        return False
    return Customer.objects.filter(_role_filter(user, role_reach), pk=customer.pk).exists()
