"""Pool settings: the pools with their members, masked fields and rules, and the return reasons.

Every page needs the manage-pools capability.
"""

import uuid
from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kehu.customers.choices import Grade
from kehu.org.models import Department, Role, User
from kehu.pool import configure, membership
from kehu.pool.configure import RULE_NUMBERS, RULE_SWITCHES, PoolMembers
from kehu.pool.models import Pool, ReturnReason
from kehu.web.views.common import error_dict, signed_in_user
from kehu.web.views.settings_common import department_choices

# Each rule's switch with the number it sets, in the order the form shows them.
RULE_PAIRS = tuple(zip(RULE_SWITCHES[:4] + RULE_SWITCHES[5:], RULE_NUMBERS, strict=True))


def require_pool_manager(request: HttpRequest) -> User:
    user = signed_in_user(request)
    configure.require_manage_pools(user)
    return user


def _pick(model: Any, values: list[str]) -> list[Any]:
    ids = []
    for value in values:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            continue
    return list(model.objects.filter(public_id__in=ids))


def _posted_values(post: QueryDict) -> dict[str, Any]:
    values: dict[str, Any] = {"name": post.get("name", "")}
    values["open_to_everyone"] = post.get("open_to_everyone") == "on"
    for switch in RULE_SWITCHES:
        values[switch] = post.get(switch) == "on"
    for switch, number in RULE_PAIRS:
        # A rule left off may keep its number blank; the stored number stays.
        if post.get(number, "").strip() or values[switch]:
            values[number] = post.get(number, "")
    values["masked_fields"] = post.getlist("masked_fields")
    values["no_follow_up_days_by_grade"] = {
        grade: post.get(f"days_{grade}", "") for grade in Grade.values
    }
    return values


def _posted_members(post: QueryDict) -> PoolMembers:
    return PoolMembers(
        users=_pick(User, post.getlist("users")),
        departments=_pick(Department, post.getlist("departments")),
        roles=_pick(Role, post.getlist("roles")),
        admins=_pick(User, post.getlist("admins")),
    )


def _form_context(
    pool: Pool | None,
    values: Mapping[str, Any],
    members: PoolMembers,
    errors: Mapping[str, list[str]],
) -> dict[str, Any]:
    labels = {
        field.name: str(field.verbose_name)
        for field in Pool._meta.get_fields()
        if hasattr(field, "verbose_name")
    }
    by_grade = values.get("no_follow_up_days_by_grade") or {}
    return {
        "section": "pools",
        "pool": pool,
        "values": values,
        "rules": [
            {
                "switch": switch,
                "switch_label": labels[switch],
                "number": number,
                "number_label": labels[number],
                "on": bool(values.get(switch)),
                "value": values.get(number, ""),
                "errors": errors.get(number, []),
            }
            for switch, number in RULE_PAIRS
        ],
        "working_days": bool(values.get("working_days")),
        "grades": [(grade, by_grade.get(grade, "")) for grade in Grade.values],
        "maskable": configure.maskable_fields(),
        "masked": set(values.get("masked_fields") or []),
        "users": configure.member_users(),
        "departments": department_choices(),
        "roles": configure.member_roles(),
        "member_ids": {
            "users": {str(user.public_id) for user in members.users},
            "departments": {str(department.public_id) for department in members.departments},
            "roles": {str(role.public_id) for role in members.roles},
            "admins": {str(user.public_id) for user in members.admins},
        },
        "errors": errors,
        "form_errors": [
            message
            for key, items in errors.items()
            if key not in ("name", *RULE_NUMBERS)
            for message in items
        ],
    }


def _stored_values(pool: Pool) -> dict[str, Any]:
    keys = ("name", "open_to_everyone", "masked_fields", "no_follow_up_days_by_grade")
    return {key: getattr(pool, key) for key in (*keys, *RULE_SWITCHES, *RULE_NUMBERS)}


@login_required
@require_GET
def pool_settings(request: HttpRequest) -> HttpResponse:
    """List the pools with their departments and the rules switched on."""
    require_pool_manager(request)

    membership.company_pool()
    company_first = F("department_id").asc(nulls_first=True)
    pools = Pool.objects.select_related("department").order_by(company_first, "name")

    context = {"section": "pools", "pools": pools, "switches": RULE_SWITCHES}
    return render(request, "web/settings/pools.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def pool_create(request: HttpRequest) -> HttpResponse:
    """Add a department's pool."""
    actor = require_pool_manager(request)

    if request.method == "GET":
        defaults = _stored_values(Pool(name=""))
        context = _form_context(None, defaults, PoolMembers(), {})
        return render(request, "web/settings/pool_form.html", context)
    values, members = _posted_values(request.POST), _posted_members(request.POST)
    department = _pick(Department, [request.POST.get("department", "")])
    try:
        pool = configure.create_pool(actor, values, department[0] if department else None, members)
    except ValidationError as error:
        context = _form_context(None, values, members, error_dict(error))
        return render(request, "web/settings/pool_form.html", context, status=400)

    messages.success(request, _("Pool %(name)s added.") % {"name": pool.name})
    return HttpResponseRedirect(reverse("web:settings_pools"))


@login_required
@require_http_methods(["GET", "POST"])
def pool_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Change a pool's name, members, masked fields and rules."""
    actor = require_pool_manager(request)
    pool = get_object_or_404(Pool, public_id=public_id)

    if request.method == "GET":
        context = _form_context(pool, _stored_values(pool), configure.pool_members(pool), {})
        return render(request, "web/settings/pool_form.html", context)
    values, members = _posted_values(request.POST), _posted_members(request.POST)
    try:
        configure.update_pool(actor, pool, values, members)
    except ValidationError as error:
        context = _form_context(pool, values, members, error_dict(error))
        return render(request, "web/settings/pool_form.html", context, status=400)

    messages.success(request, _("Pool %(name)s saved.") % {"name": values["name"]})
    return HttpResponseRedirect(reverse("web:settings_pools"))


@login_required
@require_POST
def pool_delete(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Delete a department's pool; its customers move to the pool that governs it next."""
    actor = require_pool_manager(request)
    pool = get_object_or_404(Pool, public_id=public_id)

    try:
        successor = configure.delete_pool(actor, pool)
    except PermissionDenied as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(reverse("web:settings_pools"))

    messages.success(
        request,
        _("Pool %(name)s deleted; its customers moved to %(successor)s.")
        % {"name": pool.name, "successor": successor.name},
    )
    return HttpResponseRedirect(reverse("web:settings_pools"))


@login_required
@require_http_methods(["GET", "POST"])
def return_reasons(request: HttpRequest) -> HttpResponse:
    """Edit the return reasons as one name a line, in the order reps see them."""
    actor = require_pool_manager(request)

    errors: list[str] = []
    text = "\n".join(ReturnReason.objects.filter(is_active=True).values_list("name", flat=True))
    if request.method == "POST":
        text = request.POST.get("reasons", "")
        try:
            configure.set_return_reasons(actor, text.splitlines())
        except ValidationError as error:
            errors = [message for items in error_dict(error).values() for message in items]
        else:
            messages.success(request, _("Return reasons saved."))
            return HttpResponseRedirect(reverse("web:settings_return_reasons"))

    context = {"section": "return_reasons", "text": text, "errors": errors}
    return render(
        request, "web/settings/return_reasons.html", context, status=400 if errors else 200
    )
