"""Checks that keep a user who manages users and roles from granting more than they hold.

Capabilities, data scopes and field access may be granted only up to the actor's own. Users and
departments may not be rearranged so that anyone reaches the customers of an owner the actor
does not reach. A department scope follows the department tree and a subordinates scope follows
the manager chain, so moving people grants access as surely as editing a role does. The service
functions in `kehu.org.services` call these checks inside their transaction, so a rejected
change rolls back.
"""

import dataclasses
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kehu.fields.models import FieldTarget
from kehu.fields.registry import fields_for
from kehu.org.models import Capability, DataScope, FieldAccess, Role, User
from kehu.org.policy import policy_for, role_access
from kehu.org.visibility import reach

S = DataScope
# The scopes each scope covers. Every scope covers "assigned": an assigned-only role reaches
# nothing until someone who reaches a customer assigns it.
COVERED_SCOPES: dict[str, frozenset[str]] = {
    S.ASSIGNED: frozenset({S.ASSIGNED}),
    S.OWN: frozenset({S.OWN, S.ASSIGNED}),
    S.SUBORDINATES: frozenset({S.SUBORDINATES, S.OWN, S.ASSIGNED}),
    S.DEPARTMENT: frozenset({S.DEPARTMENT, S.OWN, S.ASSIGNED}),
    S.DEPARTMENT_TREE: frozenset({S.DEPARTMENT_TREE, S.DEPARTMENT, S.OWN, S.ASSIGNED}),
    S.COMPANY: frozenset(DataScope.values),
}
# The scopes whose reach depends on departments or managers.
STRUCTURAL_SCOPES = (S.SUBORDINATES, S.DEPARTMENT, S.DEPARTMENT_TREE)
# FieldAccess values from most to least open: a lower rank grants more.
OPENNESS_RANK = {access: rank for rank, access in enumerate(FieldAccess.values)}


def held_capabilities(actor: User) -> set[str]:
    if actor.is_superuser:
        return set(Capability.values)
    if actor.role is None:
        return set()
    return set(actor.role.capabilities)


def held_scope(actor: User) -> str | None:
    if actor.is_superuser:
        return DataScope.COMPANY
    return actor.role.data_scope if actor.role is not None else None


def scope_covers(held: str | None, scope: str) -> bool:
    return held is not None and scope in COVERED_SCOPES.get(held, frozenset())


def is_more_open(access: str, than: str) -> bool:
    return OPENNESS_RANK[access] < OPENNESS_RANK[than]


def check_role_grant(actor: User, before: Role | None, after: Role) -> None:
    """Raise PermissionDenied unless `actor` has everything that `after` adds to `before`.

    `before` is the role as stored (None for a new role, or for a role given to a user, where
    the whole role is granted). Only additions count: a role may keep a capability, scope or
    field access that the actor lacks, as long as the change does not add it.
    """
    added = set(after.capabilities) - set(before.capabilities if before else ())
    missing = [value for value in Capability.values if value in added - held_capabilities(actor)]
    if missing:
        labels = "、".join(str(Capability(value).label) for value in missing)
        raise PermissionDenied(
            _("Your own role lacks “%(capabilities)s”, so you cannot grant it.")
            % {"capabilities": labels}
        )

    scope_changed = before is None or before.data_scope != after.data_scope
    if scope_changed and not scope_covers(held_scope(actor), after.data_scope):
        raise PermissionDenied(
            _("The data scope “%(scope)s” is wider than your own, so you cannot grant it.")
            % {"scope": DataScope(after.data_scope).label}
        )

    policy = policy_for(actor)
    opened: list[str] = []
    for target in FieldTarget.values:
        for spec in fields_for(target):
            new = role_access(after, target, spec)
            old = role_access(before, target, spec) if before else FieldAccess.HIDDEN
            if is_more_open(new, old) and is_more_open(new, policy.access(target, spec)):
                opened.append(spec.label_text)
    if opened:
        raise PermissionDenied(
            _(
                "Your own role has less access to “%(fields)s”, so you cannot grant more "
                "access to them."
            )
            % {"fields": "、".join(opened)}
        )


@dataclasses.dataclass(frozen=True)
class Reached:
    """Whose customers a user reaches: everyone, or these owners (and unassigned ones)."""

    everyone: bool
    owner_ids: frozenset[int] = frozenset()
    unassigned: bool = False


def reached(user: User) -> Reached:
    role_reach = reach(user)
    if role_reach.everything:
        return Reached(everyone=True, unassigned=True)
    members: Iterable[int] = ()
    if role_reach.department_ids:
        members = User.objects.filter(department_id__in=role_reach.department_ids).values_list(
            "pk", flat=True
        )
    return Reached(
        everyone=False,
        owner_ids=frozenset(role_reach.owner_ids) | frozenset(members),
        unassigned=role_reach.unassigned,
    )


class ReachGuard:
    """Reject a change that lets anyone reach owners or unassigned customers the actor cannot.

    Create the guard before the write and call `check` after it, inside the same transaction.
    The users compared are the active ones whose scope follows departments or managers, plus
    `user_ids` (the users a change edits, creates or reactivates). Actors who reach the whole
    company can widen nobody's reach beyond their own, so for them the guard does nothing.
    """

    def __init__(self, actor: User, user_ids: Iterable[int] = ()) -> None:
        self.actor_reach = reached(actor)
        self.before: dict[int, Reached] = {}
        if self.actor_reach.everyone:
            return
        for user in self._compared(user_ids):
            self.before[user.pk] = reached(user)

    def _compared(self, user_ids: Iterable[int]) -> QuerySet[User]:
        return (
            User.objects.filter(is_active=True)
            .filter(Q(role__data_scope__in=STRUCTURAL_SCOPES) | Q(pk__in=list(user_ids)))
            .select_related("role")
        )

    def check(self, user_ids: Iterable[int] = (), *, created: Iterable[int] = ()) -> None:
        """Raise PermissionDenied if a compared user now reaches more than the actor does.

        `created` are users the change created: they own no customers yet, so reaching them
        widens nobody's reach.
        """
        if self.actor_reach.everyone:
            return
        created_ids = set(created)
        for user in self._compared([*user_ids, *self.before]):
            # A user not compared before the change reached only their own customers.
            before = self.before.get(user.pk, Reached(everyone=False))
            after = reached(user)
            if self._widens(before, after, {user.pk, *created_ids}):
                raise PermissionDenied(
                    _(
                        "This change would let %(user)s reach customers that you cannot reach "
                        "yourself."
                    )
                    % {"user": user}
                )

    def _widens(self, before: Reached, after: Reached, ignored: set[int]) -> bool:
        if before.everyone:
            return False
        if after.everyone:
            return True
        gained = after.owner_ids - before.owner_ids - ignored
        if gained - self.actor_reach.owner_ids:
            return True
        return after.unassigned and not before.unassigned and not self.actor_reach.unassigned
