"""Turn records into API response bodies, as the requesting user's field policy lets them see.

Callers load the records through the visibility layer. They also prefetch what is read here:
tags, owner and creator of customers, author and attachments of follow-ups. So presenting a page
adds no queries beyond the custom field list of each record type, read once per request.

A field the role hides is left out of the body (its key is absent), custom fields included. A
masked field contains its partial text, such as 138****5678, whatever the field's type.
"""

import dataclasses
from collections.abc import Mapping
from functools import cached_property
from typing import Any

from pydantic import MISSING

from kehu.api import schemas
from kehu.core import regions
from kehu.customers.models import Contact, Customer
from kehu.fields.models import FieldTarget
from kehu.fields.registry import CUSTOM_PREFIX, FieldSpec, field_map
from kehu.org.models import FieldAccess, User
from kehu.org.policy import FieldPolicy, masked, policy_for
from kehu.timeline.events import CREATION_TIMES, POOL_KINDS
from kehu.timeline.models import Event, EventKind, FollowUp
from kehu.timeline.queries import TimelineEntry

# Event data keeps internal user ids for the pages' links; the API shows only the names.
_EVENT_PRIVATE_KEYS = {
    EventKind.OWNER_CHANGED: ("from", "to"),
    **{kind: ("from", "to") for kind in POOL_KINDS},
}
# Event data names customer fields by model attribute; these differ from the registry key.
_ATTRIBUTE_KEYS = {"province_code": "province", "city_code": "city", "district_code": "district"}
# Contact attributes that are not registry fields and that every role reads.
_CONTACT_UNGOVERNED = ("notes",)
# The region label spells out province, city and district, and each code is part of the region.
_REGION_PARTS = ("region", "province", "city", "district")
# Deal and quote events may hold an amount, which the field policy of "deal.amount" governs.
_DEAL_EVENTS = (
    EventKind.DEAL_CREATED,
    EventKind.DEAL_WON,
    EventKind.QUOTE_CREATED,
    EventKind.QUOTE_REVISED,
    EventKind.QUOTE_STATUS_CHANGED,
)
# Contract and payment events: the data keys the contract and payment field policy governs.
_CONTRACT_EVENTS = (
    EventKind.CONTRACT_CREATED,
    EventKind.CONTRACT_VERSION_ADDED,
    EventKind.CONTRACT_SUBMITTED,
    EventKind.CONTRACT_APPROVED,
    EventKind.CONTRACT_REJECTED,
    EventKind.CONTRACT_RENEWED,
    EventKind.PAYMENT_PLANS_SET,
    EventKind.PAYMENT_RECEIVED,
    EventKind.PAYMENT_VOIDED,
)
_CONTRACT_EVENT_KEYS = {
    "number": (FieldTarget.CONTRACT, "number"),
    "renews": (FieldTarget.CONTRACT, "number"),
    "title": (FieldTarget.CONTRACT, "title"),
    "amount": (FieldTarget.CONTRACT, "amount"),
    "signed_on": (FieldTarget.CONTRACT, "signed_on"),
    "planned": (FieldTarget.PAYMENT, "plan_amount"),
    "received": (FieldTarget.PAYMENT, "received"),
    "received_on": (FieldTarget.PAYMENT, "received_on"),
    "method": (FieldTarget.PAYMENT, "method"),
    # A void reason may quote the amount, so it follows the amount's policy.
    "void_reason": (FieldTarget.PAYMENT, "received"),
}
# Ticket events name ticket fields by these data keys; each follows its "ticket" field's policy.
_TICKET_EVENT_FIELDS = {
    "number": "number",
    "subject": "subject",
    "category": "category",
    "priority": "priority",
    "status": "status",
    "previous": "status",
    "resolution": "resolution",
    "from_name": "assignee",
    "to_name": "assignee",
    "excerpt": "replies",
}
_TICKET_EVENTS = (
    EventKind.TICKET_OPENED,
    EventKind.TICKET_REPLIED,
    EventKind.TICKET_ASSIGNED,
    EventKind.TICKET_STATUS_CHANGED,
    EventKind.TICKET_CHANGED,
)
# Ticket events about one field, left out when the viewer may not read that field.
_TICKET_EVENT_SUBJECTS = {
    EventKind.TICKET_ASSIGNED: "assignee",
    EventKind.TICKET_STATUS_CHANGED: "status",
}
# FieldAccess values from most to least open.
_OPENNESS = list(FieldAccess.values)


@dataclasses.dataclass
class Viewer:
    """The user a response is for: their field policy and the field registry, read once."""

    policy: FieldPolicy

    @cached_property
    def customer_specs(self) -> dict[str, FieldSpec]:
        return field_map(FieldTarget.CUSTOMER)

    @cached_property
    def contact_specs(self) -> dict[str, FieldSpec]:
        return field_map(FieldTarget.CONTACT)

    @cached_property
    def other_specs(self) -> dict[str, dict[str, FieldSpec]]:
        """The specs of record types other than customers and contacts, read on first use."""
        return {}

    def specs(self, target: str) -> dict[str, FieldSpec]:
        if target == FieldTarget.CUSTOMER:
            return self.customer_specs
        if target == FieldTarget.CONTACT:
            return self.contact_specs
        if target not in self.other_specs:
            self.other_specs[target] = field_map(target)
        return self.other_specs[target]

    def access(self, target: str, key: str) -> str:
        """Return the FieldAccess of a field key; a key the registry does not know is hidden."""
        spec = self.specs(target).get(key)
        if spec is None:
            return FieldAccess.HIDDEN
        return self.policy.access(target, spec)

    def shown(self, target: str, key: str, value: Any) -> Any:
        """Return `value` of field `key` as the viewer may see it (see `shown`)."""
        return shown(self.access(target, key), self.specs(target).get(key), value)

    def region_access(self, key: str) -> str:
        """Return the access of a region part, never more open than the region's own.

        The region label spells out the province, city and district, so it is never more open
        than any of them either.
        """
        keys = _REGION_PARTS if key == "region" else (key, "region")
        accesses = [self.access(FieldTarget.CUSTOMER, part) for part in keys]
        return max(accesses, key=_OPENNESS.index)


def viewer_for(user: User) -> Viewer:
    return Viewer(policy_for(user))


def shown(access: str, spec: FieldSpec | None, value: Any) -> Any:
    """Return `value` as a field with `access` shows it: whole, masked, or MISSING when hidden.

    Masked values are masked by `kehu.org.policy.masked`, the function the pages use, so a value
    masks the same on both. A user masks their display name. A field without a spec is hidden.
    """
    if access == FieldAccess.HIDDEN or spec is None:
        return MISSING
    if access == FieldAccess.MASKED:
        if isinstance(value, schemas.UserRef):
            value = value.name
        return masked(spec, value)
    return value


def user_ref(user: User | None) -> schemas.UserRef | None:
    if user is None:
        return None
    return schemas.UserRef(id=user.public_id, name=str(user))


def custom_values(viewer: Viewer, target: str, stored: Mapping[str, Any]) -> dict[str, Any]:
    """Return the custom field values the viewer may read, keyed by field key, None when unset."""
    values = {}
    for spec in viewer.specs(target).values():
        if not spec.is_custom:
            continue
        value = shown(
            viewer.policy.access(target, spec),
            spec,
            stored.get(spec.key.removeprefix(CUSTOM_PREFIX)),
        )
        if value is not MISSING:
            values[spec.key] = value
    return values


def customer(viewer: Viewer, record: Customer) -> schemas.CustomerOut:
    governed: dict[str, Any] = {
        "kind": record.kind,
        "name": record.name,
        "short_name": record.short_name,
        "credit_code": record.credit_code,
        "industry": record.industry,
        "size": record.size,
        "address": record.address,
        "grade": record.grade,
        "source": record.source,
        "status": record.status,
        "tags": [tag.name for tag in record.tags.all()],
        "owner": user_ref(record.owner),
        "creator": user_ref(record.creator),
        "created_at": record.created_at,
        "last_follow_up_at": record.last_follow_up_at,
        "next_follow_up_on": record.next_follow_up_on,
        "notes": record.notes,
    }
    values = {
        key: viewer.shown(FieldTarget.CUSTOMER, key, value) for key, value in governed.items()
    }
    codes = {
        "province": record.province_code,
        "city": record.city_code,
        "district": record.district_code,
    }
    specs = viewer.customer_specs
    for key, code in codes.items():
        values[key] = shown(viewer.region_access(key), specs.get(key), code)
    region = ""
    if record.province_code:
        region = regions.label(record.province_code, record.city_code, record.district_code)
    values["region"] = shown(viewer.region_access("region"), specs.get("region"), region)
    return schemas.CustomerOut(
        id=record.public_id,
        updated_at=viewer.shown(FieldTarget.CUSTOMER, "created_at", record.updated_at),
        custom=custom_values(viewer, FieldTarget.CUSTOMER, record.custom),
        version=record.version,
        **values,
    )


def contact(viewer: Viewer, record: Contact) -> schemas.ContactOut:
    governed: dict[str, Any] = {
        "name": record.name,
        "title": record.title,
        "decision_role": record.decision_role,
        "mobile": record.mobile,
        "phone": record.phone,
        "email": record.email,
        "wechat": record.wechat,
        "is_primary": record.is_primary,
    }
    values = {key: viewer.shown(FieldTarget.CONTACT, key, value) for key, value in governed.items()}
    return schemas.ContactOut(
        id=record.public_id,
        notes=record.notes,
        custom=custom_values(viewer, FieldTarget.CONTACT, record.custom),
        # A contact saved with its customer has the customer's creation time.
        created_at=viewer.shown(FieldTarget.CUSTOMER, "created_at", record.created_at),
        updated_at=viewer.shown(FieldTarget.CUSTOMER, "created_at", record.updated_at),
        version=record.version,
        **values,
    )


def follow_up(viewer: Viewer, record: FollowUp) -> schemas.FollowUpOut:
    # A follow-up's next date becomes the customer's next follow-up date, so it shows as that
    # field does.
    next_follow_up_on = viewer.shown(
        FieldTarget.CUSTOMER, "next_follow_up_on", record.next_follow_up_on
    )
    return schemas.FollowUpOut(
        id=record.public_id,
        kind=record.kind,
        kind_label=record.get_kind_display(),
        occurred_at=record.occurred_at,
        author=user_ref(record.author),
        content=record.content,
        purpose=record.purpose,
        result=record.result,
        next_step=record.next_step,
        next_follow_up_on=next_follow_up_on,
        created_at=record.created_at,
        edited_at=record.edited_at,
        version=record.version,
        attachments=[
            schemas.AttachmentOut(
                id=attachment.public_id,
                name=attachment.original_name,
                content_type=attachment.content_type,
                size=attachment.size,
                uploaded_at=attachment.uploaded_at,
            )
            for attachment in record.attachments.all()
        ],
    )


def _changes(viewer: Viewer, target: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Return the field changes of an event that the viewer may read, masked where masked.

    Changes of fields the registry no longer lists, such as a deactivated custom field, are
    left out, because their policy cannot be read.
    """
    changes = {}
    for attribute, pair in raw.items():
        if target == FieldTarget.CONTACT and attribute in _CONTACT_UNGOVERNED:
            changes[attribute] = pair
            continue
        key = attribute
        if target == FieldTarget.CUSTOMER:
            key = _ATTRIBUTE_KEYS.get(attribute, attribute)
        if target == FieldTarget.CUSTOMER and key in _REGION_PARTS:
            access = viewer.region_access(key)
        else:
            access = viewer.access(target, key)
        spec = viewer.specs(target).get(key)
        if access == FieldAccess.HIDDEN or spec is None:
            continue
        if isinstance(pair, list):
            changes[attribute] = [shown(access, spec, value) for value in pair]
        else:
            changes[attribute] = shown(access, spec, pair)
    return changes


def event_data(viewer: Viewer, record: Event) -> dict[str, Any] | None:
    """Return the data of an event as the viewer may see it, or None to leave the event out.

    An event whose every field change is hidden is left out, since its presence alone would
    show that a hidden field changed.
    """
    private = _EVENT_PRIVATE_KEYS.get(EventKind(record.kind), ())
    data = {key: value for key, value in (record.data or {}).items() if key not in private}
    if record.kind in (EventKind.FIELDS_CHANGED, EventKind.CONTACT_CHANGED):
        target = FieldTarget.CONTACT
        if record.kind == EventKind.FIELDS_CHANGED:
            target = FieldTarget.CUSTOMER
        raw = data.get("changes") or {}
        data["changes"] = _changes(viewer, target, raw)
        if raw and not data["changes"]:
            return None
    if record.kind in (EventKind.CONTACT_ADDED, EventKind.CONTACT_CHANGED) and "name" in data:
        name = viewer.shown(FieldTarget.CONTACT, "name", data["name"])
        if name is MISSING:
            del data["name"]
        else:
            data["name"] = name
    if record.kind in _DEAL_EVENTS and "amount" in data:
        amount = viewer.shown(FieldTarget.DEAL, "amount", data["amount"])
        if amount is MISSING:
            del data["amount"]
        else:
            data["amount"] = amount
    contract_file = record.kind == EventKind.ATTACHMENT_ADDED and "contract" in data
    if contract_file and viewer.shown(FieldTarget.CONTRACT, "amount", "0") is MISSING:
        # A contract's file shows its amount; the viewer sees only that a file was added.
        data = {key: value for key, value in data.items() if key not in ("name", "size")}
    if record.kind in _CONTRACT_EVENTS:
        for key, (target, field_key) in _CONTRACT_EVENT_KEYS.items():
            if key in data:
                value = viewer.shown(target, field_key, data[key])
                if value is MISSING:
                    del data[key]
                else:
                    data[key] = value
    if record.kind in _TICKET_EVENTS:
        return _ticket_event_data(viewer, EventKind(record.kind), data)
    if record.kind == EventKind.OWNER_CHANGED or record.kind in POOL_KINDS:
        # A pool event names the owners it moved between, under the owner field's policy.
        for key in ("from_name", "to_name"):
            if key in data:
                value = viewer.shown(FieldTarget.CUSTOMER, "owner", data[key])
                if value is MISSING:
                    del data[key]
                else:
                    data[key] = value
    return data


def _ticket_event_data(
    viewer: Viewer, kind: EventKind, data: dict[str, Any]
) -> dict[str, Any] | None:
    """Return a ticket event's data with each ticket field governed, or None to leave it out."""
    subject = _TICKET_EVENT_SUBJECTS.get(kind)
    if subject is not None and viewer.access(FieldTarget.TICKET, subject) == FieldAccess.HIDDEN:
        return None
    shown_data: dict[str, Any] = {}
    if kind == EventKind.TICKET_CHANGED:
        raw = data.pop("changes", None) or {}
        shown_data["changes"] = _ticket_changes(viewer, raw)
        if raw and not shown_data["changes"]:
            return None
    for key, value in data.items():
        field_key = _TICKET_EVENT_FIELDS.get(key)
        if field_key is None:
            shown_data[key] = value
            continue
        result = viewer.shown(FieldTarget.TICKET, field_key, value)
        if result is not MISSING:
            shown_data[key] = result
    return shown_data


def _ticket_changes(viewer: Viewer, raw: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Return the field changes of a "ticket changed" event that the viewer may read.

    A contact is kept by name, so the contact's name policy applies before the ticket's.
    """
    changes = {}
    for key, pair in raw.items():
        values = pair if isinstance(pair, list) else [pair]
        if key == "contact":
            values = [viewer.shown(FieldTarget.CONTACT, "name", value) for value in values]
            if MISSING in values:
                continue
        shown_values = [viewer.shown(FieldTarget.TICKET, key, value) for value in values]
        if MISSING not in shown_values:
            changes[key] = shown_values
    return changes


def event(viewer: Viewer, record: Event) -> schemas.EventOut | None:
    data = event_data(viewer, record)
    if data is None:
        return None
    occurred_at: Any = record.occurred_at
    governing = CREATION_TIMES.get(EventKind(record.kind))
    if governing is not None:
        occurred_at = viewer.shown(*governing, occurred_at)
        if occurred_at is MISSING:
            return None
    return schemas.EventOut(
        id=record.public_id,
        kind=record.kind,
        kind_label=record.get_kind_display(),
        actor=user_ref(record.actor),
        occurred_at=occurred_at,
        data=data,
    )


def timeline_entry(viewer: Viewer, entry: TimelineEntry) -> schemas.TimelineEntryOut | None:
    """Return a timeline entry, or None for an event the viewer may not see (see event_data)."""
    if entry.event is not None:
        shown_event = event(viewer, entry.event)
        if shown_event is None:
            return None
        return schemas.TimelineEntryOut(
            type=entry.kind, at=shown_event.occurred_at, follow_up=None, event=shown_event
        )
    return schemas.TimelineEntryOut(
        type=entry.kind,
        at=entry.at,
        follow_up=follow_up(viewer, entry.follow_up) if entry.follow_up else None,
        event=None,
    )


def field(viewer: Viewer, target: str, spec: FieldSpec) -> schemas.FieldOut:
    reads_whole = viewer.policy.reads_whole(target, spec)
    return schemas.FieldOut(
        key=spec.key,
        label=spec.label_text,
        type=spec.field_type,
        choices=[schemas.ChoiceOut(value=value, label=str(label)) for value, label in spec.choices],
        required=spec.required,
        is_money=spec.is_money,
        is_sensitive=spec.is_sensitive,
        filterable=spec.filterable and reads_whole,
        sortable=spec.sortable and reads_whole,
        is_custom=spec.is_custom,
        access=viewer.policy.access(target, spec),
    )
