"""Ticket pages: the list with filters, the ticket page with its replies, and the actions on it.

Replying, changing the status and assigning post to their own URLs and come back to the ticket
page; htmx replies get the replies section alone. Every value shown follows the "ticket" field
policy (kehu.web.ticket_display).
"""

import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from kehu.customers.models import Contact
from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.org.models import User
from kehu.org.policy import FieldPolicy, policy_for
from kehu.org.visibility import owners_in_reach
from kehu.service import listing, services
from kehu.service.models import Ticket, TicketCategory, TicketPriority, TicketStatus
from kehu.service.queries import visible_replies, visible_tickets, writable_tickets
from kehu.web.display import format_datetime, record_name
from kehu.web.ticket_display import (
    TICKET,
    ticket_facts,
    ticket_row,
    ticket_rows,
    ticket_title,
    ticket_value,
)
from kehu.web.views.common import error_dict, is_htmx, signed_in_user, vary_on_htmx

# Columns of the list that the field policy may hide.
LIST_COLUMNS = ("number", "subject", "category", "priority", "status", "assignee", "opened_at")


def load_ticket(user: User, public_id: uuid.UUID) -> Ticket:
    """Return a ticket the user may see; anything else is a 404, the same as a missing one."""
    queryset = visible_tickets(user).select_related("customer", "contact", "assignee", "created_by")
    return get_object_or_404(queryset, public_id=public_id)


def contact_name(policy: FieldPolicy, contact: Contact | None) -> str:
    if contact is None:
        return ""
    return record_name(policy, FieldTarget.CONTACT, field_map(FieldTarget.CONTACT), contact)


@login_required
@require_GET
def ticket_list(request: HttpRequest) -> HttpResponse:
    """List the tickets the user may see, by status, category, priority and assignee."""
    user = signed_in_user(request)
    policy = policy_for(user)

    params = listing.params_from_query(request.GET)
    errors: dict[str, list[str]] = {}
    try:
        page = listing.list_tickets(user, params)
    except ValidationError as error:
        errors = error_dict(error)
        page = listing.list_tickets(user, listing.params_from_query({}))

    query = {key: value for key, value in request.GET.items() if key != "page"}
    filters = listing.allowed_filters(policy)
    context: dict[str, Any] = {
        "rows": ticket_rows(policy, page.object_list),
        "page": page,
        "errors": [message for messages in errors.values() for message in messages],
        "values": params.filters,
        "filters": filters,
        "statuses": TicketStatus.choices,
        "categories": TicketCategory.choices,
        "priorities": TicketPriority.choices,
        "assignees": [(str(owner.public_id), str(owner)) for owner in owners_in_reach(user)]
        if "assignee" in filters
        else [],
        "page_query": urlencode(query),
        "columns": {key: _readable(policy, key) for key in LIST_COLUMNS},
    }
    template = "web/tickets/list.html#results" if is_htmx(request) else "web/tickets/list.html"
    return vary_on_htmx(render(request, template, context, status=400 if errors else 200))


def _readable(policy: FieldPolicy, key: str) -> bool:
    return policy.can_read(TICKET, field_map(TICKET)[key])


def _writable(policy: FieldPolicy, key: str) -> bool:
    return policy.can_write(TICKET, field_map(TICKET)[key])


def detail_context(user: User, ticket: Ticket, **errors: list[str]) -> dict[str, Any]:
    """Return what the ticket page shows; `errors` are keyed by the form they belong to."""
    policy = policy_for(user)
    row = ticket_row(policy, ticket)
    can_write = writable_tickets(user).filter(pk=ticket.pk).exists()
    replies_shown = _readable(policy, "replies")
    replies = [
        {
            "reply": reply,
            "author": str(reply.author or ""),
            "at": format_datetime(reply.created_at),
            "body": ticket_value(policy, "replies", reply.body) if replies_shown else None,
        }
        for reply in visible_replies(user, ticket).select_related("author")
    ]
    statuses = [(value, label) for value, label in TicketStatus.choices if value != ticket.status]
    return {
        "ticket": ticket,
        "row": row,
        "title": ticket_title(row),
        "facts": ticket_facts(policy, ticket, contact_name(policy, ticket.contact)),
        "description": ticket_value(policy, "description", ticket.description),
        "resolution": ticket_value(policy, "resolution", ticket.resolution),
        "replies": replies,
        "replies_shown": replies_shown,
        "can_write": can_write,
        "can_reply": can_write and _writable(policy, "replies"),
        "can_change_status": can_write and _writable(policy, "status"),
        "can_edit_resolution": _writable(policy, "resolution"),
        "can_assign": can_write and _writable(policy, "assignee"),
        "statuses": statuses,
        "assignees": [
            (str(u.public_id), str(u)) for u in services.assignee_choices(ticket.customer)
        ]
        if can_write
        else [],
        "reply_errors": errors.get("reply", []),
        "status_errors": errors.get("status", []),
        "assign_errors": errors.get("assign", []),
        "reply_body": "",
    }


@login_required
@require_GET
def ticket_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = signed_in_user(request)
    ticket = load_ticket(user, public_id)

    return render(request, "web/tickets/detail.html", detail_context(user, ticket))


def _messages(error: ValidationError) -> list[str]:
    return [message for messages in error_dict(error).values() for message in messages]


@login_required
@require_POST
def ticket_reply(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Add a reply or an internal note; htmx gets the replies section back."""
    user = signed_in_user(request)
    services.check_ticket_role(user)
    ticket = load_ticket(user, public_id)
    services.check_ticket_writer(user, ticket.customer)

    body = request.POST.get("body", "")
    try:
        services.reply_to_ticket(user, ticket, body, internal=request.POST.get("internal") == "1")
    except ValidationError as error:
        context = detail_context(user, ticket, reply=_messages(error))
        context["reply_body"] = body
        template = (
            "web/tickets/detail.html#replies" if is_htmx(request) else "web/tickets/detail.html"
        )
        return vary_on_htmx(render(request, template, context, status=400))

    if is_htmx(request):
        context = detail_context(user, ticket)
        return vary_on_htmx(render(request, "web/tickets/detail.html#replies", context))
    return HttpResponseRedirect(ticket.get_absolute_url() + "#replies")


@login_required
@require_POST
def ticket_status(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Move the ticket to the posted status; resolving and closing need the posted resolution."""
    user = signed_in_user(request)
    services.check_ticket_role(user)
    ticket = load_ticket(user, public_id)
    services.check_ticket_writer(user, ticket.customer)

    resolution = request.POST.get("resolution")
    try:
        services.set_ticket_status(
            user,
            ticket,
            request.POST.get("status", ""),
            # An empty box keeps the resolution the ticket has.
            resolution=resolution if resolution and resolution.strip() else None,
            expected_version=_version(request),
        )
    except ValidationError as error:
        context = detail_context(user, ticket, status=_messages(error))
        return render(request, "web/tickets/detail.html", context, status=400)
    return HttpResponseRedirect(ticket.get_absolute_url())


@login_required
@require_POST
def ticket_assign(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Assign the ticket to the posted user, or unassign it when none is chosen."""
    user = signed_in_user(request)
    services.check_ticket_role(user)
    ticket = load_ticket(user, public_id)
    services.check_ticket_writer(user, ticket.customer)

    raw = request.POST.get("assignee", "")
    try:
        assignee = services.find_assignee(ticket.customer, raw) if raw else None
        services.assign_ticket(user, ticket, assignee, expected_version=_version(request))
    except ValidationError as error:
        context = detail_context(user, ticket, assign=_messages(error))
        return render(request, "web/tickets/detail.html", context, status=400)
    return HttpResponseRedirect(ticket.get_absolute_url())


def _version(request: HttpRequest) -> int | None:
    raw = request.POST.get("expected_version", "")
    return int(raw) if raw.isdigit() else None
