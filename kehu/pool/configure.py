"""Writes to the pools themselves: create, change and delete a pool, and the return reasons.

Every function needs the manage-pools capability, writes in one transaction and records an
audit entry.
"""

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kehu.audit import services as audit
from kehu.audit.models import AuditAction
from kehu.core import clock
from kehu.customers.choices import Grade
from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.org.models import Capability, DataScope, Department, Role, User
from kehu.pool import membership
from kehu.pool.models import Pool, PoolEntry, PoolMember, ReturnReason

# The switches and numbers of a pool's rules, as model attributes; the forms and the API list
# the same ones.
RULE_SWITCHES = (
    "open_limit_on",
    "no_follow_up_on",
    "no_win_on",
    "contract_ended_on",
    "working_days",
    "warning_on",
    "lock_on",
    "capacity_on",
    "claim_limit_on",
    "cooldown_on",
)
RULE_NUMBERS = (
    "open_limit",
    "no_follow_up_days",
    "no_win_days",
    "contract_ended_days",
    "warning_days",
    "lock_limit",
    "capacity",
    "claim_limit",
    "cooldown_days",
)
# The largest number a rule takes: about 27 years of days, far above any sensible limit.
RULE_NUMBER_MAX = 9999
MASKABLE_TARGETS = (FieldTarget.CUSTOMER, FieldTarget.CONTACT)


@dataclasses.dataclass
class PoolMembers:
    """Who belongs to a pool: users, departments (with those below) and roles; `admins` are
    users who also administer it."""

    users: Sequence[User] = ()
    departments: Sequence[Department] = ()
    roles: Sequence[Role] = ()
    admins: Sequence[User] = ()


def require_manage_pools(actor: User) -> None:
    if not membership.administers_all(actor):
        raise PermissionDenied(_("Your role may not manage pools."))


def maskable_fields() -> dict[str, str]:
    """Return the field policy keys a pool may mask ("contact.mobile"), with their labels."""
    keys: dict[str, str] = {}
    for target in MASKABLE_TARGETS:
        for spec in field_map(target).values():
            keys[f"{target}.{spec.key}"] = f"{FieldTarget(target).label} · {spec.label_text}"
    return keys


def _clean_number(key: str, value: Any, errors: dict[str, list[str]]) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors[key] = [_("“%(value)s” is not a whole number.") % {"value": value}]
        return None
    if not 1 <= number <= RULE_NUMBER_MAX:
        errors[key] = [
            _("%(value)d is out of range; enter 1 to %(max)d.")
            % {"value": number, "max": RULE_NUMBER_MAX}
        ]
        return None
    return number


def clean_pool_values(values: Mapping[str, Any], pool: Pool | None) -> dict[str, Any]:
    """Return the pool attributes given in `values`, checked; raise ValidationError by key.

    Keys left out keep their stored value (or the model default for a new pool).
    """
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    if "name" in values or pool is None:
        name = str(values.get("name") or "").strip()
        if not name:
            errors["name"] = [_("Enter a name for the pool.")]
        elif len(name) > 60:
            errors["name"] = [
                _("The name has %(length)d characters; the limit is 60.") % {"length": len(name)}
            ]
        elif Pool.objects.filter(name=name).exclude(pk=pool.pk if pool else 0).exists():
            errors["name"] = [_("Another pool is named “%(name)s”.") % {"name": name}]
        cleaned["name"] = name
    for key in ("open_to_everyone", *RULE_SWITCHES):
        if key in values:
            cleaned[key] = bool(values[key])
    for key in RULE_NUMBERS:
        if key in values:
            cleaned[key] = _clean_number(key, values[key], errors)
    if "masked_fields" in values:
        known = maskable_fields()
        chosen = list(dict.fromkeys(values["masked_fields"] or []))
        unknown = [key for key in chosen if key not in known]
        if unknown:
            errors["masked_fields"] = [
                _("“%(key)s” is not a customer or contact field.") % {"key": key} for key in unknown
            ]
        cleaned["masked_fields"] = chosen
    if "no_follow_up_days_by_grade" in values:
        by_grade: dict[str, int] = {}
        for grade, days in (values["no_follow_up_days_by_grade"] or {}).items():
            if grade not in Grade.values:
                errors["no_follow_up_days_by_grade"] = [
                    _("“%(grade)s” is not a grade.") % {"grade": grade}
                ]
                continue
            if days in (None, ""):
                continue
            number = _clean_number(f"no_follow_up_days_{grade}", days, errors)
            if number is not None:
                by_grade[grade] = number
        cleaned["no_follow_up_days_by_grade"] = by_grade
    if errors:
        raise ValidationError(errors)
    return cleaned


def member_users() -> QuerySet[User]:
    """Return the users a pool may list as members or administrators, by username.

    Outside agents are left out: they never own customers, so they may not claim or receive
    pool customers.
    """
    users = User.objects.filter(is_active=True, role__isnull=False)
    return users.exclude(role__data_scope=DataScope.ASSIGNED).order_by("username")


def member_roles() -> QuerySet[Role]:
    """Return the roles a pool may list as members: every role but outside agents' roles."""
    return Role.objects.exclude(data_scope=DataScope.ASSIGNED).order_by("name")


def _check_members(members: PoolMembers) -> None:
    """Raise ValidationError on each kind of member that names an outside agent or their role."""
    errors: dict[str, list[str]] = {}
    for key, users in (("users", members.users), ("admins", members.admins)):
        agents = User.objects.filter(
            pk__in=[user.pk for user in users], role__data_scope=DataScope.ASSIGNED
        ).order_by("username")
        agent = agents.first()
        if agent is not None:
            errors[key] = [
                _("%(user)s is an outside agent and cannot belong to a pool.") % {"user": agent}
            ]
    agent_roles = [role for role in members.roles if role.data_scope == DataScope.ASSIGNED]
    if agent_roles:
        errors["roles"] = [
            _("%(role)s is a role of outside agents and cannot belong to a pool.")
            % {"role": agent_roles[0].name}
        ]
    if errors:
        raise ValidationError(errors)


def _set_members(pool: Pool, members: PoolMembers) -> None:
    PoolMember.objects.filter(pool=pool).delete()
    admin_ids = {user.pk for user in members.admins}
    rows = [PoolMember(pool=pool, user=user, is_admin=True) for user in members.admins]
    rows.extend(
        PoolMember(pool=pool, user=user) for user in members.users if user.pk not in admin_ids
    )
    rows.extend(PoolMember(pool=pool, department=department) for department in members.departments)
    rows.extend(PoolMember(pool=pool, role=role) for role in members.roles)
    PoolMember.objects.bulk_create(rows)


def _members_detail(members: PoolMembers) -> dict[str, list[str]]:
    return {
        "users": [str(user.public_id) for user in members.users],
        "departments": [str(department.public_id) for department in members.departments],
        "roles": [str(role.public_id) for role in members.roles],
        "admins": [str(user.public_id) for user in members.admins],
    }


def create_pool(
    actor: User,
    values: Mapping[str, Any],
    department: Department | None,
    members: PoolMembers,
) -> Pool:
    """Create a department's pool; the company pool exists already (membership.company_pool).

    A department has at most one pool, and outside agents and their roles cannot be members.
    Raises ValidationError by key.
    """
    require_manage_pools(actor)
    if department is None:
        raise ValidationError({"department": [_("Choose the department of the new pool.")]})
    cleaned = clean_pool_values(values, None)
    _check_members(members)

    now = clock.now()
    with transaction.atomic():
        membership.company_pool()
        if Pool.objects.filter(department=department).exists():
            raise ValidationError(
                {
                    "department": [
                        _("%(department)s has a pool already.") % {"department": department}
                    ]
                }
            )
        pool = Pool.objects.create(**cleaned, department=department, created_at=now, updated_at=now)
        _set_members(pool, members)
        audit.record(
            actor,
            AuditAction.POOL_CREATED,
            "pool",
            pool.public_id,
            {"name": pool.name, "department": str(department.public_id), **cleaned_detail(cleaned)},
        )
    return pool


def cleaned_detail(cleaned: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in cleaned.items() if key != "name"}


def update_pool(
    actor: User, pool: Pool, values: Mapping[str, Any], members: PoolMembers | None = None
) -> Pool:
    """Change a pool's name, masked fields, rules and, when given, its members.

    Outside agents and their roles cannot be members. Records the changed values in the audit
    entry. Raises ValidationError by key.
    """
    require_manage_pools(actor)
    cleaned = clean_pool_values(values, pool)
    if members is not None:
        _check_members(members)

    with transaction.atomic():
        locked = Pool.objects.select_for_update().get(pk=pool.pk)
        changes = {
            key: [getattr(locked, key), value]
            for key, value in cleaned.items()
            if getattr(locked, key) != value
        }
        for key, value in cleaned.items():
            setattr(locked, key, value)
        locked.updated_at = clock.now()
        locked.save()
        detail: dict[str, Any] = {"changes": changes}
        if members is not None:
            _set_members(locked, members)
            detail["members"] = _members_detail(members)
        audit.record(actor, AuditAction.POOL_CHANGED, "pool", locked.public_id, detail)
    return locked


def delete_pool(actor: User, pool: Pool) -> Pool:
    """Delete a department's pool and move its customers to the pool that governs the
    department afterwards; return that pool. The company pool cannot be deleted."""
    require_manage_pools(actor)
    if pool.is_company_pool:
        raise PermissionDenied(_("The company pool cannot be deleted."))

    with transaction.atomic():
        locked = Pool.objects.select_for_update().get(pk=pool.pk)
        department = Department.objects.get(pool=locked)
        successor = membership.company_pool()
        if department.parent_id is not None:
            governing = membership.department_pools()
            # The parent's pool governs the department once this pool is gone.
            parent_pool_id = governing.get(department.parent_id, successor.pk)
            successor = Pool.objects.get(pk=parent_pool_id)
        moved = PoolEntry.objects.filter(pool=locked).update(pool=successor)
        public_id, name = locked.public_id, locked.name
        locked.delete()
        audit.record(
            actor,
            AuditAction.POOL_DELETED,
            "pool",
            public_id,
            {"name": name, "moved_to": str(successor.public_id), "moved": moved},
        )
    return successor


def set_return_reasons(actor: User, names: Sequence[str]) -> list[ReturnReason]:
    """Make `names`, in this order, the active return reasons.

    A reason left out is kept but no longer offered, because pool entries refer to it; naming
    it again brings it back. Blank and repeated names are dropped. Records an audit entry when
    the list changed.
    """
    require_manage_pools(actor)
    wanted = list(dict.fromkeys(name.strip() for name in names if name.strip()))
    too_long = [name for name in wanted if len(name) > 60]
    if too_long:
        raise ValidationError(
            {
                "reasons": [
                    _("“%(name)s” is longer than 60 characters.") % {"name": name}
                    for name in too_long
                ]
            }
        )

    with transaction.atomic():
        before = list(ReturnReason.objects.filter(is_active=True).values_list("name", flat=True))
        stored = {reason.name: reason for reason in ReturnReason.objects.select_for_update().all()}
        for position, name in enumerate(wanted):
            reason = stored.get(name)
            if reason is None:
                ReturnReason.objects.create(name=name, position=position, is_active=True)
            elif (reason.position, reason.is_active) != (position, True):
                reason.position, reason.is_active = position, True
                reason.save(update_fields=["position", "is_active"])
        ReturnReason.objects.exclude(name__in=wanted).filter(is_active=True).update(is_active=False)
        if before != wanted:
            audit.record(
                actor,
                AuditAction.RETURN_REASONS_CHANGED,
                "return_reasons",
                "",
                {"before": before, "after": wanted},
            )
    return list(ReturnReason.objects.filter(is_active=True))


def pool_members(pool: Pool) -> PoolMembers:
    """Return the members of a pool as the forms show them."""
    rows = list(pool.members.select_related("user", "department", "role"))
    return PoolMembers(
        users=[row.user for row in rows if row.user is not None and not row.is_admin],
        departments=[row.department for row in rows if row.department is not None],
        roles=[row.role for row in rows if row.role is not None],
        admins=[row.user for row in rows if row.user is not None and row.is_admin],
    )


def manages_pools(user: User) -> bool:
    return user.has_capability(Capability.MANAGE_POOLS)
