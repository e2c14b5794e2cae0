"""Every write to tickets: open, change, assign, change the status and reply.

Each function checks permission first (`check_ticket_writer`), then the field policy of the
"ticket" fields, writes in one transaction, records an audit entry and adds an event to the
customer's timeline.
"""

import enum
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.audit import services as audit
from kehu.audit.models import AuditAction
from kehu.core import clock
from kehu.customers.models import Contact, Customer
from kehu.customers.queries import is_writable, visible_contacts
from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.org.models import User
from kehu.org.policy import policy_for
from kehu.service import cleaning
from kehu.service.models import (
    ACTIVE_STATUSES,
    DONE_STATUSES,
    Ticket,
    TicketCounter,
    TicketReply,
    TicketStatus,
    format_number,
)
from kehu.service.queries import may_write_customer_tickets, may_write_tickets
from kehu.timeline import events

# Maximum characters of a reply that its timeline event keeps.
EXCERPT_LIMIT = 200


class Keep(enum.Enum):
    """The default of an optional argument that means "leave the ticket's value as it is"."""

    VALUE = "keep"


def check_ticket_role(actor: User) -> None:
    """Raise PermissionDenied unless the actor's role may write tickets at all."""
    if not may_write_tickets(actor):
        raise PermissionDenied(_("Your role may not open or change tickets."))


def check_ticket_writer(actor: User, customer: Customer) -> None:
    """Raise PermissionDenied unless `actor` may open and change `customer`'s tickets.

    The role must allow tickets (`may_write_tickets`) and the customer must be writable for the
    actor. The forms call this before they show anything.
    """
    check_ticket_role(actor)
    if not is_writable(actor, customer):
        raise PermissionDenied(_("You may not change this customer's tickets."))


def _check_fields(actor: User, keys: Any) -> None:
    policy_for(actor).check_write(FieldTarget.TICKET, field_map(FieldTarget.TICKET), keys)


def check_contact(customer: Customer, contact: Contact | None) -> None:
    if contact is not None and contact.customer_id != customer.pk:
        raise ValidationError({"contact": [_("The contact must be one of this customer's.")]})


def find_contact(actor: User, customer: Customer, public_id: uuid.UUID | str) -> Contact:
    """Return the contact of `customer` with `public_id`, or ValidationError on "contact"."""
    found = _uuid_or_none(public_id)
    contact = (
        visible_contacts(actor).filter(customer=customer, public_id=found).first()
        if found is not None
        else None
    )
    if contact is None:
        raise ValidationError({"contact": [_("This customer has no contact with this id.")]})
    return contact


def check_assignee(customer: Customer, assignee: User) -> None:
    """Raise ValidationError unless `assignee` may work on `customer`'s tickets.

    An assignee must be active and able to write the customer's tickets, or they could not
    reply to the ticket assigned to them.
    """
    if not assignee.is_active or not may_write_customer_tickets(assignee, customer):
        raise ValidationError(
            {"assignee": [_("No user who may work on this customer's tickets has this id.")]}
        )


def find_assignee(customer: Customer, public_id: uuid.UUID | str) -> User:
    """Return the user with `public_id` if they may be given `customer`'s tickets.

    A missing user and an unsuitable one get the same error, so the response does not reveal
    which user ids exist.
    """
    found = _uuid_or_none(public_id)
    user = (
        User.objects.select_related("role").filter(public_id=found).first()
        if found is not None
        else None
    )
    if user is None:
        raise ValidationError(
            {"assignee": [_("No user who may work on this customer's tickets has this id.")]}
        )
    check_assignee(customer, user)
    return user


def assignee_choices(customer: Customer) -> list[User]:
    """Return the active users who may be given `customer`'s tickets, by name."""
    # NOTE: this checks each active user's scope with its own queries, which suits companies of
    # tens of users. A company of thousands needs the scope check turned into one query.
    users = User.objects.filter(is_active=True).select_related("role").order_by("display_name")
    return [user for user in users if may_write_customer_tickets(user, customer)]


def _errors_of(check: Callable[[], None]) -> dict[str, list[str]]:
    """Return the errors `check` raises as a ValidationError, keyed by field."""
    try:
        check()
    except ValidationError as error:
        return error.message_dict
    return {}


def _clean_with(
    errors: Mapping[str, list[str]], values: Mapping[str, Any], *, partial: bool
) -> dict[str, Any]:
    """Return a ticket's cleaned values, or raise their errors and `errors` together."""
    try:
        cleaned = cleaning.clean_ticket(values, partial=partial)
    except ValidationError as error:
        raise ValidationError({**error.message_dict, **errors}) from None
    if errors:
        raise ValidationError(dict(errors))
    return cleaned


def _uuid_or_none(raw: uuid.UUID | str) -> uuid.UUID | None:
    try:
        return raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))
    except ValueError:
        return None


def _next_number() -> str:
    """Take the next number of today (Asia/Shanghai); call inside a transaction.

    The day's counter row is locked until the transaction ends, so two tickets opened at once
    get consecutive numbers, never the same one.
    """
    day = timezone.localdate(clock.now())
    counter, _created = TicketCounter.objects.select_for_update().get_or_create(day=day)
    TicketCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db(fields=["last"])
    return format_number(day, counter.last)


def _event_data(ticket: Ticket, **values: Any) -> dict[str, Any]:
    return {
        "ticket": str(ticket.public_id),
        "number": ticket.number,
        "subject": ticket.subject,
        **values,
    }


def open_ticket(
    actor: User,
    customer: Customer,
    values: dict[str, Any],
    *,
    contact: Contact | None = None,
    assignee: User | None = None,
) -> Ticket:
    """Open a ticket for a customer, optionally for one of its contacts and with an assignee.

    `values` has the subject and category, and optionally the priority and description. Records
    "ticket opened" on the customer's timeline, "ticket assigned" when `assignee` is given, and
    an audit entry.
    """
    check_ticket_writer(actor, customer)
    keys = [*values, *(["contact"] if contact else []), *(["assignee"] if assignee else [])]
    _check_fields(actor, keys)
    errors = _errors_of(lambda: check_contact(customer, contact))
    if assignee is not None:
        errors |= _errors_of(lambda: check_assignee(customer, assignee))
    cleaned = _clean_with(errors, values, partial=False)

    now = clock.now()
    with transaction.atomic():
        ticket = Ticket.objects.create(
            number=_next_number(),
            customer=customer,
            contact=contact,
            assignee=assignee,
            created_by=actor,
            opened_at=now,
            updated_at=now,
            **cleaned,
        )
        data = _event_data(
            ticket,
            category=ticket.category,
            priority=ticket.priority,
            status=ticket.status,
        )
        events.ticket_opened(customer.pk, actor, data).save()
        if assignee is not None:
            events.ticket_assigned(
                customer.pk, actor, _event_data(ticket, from_name="", to_name=str(assignee))
            ).save()
        detail = {
            "customer": str(customer.public_id),
            "contact": str(contact.public_id) if contact else None,
            "assignee": str(assignee.public_id) if assignee else None,
            **cleaned,
        }
        audit.record(actor, AuditAction.TICKET_CREATED, "ticket", ticket.public_id, detail)
    return ticket


def _change_value(value: Any) -> str:
    """Return a changed value as a "ticket changed" event keeps it.

    A contact is kept by name, as the ticket page shows it. Long texts are cut to EXCERPT_LIMIT
    characters like reply excerpts, since the audit entry keeps them whole.
    """
    if value is None:
        return ""
    if isinstance(value, Contact):
        return value.name
    text = str(value)
    return text if len(text) <= EXCERPT_LIMIT else text[: EXCERPT_LIMIT - 1] + "…"


def _lock(actor: User, ticket: Ticket, expected_version: int | None) -> Ticket:
    check_ticket_writer(actor, ticket.customer)
    locked = Ticket.objects.select_for_update().select_related("customer").get(pk=ticket.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError(
            {
                "version": [
                    _("Someone else saved this ticket after you opened it. Reload and try again.")
                ]
            }
        )
    return locked


def change_ticket(
    actor: User,
    ticket: Ticket,
    values: dict[str, Any],
    *,
    contact: Contact | Keep | None = Keep.VALUE,
    expected_version: int | None = None,
) -> Ticket:
    """Change the given fields of a ticket: subject, category, priority, description, resolution.

    `contact` sets the contact (None removes it). A resolved or closed ticket keeps a
    resolution. Raises ValidationError on "version" when someone saved the ticket since
    `expected_version`. Records "ticket changed" on the customer's timeline, with the old and
    new value of each changed field, and an audit entry.
    """
    check_ticket_writer(actor, ticket.customer)
    _check_fields(actor, [*values, *([] if contact is Keep.VALUE else ["contact"])])
    errors: dict[str, list[str]] = {}
    if not isinstance(contact, Keep):
        errors = _errors_of(lambda: check_contact(ticket.customer, contact))
    cleaned = _clean_with(errors, values, partial=True)

    with transaction.atomic():
        locked = _lock(actor, ticket, expected_version)
        changed = {key: value for key, value in cleaned.items() if getattr(locked, key) != value}
        if not isinstance(contact, Keep) and contact != locked.contact:
            changed["contact"] = contact
        if locked.status in DONE_STATUSES and changed.get("resolution") == "":
            raise ValidationError(
                {"resolution": [_("A resolved or closed ticket needs a resolution.")]}
            )
        if not changed:
            return locked
        previous = {key: getattr(locked, key) for key in changed}
        for key, value in changed.items():
            setattr(locked, key, value)
        locked.updated_at = clock.now()
        locked.version = F("version") + 1
        locked.save(update_fields=[*changed, "updated_at", "version"])
        changes = {
            key: [_change_value(previous[key]), _change_value(value)]
            for key, value in changed.items()
        }
        events.ticket_changed(
            locked.customer_id, actor, _event_data(locked, changes=changes)
        ).save()
        detail = {
            key: str(value.public_id) if isinstance(value, Contact) else value
            for key, value in changed.items()
        }
        audit.record(actor, AuditAction.TICKET_CHANGED, "ticket", locked.public_id, detail)
    locked.refresh_from_db()
    return locked


def assign_ticket(
    actor: User, ticket: Ticket, assignee: User | None, *, expected_version: int | None = None
) -> Ticket:
    """Assign a ticket to `assignee`, or unassign it with None.

    The assignee must be an active user who may work on the customer's tickets. Records
    "ticket assigned" on the customer's timeline and an audit entry.
    """
    check_ticket_writer(actor, ticket.customer)
    _check_fields(actor, ["assignee"])
    if assignee is not None:
        check_assignee(ticket.customer, assignee)

    with transaction.atomic():
        locked = _lock(actor, ticket, expected_version)
        old = locked.assignee
        if old == assignee:
            return locked
        locked.assignee = assignee
        locked.updated_at = clock.now()
        locked.version = F("version") + 1
        locked.save(update_fields=["assignee", "updated_at", "version"])
        data = _event_data(
            locked, from_name=str(old) if old else "", to_name=str(assignee) if assignee else ""
        )
        events.ticket_assigned(locked.customer_id, actor, data).save()
        audit.record(
            actor,
            AuditAction.TICKET_CHANGED,
            "ticket",
            locked.public_id,
            {
                "assignee": str(assignee.public_id) if assignee else None,
                "previous": str(old.public_id) if old else None,
            },
        )
    locked.refresh_from_db()
    return locked


def set_ticket_status(
    actor: User,
    ticket: Ticket,
    status: str,
    *,
    resolution: str | None = None,
    expected_version: int | None = None,
) -> Ticket:
    """Move a ticket to `status`, from any other status.

    Resolving or closing needs a resolution: `resolution`, or the one the ticket has. Resolving
    sets `resolved_at`; closing sets `closed_at` (and `resolved_at` if it is unset). Moving a
    resolved or closed ticket back to an open status reopens it: both times are cleared, the
    resolution stays for the next attempt. Records "ticket status changed" on the customer's
    timeline and an audit entry.
    """
    check_ticket_writer(actor, ticket.customer)
    _check_fields(actor, ["status", *(["resolution"] if resolution is not None else [])])
    try:
        new = TicketStatus(cleaning.choice("status", status))
    except ValueError as error:
        raise ValidationError({"status": [str(error)]}) from None
    try:
        text = (
            None if resolution is None else cleaning.limited_text(resolution, cleaning.TEXT_LIMIT)
        )
    except ValueError as error:
        raise ValidationError({"resolution": [str(error)]}) from None

    now = clock.now()
    with transaction.atomic():
        locked = _lock(actor, ticket, expected_version)
        old = TicketStatus(locked.status)
        if new == old:
            raise ValidationError(
                {"status": [_("The ticket is already “%(status)s”.") % {"status": new.label}]}
            )
        update_fields = ["status", "resolved_at", "closed_at", "updated_at", "version"]
        if text is not None and text != locked.resolution:
            locked.resolution = text
            update_fields.append("resolution")
        if new in DONE_STATUSES and not locked.resolution:
            raise ValidationError(
                {"resolution": [_("Describe how the ticket was resolved before you close it.")]}
            )
        if new in ACTIVE_STATUSES:
            locked.resolved_at = None
            locked.closed_at = None
        elif new == TicketStatus.RESOLVED:
            locked.resolved_at = locked.resolved_at if old in DONE_STATUSES else now
            locked.closed_at = None
        else:
            locked.resolved_at = locked.resolved_at or now
            locked.closed_at = now
        locked.status = new
        locked.updated_at = now
        locked.version = F("version") + 1
        locked.save(update_fields=update_fields)
        extra = {"resolution": locked.resolution} if new in DONE_STATUSES else {}
        data = _event_data(locked, status=new.value, previous=old.value, **extra)
        events.ticket_status_changed(locked.customer_id, actor, data).save()
        audit.record(
            actor,
            AuditAction.TICKET_CHANGED,
            "ticket",
            locked.public_id,
            {"from": old.value, "to": new.value, **extra},
        )
    locked.refresh_from_db()
    return locked


def reply_to_ticket(
    actor: User, ticket: Ticket, body: str, *, internal: bool = False
) -> TicketReply:
    """Add a reply to a ticket; `internal` marks a note for colleagues, not for the customer.

    The first reply that is not internal sets the ticket's `first_response_at`. A reply does not
    raise the ticket's version, so it never conflicts with someone editing the ticket. Records
    "ticket reply" on the customer's timeline, with the start of the reply, and an audit entry.
    """
    check_ticket_writer(actor, ticket.customer)
    _check_fields(actor, ["replies"])
    text = cleaning.clean_body(body)

    now = clock.now()
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        reply = TicketReply.objects.create(
            ticket=locked, author=actor, body=text, is_internal=internal, created_at=now
        )
        update_fields = ["updated_at"]
        if not internal and locked.first_response_at is None:
            locked.first_response_at = now
            update_fields.append("first_response_at")
        locked.updated_at = now
        locked.save(update_fields=update_fields)
        data = _event_data(
            locked, reply=str(reply.public_id), excerpt=text[:EXCERPT_LIMIT], internal=internal
        )
        events.ticket_replied(locked.customer_id, actor, data).save()
        audit.record(
            actor,
            AuditAction.TICKET_REPLIED,
            "ticket",
            locked.public_id,
            {"reply": str(reply.public_id), "internal": internal},
        )
    return reply
