"""User settings: list users, add and change them, deactivate and reactivate them."""

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kehu.org import services
from kehu.org.guards import require_not_above
from kehu.org.models import Department, Role, User
from kehu.web.forms import Input
from kehu.web.views.common import FORM_ERRORS, error_dict, form_errors
from kehu.web.views.settings_common import (
    department_choices,
    manager_choices,
    posted_department,
    posted_role,
    posted_user,
    require_user_manager,
)

PLACEMENT_KEYS = ("department", "manager", "role")


@login_required
@require_GET
def user_list(request: HttpRequest) -> HttpResponse:
    """List every user, active ones first, with department, manager and role."""
    require_user_manager(request)

    return render(request, "web/settings/users.html", _list_context())


def _list_context(errors: list[str] | None = None) -> dict[str, Any]:
    users = User.objects.select_related("department", "manager", "role").order_by(
        "-is_active", "department__name", "display_name", "username"
    )
    return {"users": users, "errors": errors or [], "section": "users"}


def _inputs(
    values: Mapping[str, Any],
    errors: Mapping[str, list[str]],
    *,
    editing: User | None,
) -> list[Input]:
    def one(key: str, label: str, widget: str, **extra: Any) -> Input:
        return Input(
            name=key,
            error_key=key,
            label=label,
            widget=widget,
            value=values.get(key, ""),
            errors=list(errors.get(key, [])),
            **extra,
        )

    roles = [(str(role.public_id), role.name) for role in Role.objects.order_by("name")]
    inputs = []
    if editing is None:
        inputs.append(
            one(
                "username",
                _("Username"),
                "text",
                required=True,
                help_text=_("Used to sign in; it cannot change once saved."),
            )
        )
    inputs.extend(
        [
            one("display_name", _("Display name"), "text"),
            one("role", _("Role"), "select", choices=roles, required=True),
            one("department", _("Department"), "select", choices=department_choices()),
            one("manager", _("Manager"), "select", choices=manager_choices(exclude=editing)),
        ]
    )
    return inputs


def _posted_placement(post: QueryDict) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Return the department, manager and role a form posted, and errors for unknown ids."""
    readers: dict[str, Callable[[str], Department | User | Role | None]] = {
        "department": posted_department,
        "manager": lambda raw: posted_user(raw, "manager"),
        "role": posted_role,
    }
    placement: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key, read in readers.items():
        try:
            placement[key] = read(post.get(key, "").strip())
        except ValidationError as error:
            errors.update(error_dict(error))
    return placement, errors


def _render_form(
    request: HttpRequest,
    values: Mapping[str, Any],
    errors: dict[str, list[str]],
    *,
    editing: User | None,
    status: int = 200,
) -> HttpResponse:
    inputs = _inputs(values, errors, editing=editing)
    input_keys = {item.error_key for item in inputs} | {"password"}
    context = {
        "inputs": inputs,
        "editing": editing,
        "password_errors": errors.get("password", []),
        "form_errors": form_errors(errors, input_keys),
        "section": "users",
    }
    return render(request, "web/settings/user_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    """Add a user with a password, a role, a department and a manager."""
    actor = require_user_manager(request)

    values: dict[str, Any] = {}
    if request.method == "GET":
        return _render_form(request, values, {}, editing=None)

    values = {
        key: request.POST.get(key, "") for key in ("username", "display_name", *PLACEMENT_KEYS)
    }
    placement, errors = _posted_placement(request.POST)
    status = 400
    if not errors:
        try:
            services.create_user(
                actor,
                username=values["username"],
                display_name=values["display_name"],
                password=request.POST.get("password", ""),
                **placement,
            )
        except ValidationError as error:
            errors = error_dict(error)
        except PermissionDenied as error:
            errors, status = {FORM_ERRORS: [str(error)]}, 403
        else:
            return HttpResponseRedirect(reverse("web:settings_users"))

    return _render_form(request, values, errors, editing=None, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Change a user's display name, role, department and manager."""
    actor = require_user_manager(request)

    user = get_object_or_404(User.objects.select_related("role"), public_id=public_id)

    values: dict[str, Any] = {
        "display_name": user.display_name,
        "role": str(user.role.public_id) if user.role else "",
        "department": str(user.department.public_id) if user.department else "",
        "manager": str(user.manager.public_id) if user.manager else "",
    }
    if request.method == "GET":
        # A user the actor could not save is refused here already, as the save would be.
        try:
            require_not_above(actor, user)
        except PermissionDenied as error:
            return _render_form(
                request, values, {FORM_ERRORS: [str(error)]}, editing=user, status=403
            )
        return _render_form(request, values, {}, editing=user)

    values = {key: request.POST.get(key, "") for key in ("display_name", *PLACEMENT_KEYS)}
    placement, errors = _posted_placement(request.POST)
    status = 400
    if not errors:
        try:
            services.update_user(actor, user, display_name=values["display_name"], **placement)
        except ValidationError as error:
            errors = error_dict(error)
        except PermissionDenied as error:
            errors, status = {FORM_ERRORS: [str(error)]}, 403
        else:
            return HttpResponseRedirect(reverse("web:settings_users"))

    return _render_form(request, values, errors, editing=user, status=status)


@login_required
@require_POST
def user_set_active(request: HttpRequest, public_id: uuid.UUID, active: bool) -> HttpResponse:
    """Deactivate a user, ending their sessions and API tokens, or reactivate them."""
    actor = require_user_manager(request)

    user = get_object_or_404(User.objects.select_related("role"), public_id=public_id)
    try:
        if active:
            services.reactivate_user(actor, user)
        else:
            services.deactivate_user(actor, user)
    except ValidationError as error:
        messages = [message for items in error_dict(error).values() for message in items]
        return render(request, "web/settings/users.html", _list_context(messages), status=400)
    except PermissionDenied as error:
        return render(request, "web/settings/users.html", _list_context([str(error)]), status=403)

    return HttpResponseRedirect(reverse("web:settings_users"))
