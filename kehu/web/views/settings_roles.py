"""Role settings: the role list and the role editor (scope, capabilities, field policy)."""

import dataclasses
import uuid
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kehu.fields.models import FieldTarget
from kehu.fields.registry import FieldSpec, fields_for
from kehu.org import services
from kehu.org.models import Capability, DataScope, FieldAccess, Role
from kehu.org.policy import policy_key
from kehu.org.services import RoleValues
from kehu.web.views.common import FORM_ERRORS, error_dict
from kehu.web.views.settings_common import require_user_manager

# The posted access of a field that follows the role's money or sensitive default, or is
# editable when it is neither.
DEFAULT = "default"
SCALAR_KEYS = ("name", "data_scope", "capabilities", "money_access", "sensitive_access")


@login_required
@require_GET
def role_list(request: HttpRequest) -> HttpResponse:
    """List the roles with their data scope, capabilities and number of active users."""
    require_user_manager(request)

    roles = Role.objects.annotate(
        active_users=Count("users", filter=Q(users__is_active=True))
    ).order_by("name")
    rows = [
        {
            "role": role,
            "scope": DataScope(role.data_scope).label,
            "capabilities": "、".join(
                str(label) for value, label in Capability.choices if value in role.capabilities
            ),
        }
        for role in roles
    ]
    return render(request, "web/settings/roles.html", {"rows": rows, "section": "roles"})


@dataclasses.dataclass(frozen=True)
class PolicyRow:
    """One field of the field-policy table, with the access the form shows for it."""

    name: str
    label: str
    value: str
    default_text: str
    errors: list[str]


def _default_text(spec: FieldSpec) -> str:
    if spec.is_money:
        return _("As money fields")
    if spec.is_sensitive:
        return _("As sensitive fields")
    return str(FieldAccess.EDITABLE.label)


def _policy_groups(
    field_policy: Mapping[str, str], errors: Mapping[str, list[str]]
) -> list[tuple[str, list[PolicyRow]]]:
    groups = []
    for target, label in FieldTarget.choices:
        rows = []
        for spec in fields_for(target):
            key = policy_key(target, spec.key)
            rows.append(
                PolicyRow(
                    name=f"policy.{key}",
                    label=spec.label_text,
                    value=field_policy.get(key, DEFAULT),
                    default_text=_default_text(spec),
                    errors=list(errors.get(f"field_policy.{key}", [])),
                )
            )
        if rows:
            groups.append((str(label), rows))
    return groups


def _stored_values(role: Role | None) -> RoleValues:
    if role is None:
        return RoleValues(name="", data_scope=DataScope.OWN)
    return RoleValues(
        name=role.name,
        data_scope=role.data_scope,
        capabilities=list(role.capabilities),
        field_policy=dict(role.field_policy),
        money_access=role.money_access,
        sensitive_access=role.sensitive_access,
    )


def _posted_values(post: QueryDict) -> RoleValues:
    """Read the editor: a field left at the default gets no entry in the policy."""
    field_policy: dict[str, str] = {}
    for target in FieldTarget.values:
        for spec in fields_for(target):
            key = policy_key(target, spec.key)
            access = post.get(f"policy.{key}", DEFAULT)
            if access != DEFAULT:
                field_policy[key] = access
    return RoleValues(
        name=post.get("name", ""),
        data_scope=post.get("data_scope", ""),
        capabilities=post.getlist("capabilities"),
        field_policy=field_policy,
        money_access=post.get("money_access", ""),
        sensitive_access=post.get("sensitive_access", ""),
    )


def _render_editor(
    request: HttpRequest,
    role: Role | None,
    values: RoleValues,
    errors: dict[str, list[str]],
    status: int = 200,
) -> HttpResponse:
    leftover = [
        message
        for key, messages in errors.items()
        if key not in SCALAR_KEYS and not key.startswith("field_policy.")
        for message in messages
    ]
    context: dict[str, Any] = {
        "role": role,
        "values": values,
        "errors": errors,
        "form_errors": leftover,
        "scopes": DataScope.choices,
        "capabilities": Capability.choices,
        "accesses": FieldAccess.choices,
        "policy_groups": _policy_groups(values.field_policy, errors),
        "section": "roles",
    }
    return render(request, "web/settings/role_form.html", context, status=status)


def _save(request: HttpRequest, role: Role | None) -> HttpResponse:
    actor = require_user_manager(request)

    values = _posted_values(request.POST)
    try:
        if role is None:
            services.create_role(actor, values)
        else:
            services.update_role(actor, role, values)
    except ValidationError as error:
        return _render_editor(request, role, values, error_dict(error), status=400)
    except PermissionDenied as error:
        return _render_editor(request, role, values, {FORM_ERRORS: [str(error)]}, status=403)

    return HttpResponseRedirect(reverse("web:settings_roles"))


@login_required
@require_http_methods(["GET", "POST"])
def role_create(request: HttpRequest) -> HttpResponse:
    """Add a role. It may grant only what the signed-in user's own role has."""
    require_user_manager(request)

    if request.method == "POST":
        return _save(request, None)
    return _render_editor(request, None, _stored_values(None), {})


@login_required
@require_http_methods(["GET", "POST"])
def role_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Change a role, preset or not; its users get the change with their next request."""
    actor = require_user_manager(request)

    role = get_object_or_404(Role, public_id=public_id)
    if request.method == "POST":
        return _save(request, role)
    # A role the user could not save is refused here already, as its save would be.
    try:
        services.check_role_editor(actor, role)
    except PermissionDenied as error:
        return _render_editor(
            request, role, _stored_values(role), {FORM_ERRORS: [str(error)]}, status=403
        )
    return _render_editor(request, role, _stored_values(role), {})
