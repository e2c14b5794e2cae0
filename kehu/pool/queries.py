"""Reads of the public pools. Every pool read a request can reach starts here.

A user reads the entries of the pools they belong to (kehu.pool.membership.member_pools), so
a rep never sees the customers of another department's pool. Values leave through
`PoolPolicy`, which masks the pool's masked fields on top of the viewer's own field policy.
"""

import uuid

from django.core.exceptions import PermissionDenied
from django.db.models import F, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from kehu.fields.registry import FieldSpec
from kehu.org.models import FieldAccess, User
from kehu.org.policy import FieldPolicy
from kehu.org.visibility import may_own_customers
from kehu.pool.membership import admin_pools, administers_all, member_pools
from kehu.pool.models import Pool, PoolEntry


def may_use_pools(user: User) -> bool:
    """Return whether `user` may open the public pools: users who may own customers, and pool
    managers. Outside agents never claim, so the pools stay closed to them."""
    return may_own_customers(user) or (user.is_active and administers_all(user))


def check_pool_user(user: User) -> None:
    """Raise PermissionDenied unless `user` may open the public pools."""
    if not may_use_pools(user):
        raise PermissionDenied(_("Your role may not use the public pools."))


def visible_pools(user: User) -> QuerySet[Pool]:
    """Return the pools `user` may read and claim from, company pool first."""
    # PostgreSQL sorts NULLs last by default, SQLite first; the company pool has no department.
    company_first = F("department_id").asc(nulls_first=True)
    return member_pools(user).select_related("department").order_by(company_first, "name")


def visible_entries(user: User) -> QuerySet[PoolEntry]:
    """Return the entries of the pools `user` belongs to whose customer is still unowned."""
    return PoolEntry.objects.filter(
        pool__in=member_pools(user).values("pk"), customer__owner__isnull=True
    )


def pool_entries(user: User, pool: Pool) -> QuerySet[PoolEntry]:
    """Return the entries of `pool` when `user` belongs to it, else none, for listings.

    Unlike visible_entries it does not join the customer to check that it is still unowned:
    with that check SQLite reads every unowned customer and sorts them, and without it reads the
    pool's entries in (pool, entered_at, id) index order. Claims and transfers delete the entry
    in the transaction that gives the customer an owner, and listings drop any row whose
    customer has one.
    """
    if not member_pools(user).filter(pk=pool.pk).exists():
        return PoolEntry.objects.none()
    return PoolEntry.objects.filter(pool=pool)


def load_pool(user: User, public_id: uuid.UUID) -> Pool:
    """Return a pool the user belongs to; any other id is a 404, the same as a missing one."""
    found = visible_pools(user).filter(public_id=public_id).first()
    if found is None:
        raise Http404
    return found


def load_entry(user: User, customer_id: uuid.UUID) -> PoolEntry:
    """Return the pool entry of a customer in one of the user's pools, else a 404."""
    found = (
        visible_entries(user)
        .select_related("pool", "customer", "previous_owner", "reason")
        .filter(customer__public_id=customer_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def administers(user: User, pool: Pool) -> bool:
    return admin_pools(user).filter(pk=pool.pk).exists()


class PoolPolicy(FieldPolicy):
    """The field policy of a viewer reading customers of one pool.

    Fields listed in the pool's masked_fields are masked until the viewer claims the customer,
    unless the viewer's own policy hides them. On the pool's pages and API a role that may
    reveal masked values sees these whole only after claiming.
    NOTE: roles that reach unassigned customers (managers who assign, the boss) also read pool
    customers on the ordinary customer pages, where only their role's policy applies.
    """

    def __init__(self, user: User, pool: Pool) -> None:
        super().__init__(user)
        self.masked_keys = frozenset(pool.masked_fields or [])

    def access(self, target: str, spec: FieldSpec) -> str:
        access = super().access(target, spec)
        if access != FieldAccess.HIDDEN and f"{target}.{spec.key}" in self.masked_keys:
            return FieldAccess.MASKED
        return access
