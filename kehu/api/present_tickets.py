"""Turn tickets and their replies into API bodies, as the caller's field policy lets them see.

Callers load tickets through kehu.service.queries and select the customer, contact, assignee and
creator.
"""

from typing import Any

from pydantic import MISSING

from kehu.api import schemas_tickets as schemas
from kehu.api.present import Viewer, user_ref
from kehu.api.schemas_sales import CustomerRef
from kehu.fields.models import FieldTarget
from kehu.org.models import FieldAccess
from kehu.service.models import Ticket, TicketReply

TICKET = FieldTarget.TICKET


def _contact(viewer: Viewer, record: Ticket) -> Any:
    """Return the ticket's contact: a reference, its masked name, None, or MISSING if hidden."""
    access = viewer.access(TICKET, "contact")
    if access == FieldAccess.HIDDEN:
        return MISSING
    if record.contact is None:
        return None
    name = viewer.shown(FieldTarget.CONTACT, "name", record.contact.name)
    if access == FieldAccess.MASKED:
        return viewer.shown(TICKET, "contact", "" if name is MISSING else name)
    values = {} if name is MISSING else {"name": name}
    return schemas.ContactRef(id=record.contact.public_id, **values)


def ticket(viewer: Viewer, record: Ticket) -> schemas.TicketOut:
    raw: dict[str, Any] = {
        "number": record.number,
        "subject": record.subject,
        "category": record.category,
        "priority": record.priority,
        "status": record.status,
        "assignee": user_ref(record.assignee),
        "description": record.description,
        "resolution": record.resolution,
        "opened_at": record.opened_at,
        "first_response_at": record.first_response_at,
        "resolved_at": record.resolved_at,
        "closed_at": record.closed_at,
    }
    values = {}
    for key, value in raw.items():
        shown = viewer.shown(TICKET, key, value)
        if shown is not MISSING:
            values[key] = shown
    contact = _contact(viewer, record)
    if contact is not MISSING:
        values["contact"] = contact
    name = viewer.shown(FieldTarget.CUSTOMER, "name", record.customer.name)
    customer = CustomerRef(
        id=record.customer.public_id, **({} if name is MISSING else {"name": name})
    )
    return schemas.TicketOut(
        id=record.public_id,
        customer=customer,
        created_by=user_ref(record.created_by),
        updated_at=record.updated_at,
        version=record.version,
        **values,
    )


def reply(viewer: Viewer, record: TicketReply) -> schemas.ReplyOut:
    body = viewer.shown(TICKET, "replies", record.body)
    values = {} if body is MISSING else {"body": body}
    return schemas.ReplyOut(
        id=record.public_id,
        author=user_ref(record.author),
        internal=record.is_internal,
        created_at=record.created_at,
        **values,
    )
