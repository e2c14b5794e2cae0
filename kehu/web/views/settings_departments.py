"""Department settings: the department tree, with adding, renaming and moving departments."""

import uuid

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from kehu.org import departments
from kehu.org.models import Department
from kehu.web.views.common import error_dict
from kehu.web.views.settings_common import (
    department_choices,
    department_tree,
    posted_department,
    require_user_manager,
)


def _render_tree(
    request: HttpRequest,
    *,
    errors: list[str] | None = None,
    name: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "tree": department_tree(),
        "choices": department_choices(),
        "errors": errors or [],
        "name": name,
        "section": "departments",
    }
    return render(request, "web/settings/departments.html", context, status=status)


def _render_rejected(
    request: HttpRequest, error: ValidationError | PermissionDenied
) -> HttpResponse:
    if isinstance(error, PermissionDenied):
        return _render_tree(request, errors=[str(error)], status=403)
    messages = [message for items in error_dict(error).values() for message in items]
    return _render_tree(request, errors=messages, status=400)


@login_required
@require_GET
def department_list(request: HttpRequest) -> HttpResponse:
    """Show the department tree with the number of active users in each department."""
    require_user_manager(request)

    return _render_tree(request)


@login_required
@require_POST
def department_create(request: HttpRequest) -> HttpResponse:
    """Add a department under the posted parent, or at the top when none is chosen."""
    actor = require_user_manager(request)

    name = request.POST.get("name", "")
    try:
        parent = posted_department(request.POST.get("parent", "").strip(), "parent")
        departments.create_department(actor, name, parent)
    except (ValidationError, PermissionDenied) as error:
        return _render_rejected(request, error)

    return HttpResponseRedirect(reverse("web:settings_departments"))


@login_required
@require_POST
def department_rename(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    actor = require_user_manager(request)

    department = get_object_or_404(Department, public_id=public_id)
    try:
        departments.rename_department(actor, department, request.POST.get("name", ""))
    except (ValidationError, PermissionDenied) as error:
        return _render_rejected(request, error)

    return HttpResponseRedirect(reverse("web:settings_departments"))


@login_required
@require_POST
def department_move(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Put a department, with everything below it, under the posted parent or at the top."""
    actor = require_user_manager(request)

    department = get_object_or_404(Department, public_id=public_id)
    try:
        parent = posted_department(request.POST.get("parent", "").strip(), "parent")
        departments.move_department(actor, department, parent)
    except (ValidationError, PermissionDenied) as error:
        return _render_rejected(request, error)

    return HttpResponseRedirect(reverse("web:settings_departments"))
