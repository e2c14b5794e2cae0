"""The visibility layer's rules: which customers a user may read.

Record apps build their querysets from these filters (see `kehu.customers.queries`), so the rule
for each role is written once. Roles become configurable data scopes later; callers will not
change because they only ask for a filter.
"""

from django.db.models import Q

from kehu.org.models import Department, Role, User


def customer_scope(user: User) -> Q:
    """Return a filter on Customer for the customers `user` may read.

    The boss sees everything; a manager sees customers owned by anyone in their department tree
    and unassigned ones; a rep sees their own; an outside agent sees only customers assigned to
    them. An inactive or anonymous user sees nothing.
    """
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.role == Role.BOSS or user.is_superuser:
        return Q()
    if user.role == Role.MANAGER:
        if user.department_id is None:
            return Q(owner=user) | Q(owner__isnull=True)
        department = Department.objects.get(pk=user.department_id)
        return Q(owner__department_id__in=department.subtree_ids()) | Q(owner__isnull=True)
    if user.role == Role.AGENT:
        return Q(agents=user)
    return Q(owner=user)


def can_edit_customers(user: User) -> bool:
    """Outside agents only add follow-ups; every other active role may edit visible customers."""
    return bool(user.is_active and user.role != Role.AGENT)
