"""Creating and editing customers and contacts, and the region choices the forms reload."""

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods

from kehu.core import regions
from kehu.customers import services
from kehu.customers.models import Customer
from kehu.customers.queries import visible_contacts
from kehu.fields.models import FieldTarget
from kehu.fields.registry import FieldSpec, fields_for
from kehu.web.forms import (
    Input,
    build_inputs,
    editable_customer_specs,
    has_any_value,
    initial_values,
    posted_values,
    record_values,
)
from kehu.web.views.common import (
    error_dict,
    form_errors,
    load_customer,
    require_editor,
    signed_in_user,
)

# The create form has inputs for the first contact. Their names start with this prefix, and
# the service reports their errors as "contacts.1.<key>".
CONTACT_PREFIX = "contact."
CONTACT_ERROR_PREFIX = "contacts.1."


def _shown_keys(*groups: Sequence[Input]) -> set[str]:
    return {item.error_key for group in groups for item in group}


def _duplicate_context(error: services.DuplicateCustomer) -> dict[str, Any]:
    return {"duplicate_messages": error.messages(), "duplicate_blocking": error.blocking}


@login_required
@require_http_methods(["GET", "POST"])
def create_customer(request: HttpRequest) -> HttpResponse:
    """Create a customer owned by the user, with a first contact if one is filled in.

    A blocking duplicate shows its message and saves nothing; a close match shows a warning and
    saves only when the user confirms with "Create anyway".
    """
    user = signed_in_user(request)
    require_editor(user)

    customer_specs = editable_customer_specs(fields_for(FieldTarget.CUSTOMER))
    contact_specs = [spec for spec in fields_for(FieldTarget.CONTACT) if spec.key != "is_primary"]
    values: Mapping[str, Any] = initial_values(Customer, customer_specs)
    contact_values: Mapping[str, Any] = {}
    errors: dict[str, list[str]] = {}
    duplicate: dict[str, Any] = {}
    if request.method == "POST":
        values = posted_values(request.POST, customer_specs)
        contact_values = posted_values(request.POST, contact_specs, prefix=CONTACT_PREFIX)
        contacts = [contact_values] if has_any_value(contact_values) else []
        try:
            customer = services.create_customer(
                user,
                values,
                contacts,
                owner=user,
                allow_similar=request.POST.get("allow_similar") == "1",
            )
        except ValidationError as error:
            errors = error_dict(error)
        except services.DuplicateCustomer as error:
            duplicate = _duplicate_context(error)
        else:
            return HttpResponseRedirect(customer.get_absolute_url())

    inputs = build_inputs(customer_specs, values, errors)
    contact_inputs = build_inputs(
        contact_specs,
        contact_values,
        errors,
        prefix=CONTACT_PREFIX,
        error_prefix=CONTACT_ERROR_PREFIX,
    )
    context = {
        "inputs": inputs,
        "contact_inputs": contact_inputs,
        "form_errors": form_errors(errors, _shown_keys(inputs, contact_inputs)),
        **duplicate,
    }
    status = 400 if errors or duplicate else 200
    return render(request, "web/customers/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def edit_customer(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Change a customer; a save based on an outdated copy is rejected, not merged."""
    user = signed_in_user(request)
    require_editor(user)

    customer = load_customer(user, public_id)

    specs = editable_customer_specs(fields_for(FieldTarget.CUSTOMER))
    values: Mapping[str, Any] = record_values(specs, customer)
    version = str(customer.version)
    errors: dict[str, list[str]] = {}
    duplicate: dict[str, Any] = {}
    if request.method == "POST":
        values = posted_values(request.POST, specs)
        version = request.POST.get("expected_version", "")
        try:
            expected = int(version)
        except ValueError:
            expected = -1
        try:
            services.update_customer(
                user,
                customer,
                values,
                expected_version=expected,
                allow_similar=request.POST.get("allow_similar") == "1",
            )
        except ValidationError as error:
            errors = error_dict(error)
        except services.DuplicateCustomer as error:
            duplicate = _duplicate_context(error)
        else:
            return HttpResponseRedirect(customer.get_absolute_url())

    inputs = build_inputs(specs, values, errors)
    context = {
        "customer": customer,
        "inputs": inputs,
        "expected_version": version,
        "form_errors": form_errors(errors, _shown_keys(inputs)),
        **duplicate,
    }
    status = 400 if errors or duplicate else 200
    return render(request, "web/customers/form.html", context, status=status)


def _contact_specs() -> list[FieldSpec]:
    return fields_for(FieldTarget.CONTACT)


def _render_contact_form(
    request: HttpRequest,
    customer: Customer,
    inputs: list[Input],
    errors: Mapping[str, list[str]],
    duplicate: Mapping[str, Any],
    contact_name: str = "",
) -> HttpResponse:
    context = {
        "customer": customer,
        "inputs": inputs,
        "contact_name": contact_name,
        "form_errors": form_errors(errors, _shown_keys(inputs)),
        **duplicate,
    }
    status = 400 if errors or duplicate else 200
    return render(request, "web/customers/contact_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def add_contact(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Add a contact to a customer the user may see and edit."""
    user = signed_in_user(request)
    require_editor(user)

    customer = load_customer(user, public_id)

    specs = _contact_specs()
    values: Mapping[str, Any] = {}
    errors: dict[str, list[str]] = {}
    duplicate: dict[str, Any] = {}
    if request.method == "POST":
        values = posted_values(request.POST, specs)
        try:
            services.add_contact(user, customer, values)
        except ValidationError as error:
            errors = error_dict(error)
        except services.DuplicateCustomer as error:
            duplicate = _duplicate_context(error)
        else:
            return HttpResponseRedirect(customer.get_absolute_url() + "#contacts")

    return _render_contact_form(
        request, customer, build_inputs(specs, values, errors), errors, duplicate
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit_contact(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Change a contact of a customer the user may see and edit."""
    user = signed_in_user(request)
    require_editor(user)

    contact = get_object_or_404(
        visible_contacts(user).select_related("customer"), public_id=public_id
    )

    specs = _contact_specs()
    values: Mapping[str, Any] = record_values(specs, contact)
    errors: dict[str, list[str]] = {}
    duplicate: dict[str, Any] = {}
    if request.method == "POST":
        values = posted_values(request.POST, specs)
        try:
            services.update_contact(user, contact, values)
        except ValidationError as error:
            errors = error_dict(error)
        except services.DuplicateCustomer as error:
            duplicate = _duplicate_context(error)
        else:
            return HttpResponseRedirect(contact.customer.get_absolute_url() + "#contacts")

    inputs = build_inputs(specs, values, errors)
    return _render_contact_form(request, contact.customer, inputs, errors, duplicate, contact.name)


@login_required
@require_GET
def region_options(request: HttpRequest) -> HttpResponse:
    """Return the <option>s below a province or city code, for the cascading region selects.

    "from" names the parameter that contains the parent code, so a select can send its own name
    ("province", "f.city") as htmx does.
    """
    signed_in_user(request)

    source = request.GET.get("from", "")
    parent = request.GET.get(source, "") if source else ""
    divisions = regions.children_of(parent) if parent and regions.get(parent) else []

    return render(request, "web/includes/region_options.html", {"divisions": divisions})
