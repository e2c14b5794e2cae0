"""Every change to the assignment rules and routing defaults. Pages and the API call these.

Each function checks that the actor manages pools, writes in a transaction and records an
ASSIGNMENT_RULES_CHANGED audit entry whose detail names the change.
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from kehu.assignment.models import AssignmentRule, RoutingDefault, RuleTarget
from kehu.assignment.rules import clean_rule
from kehu.audit import services as audit
from kehu.audit.models import AuditAction
from kehu.core import clock
from kehu.org.models import Capability, User
from kehu.org.visibility import may_own_customers


def may_manage_rules(user: User) -> bool:
    return user.is_active and user.has_capability(Capability.MANAGE_POOLS)


def require_rule_manager(actor: User) -> None:
    """Raise PermissionDenied unless the actor's role manages pools, and so the rules."""
    if not may_manage_rules(actor):
        raise PermissionDenied(_("Only users who manage pools may change the assignment rules."))


def _record(actor: User, change: str, rule: AssignmentRule, **detail: Any) -> None:
    audit.record(
        actor,
        AuditAction.ASSIGNMENT_RULES_CHANGED,
        "assignment_rule",
        rule.public_id,
        {"change": change, "name": rule.name, **detail},
    )


def _summary(rule: AssignmentRule) -> dict[str, Any]:
    return {
        "applies_to": rule.applies_to,
        "is_active": rule.is_active,
        "regions": rule.regions,
        "industries": rule.industries,
        "sources": rule.sources,
        "grades": rule.grades,
        "custom_conditions": rule.custom_conditions,
        "route": rule.route,
        "user": rule.user_id,
        "users": sorted(rule.users.values_list("pk", flat=True)),
        "department": rule.department_id,
    }


def create_rule(actor: User, values: Mapping[str, Any]) -> AssignmentRule:
    """Add a rule after the last one; raises ValidationError keyed by field (see clean_rule)."""
    require_rule_manager(actor)
    cleaned = clean_rule(values)
    users = cleaned.pop("users")
    now = clock.now()
    with transaction.atomic():
        # Two rules added at once may share a position; the order then falls back to their ids.
        last = AssignmentRule.objects.aggregate(last=Max("position"))["last"]
        rule = AssignmentRule.objects.create(
            **cleaned,
            position=0 if last is None else last + 1,
            created_at=now,
            updated_at=now,
        )
        rule.users.set(users)
        _record(actor, "created", rule, **_summary(rule))
    return rule


def update_rule(actor: User, rule: AssignmentRule, values: Mapping[str, Any]) -> AssignmentRule:
    """Replace a rule's name, conditions and route; its place in the order stays."""
    require_rule_manager(actor)
    cleaned = clean_rule(values, rule=rule)
    users = cleaned.pop("users")
    with transaction.atomic():
        locked = AssignmentRule.objects.select_for_update().get(pk=rule.pk)
        for key, value in cleaned.items():
            setattr(locked, key, value)
        locked.updated_at = clock.now()
        locked.save()
        locked.users.set(users)
        _record(actor, "changed", locked, **_summary(locked))
    return locked


def delete_rule(actor: User, rule: AssignmentRule) -> None:
    require_rule_manager(actor)
    with transaction.atomic():
        locked = AssignmentRule.objects.select_for_update().get(pk=rule.pk)
        _record(actor, "deleted", locked, **_summary(locked))
        locked.delete()


def set_rule_active(actor: User, rule: AssignmentRule, active: bool) -> AssignmentRule:
    """Switch a rule on or off; an inactive rule keeps its place but routes nothing."""
    require_rule_manager(actor)
    with transaction.atomic():
        locked = AssignmentRule.objects.select_for_update().get(pk=rule.pk)
        if locked.is_active != active:
            locked.is_active = active
            locked.updated_at = clock.now()
            locked.save(update_fields=["is_active", "updated_at"])
            _record(actor, "activated" if active else "deactivated", locked)
    return locked


def move_rule(actor: User, rule: AssignmentRule, offset: int) -> None:
    """Move a rule `offset` places earlier (negative) or later in the order.

    Locks every rule in order and numbers them again from 0, so positions stay distinct even
    after concurrent moves. Moving past either end stops there.
    """
    require_rule_manager(actor)
    with transaction.atomic():
        ordered = list(AssignmentRule.objects.select_for_update().order_by("position", "pk"))
        index = next(i for i, item in enumerate(ordered) if item.pk == rule.pk)
        target = min(max(index + offset, 0), len(ordered) - 1)
        if target == index:
            return
        moved = ordered.pop(index)
        ordered.insert(target, moved)
        for position, item in enumerate(ordered):
            if item.position != position:
                item.position = position
                item.save(update_fields=["position"])
        _record(actor, "moved", moved, position=target + 1)


def set_default_owner(actor: User, target: str, owner: User | None) -> RoutingDefault:
    """Set who receives the `target` records ("customer" or "lead") that no rule routes.

    None sends them to the pool. Raises ValidationError on "owner" for a deactivated user or an
    outside agent.
    """
    require_rule_manager(actor)
    if target not in (RuleTarget.CUSTOMER, RuleTarget.LEAD):
        raise ValueError(f"not a routing target: {target}")
    if owner is not None and not may_own_customers(owner):
        raise ValidationError(
            {
                "owner": [
                    _("%(user)s cannot own customers: the user is deactivated or an outside agent.")
                    % {"user": owner}
                ]
            }
        )
    with transaction.atomic():
        default, _created = RoutingDefault.objects.select_for_update().get_or_create(
            target=target, defaults={"updated_at": clock.now()}
        )
        if default.owner_id != (owner.pk if owner else None):
            default.owner = owner
            default.updated_at = clock.now()
            default.save(update_fields=["owner", "updated_at"])
            audit.record(
                actor,
                AuditAction.ASSIGNMENT_RULES_CHANGED,
                "routing_default",
                target,
                {"change": "default_owner", "owner": owner.pk if owner else None},
            )
    return default
