"""The boss's custom-field settings: list, add, edit, deactivate and reactivate fields."""

import uuid
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kehu.fields import services
from kehu.fields.models import CUSTOM_FIELD_TARGETS, CUSTOM_FIELD_TYPES, CustomField, FieldTarget
from kehu.org.models import User
from kehu.web.forms import Input
from kehu.web.views.common import error_dict, form_errors, signed_in_user

CREATE_KEYS = ("key", "field_type", "label", "label_en", "choices", "required", "position")


def _require_boss(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if not services.can_manage_fields(user):
        raise PermissionDenied(_("Only the boss may change custom fields."))
    return user


def _posted(post: QueryDict, keys: tuple[str, ...]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in keys:
        if key == "required":
            values[key] = post.get(key) == "1"
        elif key == "position":
            if post.get(key, "").strip():
                values[key] = post[key]
        else:
            values[key] = post.get(key, "")
    return values


def _inputs(
    values: Mapping[str, Any], errors: Mapping[str, list[str]], *, creating: bool
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

    inputs = []
    if creating:
        inputs.append(
            one(
                "key",
                _("Key"),
                "text",
                required=True,
                help_text=_(
                    "2-40 lowercase letters, digits and underscores, starting with a letter. "
                    "It cannot change once saved."
                ),
            )
        )
        types = [(str(kind.value), str(kind.label)) for kind in CUSTOM_FIELD_TYPES]
        inputs.append(one("field_type", _("Type"), "select", choices=types, required=True))
    inputs.extend(
        [
            one("label", _("Label (Chinese)"), "text", required=True),
            one("label_en", _("Label (English)"), "text"),
            one(
                "choices",
                _("Choices"),
                "textarea",
                help_text=_("For choice fields only: one choice per line."),
            ),
            one("required", _("Required"), "checkbox"),
            one("position", _("Position"), "decimal", help_text=_("Smaller numbers come first.")),
        ]
    )
    return inputs


@login_required
@require_GET
def field_list(request: HttpRequest) -> HttpResponse:
    """List the custom fields of customers and contacts, active ones first."""
    _require_boss(request)

    return render(request, "web/custom_fields/list.html", {"groups": _field_groups()})


def _field_groups() -> list[tuple[str, str, list[CustomField]]]:
    fields = list(CustomField.objects.order_by("target", "-is_active", "position", "id"))
    return [
        (target.value, str(target.label), [field for field in fields if field.target == target])
        for target in CUSTOM_FIELD_TARGETS
    ]


@login_required
@require_http_methods(["GET", "POST"])
def field_create(request: HttpRequest) -> HttpResponse:
    """Add a custom field to customers or contacts (the "target" parameter)."""
    user = _require_boss(request)

    target = request.GET.get("target") or request.POST.get("target") or FieldTarget.CUSTOMER
    if target not in CUSTOM_FIELD_TARGETS:
        target = FieldTarget.CUSTOMER
    values: Mapping[str, Any] = {"field_type": "text"}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = _posted(request.POST, CREATE_KEYS)
        try:
            services.create_custom_field(user, target, values)
        except ValidationError as error:
            errors = error_dict(error)
        else:
            return HttpResponseRedirect(reverse("web:field_list"))

    inputs = _inputs(values, errors, creating=True)
    context = {
        "inputs": inputs,
        "target": target,
        "target_label": FieldTarget(target).label,
        "form_errors": form_errors(errors, {item.error_key for item in inputs}),
    }
    return render(request, "web/custom_fields/form.html", context, status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def field_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Change the label, choices, required flag or position of a custom field."""
    user = _require_boss(request)

    field = get_object_or_404(CustomField, public_id=public_id)

    values: Mapping[str, Any] = {
        "label": field.label,
        "label_en": field.label_en,
        "choices": "\n".join(str(choice) for choice in field.choices or []),
        "required": field.required,
        "position": str(field.position),
    }
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = _posted(request.POST, services.CHANGEABLE)
        try:
            services.update_custom_field(user, field, values)
        except ValidationError as error:
            errors = error_dict(error)
        else:
            return HttpResponseRedirect(reverse("web:field_list"))

    inputs = _inputs(values, errors, creating=False)
    context = {
        "field": field,
        "inputs": inputs,
        "target": field.target,
        "target_label": field.get_target_display(),
        "form_errors": form_errors(errors, {item.error_key for item in inputs}),
    }
    return render(request, "web/custom_fields/form.html", context, status=400 if errors else 200)


@login_required
@require_POST
def field_set_active(request: HttpRequest, public_id: uuid.UUID, active: bool) -> HttpResponse:
    """Deactivate or reactivate a custom field; its stored values are kept either way."""
    user = _require_boss(request)

    field = get_object_or_404(CustomField, public_id=public_id)
    try:
        if active:
            services.reactivate_custom_field(user, field)
        else:
            services.deactivate_custom_field(user, field)
    except ValidationError as error:
        messages = [message for items in error_dict(error).values() for message in items]
        context = {"groups": _field_groups(), "errors": messages}
        return render(request, "web/custom_fields/list.html", context, status=400)

    return HttpResponseRedirect(reverse("web:field_list"))
