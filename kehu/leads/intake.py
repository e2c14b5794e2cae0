"""Leads that arrive without a user: public web forms and the intake API.

Both channels call `submit_lead`, which keeps only the campaign's allowlisted fields, records
source, campaign and consent, and links a person who already exists to the stored record
instead of creating them twice. The caller's response must not depend on the returned outcome,
so nobody can learn through a form whether a phone number is already known.
"""

import enum
import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kehu.audit import services as audit
from kehu.audit.models import AuditAction
from kehu.core import clock, ratelimit
from kehu.customers.dedup import serialize_duplicate_checks
from kehu.leads.cleaning import clean_lead
from kehu.leads.models import (
    FORM_FIELDS,
    Campaign,
    IntakeKey,
    Lead,
    LeadChannel,
    LeadEventKind,
    LeadStatus,
)
from kehu.leads.services import find_match, record_event, route_lead
from kehu.timeline import events

logger = logging.getLogger(__name__)

# The form field that people never see and bots fill in; a submission with it is dropped.
HONEYPOT = "website"
# Maximum characters of a message that a "submitted again" event keeps.
EXCERPT_LIMIT = 200


class Outcome(enum.Enum):
    """The outcome of a submission, for logs and tests and never for the response."""

    CREATED = "created"
    LINKED_TO_LEAD = "linked_to_lead"
    LINKED_TO_CUSTOMER = "linked_to_customer"
    DROPPED = "dropped"


def form_limit() -> ratelimit.Limit:
    """Return the submissions allowed per client address (the setting, per 10 minutes)."""
    return ratelimit.Limit(settings.KEHU_LEAD_FORM_RATE, 600)


def intake_limit() -> ratelimit.Limit:
    """Return the submissions allowed per intake key (the setting, per minute)."""
    return ratelimit.Limit(settings.KEHU_LEAD_INTAKE_RATE, 60)


def allowed_fields(campaign: Campaign | None) -> tuple[str, ...]:
    """Return the fields a submission may carry: the campaign's, or every form field."""
    return tuple(campaign.fields) if campaign is not None else FORM_FIELDS


def _missing_consent_message(channel: str) -> str:
    """Return the missing-consent error: the form's wording, or for the API one naming the field."""
    if channel == LeadChannel.API:
        return _(
            "consent must be true: this key's campaign has a consent text, and the person has "
            "to agree to it before you submit their details."
        )
    return _("Please agree to the terms above before you submit.")


def submit_lead(
    values: Mapping[str, Any],
    *,
    channel: str,
    campaign: Campaign | None = None,
    intake_key: IntakeKey | None = None,
    consent: bool = False,
    address: str | None = None,
) -> Outcome:
    """Take a submission from a web form or the intake API.

    Keys outside the campaign's fields are ignored, and a filled honeypot drops the submission
    without storing anything. Raises ValidationError keyed by field for bad values, a missing
    required field, or missing consent when the campaign shows a consent text. A person whose
    mobile or email belongs to an open lead gets a "submitted again" event on that lead; one
    who is a customer's contact gets a timeline event on the customer; anyone else becomes a
    new lead, owned by the assignment rules' choice or left in the lead pool.
    """
    if str(values.get(HONEYPOT) or "").strip():
        logger.info("lead submission dropped: honeypot filled (channel %s)", channel)
        return Outcome.DROPPED
    if campaign is None and intake_key is not None:
        campaign = intake_key.campaign
    allowed = allowed_fields(campaign)
    kept = {key: values[key] for key in allowed if key in values}
    required = campaign.required_fields if campaign is not None else ()
    errors: dict[str, list[str]] = {}
    consent_text = campaign.consent_text if campaign is not None else ""
    if consent_text and not consent:
        errors["consent"] = [_missing_consent_message(channel)]
    try:
        cleaned = clean_lead(kept, required=required)
    except ValidationError as error:
        errors = {**error.message_dict, **errors}
    if errors:
        raise ValidationError(errors)
    source = ""
    if campaign is not None:
        source = campaign.source
    elif intake_key is not None:
        source = intake_key.source
    cleaned["source"] = source

    now = clock.now()
    consent_values = {
        "consent_given": bool(consent and consent_text),
        "consent_text": consent_text if consent else "",
        "consent_at": now if consent and consent_text else None,
        "consent_address": address or None,
    }
    summary = {
        "channel": channel,
        "campaign": campaign.name if campaign is not None else "",
        "source": source,
        "message": cleaned.get("message", "")[:EXCERPT_LIMIT],
    }
    with transaction.atomic():
        serialize_duplicate_checks()
        match = find_match(cleaned.get("mobile", ""), cleaned.get("email", ""))
        if match is not None and match.lead is not None:
            data = {**summary, "consent_given": consent_values["consent_given"]}
            record_event(match.lead, LeadEventKind.SUBMITTED_AGAIN, None, data)
            Lead.objects.filter(pk=match.lead.pk).update(updated_at=now)
            return Outcome.LINKED_TO_LEAD
        if match is not None and match.customer is not None:
            events.lead_submitted(match.customer.pk, summary).save()
            return Outcome.LINKED_TO_CUSTOMER
        route = route_lead(cleaned)
        lead = Lead.objects.create(
            **cleaned,
            **consent_values,
            channel=channel,
            campaign=campaign,
            owner=route.owner,
            status=LeadStatus.NEW,
            created_at=now,
            updated_at=now,
        )
        data = {**summary, "owner": str(lead.owner or ""), **route.event_data()}
        record_event(lead, LeadEventKind.CREATED, None, data)
        audit.record(
            None,
            AuditAction.LEAD_CREATED,
            "lead",
            lead.public_id,
            {
                "channel": channel,
                "campaign": str(campaign.public_id) if campaign else None,
                "intake_key": intake_key.prefix if intake_key else None,
            },
        )
    return Outcome.CREATED
