"""Ticket forms: open a ticket for a customer, and edit a ticket's subject, category and text.

Each field the user's role may set gets an input; a field they may only read shows its text, and
a hidden one nothing, as in the deal forms.
"""

import uuid
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kehu.customers.models import Contact, Customer
from kehu.fields.registry import FieldSpec, field_map
from kehu.org.models import User
from kehu.org.policy import FieldPolicy, policy_for
from kehu.service import cleaning, services
from kehu.service.models import Ticket, TicketCategory, TicketPriority, TicketStatus
from kehu.web.deal_display import customer_name
from kehu.web.forms import Input
from kehu.web.ticket_display import TICKET, label, ticket_value
from kehu.web.views.common import error_dict, form_errors, load_customer, signed_in_user
from kehu.web.views.tickets import contact_name, load_ticket

_WIDGETS = {
    "subject": "text",
    "category": "select",
    "priority": "select",
    "contact": "select",
    "assignee": "select",
    "description": "textarea",
    "resolution": "textarea",
}
OPEN_KEYS = ("subject", "category", "priority", "contact", "assignee", "description")
EDIT_KEYS = ("subject", "category", "priority", "contact", "description", "resolution")


def _contacts(policy: FieldPolicy, customer: Customer) -> list[tuple[str, str]]:
    return [
        (str(contact.public_id), contact_name(policy, contact))
        for contact in customer.contacts.order_by("-is_primary", "pk")
    ]


def _choices(key: str, customer: Customer, policy: FieldPolicy) -> list[tuple[str, str]]:
    if key == "category":
        return [(value, str(text)) for value, text in TicketCategory.choices]
    if key == "priority":
        return [(value, str(text)) for value, text in TicketPriority.choices]
    if key == "contact":
        return _contacts(policy, customer)
    if key == "assignee":
        return [(str(user.public_id), str(user)) for user in services.assignee_choices(customer)]
    return []


def _inputs(
    user: User,
    customer: Customer,
    keys: tuple[str, ...],
    values: Mapping[str, Any],
    errors: Mapping[str, list[str]],
    shown: Mapping[str, str],
) -> tuple[list[Input], dict[str, str]]:
    """Return an input per writable field and the text (from `shown`) of each readable other."""
    policy = policy_for(user)
    inputs: list[Input] = []
    static: dict[str, str] = {}
    for key in keys:
        if policy.can_write(TICKET, _spec(key)):
            inputs.append(
                Input(
                    name=key,
                    error_key=key,
                    label=label(key),
                    widget=_WIDGETS[key],
                    value=values.get(key, ""),
                    choices=_choices(key, customer, policy),
                    required=key in ("subject", "category"),
                    errors=list(errors.get(key, [])),
                )
            )
        else:
            text = ticket_value(policy, key, shown.get(key, ""))
            if text is not None:
                static[label(key)] = text
    return inputs, static


def _spec(key: str) -> FieldSpec:
    return field_map(TICKET)[key]


def _render(
    request: HttpRequest,
    user: User,
    customer: Customer,
    inputs: list[Input],
    static: dict[str, str],
    errors: Mapping[str, list[str]],
    *,
    title: str,
    cancel_url: str,
    version: int | None = None,
) -> HttpResponse:
    context = {
        "title": title,
        "customer": customer,
        "customer_name": customer_name(policy_for(user), customer),
        "inputs": inputs,
        "static": static,
        "form_errors": form_errors(errors, {field.error_key for field in inputs}),
        "cancel_url": cancel_url,
        "version": version,
    }
    return render(request, "web/tickets/form.html", context, status=400 if errors else 200)


def _objects(
    customer: Customer, user: User, posted: Mapping[str, str], *, partial: bool
) -> tuple[Contact | None, User | None]:
    """Return the contact and assignee the form names; errors are keyed by input.

    When either is wrong, the ValidationError also has the errors of the other posted fields,
    so the form shows every problem at once. `partial` cleans them as an edit does.
    """
    errors: dict[str, list[str]] = {}
    contact = assignee = None
    if posted.get("contact"):
        try:
            contact = services.find_contact(user, customer, posted["contact"])
        except ValidationError as error:
            errors.update(error_dict(error))
    if posted.get("assignee"):
        try:
            assignee = services.find_assignee(customer, posted["assignee"])
        except ValidationError as error:
            errors.update(error_dict(error))
    if errors:
        fields = {key: value for key, value in posted.items() if key not in ("contact", "assignee")}
        try:
            cleaning.clean_ticket(fields, partial=partial)
        except ValidationError as error:
            errors = {**error_dict(error), **errors}
        raise ValidationError(errors)
    return contact, assignee


@login_required
@require_http_methods(["GET", "POST"])
def ticket_create(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Open a ticket for a customer; ?category=complaint starts a complaint."""
    user = signed_in_user(request)
    services.check_ticket_role(user)
    customer = load_customer(user, public_id)
    services.check_ticket_writer(user, customer)

    title = _("New ticket")
    cancel_url = customer.get_absolute_url()
    category = request.GET.get("category", "")
    values: dict[str, Any] = {
        "category": category if category in TicketCategory.values else "",
        "priority": "normal",
    }
    if request.method == "GET":
        inputs, static = _inputs(user, customer, OPEN_KEYS, values, {}, {})
        return _render(
            request, user, customer, inputs, static, {}, title=title, cancel_url=cancel_url
        )

    writable, _static = _inputs(user, customer, OPEN_KEYS, values, {}, {})
    posted = {field.name: request.POST.get(field.name, "") for field in writable}
    fields = {key: value for key, value in posted.items() if key not in ("contact", "assignee")}
    try:
        contact, assignee = _objects(customer, user, posted, partial=False)
        ticket = services.open_ticket(user, customer, fields, contact=contact, assignee=assignee)
    except ValidationError as error:
        errors = error_dict(error)
        inputs, static = _inputs(user, customer, OPEN_KEYS, posted, errors, {})
        return _render(
            request, user, customer, inputs, static, errors, title=title, cancel_url=cancel_url
        )
    return HttpResponseRedirect(ticket.get_absolute_url())


def _stored(ticket: Ticket) -> dict[str, Any]:
    return {
        "subject": ticket.subject,
        "category": ticket.category,
        "priority": ticket.priority,
        "contact": str(ticket.contact.public_id) if ticket.contact else "",
        "description": ticket.description,
        "resolution": ticket.resolution,
    }


def _texts(user: User, ticket: Ticket) -> dict[str, str]:
    """Return the page text of each field, for those the user may read but not set."""
    return {
        "subject": ticket.subject,
        "category": ticket.get_category_display(),
        "priority": ticket.get_priority_display(),
        "contact": contact_name(policy_for(user), ticket.contact),
        "description": ticket.description,
        "resolution": ticket.resolution,
    }


@login_required
@require_http_methods(["GET", "POST"])
def ticket_edit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Change a ticket's subject, category, priority, contact, description and resolution."""
    user = signed_in_user(request)
    services.check_ticket_role(user)
    ticket = load_ticket(user, public_id)
    services.check_ticket_writer(user, ticket.customer)

    customer = ticket.customer
    title = _("Edit ticket %(number)s") % {"number": ticket.number}
    cancel_url = ticket.get_absolute_url()
    keys: tuple[str, ...] = EDIT_KEYS
    if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED) and not ticket.resolution:
        # The resolution is written when the ticket is resolved, on the ticket page.
        keys = tuple(key for key in EDIT_KEYS if key != "resolution")
    stored, texts = _stored(ticket), _texts(user, ticket)
    if request.method == "GET":
        inputs, static = _inputs(user, customer, keys, stored, {}, texts)
        return _render(
            request,
            user,
            customer,
            inputs,
            static,
            {},
            title=title,
            cancel_url=cancel_url,
            version=ticket.version,
        )

    writable, _static = _inputs(user, customer, keys, stored, {}, texts)
    posted = {field.name: request.POST.get(field.name, "") for field in writable}
    fields = {key: value for key, value in posted.items() if key != "contact"}
    raw_version = request.POST.get("expected_version", "")
    try:
        contact: Contact | services.Keep | None = services.Keep.VALUE
        if "contact" in posted:
            contact, _assignee = _objects(customer, user, posted, partial=True)
        services.change_ticket(
            user,
            ticket,
            fields,
            contact=contact,
            expected_version=int(raw_version) if raw_version.isdigit() else None,
        )
    except ValidationError as error:
        errors = error_dict(error)
        inputs, static = _inputs(user, customer, keys, posted, errors, texts)
        return _render(
            request,
            user,
            customer,
            inputs,
            static,
            errors,
            title=title,
            cancel_url=cancel_url,
            version=ticket.version,
        )
    return HttpResponseRedirect(ticket.get_absolute_url())
