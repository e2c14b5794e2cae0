"""The product catalogue under settings: list, add and edit products (retire by unticking)."""

import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.org.models import User
from kehu.org.policy import policy_for
from kehu.sales import services
from kehu.sales.models import Product
from kehu.sales.queries import may_manage_products, visible_products
from kehu.web.deal_display import product_rows, shown_value
from kehu.web.forms import Input
from kehu.web.views.common import error_dict, form_errors, signed_in_user

_WIDGETS = {
    "name": "text",
    "code": "text",
    "unit": "text",
    "list_price": "decimal",
    "cost": "decimal",
    "is_active": "checkbox",
}


def _require_manager(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if not may_manage_products(user):
        raise PermissionDenied(_("Your role may not manage products."))
    return user


@login_required
@require_GET
def product_list(request: HttpRequest) -> HttpResponse:
    user = _require_manager(request)

    products = visible_products(user).order_by("-is_active", "code")
    policy = policy_for(user)
    context = {
        "rows": product_rows(policy, products),
        "shows_price": shown_value(policy, FieldTarget.PRODUCT, "list_price", 0) is not None,
        "shows_cost": shown_value(policy, FieldTarget.PRODUCT, "cost", 0) is not None,
    }
    return render(request, "web/products/list.html", context)


def _inputs(
    user: User, values: dict[str, Any], errors: dict[str, list[str]]
) -> tuple[list[Input], dict[str, str]]:
    policy = policy_for(user)
    inputs: list[Input] = []
    static: dict[str, str] = {}
    for spec in field_map(FieldTarget.PRODUCT).values():
        if policy.can_write(FieldTarget.PRODUCT, spec):
            inputs.append(
                Input(
                    name=spec.key,
                    error_key=spec.key,
                    label=spec.label_text,
                    widget=_WIDGETS[spec.key],
                    value=values.get(spec.key, ""),
                    required=spec.required,
                    errors=list(errors.get(spec.key, [])),
                )
            )
            continue
        text = shown_value(policy, FieldTarget.PRODUCT, spec.key, values.get(spec.key))
        if text is not None:
            static[spec.label_text] = text
    return inputs, static


def _posted(post: QueryDict, inputs: list[Input]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in inputs:
        if field.widget == "checkbox":
            values[field.name] = post.get(field.name) == "1"
        else:
            values[field.name] = post.get(field.name, "")
    return values


def _form(
    request: HttpRequest, user: User, product: Product | None, stored: dict[str, Any]
) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    inputs, static = _inputs(user, stored, errors)
    if request.method == "POST":
        values = _posted(request.POST, inputs)
        try:
            if product is None:
                services.create_product(user, values)
            else:
                services.update_product(user, product, values)
        except ValidationError as error:
            errors = error_dict(error)
        else:
            return HttpResponseRedirect(reverse("web:product_list"))
        inputs, static = _inputs(user, {**stored, **values}, errors)

    context = {
        "product": product,
        "inputs": inputs,
        "static": static,
        "form_errors": form_errors(errors, {field.error_key for field in inputs}),
    }
    return render(request, "web/products/form.html", context, status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def product_create(request: HttpRequest) -> HttpResponse:
    user = _require_manager(request)

    return _form(request, user, None, {"is_active": True})


@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _require_manager(request)
    product = get_object_or_404(visible_products(user), public_id=public_id)

    stored = {
        spec.key: getattr(product, spec.key) for spec in field_map(FieldTarget.PRODUCT).values()
    }
    stored = {key: "" if value is None else value for key, value in stored.items()}
    return _form(request, user, product, stored)
