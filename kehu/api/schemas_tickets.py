"""Request and response bodies of the ticket endpoints.

Choices travel as their values ("open", "complaint"); GET /fields/ticket lists their labels.
Every ticket field follows the caller's field policy: absent when hidden, "****" or a partial
text when masked.
"""

import datetime as dt
import uuid

from ninja import Schema
from pydantic import MISSING, Field, StrictBool, StrictInt

from kehu.api.schemas import InputSchema, UserRef, policy_field
from kehu.api.schemas_sales import CustomerRef

CATEGORIES = "consultation, repair, installation, return, complaint or other"
PRIORITIES = "low, normal, high or urgent"
STATUSES = "open, in_progress, waiting, resolved or closed"


class ContactRef(Schema):
    id: uuid.UUID
    name: str | MISSING = policy_field("Left out when your role hides contact names.")


class TicketOut(Schema):
    id: uuid.UUID
    customer: CustomerRef
    number: str | MISSING = policy_field("GD, the opening day and its sequence: GD-20261205-0001.")
    subject: str | MISSING = policy_field()
    category: str | MISSING = policy_field(CATEGORIES + ".")
    priority: str | MISSING = policy_field(PRIORITIES + ".")
    status: str | MISSING = policy_field(STATUSES + ".")
    assignee: UserRef | str | MISSING | None = policy_field()
    contact: ContactRef | str | MISSING | None = policy_field()
    description: str | MISSING = policy_field()
    resolution: str | MISSING = policy_field()
    opened_at: dt.datetime | str | MISSING = policy_field()
    first_response_at: dt.datetime | str | MISSING | None = policy_field(
        "When the first reply that is not an internal note was sent."
    )
    resolved_at: dt.datetime | str | MISSING | None = policy_field()
    closed_at: dt.datetime | str | MISSING | None = policy_field()
    created_by: UserRef | None
    updated_at: dt.datetime
    version: int


class TicketPage(Schema):
    items: list[TicketOut]
    page: int
    pages: int
    count: int


class TicketIn(InputSchema):
    customer: uuid.UUID
    subject: str
    category: str = Field(description=CATEGORIES + ", or its label.")
    priority: str | None = Field(None, description=PRIORITIES + "; default normal.")
    description: str | None = None
    contact: uuid.UUID | None = Field(None, description="One of the customer's contacts.")
    assignee: uuid.UUID | None = Field(
        None, description="An active user who may work on the customer's tickets."
    )


class TicketPatch(InputSchema):
    subject: str | None = None
    category: str | None = None
    priority: str | None = None
    description: str | None = None
    resolution: str | None = Field(
        None, description="A resolved or closed ticket's resolution may change but not be emptied."
    )
    contact: uuid.UUID | None = Field(None, description="Send null to remove the contact.")
    expected_version: StrictInt | None = None


class TicketStatusIn(InputSchema):
    status: str = Field(description=STATUSES + ".")
    resolution: str | None = Field(
        None, description="Required to resolve or close unless the ticket has one already."
    )
    expected_version: StrictInt | None = None


class TicketAssignIn(InputSchema):
    assignee: uuid.UUID | None = Field(description="The new assignee, or null to unassign.")
    expected_version: StrictInt | None = None


class ReplyOut(Schema):
    id: uuid.UUID
    author: UserRef | None
    body: str | MISSING = policy_field("Left out when your role hides the ticket's replies.")
    internal: bool = Field(description="An internal note for colleagues, not for the customer.")
    created_at: dt.datetime


class ReplyIn(InputSchema):
    body: str
    internal: StrictBool = False
