"""Built-in ticket fields, as the field registry describes them.

The field policy keys them "ticket.subject", "ticket.resolution" and so on. "replies" covers
the text of a ticket's replies and internal notes. A role that may not read it is shown that
replies exist, but not their text.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.fields.models import FieldType
from kehu.fields.registry import FieldSpec
from kehu.service.models import TicketCategory, TicketPriority, TicketStatus


def ticket_fields() -> list[FieldSpec]:
    return [
        FieldSpec("number", _("Ticket number"), FieldType.TEXT, "number", sortable=False),
        FieldSpec("subject", _("Subject"), FieldType.TEXT, "subject", required=True),
        FieldSpec(
            "category",
            _("Category"),
            FieldType.CHOICE,
            "category",
            choices=TicketCategory.choices,
            required=True,
        ),
        FieldSpec(
            "priority",
            _("Priority"),
            FieldType.CHOICE,
            "priority",
            choices=TicketPriority.choices,
        ),
        FieldSpec(
            "status", _("Ticket status"), FieldType.CHOICE, "status", choices=TicketStatus.choices
        ),
        FieldSpec("assignee", _("Assignee"), FieldType.USER, "assignee_id"),
        FieldSpec("contact", _("Contact"), FieldType.TEXT, "contact__name", sortable=False),
        FieldSpec(
            "description",
            pgettext_lazy("ticket", "Description"),
            FieldType.LONG_TEXT,
            "description",
            filterable=False,
            sortable=False,
        ),
        FieldSpec(
            "resolution",
            _("Resolution"),
            FieldType.LONG_TEXT,
            "resolution",
            filterable=False,
            sortable=False,
        ),
        FieldSpec(
            "replies",
            _("Replies"),
            FieldType.LONG_TEXT,
            "replies__body",
            filterable=False,
            sortable=False,
        ),
        FieldSpec("opened_at", _("Opened at"), FieldType.DATETIME, "opened_at"),
        FieldSpec(
            "first_response_at", _("First response at"), FieldType.DATETIME, "first_response_at"
        ),
        FieldSpec("resolved_at", _("Resolved at"), FieldType.DATETIME, "resolved_at"),
        FieldSpec("closed_at", _("Closed at"), FieldType.DATETIME, "closed_at"),
    ]
