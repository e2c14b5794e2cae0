"""The visibility layer's rules about people: whose records a user's role reaches.

Record apps turn a Reach into a filter on their own tables (see `kehu.customers.queries`), so the
rule for each data scope is written once, here. The role is read from the database with the user
on every request, so a change to a role, a scope, a department or a user applies on the next
request.
"""

import dataclasses

from django.db.models import Q, QuerySet

from kehu.org.models import Capability, DataScope, Department, User


@dataclasses.dataclass(frozen=True)
class Reach:
    """Whose customers a user reaches through their role, before shares are added.

    `everything` reaches every record. Otherwise the records reached are those owned by a user
    in `owner_ids` or by a member of a department in `department_ids`, those without an owner
    when `unassigned` is set, and those explicitly assigned to the user when `assigned` is set.
    """

    everything: bool = False
    owner_ids: tuple[int, ...] = ()
    department_ids: tuple[int, ...] = ()
    unassigned: bool = False
    assigned: bool = False


NOTHING = Reach()


def subordinate_ids(user: User) -> list[int]:
    """Return the ids of everyone who reports to `user`, directly or through others."""
    found: list[int] = []
    frontier = [user.pk]
    while frontier:
        frontier = [
            pk
            for pk in User.objects.filter(manager_id__in=frontier).values_list("pk", flat=True)
            if pk not in found and pk != user.pk
        ]
        found.extend(frontier)
    return found


def reach(user: User) -> Reach:
    """Return the Reach of `user`'s role. Inactive, anonymous and role-less users reach nothing.

    Roles that may assign customers also reach unassigned ones, unless they only see their own
    or assigned customers, because someone has to hand those customers out.
    """
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return Reach(everything=True)
    role = user.role
    if role is None:
        return NOTHING
    scope = role.data_scope
    if scope == DataScope.COMPANY:
        return Reach(everything=True)
    if scope == DataScope.ASSIGNED:
        return Reach(assigned=True)
    owner_ids: tuple[int, ...] = (user.pk,)
    department_ids: tuple[int, ...] = ()
    if scope == DataScope.SUBORDINATES:
        owner_ids = (user.pk, *subordinate_ids(user))
    elif scope == DataScope.DEPARTMENT and user.department_id is not None:
        department_ids = (user.department_id,)
    elif scope == DataScope.DEPARTMENT_TREE and user.department_id is not None:
        department = Department.objects.get(pk=user.department_id)
        department_ids = tuple(department.subtree_ids())
    hands_out = scope != DataScope.OWN and role.allows(Capability.ASSIGN)
    return Reach(owner_ids=owner_ids, department_ids=department_ids, unassigned=hands_out)


def can_edit_customers(user: User) -> bool:
    """Return whether `user` may change customer fields and contacts at all."""
    return user.has_capability(Capability.EDIT)


def reaches_owner(user: User, owner: User) -> bool:
    """Return whether records owned by `owner` fall inside `user`'s role reach."""
    role_reach = reach(user)
    if role_reach.everything:
        return True
    return owner.pk in role_reach.owner_ids or (
        owner.department_id is not None and owner.department_id in role_reach.department_ids
    )


def may_own_customers(user: User) -> bool:
    """Outside agents (roles that only see assigned customers) never own customers."""
    return bool(
        user.is_active
        and (
            user.is_superuser
            or (user.role is not None and user.role.data_scope != DataScope.ASSIGNED)
        )
    )


def owners_in_reach(user: User, role_reach: Reach | None = None) -> QuerySet[User]:
    """Return the active users who may own customers and whose customers `user` reaches.

    Pass `role_reach` when the caller has already computed `reach(user)`.
    """
    people = User.objects.filter(is_active=True, role__isnull=False).exclude(
        role__data_scope=DataScope.ASSIGNED
    )
    role_reach = role_reach or reach(user)
    if role_reach.everything:
        return people
    return people.filter(
        Q(pk__in=role_reach.owner_ids) | Q(department_id__in=role_reach.department_ids)
    )
