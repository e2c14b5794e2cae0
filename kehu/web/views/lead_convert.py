"""The page that converts a lead into a new customer, or into the customer it repeats.

A new customer that matches stored ones shows the duplicate check's messages; a close match may
be confirmed, and any matching customer the user may change is offered as the target instead.
"""

import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kehu.customers import normalize
from kehu.customers.dedup import Candidate, find_matches
from kehu.customers.models import Customer
from kehu.customers.queries import writable_customers
from kehu.customers.services import DuplicateCustomer
from kehu.leads import conversion, services
from kehu.leads.models import Lead
from kehu.org.models import User
from kehu.web.views.common import error_dict, form_errors, signed_in_user
from kehu.web.views.leads import load_lead


def _targets(user: User, lead: Lead, name: str = "") -> list[Customer]:
    """Return the customers the user may convert the lead into: the ones it repeats.

    They match the lead's mobile or email, or the customer name (`name`, else the lead's
    company) as the duplicate check compares names.
    """
    company = name or lead.company
    candidate = Candidate(
        name_key=normalize.name_key(company) if company else "",
        name_core=normalize.name_core(company) if company else "",
        mobiles=[lead.mobile] if lead.mobile else [],
        emails=[lead.email] if lead.email else [],
    )
    ids = {match.customer_id for match in find_matches([candidate])[0]}
    if lead.duplicate_of_customer_id:
        ids.add(lead.duplicate_of_customer_id)
    return list(writable_customers(user).filter(pk__in=ids).order_by("name"))


# The page's input for each error key of conversion.convert_lead that has one.
ERROR_INPUTS = {"customer_name": "name", "deal.name": "deal_name", "deal.amount": "deal_amount"}
INPUTS = ("name", "deal_name", "deal_amount", "existing")


def _input_errors(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Return conversion errors keyed by the page's inputs, so each shows beside its input."""
    keyed: dict[str, list[str]] = {}
    for key, messages in errors.items():
        keyed.setdefault(ERROR_INPUTS.get(key, key), []).extend(messages)
    return keyed


def _context(user: User, lead: Lead, values: dict[str, Any], **extra: Any) -> dict[str, Any]:
    context = {
        "lead": lead,
        "values": values,
        "targets": _targets(user, lead, values.get("name", "")),
        "errors": {},
        "duplicate": [],
        "similar": False,
        **extra,
    }
    context["form_errors"] = form_errors(context["errors"], set(INPUTS))
    return context


def _posted(request: HttpRequest) -> dict[str, Any]:
    return {key: request.POST.get(key, "").strip() for key in ("name", "deal_name", "deal_amount")}


@login_required
@require_http_methods(["GET", "POST"])
def lead_convert(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Convert the lead; the customer's name defaults to the company, or the person's name."""
    user = signed_in_user(request)
    services.check_lead_role(user)
    lead = load_lead(user, public_id)
    services.check_lead_writer(user, lead)

    if request.method == "GET":
        values = {"name": conversion.customer_values(lead)["name"]}
        return render(request, "web/leads/convert.html", _context(user, lead, values))
    values = _posted(request)
    deal = (
        {"name": values["deal_name"], "amount": values["deal_amount"] or "0"}
        if values["deal_name"]
        else None
    )
    existing = None
    target_id = request.POST.get("existing", "")
    if target_id:
        existing = next(
            (c for c in _targets(user, lead, values["name"]) if str(c.public_id) == target_id),
            None,
        )
        if existing is None:
            errors = {"existing": [_("Choose one of the customers listed, or create a new one.")]}
            context = _context(user, lead, values, errors=errors)
            return render(request, "web/leads/convert.html", context, status=400)
    customer_values = {**conversion.customer_values(lead), "name": values["name"]}
    try:
        customer = conversion.convert_lead(
            user,
            lead,
            customer=customer_values,
            deal=deal,
            existing=existing,
            allow_similar=request.POST.get("allow_similar") == "1",
        )
    except ValidationError as error:
        context = _context(user, lead, values, errors=_input_errors(error_dict(error)))
        return render(request, "web/leads/convert.html", context, status=400)
    except DuplicateCustomer as duplicate:
        context = _context(
            user,
            lead,
            values,
            duplicate=duplicate.messages(),
            similar=not duplicate.blocking,
        )
        return render(request, "web/leads/convert.html", context, status=409)
    return HttpResponseRedirect(customer.get_absolute_url())
