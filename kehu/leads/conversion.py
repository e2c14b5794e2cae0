"""Converting a lead into a customer, with its contact and optionally a deal, in one step.

The customer is created through kehu.customers.services.create_customer, so the duplicate check
runs as for any new customer and a duplicate raises DuplicateCustomer for the same confirm flow.
Converting into an existing customer (the one the lead repeats) adds the person as its contact
instead. Either way the lead's notes become follow-ups with their authors and times, each
repeat submission of the person becomes a "lead submitted" event at its time, and the
customer's timeline gets a "converted from lead" event with the lead's message and history.
"""

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kehu.audit import services as audit
from kehu.audit.models import AuditAction
from kehu.core import clock
from kehu.customers import services as customer_services
from kehu.customers.choices import CustomerKind
from kehu.customers.models import Customer
from kehu.customers.queries import is_writable as customer_is_writable
from kehu.leads.intake import EXCERPT_LIMIT
from kehu.leads.models import Lead, LeadEvent, LeadEventKind, LeadNote, LeadStatus
from kehu.leads.services import check_lead_writer, record_event
from kehu.org.models import Capability, User
from kehu.sales import services as sales_services
from kehu.timeline import events
from kehu.timeline.models import Event, FollowUp
from kehu.timeline.services import copy_follow_ups


def customer_values(lead: Lead) -> dict[str, Any]:
    """Return the values of the customer a lead becomes, as the conversion form proposes them.

    A lead with a company becomes a company customer; one without becomes an individual.
    """
    values: dict[str, Any] = {
        "name": lead.company or lead.name,
        "kind": CustomerKind.COMPANY if lead.company else CustomerKind.INDIVIDUAL,
    }
    if lead.industry:
        values["industry"] = lead.industry
    if lead.source:
        values["source"] = lead.source
    if lead.province_code:
        values["province"] = lead.province_code
    if lead.city_code:
        values["city"] = lead.city_code
    return values


def contact_values(lead: Lead) -> dict[str, Any]:
    """Return the values of the contact a lead becomes."""
    values = {
        "name": lead.name,
        "title": lead.title,
        "mobile": lead.mobile,
        "phone": lead.phone,
        "email": lead.email,
        "wechat": lead.wechat,
    }
    return {key: value for key, value in values.items() if value}


def _history(lead_events: list[LeadEvent]) -> list[dict[str, Any]]:
    """Return the lead's events for the "converted from lead" event, with each message kept."""
    history = []
    for event in lead_events:
        item = {
            "kind": event.kind,
            "at": event.occurred_at.isoformat(),
            "actor": str(event.actor) if event.actor else "",
        }
        if event.data.get("message"):
            item["message"] = event.data["message"]
        history.append(item)
    return history


def _repeat_submissions(customer: Customer, lead_events: list[LeadEvent]) -> list[Event]:
    """Return a "lead submitted" timeline event for each time the person submitted again.

    Each keeps the time, channel, campaign, source and message of the repeat submission, as a
    submission matching a customer's contact would have recorded them directly.
    """
    keys = ("channel", "campaign", "source", "message")
    return [
        events.lead_submitted(
            customer.pk,
            {key: event.data[key] for key in keys if key in event.data},
            at=event.occurred_at,
        )
        for event in lead_events
        if event.kind == LeadEventKind.SUBMITTED_AGAIN
    ]


def _copied_notes(lead: Lead) -> list[FollowUp]:
    return [
        FollowUp(
            kind=note.kind,
            occurred_at=note.occurred_at,
            author_id=note.author_id,
            content=note.content,
            created_at=note.created_at,
        )
        for note in LeadNote.objects.filter(lead=lead).order_by("occurred_at", "pk")
    ]


def _has_person(customer: Customer, contact: Mapping[str, Any]) -> bool:
    """Return whether `customer` has a contact with the lead's mobile or email already."""
    same = Q(pk__in=[])
    if contact.get("mobile"):
        same |= Q(mobile=contact["mobile"])
    if contact.get("email"):
        same |= Q(email=contact["email"])
    return customer.contacts.filter(same).exists()


@contextlib.contextmanager
def _rekeyed(renamed: Mapping[str, str], prefix: str = "") -> Iterator[None]:
    """Re-raise a ValidationError with its keys renamed, or else prefixed, for the caller.

    The customer's and the deal's services both name their name field "name", so conversion
    reports them as "customer_name" and "deal.name", the names of its own inputs.
    """
    try:
        yield
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError(
            {
                renamed.get(key, prefix + key): messages
                for key, messages in error.message_dict.items()
            }
        ) from None


def convert_lead(
    actor: User,
    lead: Lead,
    *,
    customer: Mapping[str, Any] | None = None,
    contact: Mapping[str, Any] | None = None,
    deal: Mapping[str, Any] | None = None,
    existing: Customer | None = None,
    allow_similar: bool = False,
) -> Customer:
    """Convert a lead into a new customer, or into `existing`, in one transaction.

    `customer` and `contact` default to the lead's values (`customer_values`,
    `contact_values`); `deal` (name and amount) adds a deal. The new customer is owned by the
    lead's owner, or by the actor for a pool lead. With `existing`, the actor must be able to
    change that customer, and the person is added as its contact unless a contact has the same
    mobile or email. Raises PermissionDenied, ValidationError, and DuplicateCustomer as
    `create_customer` does; nothing is written then. In a ValidationError the customer's name
    is "customer_name" and the deal's fields are "deal.name" and "deal.amount".
    """
    check_lead_writer(actor, lead)
    if not actor.has_capability(Capability.CREATE):
        raise PermissionDenied(_("Your role may not convert leads."))
    if existing is not None and not customer_is_writable(actor, existing):
        raise PermissionDenied(_("You may not add this lead to that customer."))
    person = dict(contact if contact is not None else contact_values(lead))

    with transaction.atomic():
        locked = Lead.objects.select_for_update(of=("self",)).select_related("owner", "campaign")
        locked_lead = locked.get(pk=lead.pk)
        if locked_lead.status == LeadStatus.CONVERTED:
            raise ValidationError(_("This lead has been converted to a customer already."))
        if existing is None:
            owner = locked_lead.owner or actor
            with _rekeyed({"name": "customer_name"}):
                target = customer_services.create_customer(
                    actor,
                    customer if customer is not None else customer_values(locked_lead),
                    [person],
                    owner=owner,
                    allow_similar=allow_similar,
                )
        else:
            target = existing
            if not _has_person(target, person):
                customer_services.add_contact(actor, target, person)
        if deal:
            with _rekeyed({}, prefix="deal."):
                sales_services.create_deal(actor, target, deal)

        copy_follow_ups(target, _copied_notes(locked_lead))
        lead_events = list(
            LeadEvent.objects.filter(lead=locked_lead)
            .select_related("actor")
            .order_by("occurred_at", "pk")
        )
        Event.objects.bulk_create(_repeat_submissions(target, lead_events))
        data = {
            "lead": str(locked_lead.public_id),
            "name": locked_lead.name,
            "source": locked_lead.source,
            "campaign": locked_lead.campaign.name if locked_lead.campaign else "",
            "channel": locked_lead.channel,
            "created_at": locked_lead.created_at.isoformat(),
            "message": locked_lead.message[:EXCERPT_LIMIT],
            "history": _history(lead_events),
        }
        events.converted_from_lead(target.pk, actor, data).save()
        now = clock.now()
        locked_lead.status = LeadStatus.CONVERTED
        locked_lead.converted_customer = target
        locked_lead.converted_at = now
        locked_lead.updated_at = now
        locked_lead.save(
            update_fields=["status", "converted_customer", "converted_at", "updated_at"]
        )
        record_event(
            locked_lead,
            LeadEventKind.CONVERTED,
            actor,
            {"customer": str(target.public_id), "existing": existing is not None},
        )
        audit.record(
            actor,
            AuditAction.LEAD_CONVERTED,
            "lead",
            locked_lead.public_id,
            {"customer": str(target.public_id), "existing": existing is not None},
        )
    return target
