"""Turn records into API response bodies.

Callers load the records through the visibility layer. They also prefetch what is read here:
tags, owner and creator of customers, author and attachments of follow-ups. So presenting a page
adds no queries.
"""

from collections.abc import Sequence
from typing import Any

from kehu.api import schemas
from kehu.core import regions
from kehu.customers.models import Contact, Customer
from kehu.fields.registry import CUSTOM_PREFIX, FieldSpec
from kehu.org.models import User
from kehu.timeline.models import Event, EventKind, FollowUp
from kehu.timeline.queries import TimelineEntry

# Event data keeps internal user ids for the pages' links; the API shows only the names.
_EVENT_PRIVATE_KEYS = {EventKind.OWNER_CHANGED: ("from", "to")}


def user_ref(user: User | None) -> schemas.UserRef | None:
    if user is None:
        return None
    return schemas.UserRef(id=user.public_id, name=str(user))


def custom_values(stored: dict[str, Any], specs: Sequence[FieldSpec]) -> dict[str, Any]:
    """Return every active custom field's value keyed by field key, None when unset."""
    return {spec.key: stored.get(spec.key.removeprefix(CUSTOM_PREFIX)) for spec in specs}


def customer(record: Customer, custom_specs: Sequence[FieldSpec]) -> schemas.CustomerOut:
    return schemas.CustomerOut(
        id=record.public_id,
        kind=record.kind,
        name=record.name,
        short_name=record.short_name,
        credit_code=record.credit_code,
        industry=record.industry,
        size=record.size,
        province=record.province_code,
        city=record.city_code,
        district=record.district_code,
        region=regions.label(record.province_code, record.city_code, record.district_code)
        if record.province_code
        else "",
        address=record.address,
        grade=record.grade,
        source=record.source,
        status=record.status,
        tags=[tag.name for tag in record.tags.all()],
        owner=user_ref(record.owner),
        creator=user_ref(record.creator),
        created_at=record.created_at,
        updated_at=record.updated_at,
        last_follow_up_at=record.last_follow_up_at,
        next_follow_up_on=record.next_follow_up_on,
        notes=record.notes,
        custom=custom_values(record.custom, custom_specs),
        version=record.version,
    )


def contact(record: Contact, custom_specs: Sequence[FieldSpec]) -> schemas.ContactOut:
    # NOTE: mobile and phone go out unmasked because kehu.org has no field policy yet; apply it
    # here (and in customer()) once it does.
    return schemas.ContactOut(
        id=record.public_id,
        name=record.name,
        title=record.title,
        decision_role=record.decision_role,
        mobile=record.mobile,
        phone=record.phone,
        email=record.email,
        wechat=record.wechat,
        is_primary=record.is_primary,
        notes=record.notes,
        custom=custom_values(record.custom, custom_specs),
        created_at=record.created_at,
        updated_at=record.updated_at,
        version=record.version,
    )


def follow_up(record: FollowUp) -> schemas.FollowUpOut:
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
        next_follow_up_on=record.next_follow_up_on,
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


def event(record: Event) -> schemas.EventOut:
    private = _EVENT_PRIVATE_KEYS.get(EventKind(record.kind), ())
    return schemas.EventOut(
        id=record.public_id,
        kind=record.kind,
        kind_label=record.get_kind_display(),
        actor=user_ref(record.actor),
        occurred_at=record.occurred_at,
        data={key: value for key, value in record.data.items() if key not in private},
    )


def timeline_entry(entry: TimelineEntry) -> schemas.TimelineEntryOut:
    return schemas.TimelineEntryOut(
        type=entry.kind,
        at=entry.at,
        follow_up=follow_up(entry.follow_up) if entry.follow_up else None,
        event=event(entry.event) if entry.event else None,
    )


def field(spec: FieldSpec) -> schemas.FieldOut:
    return schemas.FieldOut(
        key=spec.key,
        label=spec.label_text,
        type=spec.field_type,
        choices=[schemas.ChoiceOut(value=value, label=str(label)) for value, label in spec.choices],
        required=spec.required,
        is_money=spec.is_money,
        is_sensitive=spec.is_sensitive,
        filterable=spec.filterable,
        sortable=spec.sortable,
        is_custom=spec.is_custom,
    )
