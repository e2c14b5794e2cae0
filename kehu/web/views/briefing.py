"""The successor's handover inbox and the briefing page of a customer.

The inbox lists the customers handed to the signed-in user until the user logs a first
follow-up on each. The briefing is open to anyone who may see the customer (404 otherwise), and
every value on it goes through the viewer's field policy.
"""

import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from kehu.fields.models import FieldTarget
from kehu.fields.registry import custom_fields_snapshot, field_map
from kehu.handover.briefing import COMPLAINT_DAYS, LAST_FOLLOW_UPS, Briefing, briefing, inbox
from kehu.handover.readiness import RECENT_DAYS
from kehu.org.policy import FieldPolicy, policy_for
from kehu.sales.models import ZERO
from kehu.web.contract_display import contract_row
from kehu.web.deal_display import deal_rows, shown_value
from kehu.web.display import format_datetime, record_name, shown_text
from kehu.web.ticket_display import ticket_rows
from kehu.web.views.common import load_customer, signed_in_user


@login_required
@require_GET
def handover_inbox(request: HttpRequest) -> HttpResponse:
    """List the customers handed to the user that still wait for the user's first follow-up."""
    user = signed_in_user(request)

    policy = policy_for(user)
    specs = field_map(FieldTarget.CUSTOMER)
    rows = [
        {
            "customer": item.customer,
            "name": record_name(policy, FieldTarget.CUSTOMER, specs, item.customer),
            "predecessor": item.handover.predecessor,
            "executed_at": format_datetime(item.handover.executed_at),
        }
        for item in inbox(user)
    ]

    return render(request, "web/handover/inbox.html", {"rows": rows})


@login_required
@require_GET
def customer_briefing(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Show what a successor needs to pick up a customer the user may see."""
    user = signed_in_user(request)
    customer = load_customer(user, public_id)

    facts = briefing(user, customer)
    # The display helpers look fields up for every value; one read of the custom fields keeps
    # the page's query count independent of how many records it lists.
    with custom_fields_snapshot():
        context = _context(policy_for(user), facts)

    return render(request, "web/handover/briefing.html", context)


def _context(policy: FieldPolicy, facts: Briefing) -> dict[str, Any]:
    customer = facts.customer
    customer_specs = field_map(FieldTarget.CUSTOMER)
    contact_specs = field_map(FieldTarget.CONTACT)
    next_spec = customer_specs["next_follow_up_on"]
    shows_next_date = policy.can_read(FieldTarget.CUSTOMER, next_spec)
    promised = facts.promised
    return {
        "customer": customer,
        "customer_name": record_name(policy, FieldTarget.CUSTOMER, customer_specs, customer),
        "owner_text": shown_text(policy, FieldTarget.CUSTOMER, customer_specs["owner"], customer),
        "handover_item": facts.handover_item,
        "contacts": [
            {
                "name": record_name(policy, FieldTarget.CONTACT, contact_specs, contact),
                "title": shown_text(policy, FieldTarget.CONTACT, contact_specs["title"], contact),
                "decision_role": shown_text(
                    policy, FieldTarget.CONTACT, contact_specs["decision_role"], contact
                ),
                "mobile": shown_text(policy, FieldTarget.CONTACT, contact_specs["mobile"], contact),
                "is_primary": contact.is_primary,
            }
            for contact in facts.contacts
        ],
        "follow_ups": facts.follow_ups,
        "last_follow_ups": LAST_FOLLOW_UPS,
        "promised": promised,
        "promised_date": shown_value(
            policy, FieldTarget.CUSTOMER, "next_follow_up_on", promised.next_follow_up_on
        )
        if promised is not None
        else None,
        "next_follow_up_text": shown_text(policy, FieldTarget.CUSTOMER, next_spec, customer),
        "deals": deal_rows(policy, facts.open_deals),
        "shows_deal_amount": shown_value(policy, FieldTarget.DEAL, "amount", 0) is not None,
        "quotes": [
            {
                "quote": quote,
                "title": version.title,
                "valid_until": version.valid_until,
                # A quote's totals follow the deal amount's policy, as on the quote page.
                "total": shown_value(policy, FieldTarget.DEAL, "amount", version.total),
            }
            for quote, version in facts.waiting_quotes
        ],
        "contracts": [
            contract_row(policy, contract, *facts.collections.get(contract.pk, (ZERO, ZERO)))
            for contract in facts.contracts
        ],
        "tickets": ticket_rows(policy, facts.open_tickets),
        "complaints": ticket_rows(policy, facts.recent_complaints),
        "complaint_days": COMPLAINT_DAYS,
        "gaps": _gaps(policy, facts, shows_next_date),
    }


def _gaps(policy: FieldPolicy, facts: Briefing, shows_next_date: bool) -> list[str]:
    """Return the gaps as sentences, leaving out those that would reveal a hidden field."""
    contact_specs = field_map(FieldTarget.CONTACT)
    customer_specs = field_map(FieldTarget.CUSTOMER)
    gaps = facts.gaps
    found = []
    if gaps.no_recent_follow_up and policy.can_read(
        FieldTarget.CUSTOMER, customer_specs["last_follow_up_at"]
    ):
        found.append(
            ngettext(
                "No follow-up in the last %(days)d day.",
                "No follow-up in the last %(days)d days.",
                RECENT_DAYS,
            )
            % {"days": RECENT_DAYS}
        )
    if gaps.no_decision_maker and policy.can_read(
        FieldTarget.CONTACT, contact_specs["decision_role"]
    ):
        found.append(_("No decision maker is recorded among the contacts."))
    if gaps.no_primary_phone and policy.can_read(FieldTarget.CONTACT, contact_specs["mobile"]):
        found.append(_("The primary contact has no phone number."))
    if gaps.no_next_step and shows_next_date:
        found.append(_("No next follow-up date is set."))
    if gaps.stale_deals and policy.can_read(
        FieldTarget.DEAL, field_map(FieldTarget.DEAL)["expected_close_on"]
    ):
        found.append(
            ngettext(
                "%(count)d open deal is past its expected close date.",
                "%(count)d open deals are past their expected close date.",
                gaps.stale_deals,
            )
            % {"count": gaps.stale_deals}
        )
    return found
