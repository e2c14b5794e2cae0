"""Pool membership: the pool that governs an owner, and the pools a user belongs to or runs.

The pool that governs an owner is the pool of the owner's department, or of the nearest
department above it that has one, or else the company pool. Its rules apply to the owner's
customers, and the customers the owner returns or loses go into it.
"""

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.org.models import Capability, Department, User
from kehu.org.visibility import may_own_customers
from kehu.pool.models import Pool, PoolEntry, PoolMember


def company_pool() -> Pool:
    """Return the company pool, creating it on first use."""
    pool = Pool.objects.filter(department__isnull=True).first()
    if pool is not None:
        return pool
    now = clock.now()
    pool, _created = Pool.objects.get_or_create(
        department=None,
        defaults={
            "name": _("Company pool"),
            "open_to_everyone": True,
            "masked_fields": ["contact.mobile", "contact.phone", "contact.email", "contact.wechat"],
            "created_at": now,
            "updated_at": now,
        },
    )
    return pool


def department_pools() -> dict[int, int]:
    """Return the pool id that governs each department id, for every department."""
    parents = dict(Department.objects.values_list("pk", "parent_id"))
    own = dict(Pool.objects.filter(department__isnull=False).values_list("department_id", "pk"))
    fallback = company_pool().pk
    governing: dict[int, int] = {}
    for department_id in parents:
        current: int | None = department_id
        seen: set[int] = set()
        while current is not None and current not in own and current not in seen:
            seen.add(current)
            current = parents.get(current)
        governing[department_id] = own.get(current, fallback) if current is not None else fallback
    return governing


def governing_pool(owner: User) -> Pool:
    """Return the pool whose rules govern `owner`'s customers."""
    if owner.department_id is None:
        return company_pool()
    pool_id = department_pools().get(owner.department_id)
    return Pool.objects.get(pk=pool_id) if pool_id is not None else company_pool()


def governed_owner_ids(pool: Pool) -> QuerySet[User, int]:
    """Return the ids of the users whose customers `pool` governs."""
    department_ids = [
        department_id for department_id, pool_id in department_pools().items() if pool_id == pool.pk
    ]
    owners = Q(department_id__in=department_ids)
    if pool.is_company_pool:
        owners |= Q(department__isnull=True)
    return User.objects.filter(owners).values_list("pk", flat=True)


def _ancestor_ids(department_id: int | None) -> list[int]:
    found: list[int] = []
    parents = dict(Department.objects.values_list("pk", "parent_id"))
    current = department_id
    while current is not None and current not in found:
        found.append(current)
        current = parents.get(current)
    return found


def administers_all(user: User) -> bool:
    """Return whether `user` administers every pool, as users who may manage pools do."""
    return user.has_capability(Capability.MANAGE_POOLS)


def _membership(user: User) -> Q:
    kinds = Q(user_id=user.pk)
    departments = _ancestor_ids(user.department_id)
    if departments:
        kinds |= Q(department_id__in=departments)
    if user.role_id is not None:
        kinds |= Q(role_id=user.role_id)
    return kinds


def member_pools(user: User) -> QuerySet[Pool]:
    """Return the pools `user` may read and claim from."""
    if not user.is_authenticated or not user.is_active:
        return Pool.objects.none()
    if administers_all(user):
        return Pool.objects.all()
    if not may_own_customers(user):
        return Pool.objects.none()
    listed = PoolMember.objects.filter(_membership(user)).values("pool_id")
    return Pool.objects.filter(Q(pk__in=listed) | Q(open_to_everyone=True))


def admin_pools(user: User) -> QuerySet[Pool]:
    """Return the pools whose customers `user` may assign."""
    if not user.is_authenticated or not user.is_active:
        return Pool.objects.none()
    if administers_all(user):
        return Pool.objects.all()
    if not user.has_capability(Capability.ASSIGN):
        return Pool.objects.none()
    listed = PoolMember.objects.filter(_membership(user), is_admin=True).values("pool_id")
    return Pool.objects.filter(pk__in=listed)


def is_member(user: User, pool: Pool) -> bool:
    return member_pools(user).filter(pk=pool.pk).exists()


def is_admin(user: User, pool: Pool) -> bool:
    return admin_pools(user).filter(pk=pool.pk).exists()


def unassigned_reach(user: User) -> Q:
    """Return which unowned customers a role that hands customers out reaches, pools considered.

    Such a role reaches the unowned customers outside every pool and those in the pools the user
    administers. Members of other pools read those pools' customers through the pool pages only,
    where fields are masked until claimed.
    """
    if administers_all(user):
        return Q()
    elsewhere = PoolEntry.objects.filter(customer_id=OuterRef("pk")).exclude(
        pool_id__in=admin_pools(user).values("pk")
    )
    return ~Q(Exists(elsewhere))


def member_ids(pool: Pool, users: Iterable[User]) -> set[int]:
    """Return the ids of those `users` who are members of `pool`, as `is_member` decides.

    Runs two queries whatever the number of users (the pool's member rows and the department
    tree), where `is_member` runs queries per user. Load the users with their role
    (select_related), or each role is read once more.
    """
    rows = list(
        PoolMember.objects.filter(pool=pool).values_list("user_id", "department_id", "role_id")
    )
    listed_users = {user_id for user_id, _department, _role in rows if user_id is not None}
    listed_departments = {department for _user, department, _role in rows if department is not None}
    listed_roles = {role_id for _user, _department, role_id in rows if role_id is not None}
    parents = dict(Department.objects.values_list("pk", "parent_id"))

    def in_listed_department(department_id: int | None) -> bool:
        seen: set[int] = set()
        current = department_id
        while current is not None and current not in seen:
            if current in listed_departments:
                return True
            seen.add(current)
            current = parents.get(current)
        return False

    found: set[int] = set()
    for user in users:
        if not user.is_active:
            continue
        if administers_all(user):
            found.add(user.pk)
        elif not may_own_customers(user):
            continue
        elif (
            pool.open_to_everyone
            or user.pk in listed_users
            or user.role_id in listed_roles
            or in_listed_department(user.department_id)
        ):
            found.add(user.pk)
    return found
