"""Tickets: list, read, open, change, move between statuses, assign, and their replies.

The endpoints call the services the pages call (kehu.service.services), so the permission and
field policy checks are the same. Roles that may not write tickets get 403 before any record is
looked up. A ticket or customer outside the caller's scope is a 404 like a missing one.
"""

import uuid

from django.http import Http404, HttpRequest
from ninja import Router, Status

from kehu.api import present, present_tickets
from kehu.api import schemas_tickets as schemas
from kehu.api.auth import request_user
from kehu.api.routers.common import ERRORS
from kehu.customers.models import Contact
from kehu.customers.queries import visible_customers
from kehu.org.models import User
from kehu.service import listing, services
from kehu.service.models import Ticket
from kehu.service.queries import visible_replies, visible_tickets

router = Router(tags=["tickets"])


def _ticket(user: User, public_id: uuid.UUID) -> Ticket:
    found = (
        visible_tickets(user)
        .select_related("customer", "contact", "assignee", "created_by")
        .filter(public_id=public_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _out(user: User, ticket: Ticket) -> schemas.TicketOut:
    return present_tickets.ticket(present.viewer_for(user), _ticket(user, ticket.public_id))


@router.get("/tickets", response={200: schemas.TicketPage, **ERRORS}, summary="List tickets")
def list_tickets(
    request: HttpRequest,
    status: str = "",
    category: str = "",
    priority: str = "",
    assignee: str = "",
    mine: bool = False,
    active: bool = False,
    page: int = 1,
    page_size: int = listing.PAGE_SIZE,
) -> schemas.TicketPage:
    """List the tickets of the customers you can see, newest first.

    `assignee` is a user id or "none"; `mine` keeps the tickets assigned to you and `active`
    those still open, in progress or waiting. Filters on a field your role does not see whole
    are rejected with 422. A page past the last returns the last page.
    """
    # The parameters above only document the query string; the listing module reads it whole.
    user = request_user(request)
    params = listing.params_from_query(request.GET.dict())

    found = listing.list_tickets(user, params)

    viewer = present.viewer_for(user)
    return schemas.TicketPage(
        items=[present_tickets.ticket(viewer, record) for record in found.object_list],
        page=found.number,
        pages=found.paginator.num_pages,
        count=found.paginator.count,
    )


@router.get(
    "/customers/{customer_id}/tickets",
    response={200: list[schemas.TicketOut], **ERRORS},
    summary="List a customer's tickets",
)
def customer_tickets(request: HttpRequest, customer_id: uuid.UUID) -> list[schemas.TicketOut]:
    """Return every ticket of the customer, newest first."""
    user = request_user(request)
    customer = visible_customers(user).filter(public_id=customer_id).first()
    if customer is None:
        raise Http404
    viewer = present.viewer_for(user)
    records = (
        visible_tickets(user)
        .filter(customer=customer)
        .select_related("customer", "contact", "assignee", "created_by")
        .order_by("-opened_at", "-pk")
    )
    return [present_tickets.ticket(viewer, record) for record in records]


@router.post("/tickets", response={201: schemas.TicketOut, **ERRORS}, summary="Open a ticket")
def open_ticket(request: HttpRequest, payload: schemas.TicketIn) -> Status[schemas.TicketOut]:
    """Open a ticket for a customer you may change, optionally for a contact and an assignee."""
    user = request_user(request)
    services.check_ticket_role(user)
    customer = visible_customers(user).filter(public_id=payload.customer).first()
    if customer is None:
        raise Http404
    services.check_ticket_writer(user, customer)
    values = payload.model_dump(exclude_none=True, exclude={"customer", "contact", "assignee"})
    contact = services.find_contact(user, customer, payload.contact) if payload.contact else None
    assignee = services.find_assignee(customer, payload.assignee) if payload.assignee else None

    created = services.open_ticket(user, customer, values, contact=contact, assignee=assignee)

    return Status(201, _out(user, created))


@router.get(
    "/tickets/{ticket_id}", response={200: schemas.TicketOut, **ERRORS}, summary="Read a ticket"
)
def ticket_detail(request: HttpRequest, ticket_id: uuid.UUID) -> schemas.TicketOut:
    user = request_user(request)
    return present_tickets.ticket(present.viewer_for(user), _ticket(user, ticket_id))


@router.patch(
    "/tickets/{ticket_id}", response={200: schemas.TicketOut, **ERRORS}, summary="Change a ticket"
)
def change_ticket(
    request: HttpRequest, ticket_id: uuid.UUID, payload: schemas.TicketPatch
) -> schemas.TicketOut:
    """Change only the fields sent. Send the `version` you read as `expected_version`."""
    user = request_user(request)
    record = _ticket(user, ticket_id)
    services.check_ticket_writer(user, record.customer)
    data = payload.model_dump(exclude_unset=True)
    expected_version = data.pop("expected_version", None)
    contact: Contact | services.Keep | None = services.Keep.VALUE
    if "contact" in data:
        raw = data.pop("contact")
        contact = services.find_contact(user, record.customer, raw) if raw else None

    changed = services.change_ticket(
        user,
        record,
        data,
        contact=contact,
        expected_version=expected_version,
    )

    return _out(user, changed)


@router.post(
    "/tickets/{ticket_id}/status",
    response={200: schemas.TicketOut, **ERRORS},
    summary="Change a ticket's status",
)
def ticket_status(
    request: HttpRequest, ticket_id: uuid.UUID, payload: schemas.TicketStatusIn
) -> schemas.TicketOut:
    """Move the ticket to another status; resolving and closing need a resolution."""
    user = request_user(request)
    record = _ticket(user, ticket_id)

    changed = services.set_ticket_status(
        user,
        record,
        payload.status,
        resolution=payload.resolution,
        expected_version=payload.expected_version,
    )

    return _out(user, changed)


@router.post(
    "/tickets/{ticket_id}/assign",
    response={200: schemas.TicketOut, **ERRORS},
    summary="Assign a ticket",
)
def assign_ticket(
    request: HttpRequest, ticket_id: uuid.UUID, payload: schemas.TicketAssignIn
) -> schemas.TicketOut:
    """Assign the ticket to an active user who may work on its customer, or unassign it."""
    user = request_user(request)
    record = _ticket(user, ticket_id)
    services.check_ticket_writer(user, record.customer)
    assignee = (
        services.find_assignee(record.customer, payload.assignee) if payload.assignee else None
    )

    changed = services.assign_ticket(
        user, record, assignee, expected_version=payload.expected_version
    )

    return _out(user, changed)


@router.get(
    "/tickets/{ticket_id}/replies",
    response={200: list[schemas.ReplyOut], **ERRORS},
    summary="List a ticket's replies",
)
def ticket_replies(request: HttpRequest, ticket_id: uuid.UUID) -> list[schemas.ReplyOut]:
    """Return the replies and internal notes, oldest first."""
    user = request_user(request)
    record = _ticket(user, ticket_id)
    viewer = present.viewer_for(user)
    replies = visible_replies(user, record).select_related("author")
    return [present_tickets.reply(viewer, reply) for reply in replies]


@router.post(
    "/tickets/{ticket_id}/replies",
    response={201: schemas.ReplyOut, **ERRORS},
    summary="Reply to a ticket",
)
def reply_to_ticket(
    request: HttpRequest, ticket_id: uuid.UUID, payload: schemas.ReplyIn
) -> Status[schemas.ReplyOut]:
    """Add a reply, or an internal note with `internal`."""
    user = request_user(request)
    record = _ticket(user, ticket_id)

    created = services.reply_to_ticket(user, record, payload.body, internal=payload.internal)

    return Status(201, present_tickets.reply(present.viewer_for(user), created))
