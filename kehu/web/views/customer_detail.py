"""The customer page: facts, contacts, the timeline with its type filter, the follow-up form."""

import dataclasses
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kehu.core import clock
from kehu.customers.models import Contact, Customer
from kehu.customers.queries import is_writable
from kehu.customers.services import contact_form_refusal
from kehu.fields.models import FieldTarget
from kehu.fields.registry import FieldSpec, field_map
from kehu.org.models import Capability, FieldAccess, User
from kehu.org.policy import FieldPolicy, masked_text, policy_for
from kehu.org.visibility import can_edit_customers
from kehu.sales.contracts import may_write_contracts
from kehu.sales.models import ZERO, Contract
from kehu.sales.payments import collection_sums
from kehu.sales.queries import may_edit_deals, visible_contracts, visible_deals
from kehu.service.queries import may_write_tickets, visible_tickets
from kehu.timeline.events import CREATION_TIMES
from kehu.timeline.models import EventKind, FollowUpKind, FollowUpRevision
from kehu.timeline.queries import TimelineEntry, timeline
from kehu.timeline.services import can_edit_follow_up
from kehu.web.contract_display import contract_row
from kehu.web.deal_display import deal_rows, shown_value
from kehu.web.display import record_name, shown_text
from kehu.web.forms import Input
from kehu.web.ticket_display import ticket_rows
from kehu.web.timeline_display import describe_event, earlier_version, timeline_specs
from kehu.web.views.common import (
    form_errors,
    is_htmx,
    load_customer,
    signed_in_user,
    vary_on_htmx,
)
from kehu.web.views.pools import pool_panel

# The timeline filter's value for system events (creation, edits, owner changes, imports).
EVENTS = "events"
# Covered by the "region" fact, which shows the three levels as one label.
_FACTS_SKIPPED = ("province", "city", "district")
FOLLOW_UP_FIELDS = (
    "kind",
    "occurred_at",
    "content",
    "purpose",
    "result",
    "next_step",
    "next_follow_up_on",
)
VISIT_ONLY = ("purpose", "result", "next_step")


def timeline_kinds() -> list[tuple[str, str]]:
    return [
        *((value, str(label)) for value, label in FollowUpKind.choices),
        (EVENTS, _("System events")),
    ]


def chosen_kinds(request: HttpRequest) -> list[str] | None:
    """Return the timeline types ticked in the filter, or None for every type."""
    known = {value for value, _label in timeline_kinds()}
    kinds = [kind for kind in request.GET.getlist("kind") if kind in known]
    return kinds or None


def sets_next_date(user: User) -> bool:
    """Return whether the user may give a follow-up a next date, which becomes the customer's."""
    spec = field_map(FieldTarget.CUSTOMER)["next_follow_up_on"]
    return policy_for(user).can_write(FieldTarget.CUSTOMER, spec)


def follow_up_inputs(
    values: Mapping[str, Any], errors: Mapping[str, list[str]], *, next_date: bool = True
) -> list[Input]:
    labels = {
        "kind": _("Type"),
        "occurred_at": _("Time"),
        "content": _("What happened"),
        "purpose": _("Purpose of the visit"),
        "result": _("Result"),
        "next_step": _("Next step"),
        "next_follow_up_on": _("Next follow-up date"),
    }
    widgets = {
        "kind": "select",
        "occurred_at": "datetime",
        "content": "textarea",
        "next_follow_up_on": "date",
    }
    inputs = []
    for key in FOLLOW_UP_FIELDS:
        if key == "next_follow_up_on" and not next_date:
            continue
        inputs.append(
            Input(
                name=key,
                error_key=key,
                label=labels[key],
                widget=widgets.get(key, "text"),
                value=values.get(key, ""),
                choices=[(value, str(label)) for value, label in FollowUpKind.choices]
                if key == "kind"
                else (),
                required=key in ("kind", "content"),
                errors=list(errors.get(key, [])),
            )
        )
    return inputs


def follow_up_form_context(
    values: Mapping[str, Any], errors: Mapping[str, list[str]], *, next_date: bool = True
) -> dict[str, Any]:
    """Return what the quick follow-up form shows: its inputs, form errors and file errors."""
    return {
        "follow_up_inputs": follow_up_inputs(values, errors, next_date=next_date),
        "follow_up_form_errors": form_errors(errors, {*FOLLOW_UP_FIELDS, "file"}),
        "attachment_errors": list(errors.get("file", [])),
    }


def blank_follow_up() -> dict[str, str]:
    """Return the quick form's starting values: a call, now, in the local time zone."""
    now = timezone.localtime(clock.now()).replace(second=0, microsecond=0, tzinfo=None)
    return {"kind": FollowUpKind.CALL, "occurred_at": now.isoformat(timespec="minutes")}


@dataclasses.dataclass(frozen=True)
class Fact:
    """One field of a customer or contact as the page shows it, whole or masked."""

    label: str
    value: str
    # The URL that reveals the whole value, when the value is masked and the user may reveal.
    reveal_url: str = ""


def _fact(
    policy: FieldPolicy, target: str, spec: FieldSpec, record: Customer | Contact, can_reveal: bool
) -> Fact | None:
    """Return the fact of one field, or None when the field is hidden from the user."""
    text = shown_text(policy, target, spec, record)
    if text is None:
        return None
    reveal_url = ""
    if can_reveal and text and policy.access(target, spec) == FieldAccess.MASKED:
        name = "web:customer_reveal" if target == FieldTarget.CUSTOMER else "web:contact_reveal"
        reveal_url = reverse(name, args=[record.public_id, spec.key])
    return Fact(spec.label_text, text, reveal_url)


def _facts(
    policy: FieldPolicy, customer: Customer, specs: Mapping[str, FieldSpec], can_reveal: bool
) -> list[Fact]:
    facts = []
    for spec in specs.values():
        if spec.key in _FACTS_SKIPPED:
            continue
        fact = _fact(policy, FieldTarget.CUSTOMER, spec, customer, can_reveal)
        if fact is not None:
            facts.append(fact)
    return facts


def _contacts(
    policy: FieldPolicy, customer: Customer, specs: Mapping[str, FieldSpec], can_reveal: bool
) -> list[dict[str, Any]]:
    target = FieldTarget.CONTACT
    fact_specs = [spec for spec in specs.values() if spec.key not in ("name", "is_primary")]
    primary_spec = specs.get("is_primary")
    shows_primary = primary_spec is not None and policy.can_read(target, primary_spec)
    contacts = []
    for contact in customer.contacts.all():
        facts = [_fact(policy, target, spec, contact, can_reveal) for spec in fact_specs]
        contacts.append(
            {
                "contact": contact,
                "name": record_name(policy, target, specs, contact),
                "is_primary": shows_primary and contact.is_primary,
                "facts": [fact for fact in facts if fact is not None and fact.value],
            }
        )
    return contacts


def _summary(
    policy: FieldPolicy, customer: Customer, specs: Mapping[str, FieldSpec]
) -> dict[str, Any]:
    """Return the status, owner and next follow-up under the page title; None when hidden."""
    target = FieldTarget.CUSTOMER
    next_spec = specs["next_follow_up_on"]
    next_text = shown_text(policy, target, next_spec, customer)
    due = (
        policy.reads_whole(target, next_spec)
        and customer.next_follow_up_on is not None
        and customer.next_follow_up_on <= clock.today()
    )
    return {
        "status_text": shown_text(policy, target, specs["status"], customer),
        "owner_text": shown_text(policy, target, specs["owner"], customer),
        "next_follow_up_text": next_text,
        "next_follow_up_due": due,
    }


def entry_context(
    entries: Sequence[TimelineEntry],
    user: User,
    customer_specs: Mapping[str, FieldSpec],
    contact_specs: Mapping[str, FieldSpec],
    *,
    may_follow_up: bool,
) -> list[dict[str, Any]]:
    """Return what the timeline template shows for each entry, under the user's field policy.

    `customer_specs` and `contact_specs` are the registry's fields; deactivated custom fields
    are added here, so changes of those are checked against the policy too. `may_follow_up`
    is whether the user may add follow-ups to the customer. Without it no follow-up gets an
    edit link, because editing needs the same access.
    """
    policy = policy_for(user)
    customer_specs = timeline_specs(FieldTarget.CUSTOMER, customer_specs)
    contact_specs = timeline_specs(FieldTarget.CONTACT, contact_specs)
    revisions: list[FollowUpRevision] = [
        revision
        for entry in entries
        if entry.follow_up is not None
        for revision in entry.follow_up.revisions.all()
    ]
    # One query for every editor instead of one per earlier version.
    prefetch_related_objects(revisions, "edited_by")
    # A follow-up's next date becomes the customer's, so it follows that field's policy.
    shows_next_date = policy.can_read(FieldTarget.CUSTOMER, customer_specs["next_follow_up_on"])
    result = []
    for entry in entries:
        if entry.follow_up is not None:
            follow_up = entry.follow_up
            result.append(
                {
                    "follow_up": follow_up,
                    "at": entry.at,
                    "earlier_versions": [earlier_version(r) for r in follow_up.revisions.all()],
                    "can_edit": may_follow_up and can_edit_follow_up(user, follow_up),
                    "shows_next_date": shows_next_date,
                }
            )
        elif entry.event is not None:
            masked_time = ""
            governing = CREATION_TIMES.get(EventKind(entry.event.kind))
            if governing is not None:
                time_spec = field_map(governing[0])[governing[1]]
                time_access = policy.access(governing[0], time_spec)
                if time_access == FieldAccess.HIDDEN:
                    continue
                if time_access == FieldAccess.MASKED:
                    masked_time = masked_text(time_spec, entry.at)
            text = describe_event(entry.event, policy, customer_specs, contact_specs)
            if text is not None:
                result.append(
                    {
                        "event": entry.event,
                        "at": entry.at,
                        "masked_time": masked_time,
                        "text": text,
                    }
                )
    return result


def detail_context(
    request: HttpRequest,
    user: User,
    customer: Customer,
    follow_up_values: Mapping[str, Any] | None = None,
    follow_up_errors: Mapping[str, list[str]] | None = None,
) -> dict[str, Any]:
    policy = policy_for(user)
    customer_specs = field_map(FieldTarget.CUSTOMER)
    contact_specs = field_map(FieldTarget.CONTACT)
    kinds = chosen_kinds(request)
    # NOTE: timeline() returns the newest 100 entries, and this page has no link to older ones.
    entries = timeline(customer, kinds=kinds)
    writable = is_writable(user, customer)
    can_edit = writable and can_edit_customers(user)
    can_follow_up = writable and user.has_capability(Capability.FOLLOW_UP)
    can_reveal = user.has_capability(Capability.REVEAL)
    return {
        "customer": customer,
        "customer_name": record_name(policy, FieldTarget.CUSTOMER, customer_specs, customer),
        **_summary(policy, customer, customer_specs),
        "facts": _facts(policy, customer, customer_specs, can_reveal),
        "contacts": _contacts(policy, customer, contact_specs, can_reveal),
        "entries": entry_context(
            entries, user, customer_specs, contact_specs, may_follow_up=can_follow_up
        ),
        "timeline_kinds": timeline_kinds(),
        "chosen_kinds": kinds or [],
        **follow_up_form_context(
            follow_up_values or blank_follow_up(),
            follow_up_errors or {},
            next_date=sets_next_date(user),
        ),
        "can_edit": can_edit,
        # The contact forms also need the fields a contact form saves (see contact_form_refusal).
        "can_add_contact": can_edit
        and not contact_form_refusal(user, adding=True, specs=contact_specs),
        "can_edit_contacts": can_edit
        and not contact_form_refusal(user, adding=False, specs=contact_specs),
        "can_follow_up": can_follow_up,
        **_deal_context(user, policy, customer, writable),
        **_ticket_context(user, policy, customer, writable),
        **pool_panel(user, customer),
        "today": clock.today(),
    }


def _deal_context(
    user: User, policy: FieldPolicy, customer: Customer, writable: bool
) -> dict[str, Any]:
    deals = (
        visible_deals(user)
        .filter(customer=customer)
        .select_related("customer", "stage", "owner")
        .order_by("-created_at", "-pk")
    )
    contracts = list(
        visible_contracts(user)
        .filter(customer=customer)
        .select_related("customer", "owner")
        .order_by("-created_at", "-pk")
    )
    sums = collection_sums(Contract.objects.filter(pk__in=[c.pk for c in contracts]))
    return {
        "deals": deal_rows(policy, deals),
        "can_add_deal": writable and may_edit_deals(user),
        "shows_deal_amount": shown_value(policy, FieldTarget.DEAL, "amount", 0) is not None,
        "contracts": [
            contract_row(policy, contract, *sums.get(contract.pk, (ZERO, ZERO)))
            for contract in contracts
        ],
        "can_add_contract": writable and may_write_contracts(user, customer),
    }


def _ticket_context(
    user: User, policy: FieldPolicy, customer: Customer, writable: bool
) -> dict[str, Any]:
    tickets = (
        visible_tickets(user)
        .filter(customer=customer)
        .select_related("customer", "assignee")
        .order_by("-opened_at", "-pk")
    )
    return {
        "tickets": ticket_rows(policy, tickets),
        "can_add_ticket": writable and may_write_tickets(user),
    }


@login_required
@require_GET
def customer_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Show a customer the user may see; htmx asking for the timeline gets only the timeline."""
    user = signed_in_user(request)

    customer = load_customer(user, public_id)

    context = detail_context(request, user, customer)
    if is_htmx(request):
        return vary_on_htmx(render(request, "web/customers/detail.html#timeline", context))
    return vary_on_htmx(render(request, "web/customers/detail.html", context))
