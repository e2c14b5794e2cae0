"""Every write to users and roles. The settings pages and commands call these.

Departments have their own module, kehu.org.departments.

Each function checks the manage-users capability first, writes in one transaction and records an
audit entry. No actor grants more than their own role has (`kehu.org.escalation`), a user never
changes their own role, and at least one active user keeps the capability to manage users and
roles.
Users are deactivated, never deleted, so every record they own or wrote stays intact.
"""

import dataclasses
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.audit.models import AuditAction
from kehu.audit.services import record
from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.org.escalation import ReachGuard, check_role_grant
from kehu.org.guards import (
    keep_a_user_manager,
    lock_user_managers,
    require_manage_users,
    require_not_above,
    require_user_in_reach,
)
from kehu.org.models import Capability, DataScope, Department, FieldAccess, Role, User
from kehu.org.signals import user_deactivated
from kehu.org.visibility import subordinate_ids

logger = logging.getLogger(__name__)

USERNAME_LIMIT = 150
DISPLAY_NAME_LIMIT = 50
ROLE_NAME_LIMIT = 50


@dataclasses.dataclass(frozen=True)
class RoleValues:
    """Everything a role editor sets. `field_policy` maps "<target>.<field key>" to an access."""

    name: str
    data_scope: str
    capabilities: Sequence[str] = ()
    field_policy: Mapping[str, str] = dataclasses.field(default_factory=dict)
    money_access: str = FieldAccess.EDITABLE
    sensitive_access: str = FieldAccess.EDITABLE


def _refuse_agent_owner(user: User, role: Role) -> None:
    """Raise ValidationError when an outside agent role would go to a user who owns customers."""
    if role.data_scope != DataScope.ASSIGNED:
        return
    if User.objects.filter(pk=user.pk, owned_customers__isnull=False).exists():
        raise ValidationError(
            {
                "role": [
                    _(
                        "This user owns customers, and outside agents cannot own customers. "
                        "Transfer the customers first."
                    )
                ]
            }
        )


def _too_long(limit: int, text: str) -> str:
    return _("At most %(limit)d characters, got %(count)d.") % {"limit": limit, "count": len(text)}


# Users


def _is_valid_username(username: str) -> bool:
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        return False
    return True


def _clean_username(raw: str, errors: dict[str, list[str]]) -> str:
    username = raw.strip()
    if not username:
        errors["username"] = [_("Enter a username.")]
    elif len(username) > USERNAME_LIMIT:
        errors["username"] = [_too_long(USERNAME_LIMIT, username)]
    elif not _is_valid_username(username):
        errors["username"] = [
            _("The username “%(value)s” may contain only letters, digits and @ . + - _.")
            % {"value": username}
        ]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("The username “%(value)s” is taken.") % {"value": username}]
    return username


def _clean_display_name(raw: str, errors: dict[str, list[str]]) -> str:
    display_name = raw.strip()
    if len(display_name) > DISPLAY_NAME_LIMIT:
        errors["display_name"] = [_too_long(DISPLAY_NAME_LIMIT, display_name)]
    return display_name


def _check_placement(
    user: User | None, manager: User | None, role: Role | None, errors: dict[str, list[str]]
) -> None:
    """Check the manager and role of a new (`user` None) or existing user."""
    if role is None:
        errors["role"] = [_("Choose a role.")]
    if manager is None:
        return
    if not manager.is_active:
        errors["manager"] = [
            _("%(user)s is deactivated and cannot be a manager.") % {"user": manager}
        ]
    elif user is not None and manager.pk == user.pk:
        errors["manager"] = [_("A user cannot be their own manager.")]
    elif user is not None and manager.pk in subordinate_ids(user):
        errors["manager"] = [
            _("%(manager)s reports to %(user)s, so cannot be their manager.")
            % {"manager": manager, "user": user}
        ]


def create_user(
    actor: User,
    *,
    username: str,
    display_name: str,
    password: str,
    department: Department | None,
    manager: User | None,
    role: Role | None,
) -> User:
    """Create an active user with a role the actor could hold themselves.

    Raises PermissionDenied when the actor may not manage users, when the role grants more than
    the actor holds, or when the new user would reach customers the actor does not reach.
    Raises ValidationError keyed by field for a taken or invalid username, a password that
    Django's password validators reject, a missing role or a deactivated manager.
    """
    require_manage_users(actor)
    errors: dict[str, list[str]] = {}
    username, display_name = _clean_new_user(username, display_name, manager, role, errors)
    try:
        validate_password(password, User(username=username, display_name=display_name))
    except ValidationError as error:
        errors["password"] = list(error.messages)
    if errors:
        raise ValidationError(errors)
    assert role is not None
    check_role_grant(actor, None, role)

    with transaction.atomic():
        user = add_checked_user(
            actor,
            username=username,
            display_name=display_name,
            password=password,
            department=department,
            manager=manager,
            role=role,
        )
    logger.info("user %s created by user %s", user.pk, actor.pk)
    return user


def _clean_new_user(
    username: str,
    display_name: str,
    manager: User | None,
    role: Role | None,
    errors: dict[str, list[str]],
) -> tuple[str, str]:
    username = _clean_username(username, errors)
    display_name = _clean_display_name(display_name, errors)
    _check_placement(None, manager, role, errors)
    return username, display_name


def check_new_user(
    actor: User, *, username: str, display_name: str, manager: User | None, role: Role | None
) -> tuple[str, str]:
    """Return the cleaned username and display name of a user about to be created.

    Runs the checks of `create_user` except the password and the reach: raises
    ValidationError keyed by field, and PermissionDenied when the role grants more than the
    actor holds. The caller checks `require_manage_users` first.
    """
    errors: dict[str, list[str]] = {}
    username, display_name = _clean_new_user(username, display_name, manager, role, errors)
    if errors:
        raise ValidationError(errors)
    assert role is not None
    check_role_grant(actor, None, role)
    return username, display_name


def add_checked_user(
    actor: User,
    *,
    username: str,
    display_name: str,
    password: str | None,
    department: Department | None,
    manager: User | None,
    role: Role,
    email: str = "",
    created_ids: Iterable[int] = (),
) -> User:
    """Insert a user whose values passed `check_new_user`, check the reach, record the audit.

    A `password` of None gives the user an unusable password: the user cannot sign in until
    a user manager sets one. `created_ids` are users created just before in the same
    transaction, who own nothing yet. Call inside a transaction, which a PermissionDenied from
    the reach check (`ReachGuard`) must roll back.
    """
    guard = ReachGuard(actor)
    user = User(
        username=User.normalize_username(username),
        display_name=display_name,
        email=User.objects.normalize_email(email),
        department=department,
        manager=manager,
        role=role,
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ValidationError(
            {"username": [_("The username “%(value)s” is taken.") % {"value": username}]}
        ) from None
    guard.check([user.pk], created=[user.pk, *created_ids])
    record(
        actor,
        AuditAction.USER_CREATED,
        "user",
        user.public_id,
        {
            "username": user.username,
            "display_name": display_name,
            "role": role.name,
            "department": department.name if department else None,
            "manager": str(manager) if manager else None,
        },
    )
    return user


def update_user(
    actor: User,
    user: User,
    *,
    display_name: str,
    department: Department | None,
    manager: User | None,
    role: Role | None,
    email: str | None = None,
) -> User:
    """Change a user's display name, department, manager and role, and the email unless None.

    A user cannot change their own role. A new role must not grant more than the actor holds,
    and the change must not let anyone reach customers the actor does not reach. Raises
    PermissionDenied for those, and ValidationError keyed by field for bad values or for taking
    the manage-users capability from the last active user who has it.
    """
    require_manage_users(actor)
    require_not_above(actor, user)
    errors: dict[str, list[str]] = {}
    display_name = _clean_display_name(display_name, errors)
    _check_placement(user, manager, role, errors)
    if errors:
        raise ValidationError(errors)
    assert role is not None
    if role.pk != user.role_id:
        if user.pk == actor.pk:
            raise PermissionDenied(_("You cannot change your own role."))
        check_role_grant(actor, None, role)
        _refuse_agent_owner(user, role)

    with transaction.atomic():
        managers_before = lock_user_managers(actor)
        locked = User.objects.select_for_update().get(pk=user.pk)
        guard = ReachGuard(actor, [locked.pk])
        new_values: dict[str, Any] = {
            "display_name": display_name,
            "department": department,
            "manager": manager,
            "role": role,
        }
        if email is not None:
            new_values["email"] = User.objects.normalize_email(email)
        changes: dict[str, list[Any]] = {}
        for key, new in new_values.items():
            old = getattr(locked, key)
            if old != new:
                changes[key] = [_audit_value(old), _audit_value(new)]
                setattr(locked, key, new)
        if not changes:
            return locked
        locked.save(update_fields=list(changes))
        guard.check([locked.pk])
        keep_a_user_manager(managers_before)
        record(actor, AuditAction.USER_CHANGED, "user", locked.public_id, {"changes": changes})
    return locked


def _audit_value(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    return str(value)


def end_sessions(user: User, *, keep: str | None = None) -> int:
    """Delete every unexpired database session of `user`; return how many were deleted.

    `keep` is the key of a session to leave alone, such as the one a password change came
    from. Django's database sessions are not indexed by user, so each unexpired session is
    decoded. Expiry is compared with Django's own clock, the one that set it. Sessions kept by
    another engine stay, but Django rejects a deactivated user's session on the next request,
    and a session signed in before a password change, anyway.
    """
    owned = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now())
        .exclude(pk=keep or "")
        .iterator()
        if session.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]
    Session.objects.filter(pk__in=owned).delete()
    return len(owned)


def deactivate_user(actor: User, user: User) -> User:
    """Deactivate a user and end their sessions and API tokens at once.

    The user keeps every customer they own and every follow-up they wrote. Receivers of
    `kehu.org.signals.user_deactivated` (the API's token revocation) run in the same
    transaction. Deactivating an inactive user changes nothing. Raises PermissionDenied for
    oneself, and ValidationError when the user is the last active one who manages users.
    """
    require_manage_users(actor)
    require_not_above(actor, user)
    if user.pk == actor.pk:
        raise PermissionDenied(_("You cannot deactivate your own account."))
    require_user_in_reach(actor, user)

    with transaction.atomic():
        managers_before = lock_user_managers(actor)
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.is_active:
            return locked
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        keep_a_user_manager(managers_before)
        sessions = end_sessions(locked)
        user_deactivated.send(sender=User, user=locked, actor=actor)
        record(
            actor,
            AuditAction.USER_DEACTIVATED,
            "user",
            locked.public_id,
            {"sessions_ended": sessions},
        )
    logger.info("user %s deactivated by user %s; %d sessions ended", user.pk, actor.pk, sessions)
    return locked


def reactivate_user(actor: User, user: User) -> User:
    """Let a deactivated user sign in again with their role, department and manager.

    The user's role must not grant more than the actor holds, because reactivating gives it
    back. Reactivating an active user changes nothing.
    """
    require_manage_users(actor)
    require_not_above(actor, user)
    require_user_in_reach(actor, user)
    if user.role is not None:
        check_role_grant(actor, None, user.role)

    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_active:
            return locked
        guard = ReachGuard(actor)
        locked.is_active = True
        locked.save(update_fields=["is_active"])
        guard.check([locked.pk])
        record(actor, AuditAction.USER_REACTIVATED, "user", locked.public_id)
    logger.info("user %s reactivated by user %s", user.pk, actor.pk)
    return locked


# Roles


def _policy_keys() -> set[str]:
    return {f"{target}.{key}" for target in FieldTarget.values for key in field_map(target)}


def _clean_role(values: RoleValues, role: Role | None) -> dict[str, Any]:
    """Return the model values of a role, or raise ValidationError keyed by field.

    Policy entries of deactivated custom fields are kept as stored, so a field that comes back
    keeps its access. The entries of active fields are exactly those given.
    """
    errors: dict[str, list[str]] = {}
    name = values.name.strip()
    if not name:
        errors["name"] = [_("Enter a role name.")]
    elif len(name) > ROLE_NAME_LIMIT:
        errors["name"] = [_too_long(ROLE_NAME_LIMIT, name)]
    else:
        same_name = Role.objects.filter(name__iexact=name)
        if role is not None:
            same_name = same_name.exclude(pk=role.pk)
        if same_name.exists():
            errors["name"] = [_("A role named “%(name)s” already exists.") % {"name": name}]
    if values.data_scope not in DataScope.values:
        errors["data_scope"] = [
            _("“%(value)s” is not a data scope.") % {"value": values.data_scope}
        ]
    unknown = [value for value in values.capabilities if value not in Capability.values]
    if unknown:
        errors["capabilities"] = [
            _("“%(value)s” is not a capability.") % {"value": value} for value in unknown
        ]
    for key in ("money_access", "sensitive_access"):
        access = getattr(values, key)
        if access not in FieldAccess.values:
            errors[key] = [_("“%(value)s” is not a field access.") % {"value": access}]

    active_keys = _policy_keys()
    field_policy = {
        key: access
        for key, access in (role.field_policy.items() if role is not None else ())
        if key not in active_keys
    }
    for key, access in values.field_policy.items():
        if key not in active_keys:
            errors[f"field_policy.{key}"] = [_("Unknown field “%(key)s”.") % {"key": key}]
        elif access not in FieldAccess.values:
            errors[f"field_policy.{key}"] = [
                _("“%(value)s” is not a field access.") % {"value": access}
            ]
        else:
            field_policy[key] = access
    if errors:
        raise ValidationError(errors)

    chosen = set(values.capabilities)
    return {
        "name": name,
        "data_scope": values.data_scope,
        "capabilities": [value for value in Capability.values if value in chosen],
        "field_policy": field_policy,
        "money_access": values.money_access,
        "sensitive_access": values.sensitive_access,
    }


def create_role(actor: User, values: RoleValues) -> Role:
    """Create a role that grants nothing beyond the actor's own capabilities, scope and access."""
    require_manage_users(actor)
    cleaned = _clean_role(values, None)
    role = Role(**cleaned)
    check_role_grant(actor, None, role)

    with transaction.atomic():
        try:
            with transaction.atomic():
                role.save()
        except IntegrityError:
            raise ValidationError(
                {"name": [_("A role named “%(name)s” already exists.") % {"name": role.name}]}
            ) from None
        record(actor, AuditAction.ROLE_CREATED, "role", role.public_id, cleaned)
    return role


def check_role_editor(actor: User, role: Role) -> None:
    """Raise PermissionDenied unless `role` grants nothing beyond the actor's own role."""
    require_manage_users(actor)
    try:
        check_role_grant(actor, None, role)
    except PermissionDenied:
        raise PermissionDenied(
            _("This role holds more than yours, so you cannot change it.")
        ) from None


def update_role(actor: User, role: Role, values: RoleValues) -> Role:
    """Change a role, preset or not; its users get the change on their next request.

    The change may add only capabilities, scope and field access the actor holds, and may not
    let any user of the role reach customers the actor does not reach. The actor's own role may
    only be renamed. Raises PermissionDenied
    for those, and ValidationError for bad values or for taking the manage-users capability
    from the last active user who has it.
    """
    check_role_editor(actor, role)
    cleaned = _clean_role(values, role)

    with transaction.atomic():
        managers_before = lock_user_managers(actor)
        locked = Role.objects.select_for_update().get(pk=role.pk)
        before = Role(**{key: getattr(locked, key) for key in cleaned})
        changes = {
            key: [getattr(locked, key), new]
            for key, new in cleaned.items()
            if getattr(locked, key) != new
        }
        if not changes:
            return locked
        if locked.pk == actor.role_id and not actor.is_superuser and set(changes) - {"name"}:
            # A user who narrowed their own role could not widen it again, because no user may
            # grant more than their own role has.
            raise PermissionDenied(
                _("You can only rename the role you hold; another user manager can change it.")
            )
        for key, new in cleaned.items():
            setattr(locked, key, new)
        check_role_grant(actor, before, locked)
        holders = list(locked.users.filter(is_active=True).values_list("pk", flat=True))
        guard = ReachGuard(actor, holders)
        try:
            with transaction.atomic():
                locked.save(update_fields=list(changes))
        except IntegrityError:
            raise ValidationError(
                {"name": [_("A role named “%(name)s” already exists.") % {"name": locked.name}]}
            ) from None
        guard.check(holders)
        keep_a_user_manager(managers_before)
        record(actor, AuditAction.ROLE_CHANGED, "role", locked.public_id, {"changes": changes})
    return locked
