"""Ticket values as a viewer's field policy lets them see them: list rows, facts and timeline text.

Every value goes through `shown_value` with its "ticket" field, so a hidden field shows nothing
and a masked one shows its masked text, the same on the list, the ticket page and the timeline.
"""

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.org.policy import FieldPolicy
from kehu.service.models import Ticket, TicketCategory, TicketPriority, TicketStatus
from kehu.timeline.models import EventKind
from kehu.web.deal_display import customer_name, shown_value
from kehu.web.display import format_datetime

TICKET = FieldTarget.TICKET


def ticket_value(policy: FieldPolicy, key: str, value: Any) -> str | None:
    """Return the text of ticket field `key`: whole, masked, "" when empty, None if hidden."""
    return shown_value(policy, TICKET, key, value)


def label(key: str) -> str:
    return field_map(TICKET)[key].label_text


def _choice_label(choices: type[TicketStatus | TicketCategory | TicketPriority], value: Any) -> str:
    return str(choices(value).label) if value in choices.values else str(value or "")


@dataclasses.dataclass(frozen=True)
class TicketRow:
    """One ticket as a list row shows it; a None text is a hidden field."""

    ticket: Ticket
    number: str | None
    subject: str | None
    customer_name: str
    category: str | None
    priority: str | None
    status: str | None
    assignee: str | None
    opened_at: str | None

    @property
    def summary(self) -> list[str]:
        """Return the readable status, category, priority and assignee, for one line."""
        parts = (self.status, self.category, self.priority, self.assignee)
        return [part for part in parts if part]


def ticket_row(policy: FieldPolicy, ticket: Ticket) -> TicketRow:
    return TicketRow(
        ticket=ticket,
        number=ticket_value(policy, "number", ticket.number),
        subject=ticket_value(policy, "subject", ticket.subject),
        customer_name=customer_name(policy, ticket.customer),
        category=ticket_value(policy, "category", ticket.get_category_display()),
        priority=ticket_value(policy, "priority", ticket.get_priority_display()),
        status=ticket_value(policy, "status", ticket.get_status_display()),
        assignee=ticket_value(policy, "assignee", str(ticket.assignee or "")),
        opened_at=ticket_value(policy, "opened_at", format_datetime(ticket.opened_at)),
    )


def ticket_rows(policy: FieldPolicy, tickets: Iterable[Ticket]) -> list[TicketRow]:
    return [ticket_row(policy, ticket) for ticket in tickets]


def ticket_title(row: TicketRow) -> str:
    """Return the heading of a ticket: its number and subject, each if readable."""
    return " ".join(part for part in (row.number, row.subject) if part) or _("Ticket")


def ticket_facts(policy: FieldPolicy, ticket: Ticket, contact_name: str) -> list[tuple[str, str]]:
    """Return (label, text) of each readable fact of the ticket page; "" shows as a dash."""
    values = [
        ("number", ticket.number),
        ("status", ticket.get_status_display()),
        ("category", ticket.get_category_display()),
        ("priority", ticket.get_priority_display()),
        ("assignee", str(ticket.assignee or "")),
        ("contact", contact_name),
        ("opened_at", format_datetime(ticket.opened_at)),
        ("first_response_at", format_datetime(ticket.first_response_at)),
        ("resolved_at", format_datetime(ticket.resolved_at)),
        ("closed_at", format_datetime(ticket.closed_at)),
    ]
    facts = []
    for key, value in values:
        text = ticket_value(policy, key, value)
        if text is not None:
            facts.append((label(key), text))
    created_by = str(ticket.created_by or "")
    facts.append((str(Ticket._meta.get_field("created_by").verbose_name), created_by))
    return facts


def _change_text(policy: FieldPolicy, key: str, value: Any) -> str | None:
    """Return one side of a "ticket changed" field change, None when the viewer may not read it."""
    if key == "category":
        return ticket_value(policy, key, _choice_label(TicketCategory, value))
    if key == "priority":
        return ticket_value(policy, key, _choice_label(TicketPriority, value))
    if key == "contact":
        # A contact is kept by name, so the contact's name policy applies before the ticket's.
        name = shown_value(policy, FieldTarget.CONTACT, "name", value)
        return None if name is None else ticket_value(policy, key, name)
    return ticket_value(policy, key, value)


def changed_fields(
    policy: FieldPolicy, data: Mapping[str, Any]
) -> list[tuple[str, str, str]] | None:
    """Return (label, old text, new text) of each change of a "ticket changed" event.

    The changes come in the registry's field order, because PostgreSQL's jsonb does not keep
    the order of keys. Fields the viewer may not read are left out. Returns None when that
    leaves nothing of a non-empty change list, because the entry alone would tell that a hidden
    field changed.
    """
    raw = data.get("changes") or {}
    changes = []
    for key in field_map(TICKET):
        if key not in raw:
            continue
        pair = raw[key]
        old, new = [*pair, "", ""][:2] if isinstance(pair, list) else ("", pair)
        old_text, new_text = _change_text(policy, key, old), _change_text(policy, key, new)
        if old_text is None or new_text is None:
            continue
        changes.append((label(key), old_text, new_text))
    if raw and not changes:
        return None
    return changes


def event_detail(policy: FieldPolicy, kind: str, data: Mapping[str, Any]) -> str | None:
    """Return the line a ticket event shows on the timeline, under the viewer's policy.

    Number and subject come first, then what the event changed: the category and priority of a
    new ticket, the status move and resolution, the new assignee, or the start of a reply. The
    field changes of an edit come from `changed_fields`.
    Returns None for a status change or an assignment whose field the viewer may not read,
    because the entry alone would tell them that the hidden field changed.
    """
    parts = [
        text
        for text in (
            ticket_value(policy, "number", data.get("number", "")),
            ticket_value(policy, "subject", data.get("subject", "")),
        )
        if text
    ]
    match kind:
        case EventKind.TICKET_OPENED:
            parts.append(
                ticket_value(
                    policy, "category", _choice_label(TicketCategory, data.get("category"))
                )
                or ""
            )
            parts.append(
                ticket_value(
                    policy, "priority", _choice_label(TicketPriority, data.get("priority"))
                )
                or ""
            )
        case EventKind.TICKET_STATUS_CHANGED:
            old = ticket_value(policy, "status", _choice_label(TicketStatus, data.get("previous")))
            new = ticket_value(policy, "status", _choice_label(TicketStatus, data.get("status")))
            if old is None or new is None:
                return None
            parts.append(_("%(old)s → %(new)s") % {"old": old, "new": new})
            if data.get("resolution"):
                resolution = ticket_value(policy, "resolution", data["resolution"])
                if resolution:
                    parts.append(_("Resolution: %(text)s") % {"text": resolution})
        case EventKind.TICKET_ASSIGNED:
            nobody = _("unassigned")
            old = ticket_value(policy, "assignee", data.get("from_name", ""))
            new = ticket_value(policy, "assignee", data.get("to_name", ""))
            if old is None or new is None:
                return None
            parts.append(_("%(old)s → %(new)s") % {"old": old or nobody, "new": new or nobody})
        case EventKind.TICKET_REPLIED:
            if data.get("internal"):
                parts.append(_("Internal note"))
            excerpt = ticket_value(policy, "replies", data.get("excerpt", ""))
            if excerpt:
                parts.append(excerpt)
    return " · ".join(part for part in parts if part)
