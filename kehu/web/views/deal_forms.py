"""Deal forms: add a deal to a customer, edit a deal, and set its products (lines)."""

import uuid
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kehu.core.money import quantity_text
from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.org.models import User
from kehu.org.policy import policy_for
from kehu.sales import services
from kehu.sales.models import Deal, Pipeline, Product, StageKind
from kehu.sales.queries import visible_pipelines
from kehu.sales.stages import default_pipeline
from kehu.web.deal_display import customer_name, shown_value
from kehu.web.forms import Input
from kehu.web.views.common import error_dict, form_errors, load_customer, signed_in_user
from kehu.web.views.deals import load_deal

DEAL_KEYS = ("name", "amount", "expected_close_on")
_WIDGETS = {"name": "text", "amount": "decimal", "expected_close_on": "date"}
# Empty rows the lines form offers below the deal's lines.
BLANK_LINES = 3


def _deal_inputs(
    user: User, values: Mapping[str, Any], errors: Mapping[str, list[str]], keys: tuple[str, ...]
) -> tuple[list[Input], dict[str, str]]:
    """Return an input per writable field and the text of each readable, unwritable one."""
    policy = policy_for(user)
    specs = field_map(FieldTarget.DEAL)
    inputs: list[Input] = []
    static: dict[str, str] = {}
    for key in keys:
        spec = specs[key]
        if policy.can_write(FieldTarget.DEAL, spec):
            inputs.append(
                Input(
                    name=key,
                    error_key=key,
                    label=spec.label_text,
                    widget=_WIDGETS[key],
                    value=values.get(key, ""),
                    required=spec.required,
                    errors=list(errors.get(key, [])),
                )
            )
        else:
            text = shown_value(policy, FieldTarget.DEAL, key, values.get(key))
            if text is not None:
                static[spec.label_text] = text
    return inputs, static


def _posted(post: QueryDict, inputs: list[Input]) -> dict[str, Any]:
    return {field.name: post.get(field.name, "") for field in inputs}


def _chosen_pipeline(pipelines: list[Pipeline], raw: str) -> Pipeline:
    """Return the listed pipeline with the public id `raw`, else the first (the default)."""
    return next((found for found in pipelines if str(found.public_id) == raw), pipelines[0])


def _stage_inputs(
    pipelines: list[Pipeline],
    pipeline: Pipeline,
    values: Mapping[str, Any],
    errors: Mapping[str, list[str]],
) -> tuple[Input | None, Input]:
    """Return the pipeline select (None when there is one pipeline) and the stage select."""
    pipeline_input = None
    if len(pipelines) > 1:
        pipeline_input = Input(
            name="pipeline",
            error_key="pipeline",
            label=_("Pipeline"),
            widget="select",
            value=str(pipeline.public_id),
            choices=[(str(found.public_id), found.name) for found in pipelines],
            required=True,
            errors=list(errors.get("pipeline", [])),
        )
    stages = pipeline.stages.filter(kind=StageKind.OPEN).order_by("position")
    stage_input = Input(
        name="stage",
        error_key="stage",
        label=field_map(FieldTarget.DEAL)["stage"].label_text,
        widget="select",
        value=values.get("stage", ""),
        choices=[(str(stage.public_id), stage.name) for stage in stages],
        required=True,
        errors=list(errors.get("stage", [])),
    )
    return pipeline_input, stage_input


@login_required
@require_http_methods(["GET", "POST"])
def deal_create(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Add a deal to a customer, in the chosen pipeline (default: the default one) and stage.

    Changing the pipeline reloads the stage list through htmx (a GET with "pipeline").
    """
    user = signed_in_user(request)
    services.check_deal_role(user)
    customer = load_customer(user, public_id)
    services.check_deal_creator(user, customer)

    # The default pipeline is made again on demand when the tables were emptied.
    pipelines = list(visible_pipelines(user)) or [default_pipeline()]
    raw_pipeline = request.POST.get("pipeline") or request.GET.get("pipeline", "")
    pipeline = _chosen_pipeline(pipelines, raw_pipeline)
    first = pipeline.stages.filter(kind=StageKind.OPEN).order_by("position").first()
    values: dict[str, Any] = {"stage": str(first.public_id) if first else ""}
    errors: dict[str, list[str]] = {}
    inputs, static = _deal_inputs(user, values, errors, DEAL_KEYS)
    if request.method == "POST":
        values = {**_posted(request.POST, inputs), "stage": request.POST.get("stage", "")}
        try:
            chosen, stage = services.new_deal_stage(raw_pipeline or None, values["stage"])
            fields = {key: value for key, value in values.items() if key != "stage"}
            deal = services.create_deal(user, customer, fields, pipeline=chosen, stage=stage)
        except ValidationError as error:
            errors = error_dict(error)
        else:
            return HttpResponseRedirect(reverse("web:deal_detail", args=[deal.public_id]))
        inputs, static = _deal_inputs(user, values, errors, DEAL_KEYS)

    pipeline_input, stage_input = _stage_inputs(pipelines, pipeline, values, errors)
    context = {
        "title": _("New deal"),
        "customer": customer,
        "customer_name": customer_name(policy_for(user), customer),
        "inputs": inputs,
        "pipeline_input": pipeline_input,
        "stage_input": stage_input,
        "static": static,
        "form_errors": form_errors(errors, {"stage", "pipeline", *(i.error_key for i in inputs)}),
        "cancel_url": reverse("web:customer_detail", args=[customer.public_id]),
    }
    return render(request, "web/deals/form.html", context, status=400 if errors else 200)


def _stored(deal: Deal) -> dict[str, Any]:
    return {
        "name": deal.name,
        "amount": deal.amount,
        "expected_close_on": deal.expected_close_on.isoformat() if deal.expected_close_on else "",
    }


@login_required
@require_http_methods(["GET", "POST"])
def deal_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Change an open deal's name, amount and expected close date."""
    user = signed_in_user(request)
    services.check_deal_role(user)
    deal = load_deal(user, public_id)
    services.check_deal_editor(user, deal)

    values: dict[str, Any] = _stored(deal)
    errors: dict[str, list[str]] = {}
    keys = DEAL_KEYS if not deal.lines.exists() else ("name", "expected_close_on")
    inputs, static = _deal_inputs(user, values, errors, keys)
    if request.method == "POST":
        values = _posted(request.POST, inputs)
        version = request.POST.get("expected_version", "")
        try:
            services.update_deal(
                user,
                deal,
                values,
                expected_version=int(version) if version.isdigit() else None,
            )
        except ValidationError as error:
            errors = error_dict(error)
        else:
            return HttpResponseRedirect(reverse("web:deal_detail", args=[deal.public_id]))
        inputs, static = _deal_inputs(user, {**_stored(deal), **values}, errors, keys)

    context = {
        "title": _("Edit deal"),
        "deal": deal,
        "customer": deal.customer,
        "customer_name": customer_name(policy_for(user), deal.customer),
        "inputs": inputs,
        "static": static,
        "version": deal.version,
        "form_errors": form_errors(errors, {i.error_key for i in inputs}),
        "cancel_url": reverse("web:deal_detail", args=[deal.public_id]),
    }
    return render(request, "web/deals/form.html", context, status=400 if errors else 200)


def _line_rows(post: QueryDict) -> list[tuple[int, dict[str, Any]]]:
    """Return (row number, values) of each posted row that names a product."""
    products = {str(p.public_id): p for p in Product.objects.all()}
    rows = []
    count = int(post.get("rows", "0")) if post.get("rows", "").isdigit() else 0
    for number in range(1, min(count, 200) + 1):
        product_id = post.get(f"product_{number}", "")
        if not product_id:
            continue
        values: dict[str, Any] = {
            "product": products.get(product_id),
            "quantity": post.get(f"quantity_{number}", ""),
        }
        # An empty price takes the product's list price.
        if post.get(f"unit_price_{number}", "").strip():
            values["unit_price"] = post[f"unit_price_{number}"]
        rows.append((number, values))
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def deal_lines(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Set the products of an open deal; the deal's amount becomes their total."""
    user = signed_in_user(request)
    services.check_deal_role(user)
    deal = load_deal(user, public_id)
    services.check_deal_editor(user, deal)

    policy = policy_for(user)
    price_spec = field_map(FieldTarget.DEAL_LINE)["unit_price"]
    sets_price = policy.can_write(FieldTarget.DEAL_LINE, price_spec)
    errors: dict[str, list[str]] = {}
    rows: list[dict[str, Any]] = [
        {
            "product": str(line.product.public_id),
            "quantity": quantity_text(line.quantity),
            "unit_price": line.unit_price,
        }
        for line in deal.lines.select_related("product")
    ]
    if request.method == "POST":
        posted = _line_rows(request.POST)
        version = request.POST.get("expected_version", "")
        try:
            services.set_deal_lines(
                user,
                deal,
                [values for _number, values in posted],
                expected_version=int(version) if version.isdigit() else None,
            )
        except ValidationError as error:
            errors = _row_errors(error_dict(error), [number for number, _values in posted])
        else:
            return HttpResponseRedirect(reverse("web:deal_detail", args=[deal.public_id]))
        rows = [
            {
                "product": request.POST.get(f"product_{n}", ""),
                "quantity": request.POST.get(f"quantity_{n}", ""),
                "unit_price": request.POST.get(f"unit_price_{n}", ""),
            }
            for n in range(1, int(request.POST.get("rows", "0") or 0) + 1)
            if request.POST.get(f"product_{n}") or request.POST.get(f"quantity_{n}")
        ]

    rows += [{"product": "", "quantity": "", "unit_price": ""}] * BLANK_LINES
    numbered = [
        {**row, "number": number, "errors": errors.get(str(number), [])}
        for number, row in enumerate(rows, start=1)
    ]
    products = Product.objects.filter(is_active=True) | Product.objects.filter(
        pk__in=deal.lines.values("product_id")
    )
    context = {
        "deal": deal,
        "customer_name": customer_name(policy, deal.customer),
        "rows": numbered,
        "row_count": len(numbered),
        "products": [(str(p.public_id), f"{p.code} {p.name}") for p in products.distinct()],
        "sets_price": sets_price,
        "version": deal.version,
        "form_errors": errors.get("", []),
    }
    return render(request, "web/deals/lines.html", context, status=400 if errors else 200)


def _row_errors(errors: Mapping[str, list[str]], numbers: list[int]) -> dict[str, list[str]]:
    """Key the service's "lines.<n>.<field>" errors by the form's row number ("" for others)."""
    by_row: dict[str, list[str]] = {}
    for key, messages in errors.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit():
            index = int(parts[1]) - 1
            row = str(numbers[index]) if index < len(numbers) else ""
            by_row.setdefault(row, []).extend(messages)
        else:
            by_row.setdefault("", []).extend(messages)
    return by_row
