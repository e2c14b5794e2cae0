"""Creating and editing customers and contacts, and the region choices the forms reload.

The forms follow the user's field policy: inputs for editable fields, text for read-only and
masked ones, nothing for hidden ones (see kehu.web.forms).
"""

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kehu.assignment import customers as assignment
from kehu.core import regions
from kehu.customers import services
from kehu.customers.models import Customer
from kehu.customers.queries import visible_contacts
from kehu.fields.models import FieldTarget
from kehu.fields.registry import FieldSpec, field_map, fields_for
from kehu.org.models import Capability, User
from kehu.org.policy import FieldPolicy, policy_for
from kehu.org.visibility import owners_in_reach
from kehu.web.display import record_name
from kehu.web.forms import (
    Input,
    PolicyFields,
    build_inputs,
    editable_customer_specs,
    has_any_value,
    initial_values,
    policy_fields,
    posted_values,
    record_values,
    static_texts,
    unexpected_values,
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


def _posted(post: QueryDict, fields: PolicyFields, prefix: str = "") -> dict[str, Any]:
    """Return the values of the inputs, plus any refused field a crafted post names anyway."""
    return {
        **posted_values(post, fields.writable, prefix=prefix),
        **unexpected_values(post, fields.refused, prefix=prefix),
    }


def _customer_name(policy: FieldPolicy, customer: Customer) -> str:
    return record_name(policy, FieldTarget.CUSTOMER, field_map(FieldTarget.CUSTOMER), customer)


def _duplicate_context(error: services.DuplicateCustomer) -> dict[str, Any]:
    return {"duplicate_messages": error.messages(), "duplicate_blocking": error.blocking}


def _owner_choices(user: User) -> list[User]:
    """Return the owners a manager may pick on the create form; empty for the other roles.

    Roles that may assign also may leave the owner to the assignment rules.
    """
    if not user.has_capability(Capability.ASSIGN):
        return []
    return list(owners_in_reach(user).order_by("display_name", "username"))


def _posted_owner(user: User, owners: Sequence[User], value: str) -> User:
    """Return the chosen owner; an id outside the choices is rejected like a missing one."""
    if value == str(user.public_id):
        return user
    for owner in owners:
        if str(owner.public_id) == value:
            return owner
    raise ValidationError({"owner": [_("Choose an owner from the list.")]})


@login_required
@require_http_methods(["GET", "POST"])
def create_customer(request: HttpRequest) -> HttpResponse:
    """Create a customer with a first contact if one is filled in.

    The owner is the user. Roles that may assign choose an owner in their reach, or leave the
    choice to the assignment rules, which may put the customer in the pool.

    A blocking duplicate shows its message and saves nothing; a close match shows a warning and
    saves only when the user confirms with "Create anyway".
    """
    user = signed_in_user(request)
    services.check_creator(user)

    policy = policy_for(user)
    customer_fields = policy_fields(
        policy, FieldTarget.CUSTOMER, editable_customer_specs(fields_for(FieldTarget.CUSTOMER))
    )
    # A role that may not add contacts gets no first-contact inputs: it could not save them.
    contact_specs: list[FieldSpec] = []
    if not services.contact_form_refusal(user, adding=True):
        contact_specs = [
            spec for spec in fields_for(FieldTarget.CONTACT) if spec.key != "is_primary"
        ]
    contact_fields = policy_fields(policy, FieldTarget.CONTACT, contact_specs)
    values: Mapping[str, Any] = initial_values(Customer, customer_fields.shown)
    contact_values: Mapping[str, Any] = {}
    customer_static = static_texts(policy, FieldTarget.CUSTOMER, customer_fields, None, values)
    contact_static = static_texts(policy, FieldTarget.CONTACT, contact_fields, None, {})
    errors: dict[str, list[str]] = {}
    duplicate: dict[str, Any] = {}
    owners = _owner_choices(user)
    owner_value = str(user.public_id)
    if request.method == "POST":
        values = _posted(request.POST, customer_fields)
        contact_values = _posted(request.POST, contact_fields, CONTACT_PREFIX)
        contacts = [contact_values] if has_any_value(contact_values) else []
        owner_value = request.POST.get("owner", owner_value) if owners else owner_value
        allow_similar = request.POST.get("allow_similar") == "1"
        try:
            if not owner_value:
                customer = assignment.create_customer(
                    user, values, contacts, allow_similar=allow_similar
                )
            else:
                customer = services.create_customer(
                    user,
                    values,
                    contacts,
                    owner=_posted_owner(user, owners, owner_value),
                    allow_similar=allow_similar,
                )
        except ValidationError as error:
            errors = error_dict(error)
        except services.DuplicateCustomer as error:
            duplicate = _duplicate_context(error)
        else:
            return HttpResponseRedirect(customer.get_absolute_url())

    inputs = build_inputs(customer_fields.shown, values, errors, static=customer_static)
    contact_inputs = build_inputs(
        contact_fields.shown,
        contact_values,
        errors,
        prefix=CONTACT_PREFIX,
        error_prefix=CONTACT_ERROR_PREFIX,
        static=contact_static,
    )
    context = {
        "inputs": inputs,
        "contact_inputs": contact_inputs,
        "form_errors": form_errors(errors, _shown_keys(inputs, contact_inputs)),
        "owners": owners,
        "owner_value": owner_value,
        **duplicate,
    }
    status = 400 if errors or duplicate else 200
    return render(request, "web/customers/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def edit_customer(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Change a customer; a save based on an outdated copy is rejected, not merged.

    A customer the user may only read (a read-only share) gets a 403 on GET as on POST.
    """
    user = signed_in_user(request)
    require_editor(user)

    customer = load_customer(user, public_id)
    services.check_editor(user, customer)

    policy = policy_for(user)
    fields = policy_fields(
        policy, FieldTarget.CUSTOMER, editable_customer_specs(fields_for(FieldTarget.CUSTOMER))
    )
    values: Mapping[str, Any] = record_values(fields.writable, customer)
    static = static_texts(policy, FieldTarget.CUSTOMER, fields, customer, values)
    version = str(customer.version)
    errors: dict[str, list[str]] = {}
    duplicate: dict[str, Any] = {}
    if request.method == "POST":
        values = _posted(request.POST, fields)
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

    inputs = build_inputs(fields.shown, values, errors, static=static)
    context = {
        "customer": customer,
        "customer_name": _customer_name(policy, customer),
        "inputs": inputs,
        "expected_version": version,
        "form_errors": form_errors(errors, _shown_keys(inputs)),
        **duplicate,
    }
    status = 400 if errors or duplicate else 200
    return render(request, "web/customers/form.html", context, status=status)


def _contact_fields(policy: FieldPolicy) -> PolicyFields:
    return policy_fields(policy, FieldTarget.CONTACT, fields_for(FieldTarget.CONTACT))


def _render_contact_form(
    request: HttpRequest,
    user: User,
    customer: Customer,
    inputs: list[Input],
    errors: Mapping[str, list[str]],
    duplicate: Mapping[str, Any],
    contact_name: str = "",
) -> HttpResponse:
    context = {
        "customer": customer,
        "customer_name": _customer_name(policy_for(user), customer),
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
    """Add a contact to a customer the user may see and edit.

    The form is refused, on GET as on POST, when the role may not set a new contact's name.
    """
    user = signed_in_user(request)
    require_editor(user)

    customer = load_customer(user, public_id)
    services.check_contact_editor(user, customer, adding=True)

    policy = policy_for(user)
    fields = _contact_fields(policy)
    static = static_texts(policy, FieldTarget.CONTACT, fields, None, {})
    values: Mapping[str, Any] = {}
    errors: dict[str, list[str]] = {}
    duplicate: dict[str, Any] = {}
    if request.method == "POST":
        values = _posted(request.POST, fields)
        try:
            services.add_contact(user, customer, values)
        except ValidationError as error:
            errors = error_dict(error)
        except services.DuplicateCustomer as error:
            duplicate = _duplicate_context(error)
        else:
            return HttpResponseRedirect(customer.get_absolute_url() + "#contacts")

    inputs = build_inputs(fields.shown, values, errors, static=static)
    return _render_contact_form(request, user, customer, inputs, errors, duplicate)


@login_required
@require_http_methods(["GET", "POST"])
def edit_contact(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Change a contact of a customer the user may see and edit."""
    user = signed_in_user(request)
    require_editor(user)

    contact = get_object_or_404(
        visible_contacts(user).select_related("customer"), public_id=public_id
    )
    services.check_contact_editor(user, contact.customer, adding=False)

    policy = policy_for(user)
    fields = _contact_fields(policy)
    values: Mapping[str, Any] = record_values(fields.writable, contact)
    static = static_texts(policy, FieldTarget.CONTACT, fields, contact, values)
    errors: dict[str, list[str]] = {}
    duplicate: dict[str, Any] = {}
    if request.method == "POST":
        values = _posted(request.POST, fields)
        try:
            services.update_contact(user, contact, values)
        except ValidationError as error:
            errors = error_dict(error)
        except services.DuplicateCustomer as error:
            duplicate = _duplicate_context(error)
        else:
            return HttpResponseRedirect(contact.customer.get_absolute_url() + "#contacts")

    inputs = build_inputs(fields.shown, values, errors, static=static)
    contact_name = record_name(policy, FieldTarget.CONTACT, field_map(FieldTarget.CONTACT), contact)
    return _render_contact_form(
        request, user, contact.customer, inputs, errors, duplicate, contact_name
    )


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
