"""Text for the entries of a customer's timeline: system events and earlier follow-up versions.

Event data stores values whole; the viewer's field policy is applied here, when they are shown.
"""

import dataclasses
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from kehu.core import regions
from kehu.customers.choices import LeadSource
from kehu.customers.models import ShareAccess
from kehu.fields.models import CustomField, FieldTarget, FieldType
from kehu.fields.registry import CUSTOM_PREFIX, FieldSpec, custom_field_spec
from kehu.org.models import FieldAccess
from kehu.org.policy import FieldPolicy
from kehu.pool.models import EntryCause
from kehu.sales.models import QuoteStatus
from kehu.timeline.models import Event, EventKind, FollowUpKind, FollowUpRevision
from kehu.web import ticket_display
from kehu.web.deal_display import shown_value
from kehu.web.display import display_custom, format_datetime, masked_display

# Event data names customer fields by model attribute; these differ from the registry key.
_ATTRIBUTE_KEYS = {"province_code": "province", "city_code": "city", "district_code": "district"}


@dataclasses.dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclasses.dataclass(frozen=True)
class EventText:
    title: str
    detail: str = ""
    changes: tuple[Change, ...] = ()


def _value_text(spec: FieldSpec | None, value: Any) -> str:
    if value is None or value == "" or value == []:
        return ""
    if spec is None:
        return str(value)
    if spec.is_custom:
        return display_custom(spec, value)
    if spec.field_type == FieldType.REGION:
        return regions.name_of(str(value))
    if spec.field_type == FieldType.CHOICE:
        return spec.choice_label(str(value))
    if spec.field_type == FieldType.BOOLEAN or isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


def timeline_specs(target: str, active: Mapping[str, FieldSpec]) -> dict[str, FieldSpec]:
    """Return `active` (the registry's fields of `target`) plus its deactivated custom fields.

    Events keep changes of custom fields deactivated since, and the field policy needs their
    specs to decide whether the viewer may see those changes.
    """
    specs = dict(active)
    for row in CustomField.objects.filter(target=target, is_active=False):
        spec = custom_field_spec(row)
        specs.setdefault(spec.key, spec)
    return specs


def _changes(
    raw: Mapping[str, Any], policy: FieldPolicy, target: str, specs: Mapping[str, FieldSpec]
) -> tuple[Change, ...]:
    """Return the changes the viewer may see: hidden fields left out, masked ones masked."""
    changes = []
    for attribute, pair in raw.items():
        key = _ATTRIBUTE_KEYS.get(attribute, attribute)
        spec = specs.get(key)
        old, new = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        if spec is None:
            # Custom fields are deactivated, never deleted, so a custom key without a spec means
            # inconsistent data. It is left out, because the policy may hide its value.
            if key.startswith(CUSTOM_PREFIX):
                continue
            # A built-in attribute outside the registry (a contact's notes) has no policy entry.
            changes.append(Change(key, _value_text(None, old), _value_text(None, new)))
            continue
        access = policy.access(target, spec)
        if access == FieldAccess.HIDDEN:
            continue
        if access == FieldAccess.MASKED:
            # The stored value is masked, as the API masks it, not its display text.
            old_text = masked_display(policy.shown(target, spec, old))
            new_text = masked_display(policy.shown(target, spec, new))
        else:
            old_text, new_text = _value_text(spec, old), _value_text(spec, new)
        changes.append(Change(spec.label_text, old_text, new_text))
    return tuple(changes)


def _shown_data(
    policy: FieldPolicy, target: str, specs: Mapping[str, FieldSpec], key: str, value: Any
) -> str | None:
    """Return a value stored in event data as the viewer may see it, None when hidden."""
    text = str(value or "")
    spec = specs.get(key)
    if spec is None:
        return text
    if not policy.can_read(target, spec):
        return None
    return masked_display(policy.shown(target, spec, text))


def describe_event(
    event: Event,
    policy: FieldPolicy,
    customer_specs: Mapping[str, FieldSpec],
    contact_specs: Mapping[str, FieldSpec],
) -> EventText | None:
    """Return the title, detail line and field changes that the timeline shows for an event.

    `policy` is the viewer's: changes of fields hidden for them are left out, and values of
    fields masked for them are masked. Returns None when the event is only about hidden fields,
    because even an empty entry would tell the viewer that such a field changed. Specs come
    from `timeline_specs`.
    """
    data: dict[str, Any] = event.data or {}
    title = event.get_kind_display()
    customer, contact = FieldTarget.CUSTOMER, FieldTarget.CONTACT
    match event.kind:
        case EventKind.FIELDS_CHANGED:
            raw = data.get("changes", {})
            changes = _changes(raw, policy, customer, customer_specs)
            if raw and not changes:
                return None
            return EventText(title, changes=changes)
        case EventKind.OWNER_CHANGED:
            nobody = _("unassigned")
            old = _shown_data(policy, customer, customer_specs, "owner", data.get("from_name"))
            new = _shown_data(policy, customer, customer_specs, "owner", data.get("to_name"))
            if old is None or new is None:
                return None
            names = {"old": old or nobody, "new": new or nobody}
            if data.get("handover"):
                return EventText(title, _("%(old)s → %(new)s, in a handover") % names)
            return EventText(title, _("%(old)s → %(new)s") % names)
        case (
            EventKind.POOL_PLACED
            | EventKind.POOL_RETURNED
            | EventKind.POOL_RECLAIMED
            | EventKind.POOL_CLAIMED
            | EventKind.POOL_ASSIGNED
        ):
            return EventText(title, _pool_detail(policy, customer_specs, event.kind, data))
        case EventKind.CONTACT_ADDED:
            name = _shown_data(policy, contact, contact_specs, "name", data.get("name"))
            return EventText(title, name or "")
        case EventKind.CONTACT_CHANGED:
            name = _shown_data(policy, contact, contact_specs, "name", data.get("name"))
            raw = data.get("changes", {})
            changes = _changes(raw, policy, contact, contact_specs)
            if raw and not changes:
                return None
            return EventText(title, name or "", changes)
        case EventKind.CREATED:
            return EventText(title, _routing_text(data))
        case EventKind.IMPORTED:
            detail = _("File %(file)s, row %(row)s") % {
                "file": data.get("file", ""),
                "row": data.get("row", ""),
            }
            return EventText(title, " ".join(filter(None, (detail, _routing_text(data)))))
        case EventKind.FOLLOW_UP_EDITED:
            return EventText(
                title, _("Now version %(version)s") % {"version": data.get("version", "")}
            )
        case EventKind.ATTACHMENT_ADDED:
            hidden_amount = shown_value(policy, FieldTarget.CONTRACT, "amount", 0) is None
            if data.get("contract") and hidden_amount:
                return EventText(title)
            size = int(data.get("size") or 0)
            detail = _("%(name)s (%(size)s KB)") % {
                "name": data.get("name", ""),
                "size": max(1, round(size / 1024)),
            }
            return EventText(title, detail)
        case EventKind.SHARED:
            values = {"user": data.get("name", ""), "access": _share_access(data.get("access"))}
            if data.get("until"):
                values["date"] = data["until"]
                return EventText(title, _("%(user)s, %(access)s, until %(date)s") % values)
            return EventText(title, _("%(user)s, %(access)s") % values)
        case EventKind.SHARE_ENDED | EventKind.AGENT_ASSIGNED | EventKind.AGENT_REMOVED:
            return EventText(title, str(data.get("name", "")))
        case (
            EventKind.DEAL_CREATED
            | EventKind.DEAL_STAGE_CHANGED
            | EventKind.DEAL_WON
            | EventKind.DEAL_LOST
        ):
            return EventText(title, _deal_detail(policy, data))
        case EventKind.QUOTE_CREATED | EventKind.QUOTE_REVISED | EventKind.QUOTE_STATUS_CHANGED:
            return EventText(title, _quote_detail(policy, data))
        case (
            EventKind.CONTRACT_CREATED
            | EventKind.CONTRACT_VERSION_ADDED
            | EventKind.CONTRACT_SUBMITTED
            | EventKind.CONTRACT_APPROVED
            | EventKind.CONTRACT_REJECTED
            | EventKind.CONTRACT_RENEWED
            | EventKind.PAYMENT_PLANS_SET
            | EventKind.PAYMENT_RECEIVED
            | EventKind.PAYMENT_VOIDED
        ):
            return EventText(title, _contract_detail(policy, data))
        case (
            EventKind.TICKET_OPENED
            | EventKind.TICKET_REPLIED
            | EventKind.TICKET_ASSIGNED
            | EventKind.TICKET_STATUS_CHANGED
        ):
            ticket_line = ticket_display.event_detail(policy, event.kind, data)
            return None if ticket_line is None else EventText(title, ticket_line)
        case EventKind.TICKET_CHANGED:
            ticket_changes = ticket_display.changed_fields(policy, data)
            if ticket_changes is None:
                return None
            ticket_line = ticket_display.event_detail(policy, event.kind, data) or ""
            return EventText(
                title, ticket_line, tuple(Change(*change) for change in ticket_changes)
            )
        case EventKind.CONVERTED_FROM_LEAD | EventKind.LEAD_SUBMITTED:
            return EventText(title, _lead_detail(data))
    return EventText(title)


def _pool_detail(
    policy: FieldPolicy,
    customer_specs: Mapping[str, FieldSpec],
    kind: str,
    data: Mapping[str, Any],
) -> str:
    """Return the line of a pool event: the pool, the owners it moved between, why.

    The owners follow the customer owner field's policy: masked when it is masked, and left
    out when it is hidden, while the pool and the reason still show.
    """
    parts = [str(data.get("pool_name", ""))]
    nobody = _("the pool")
    old = _shown_data(policy, FieldTarget.CUSTOMER, customer_specs, "owner", data.get("from_name"))
    new = _shown_data(policy, FieldTarget.CUSTOMER, customer_specs, "owner", data.get("to_name"))
    if old is not None and new is not None and (old or new):
        parts.append(_("%(old)s → %(new)s") % {"old": old or nobody, "new": new or nobody})
    cause = data.get("cause")
    entering = kind in (EventKind.POOL_PLACED, EventKind.POOL_RECLAIMED)
    if entering and cause in EntryCause.values:
        parts.append(str(EntryCause(cause).label))
    if data.get("days"):
        parts.append(_("%(days)s days") % {"days": data["days"]})
    if data.get("reason"):
        parts.append(_("Reason: %(reason)s") % {"reason": data["reason"]})
    if data.get("note"):
        parts.append(str(data["note"]))
    return " · ".join(part for part in parts if part)


def _lead_detail(data: Mapping[str, Any]) -> str:
    """Return the source, campaign and message start of a lead event, those it has."""
    parts = []
    if data.get("source") in LeadSource.values:
        parts.append(str(LeadSource(data["source"]).label))
    parts.extend(str(data[key]) for key in ("campaign", "name", "message") if data.get(key))
    return " · ".join(parts)


def _contract_detail(policy: FieldPolicy, data: Mapping[str, Any]) -> str:
    """Return a contract or payment event's line, with the values the viewer may read."""
    contract, payment = FieldTarget.CONTRACT, FieldTarget.PAYMENT
    parts = [
        text
        for text in (
            shown_value(policy, contract, "number", data.get("number")),
            shown_value(policy, contract, "title", data.get("title")),
        )
        if text
    ]

    if data.get("version"):
        parts.append(_("version %(version)s") % {"version": data["version"]})
    renews = shown_value(policy, contract, "number", data.get("renews"))
    if renews:
        parts.append(_("renews %(number)s") % {"number": renews})
    money = (
        (contract, "amount", "amount", None),
        (payment, "plan_amount", "planned", _("planned %(amount)s")),
        (payment, "received", "received", _("received %(amount)s")),
    )
    for target, key, data_key, template in money:
        if data.get(data_key) is None:
            continue
        text = shown_value(policy, target, key, Decimal(str(data[data_key])))
        if text:
            parts.append(template % {"amount": text} if template else text)

    received_on = shown_value(policy, payment, "received_on", data.get("received_on"))
    if received_on:
        parts.append(received_on)
    signed_on = shown_value(policy, contract, "signed_on", data.get("signed_on"))
    if signed_on:
        parts.append(_("signed on %(date)s") % {"date": signed_on})
    # A void reason may quote the amount, so it follows "payment.received" as the amount does.
    void_reason = shown_value(policy, payment, "received", data.get("void_reason"))
    if void_reason:
        parts.append(_("Reason: %(reason)s") % {"reason": void_reason})
    for key in ("comment", "note"):
        if data.get(key):
            parts.append(str(data[key]))
    return " · ".join(parts)


def _quote_detail(policy: FieldPolicy, data: Mapping[str, Any]) -> str:
    """Return a quote event's line: number and version, new status, and the total if readable."""
    parts = [
        _("%(number)s, version %(version)s")
        % {"number": data.get("number", ""), "version": data.get("version", "")}
    ]
    if data.get("status") in QuoteStatus.values:
        parts.append(str(QuoteStatus(data["status"]).label))
    if data.get("amount") is not None:
        amount = shown_value(policy, FieldTarget.DEAL, "amount", Decimal(str(data["amount"])))
        if amount:
            parts.append(amount)
    return " · ".join(parts)


def _deal_detail(policy: FieldPolicy, data: Mapping[str, Any]) -> str:
    """Return a deal event's line: name, stage move, reason, and the amount if readable."""
    parts = [str(data.get("name", ""))]
    if data.get("from") and data.get("to"):
        parts.append(_("%(old)s → %(new)s") % {"old": data["from"], "new": data["to"]})
    elif data.get("stage"):
        parts.append(str(data["stage"]))
    if data.get("reason"):
        parts.append(_("Reason: %(reason)s") % {"reason": data["reason"]})
    if data.get("amount") is not None:
        amount = shown_value(policy, FieldTarget.DEAL, "amount", Decimal(str(data["amount"])))
        if amount:
            parts.append(amount)
    return " · ".join(parts)


def _routing_text(data: Mapping[str, Any]) -> str:
    """Return how the assignment rules chose a new customer's owner, or "" if they did not."""
    match data.get("routing"):
        case "rule":
            return _("Assigned by rule “%(rule)s”.") % {"rule": data.get("rule_name", "")}
        case "default":
            return _("Given to the default owner: no rule matched.")
        case "pool":
            return _("No rule or default owner took it, so it went to the public pool.")
    return ""


def _share_access(value: Any) -> str:
    return str(ShareAccess(value).label) if value in ShareAccess.values else str(value or "")


@dataclasses.dataclass(frozen=True)
class EarlierVersion:
    """A follow-up as it read before an edit, from its FollowUpRevision."""

    version: int
    replaced_at: str
    edited_by: str
    kind: str
    occurred_at: str
    content: str
    purpose: str
    result: str
    next_step: str
    next_follow_up_on: str


def _moment_text(raw: Any) -> str:
    if not raw:
        return ""
    moment = parse_datetime(str(raw))
    return format_datetime(moment) if isinstance(moment, dt.datetime) else str(raw)


def earlier_version(revision: FollowUpRevision) -> EarlierVersion:
    data: dict[str, Any] = revision.data or {}
    kind = str(data.get("kind", ""))
    kind_label = FollowUpKind(kind).label if kind in FollowUpKind.values else kind
    return EarlierVersion(
        version=revision.version,
        replaced_at=format_datetime(revision.replaced_at),
        edited_by=str(revision.edited_by) if revision.edited_by else "",
        kind=str(kind_label),
        occurred_at=_moment_text(data.get("occurred_at")),
        content=str(data.get("content") or ""),
        purpose=str(data.get("purpose") or ""),
        result=str(data.get("result") or ""),
        next_step=str(data.get("next_step") or ""),
        next_follow_up_on=str(data.get("next_follow_up_on") or ""),
    )
