"""Contract forms: create (from a customer or a deal), change the terms, renew, add a file, and
edit the instalment plan. Each calls the service of kehu.sales.contracts or kehu.sales.payments.
"""

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kehu.customers.models import Customer
from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.org.models import User
from kehu.org.policy import policy_for
from kehu.sales import contracts, payments, services
from kehu.sales.cleaning import CONTRACT_REQUIRED
from kehu.sales.models import Contract, Deal
from kehu.sales.queries import visible_deals
from kehu.web.deal_display import customer_name
from kehu.web.forms import Input
from kehu.web.views.common import error_dict, form_errors, load_customer, signed_in_user
from kehu.web.views.contracts import load_contract

TERM_KEYS = ("title", "amount", "start_on", "end_on", "signed_on", "notes")
# The terms in the form's grid. The notes and the change note take the whole width below it.
GRID_KEYS = ("title", "amount", "start_on", "end_on", "signed_on")
_WIDGETS = {
    "title": "text",
    "amount": "decimal",
    "start_on": "date",
    "end_on": "date",
    "signed_on": "date",
    "notes": "textarea",
    "change_note": "text",
}
PLAN_KEYS = ("due_on", "amount", "note")
# Empty instalment rows the plan form offers below the filled ones.
BLANK_PLANS = 3


def _inputs(
    values: Mapping[str, Any], errors: Mapping[str, list[str]], keys: tuple[str, ...]
) -> list[Input]:
    """Return an input per key with its value as posted (or stored) and its own errors."""
    specs = field_map(FieldTarget.CONTRACT)
    inputs = []
    for key in keys:
        value = values.get(key)
        inputs.append(
            Input(
                name=key,
                error_key=key,
                label=specs[key].label_text if key in specs else _("What changed"),
                widget=_WIDGETS[key],
                value="" if value is None else str(value),
                required=key in CONTRACT_REQUIRED,
                errors=list(errors.get(key, [])),
            )
        )
    return inputs


def _form(
    request: HttpRequest,
    user: User,
    customer: Customer,
    values: Mapping[str, Any],
    errors: Mapping[str, list[str]],
    *,
    heading: str,
    cancel_url: str,
    with_note: bool = False,
) -> HttpResponse:
    """Render the terms form with each error beside its input, and the others above the form."""
    grid = _inputs(values, errors, GRID_KEYS)
    wide = _inputs(values, errors, ("notes", "change_note") if with_note else ("notes",))
    shown_keys = {field.error_key for field in [*grid, *wide]} | {"files"}
    context = {
        "heading": heading,
        "customer_name": customer_name(policy_for(user), customer),
        "grid_inputs": grid,
        "wide_inputs": wide,
        "version": values.get("version", ""),
        "file_errors": list(errors.get("files", [])),
        "form_errors": form_errors(errors, shown_keys),
        "cancel_url": cancel_url,
    }
    return render(request, "web/contracts/form.html", context, status=400 if errors else 200)


def _posted(request: HttpRequest) -> dict[str, str]:
    return {key: request.POST.get(key, "") for key in TERM_KEYS}


def _deal_from_query(user: User, customer: Customer, request: HttpRequest) -> Deal | None:
    deal_id = request.GET.get("deal", "")
    if not deal_id:
        return None
    try:
        deal = visible_deals(user).filter(customer=customer, public_id=deal_id).first()
    except ValidationError:
        deal = None
    if deal is None:
        raise Http404
    return deal


@login_required
@require_http_methods(["GET", "POST"])
def contract_create(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Create a draft contract for a customer; ?deal= links it to a deal and takes its amount."""
    user = signed_in_user(request)
    services.check_deal_role(user)
    customer = load_customer(user, public_id)
    contracts.check_contract_writer(user, customer)
    deal = _deal_from_query(user, customer, request)
    cancel_url = deal.get_absolute_url() if deal else customer.get_absolute_url()
    heading = _("New contract")

    if request.method == "GET":
        initial = {"title": deal.name, "amount": deal.amount} if deal else {}
        return _form(request, user, customer, initial, {}, heading=heading, cancel_url=cancel_url)

    values = _posted(request)
    try:
        contract = contracts.create_contract(
            user, customer, values, deal=deal, files=request.FILES.getlist("files")
        )
    except ValidationError as error:
        return _form(
            request,
            user,
            customer,
            values,
            error_dict(error),
            heading=heading,
            cancel_url=cancel_url,
        )
    return HttpResponseRedirect(contract.get_absolute_url())


def _current_values(contract: Contract) -> dict[str, Any]:
    values: dict[str, Any] = {key: getattr(contract, key) for key in TERM_KEYS}
    for key in ("start_on", "end_on", "signed_on"):
        values[key] = values[key].isoformat() if values[key] else ""
    return values


@login_required
@require_http_methods(["GET", "POST"])
def contract_revise(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Change a draft or rejected contract's terms; saving adds a version."""
    user = signed_in_user(request)
    services.check_deal_role(user)
    contract = load_contract(user, public_id)
    contracts.check_contract_writer(user, contract.customer)
    heading = _("Change contract %(number)s") % {"number": contract.number}
    cancel_url = contract.get_absolute_url()

    if request.method == "GET":
        values = {**_current_values(contract), "version": contract.current_version}
        return _form(
            request,
            user,
            contract.customer,
            values,
            {},
            heading=heading,
            cancel_url=cancel_url,
            with_note=True,
        )

    values = {**_posted(request), "change_note": request.POST.get("change_note", "")}
    version = request.POST.get("version", "")
    try:
        contracts.revise_contract(
            user,
            contract,
            {key: values[key] for key in TERM_KEYS},
            change_note=values["change_note"],
            files=request.FILES.getlist("files"),
            expected_version=int(version) if version.isdigit() else None,
        )
    except ValidationError as error:
        return _form(
            request,
            user,
            contract.customer,
            {**values, "version": version},
            error_dict(error),
            heading=heading,
            cancel_url=cancel_url,
            with_note=True,
        )
    return HttpResponseRedirect(contract.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def contract_renew(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Renew a signed contract: the form starts from its terms, moved past its end date."""
    user = signed_in_user(request)
    services.check_deal_role(user)
    contract = load_contract(user, public_id)
    contracts.check_contract_writer(user, contract.customer)
    heading = _("Renew contract %(number)s") % {"number": contract.number}
    cancel_url = contract.get_absolute_url()

    if request.method == "GET":
        values = _current_values(contract)
        values["signed_on"] = ""
        if contract.end_on:
            # The renewal starts the day after the old contract ends and lasts as long.
            start = contract.end_on + dt.timedelta(days=1)
            values["start_on"] = start.isoformat()
            values["end_on"] = (start + (contract.end_on - contract.start_on)).isoformat()
        return _form(
            request, user, contract.customer, values, {}, heading=heading, cancel_url=cancel_url
        )

    values = _posted(request)
    try:
        renewal = contracts.renew_contract(
            user, contract, values, files=request.FILES.getlist("files")
        )
    except ValidationError as error:
        return _form(
            request,
            user,
            contract.customer,
            values,
            error_dict(error),
            heading=heading,
            cancel_url=cancel_url,
        )
    return HttpResponseRedirect(renewal.get_absolute_url())


@login_required
@require_POST
def contract_add_file(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Attach an uploaded file to the contract's current version."""
    user = signed_in_user(request)
    services.check_deal_role(user)
    contract = load_contract(user, public_id)
    contracts.check_contract_writer(user, contract.customer)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationError({"files": [_("Choose a file to upload.")]})
        contracts.add_file(user, contract, upload)
    except ValidationError as error:
        request.session["contract_errors"] = [
            message for messages in error_dict(error).values() for message in messages
        ]
    return HttpResponseRedirect(contract.get_absolute_url())


def _plan_rows(
    plans: list[dict[str, str]], errors: Mapping[str, list[str]]
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"number": number, **{key: plan.get(key, "") for key in PLAN_KEYS}}
        for number, plan in enumerate(plans, start=1)
    ]
    for number in range(len(rows) + 1, len(rows) + BLANK_PLANS + 1):
        rows.append({"number": number, **dict.fromkeys(PLAN_KEYS, "")})
    for row in rows:
        prefix = f"plans.{row['number']}."
        row["errors"] = [
            message
            for key, messages in errors.items()
            if key.startswith(prefix)
            for message in messages
        ]
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def contract_plans(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Edit a contract's instalments as a table; empty rows are left out when saving."""
    user = signed_in_user(request)
    services.check_deal_role(user)
    contract = load_contract(user, public_id)
    payments.check_payment_writer(user, contract, "plan_amount")

    if request.method == "GET":
        plans = [
            {"due_on": plan.due_on.isoformat(), "amount": str(plan.amount), "note": plan.note}
            for plan in contract.plans.all()
        ]
        errors: dict[str, list[str]] = {}
    else:
        count = request.POST.get("rows", "")
        limit = min(int(count), payments.MAX_INSTALMENTS + BLANK_PLANS) if count.isdigit() else 0
        plans = []
        for number in range(1, limit + 1):
            plan = {key: request.POST.get(f"{key}_{number}", "").strip() for key in PLAN_KEYS}
            if any(plan.values()):
                plans.append(plan)
        try:
            payments.set_payment_plans(user, contract, plans)
        except ValidationError as error:
            errors = error_dict(error)
        else:
            return HttpResponseRedirect(contract.get_absolute_url())

    rows = _plan_rows(plans, errors)
    context = {
        "contract": contract,
        "customer_name": customer_name(policy_for(user), contract.customer),
        "rows": rows,
        "row_count": len(rows),
        "errors": [
            message
            for key, messages in errors.items()
            if not key.startswith("plans.")
            for message in messages
        ],
    }
    return render(request, "web/contracts/plans.html", context, status=400 if errors else 200)
