"""Checks that the writes to users and roles share: who may manage users and roles, and that at
least one active user keeps that capability.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from kehu.org.escalation import check_role_grant
from kehu.org.models import Capability, Role, User
from kehu.org.visibility import reaches_owner


def can_manage_users(user: User) -> bool:
    return user.has_capability(Capability.MANAGE_USERS)


def require_manage_users(actor: User) -> None:
    if not can_manage_users(actor):
        raise PermissionDenied(_("Your role may not manage users and roles."))


def require_not_above(actor: User, user: User) -> None:
    """Raise PermissionDenied when `user`'s role has something the actor's role lacks.

    Otherwise someone who may manage users could demote or deactivate the boss, and nobody
    below the boss could undo it.
    """
    if user.pk == actor.pk or user.role is None:
        return
    try:
        check_role_grant(actor, None, user.role)
    except PermissionDenied:
        raise PermissionDenied(
            _("The role of %(user)s holds more than yours, so you cannot change this user.")
            % {"user": user}
        ) from None


def require_user_in_reach(actor: User, user: User) -> None:
    """Raise PermissionDenied unless `user` is the actor or inside the actor's role reach.

    Setting a password or deactivating an account outside the reach would let a user manager of
    one department sign in as, or lock out, people whose customers they may not see.
    """
    if user.pk == actor.pk or reaches_owner(actor, user):
        return
    raise PermissionDenied(
        _("%(user)s is outside your reach, so you cannot change this user.") % {"user": user}
    )


def user_manager_count() -> int:
    """Return how many active users, superusers aside, hold the manage-users capability."""
    role_ids = [role.pk for role in Role.objects.all() if role.allows(Capability.MANAGE_USERS)]
    return User.objects.filter(is_active=True, is_superuser=False, role_id__in=role_ids).count()


def lock_user_managers(actor: User) -> int:
    """Lock every role row in id order, recheck the actor, and return `user_manager_count()`.

    Every change that can take the manage-users capability from someone (deactivating a user,
    changing a user's role, changing a role) calls this first in its transaction, so such
    changes run one after another. On PostgreSQL at READ COMMITTED each statement after the
    locks sees what the change before committed; without them, two user managers deactivating
    each other would each still count the other and leave nobody. The actor is read again,
    because the change before may have taken their own capability.
    """
    list(Role.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
    require_manage_users(User.objects.select_related("role").get(pk=actor.pk))
    return user_manager_count()


def keep_a_user_manager(count_before: int) -> None:
    """Raise ValidationError when a change took the capability from the last user who had it."""
    if count_before > 0 and user_manager_count() == 0:
        raise ValidationError(
            _(
                "At least one active user must keep the capability to manage users and roles, "
                "or nobody could manage them afterwards."
            )
        )
