"""Text for the entries of a customer's timeline: system events and earlier follow-up versions."""

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from kehu.core import regions
from kehu.fields.models import FieldType
from kehu.fields.registry import CUSTOM_PREFIX, FieldSpec
from kehu.timeline.models import Event, EventKind, FollowUpKind, FollowUpRevision
from kehu.web.display import display_custom, format_datetime

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


def _changes(raw: Mapping[str, Any], specs: Mapping[str, FieldSpec]) -> tuple[Change, ...]:
    changes = []
    for attribute, pair in raw.items():
        key = _ATTRIBUTE_KEYS.get(attribute, attribute)
        spec = specs.get(key)
        old, new = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        label = spec.label_text if spec else key.removeprefix(CUSTOM_PREFIX)
        changes.append(Change(label, _value_text(spec, old), _value_text(spec, new)))
    return tuple(changes)


def describe_event(
    event: Event, customer_specs: Mapping[str, FieldSpec], contact_specs: Mapping[str, FieldSpec]
) -> EventText:
    """Return the title, detail line and field changes that the timeline shows for an event."""
    data: dict[str, Any] = event.data or {}
    title = event.get_kind_display()
    match event.kind:
        case EventKind.FIELDS_CHANGED:
            return EventText(title, changes=_changes(data.get("changes", {}), customer_specs))
        case EventKind.OWNER_CHANGED:
            nobody = _("unassigned")
            detail = _("%(old)s → %(new)s") % {
                "old": data.get("from_name") or nobody,
                "new": data.get("to_name") or nobody,
            }
            return EventText(title, detail)
        case EventKind.CONTACT_ADDED:
            return EventText(title, str(data.get("name", "")))
        case EventKind.CONTACT_CHANGED:
            changes = _changes(data.get("changes", {}), contact_specs)
            return EventText(title, str(data.get("name", "")), changes)
        case EventKind.IMPORTED:
            detail = _("File %(file)s, row %(row)s") % {
                "file": data.get("file", ""),
                "row": data.get("row", ""),
            }
            return EventText(title, detail)
        case EventKind.FOLLOW_UP_EDITED:
            return EventText(
                title, _("Now version %(version)s") % {"version": data.get("version", "")}
            )
        case EventKind.ATTACHMENT_ADDED:
            size = int(data.get("size") or 0)
            detail = _("%(name)s (%(size)s KB)") % {
                "name": data.get("name", ""),
                "size": max(1, round(size / 1024)),
            }
            return EventText(title, detail)
    return EventText(title)


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
