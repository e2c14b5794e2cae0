"""Passwords: a user changing their own, and a user manager setting another user's.

Both check the new password with Django's password validators (AUTH_PASSWORD_VALIDATORS), end
the user's other sessions and record an audit entry that never contains a password.
"""

import logging

from axes.utils import reset as reset_login_failures
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kehu.audit.models import AuditAction
from kehu.audit.services import record
from kehu.org.guards import require_manage_users, require_not_above, require_user_in_reach
from kehu.org.models import User
from kehu.org.services import end_sessions
from kehu.org.signals import password_set_by_manager

logger = logging.getLogger(__name__)


def _check_new_password(user: User, password: str, field: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({field: list(error.messages)}) from None


def change_own_password(user: User, new_password: str, *, keep_session: str | None) -> int:
    """Give the signed-in `user` a new password and end their other sessions.

    The caller checks the current password first: the page does it through Django's
    authenticate(), so wrong guesses count towards the sign-in lockout. `keep_session` is the
    key of the session the change came from, which stays signed in. Raises ValidationError on
    "new_password" when a password validator rejects it. Returns how many sessions ended.
    Lifts a lockout after failed sign-ins.
    """
    if not user.is_active:
        raise PermissionDenied(_("Your account is deactivated."))
    _check_new_password(user, new_password, "new_password")

    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.set_password(new_password)
        locked.save(update_fields=["password"])
        ended = end_sessions(locked, keep=keep_session)
        record(
            locked,
            AuditAction.PASSWORD_CHANGED,
            "user",
            locked.public_id,
            {"sessions_ended": ended},
        )
    # The caller's copy carries the new hash, so Django can keep its session signed in.
    user.password = locked.password
    logger.info("user %s changed their password; %d other sessions ended", user.pk, ended)
    return ended


def set_user_password(actor: User, user: User, new_password: str) -> int:
    """Give another user a new password, as a user manager, and end all of that user's sessions.

    Raises PermissionDenied when the actor may not manage users, when the user's role grants
    more than the actor's, or for the actor's own account (which changes through
    `change_own_password`, with the current password). Raises ValidationError on
    "new_password" when a password validator rejects it. Returns how many sessions ended.
    Lifts a lockout after failed sign-ins. Receivers of
    `kehu.org.signals.password_set_by_manager` (the API's token revocation) run in the same
    transaction.
    """
    check_password_setter(actor, user)
    _check_new_password(user, new_password, "new_password")

    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.set_password(new_password)
        locked.save(update_fields=["password"])
        ended = end_sessions(locked)
        password_set_by_manager.send(sender=User, user=locked, actor=actor)
        record(
            actor,
            AuditAction.PASSWORD_SET,
            "user",
            locked.public_id,
            {"sessions_ended": ended},
        )
    # A user locked out after failed sign-ins gets in again with the new password.
    reset_login_failures(username=user.username)
    logger.info("password of user %s set by user %s; %d sessions ended", user.pk, actor.pk, ended)
    return ended


def set_password_from_console(user: User, new_password: str) -> int:
    """Give a user a new password from the server's console, as `kehu changepassword` does.

    A person with a shell on the server administers Kehu anyway, so no user is checked. Otherwise it
    works as `set_user_password`: validators, every session ended, API tokens revoked, an audit
    entry (without an actor, from the command) and the sign-in lockout lifted.
    """
    _check_new_password(user, new_password, "new_password")

    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.set_password(new_password)
        locked.save(update_fields=["password"])
        ended = end_sessions(locked)
        password_set_by_manager.send(sender=User, user=locked, actor=None)
        record(
            None,
            AuditAction.PASSWORD_SET,
            "user",
            locked.public_id,
            {"sessions_ended": ended, "source": "command"},
        )
    reset_login_failures(username=user.username)
    logger.info("password of user %s set from the console; %d sessions ended", user.pk, ended)
    return ended


def check_password_setter(actor: User, user: User) -> None:
    """Raise PermissionDenied unless `actor` may set `user`'s password (see set_user_password)."""
    require_manage_users(actor)
    if user.pk == actor.pk:
        raise PermissionDenied(
            _("Change your own password on the password page, with your current password.")
        )
    require_not_above(actor, user)
    require_user_in_reach(actor, user)
