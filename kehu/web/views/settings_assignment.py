"""Assignment rule settings: the ordered rules, their switches and forms, the default owners.

Every change reloads the page. A rejected change shows the page or the form again with its
errors and a 400.
"""

import dataclasses
import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kehu.assignment import services
from kehu.assignment.models import AssignmentRule, RouteKind, RoutingDefault, RuleTarget
from kehu.assignment.rules import condition_fields
from kehu.core import regions
from kehu.customers.choices import Grade, Industry, LeadSource
from kehu.org.models import DataScope, User
from kehu.web.views.common import error_dict, signed_in_user
from kehu.web.views.settings_common import department_choices, posted_department, posted_user

FORM = "web/settings/assignment_rule_form.html"


def _require_manager(request: HttpRequest) -> User:
    user = signed_in_user(request)
    services.require_rule_manager(user)
    return user


def _owner_choices() -> list[User]:
    """Return the users who may own records: active, and not outside agents."""
    return list(
        User.objects.filter(is_active=True, role__isnull=False)
        .exclude(role__data_scope=DataScope.ASSIGNED)
        .order_by("display_name", "username")
    )


@dataclasses.dataclass(frozen=True)
class RuleRow:
    rule: AssignmentRule
    conditions: list[str]
    route: str
    is_first: bool
    is_last: bool


def _labels(values: list[str], choices: list[tuple[str, Any]]) -> str:
    names = dict(choices)
    return "、".join(str(names.get(value, value)) for value in values)


def _describe(
    rule: AssignmentRule, users: list[User], field_labels: dict[str, str]
) -> tuple[list[str], str]:
    """Return the rule's conditions and route as short texts for the list."""
    conditions = []
    if rule.regions:
        region_names = "、".join(regions.name_of(code) for code in rule.regions)
        conditions.append(_("Region: %(values)s") % {"values": region_names})
    if rule.industries:
        conditions.append(
            _("Industry: %(values)s") % {"values": _labels(rule.industries, Industry.choices)}
        )
    if rule.sources:
        conditions.append(
            _("Lead source: %(values)s") % {"values": _labels(rule.sources, LeadSource.choices)}
        )
    if rule.grades:
        conditions.append(_("Grade: %(values)s") % {"values": _labels(rule.grades, Grade.choices)})
    for condition in rule.custom_conditions:
        label = field_labels.get(condition["field"], condition["field"])
        conditions.append(f"{label}: {'、'.join(condition['values'])}")
    if rule.route == RouteKind.USER:
        route = _("To %(user)s") % {"user": rule.user}
    else:
        people = str(rule.department) if rule.department else "、".join(map(str, users))
        route = f"{rule.get_route_display()}: {people}"
    return conditions, route


def _render_list(
    request: HttpRequest, *, errors: list[str] | None = None, status: int = 200
) -> HttpResponse:
    rules = list(
        AssignmentRule.objects.select_related("user", "department").prefetch_related("users")
    )
    field_labels = {field.key: field.label for field in condition_fields()}
    rows = []
    for index, rule in enumerate(rules):
        conditions, route = _describe(rule, list(rule.users.all()), field_labels)
        rows.append(RuleRow(rule, conditions, route, index == 0, index == len(rules) - 1))
    defaults = {
        default.target: default.owner for default in RoutingDefault.objects.select_related("owner")
    }
    context = {
        "rows": rows,
        "errors": errors or [],
        "owners": _owner_choices(),
        "default_targets": [
            (RuleTarget.CUSTOMER.value, _("Customers"), defaults.get(RuleTarget.CUSTOMER)),
            (RuleTarget.LEAD.value, _("Leads"), defaults.get(RuleTarget.LEAD)),
        ],
    }
    return render(request, "web/settings/assignment.html", context, status=status)


def _rejected(request: HttpRequest, error: ValidationError) -> HttpResponse:
    messages = [message for items in error_dict(error).values() for message in items]
    return _render_list(request, errors=messages, status=400)


@login_required
@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    """Show the rules in the order they are tried, with the default owners."""
    _require_manager(request)

    return _render_list(request)


def _posted_rule(post: QueryDict) -> dict[str, Any]:
    """Return the posted form as clean_rule takes it; unknown ids raise ValidationError."""
    values: dict[str, Any] = {
        "name": post.get("name", ""),
        "applies_to": post.get("applies_to", ""),
        "is_active": post.get("is_active") == "1",
        "regions": post.get("regions", ""),
        "industries": post.getlist("industries"),
        "sources": post.getlist("sources"),
        "grades": post.getlist("grades"),
        "custom_conditions": [
            {"field": field.key, "values": post.get(f"cf_{field.key}", "")}
            for field in condition_fields()
        ],
        "route": post.get("route", ""),
    }
    values["user"] = posted_user(post.get("user", ""), "user")
    users = []
    for raw in post.getlist("users"):
        found = posted_user(raw, "users")
        if found is not None:
            users.append(found)
    values["users"] = users
    values["department"] = posted_department(post.get("department", ""))
    return values


def _form_values(rule: AssignmentRule | None) -> dict[str, Any]:
    """Return what the form shows for a stored rule, or for a new one."""
    if rule is None:
        return {"is_active": True, "applies_to": RuleTarget.BOTH, "route": RouteKind.USER}
    custom = {item["field"]: "、".join(item["values"]) for item in rule.custom_conditions}
    return {
        "name": rule.name,
        "applies_to": rule.applies_to,
        "is_active": rule.is_active,
        "regions": "、".join(regions.name_of(code) for code in rule.regions),
        "industries": rule.industries,
        "sources": rule.sources,
        "grades": rule.grades,
        "custom": custom,
        "route": rule.route,
        "user": str(rule.user.public_id) if rule.user else "",
        "users": [str(user.public_id) for user in rule.users.all()],
        "department": str(rule.department.public_id) if rule.department else "",
    }


def _values_from_post(post: QueryDict) -> dict[str, Any]:
    """Return what the form shows again after a rejected post."""
    return {
        "name": post.get("name", ""),
        "applies_to": post.get("applies_to", ""),
        "is_active": post.get("is_active") == "1",
        "regions": post.get("regions", ""),
        "industries": post.getlist("industries"),
        "sources": post.getlist("sources"),
        "grades": post.getlist("grades"),
        "custom": {field.key: post.get(f"cf_{field.key}", "") for field in condition_fields()},
        "route": post.get("route", ""),
        "user": post.get("user", ""),
        "users": post.getlist("users"),
        "department": post.get("department", ""),
    }


def _render_form(
    request: HttpRequest,
    rule: AssignmentRule | None,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
) -> HttpResponse:
    custom = values.get("custom", {})
    context = {
        "rule": rule,
        "values": values,
        "errors": [message for items in (errors or {}).values() for message in items],
        "targets": RuleTarget.choices,
        "routes": RouteKind.choices,
        "industries": Industry.choices,
        "sources": LeadSource.choices,
        "grades": Grade.choices,
        "condition_fields": [(field, custom.get(field.key, "")) for field in condition_fields()],
        "owners": _owner_choices(),
        "departments": department_choices(),
    }
    return render(request, FORM, context, status=400 if errors else 200)


def _save(request: HttpRequest, actor: User, rule: AssignmentRule | None) -> HttpResponse:
    try:
        values = _posted_rule(request.POST)
        if rule is None:
            services.create_rule(actor, values)
        else:
            services.update_rule(actor, rule, values)
    except ValidationError as error:
        return _render_form(request, rule, _values_from_post(request.POST), error_dict(error))
    return HttpResponseRedirect(reverse("web:settings_assignment"))


@login_required
@require_http_methods(["GET", "POST"])
def rule_create(request: HttpRequest) -> HttpResponse:
    actor = _require_manager(request)

    if request.method == "POST":
        return _save(request, actor, None)
    return _render_form(request, None, _form_values(None))


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    actor = _require_manager(request)

    rule = get_object_or_404(AssignmentRule, public_id=public_id)
    if request.method == "POST":
        return _save(request, actor, rule)
    return _render_form(request, rule, _form_values(rule))


@login_required
@require_POST
def rule_delete(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    actor = _require_manager(request)

    rule = get_object_or_404(AssignmentRule, public_id=public_id)
    services.delete_rule(actor, rule)

    return HttpResponseRedirect(reverse("web:settings_assignment"))


@login_required
@require_POST
def rule_move(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Move a rule one place up or down ("direction" is "up" or "down")."""
    actor = _require_manager(request)

    rule = get_object_or_404(AssignmentRule, public_id=public_id)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return _render_list(request, errors=[_("Choose to move the rule up or down.")], status=400)
    services.move_rule(actor, rule, -1 if direction == "up" else 1)

    return HttpResponseRedirect(reverse("web:settings_assignment"))


@login_required
@require_POST
def rule_switch(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Switch a rule on ("active" is "1") or off."""
    actor = _require_manager(request)

    rule = get_object_or_404(AssignmentRule, public_id=public_id)
    services.set_rule_active(actor, rule, request.POST.get("active") == "1")

    return HttpResponseRedirect(reverse("web:settings_assignment"))


@login_required
@require_POST
def default_owner(request: HttpRequest) -> HttpResponse:
    """Set the default owner of customers or leads ("target"); an empty owner means the pool."""
    actor = _require_manager(request)

    target = request.POST.get("target", "")
    if target not in (RuleTarget.CUSTOMER, RuleTarget.LEAD):
        return _render_list(request, errors=[_("Choose customers or leads.")], status=400)
    try:
        owner = posted_user(request.POST.get("owner", ""), "owner")
        services.set_default_owner(actor, target, owner)
    except ValidationError as error:
        return _rejected(request, error)

    return HttpResponseRedirect(reverse("web:settings_assignment"))
