"""Text shown for field values on pages, for built-in and custom fields alike.

Every function takes a FieldSpec from the field registry, so a new custom field is displayed
everywhere without changes here.
"""

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core import regions
from kehu.customers.models import Customer
from kehu.fields.models import FieldType
from kehu.fields.registry import CUSTOM_PREFIX, FieldSpec
from kehu.org.models import FieldAccess
from kehu.org.policy import FieldPolicy

# Placeholder for a record's name when the user's role hides the name field.
HIDDEN_NAME = "—"
# Built-in customer fields whose value is not the model attribute named by the key.
_REGION_KEYS = {"province": "province_code", "city": "city_code", "district": "district_code"}


def format_count(number: int) -> str:
    """Group thousands with commas, as Chinese business software does: 10,000."""
    return f"{number:,}"


def format_money(value: Any) -> str:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"¥{amount:,.2f}"


def format_number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def format_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def custom_value(spec: FieldSpec, record: Model) -> Any:
    stored: dict[str, Any] = getattr(record, "custom", None) or {}
    return stored.get(spec.key.removeprefix(CUSTOM_PREFIX))


def display_custom(spec: FieldSpec, value: Any) -> str:
    """Return the text of a stored custom value; a choice removed since shows as stored."""
    if value is None or value == "" or value == []:
        return ""
    match spec.field_type:
        case FieldType.MONEY:
            return format_money(value)
        case FieldType.NUMBER:
            return format_number(value)
        case FieldType.CHOICE:
            return spec.choice_label(str(value))
        case FieldType.MULTI_CHOICE:
            items = value if isinstance(value, list) else [value]
            return "、".join(spec.choice_label(str(item)) for item in items)
    return str(value)


def _builtin_value(spec: FieldSpec, record: Model) -> Any:
    if isinstance(record, Customer):
        if spec.key == "region":
            return regions.label(record.province_code, record.city_code, record.district_code)
        if spec.key in _REGION_KEYS:
            return regions.name_of(getattr(record, _REGION_KEYS[spec.key]))
        if spec.key == "tags":
            # Reads the prefetched tags; callers prefetch "tags" for lists.
            return "、".join(tag.name for tag in record.tags.all())
    return getattr(record, spec.key, None)


def display_value(spec: FieldSpec, record: Model) -> str:
    """Return the text of one field of a customer or contact, "" when it is empty."""
    if spec.is_custom:
        return display_custom(spec, custom_value(spec, record))
    value = _builtin_value(spec, record)
    if value is None or value == "":
        return ""
    match spec.field_type:
        case FieldType.CHOICE:
            return spec.choice_label(str(value))
        case FieldType.DATETIME:
            return format_datetime(value)
        case FieldType.DATE:
            return value.isoformat() if isinstance(value, dt.date) else str(value)
        case FieldType.BOOLEAN:
            return _("Yes") if value else _("No")
    return str(value)


def _items(spec: FieldSpec, record: Model) -> list[str] | None:
    """Return the items of a tags or multiple-choice field, or None for other fields."""
    if spec.field_type == FieldType.TAGS and isinstance(record, Customer):
        return [tag.name for tag in record.tags.all()]
    if spec.is_custom and spec.field_type == FieldType.MULTI_CHOICE:
        value = custom_value(spec, record)
        if value in (None, "", []):
            return []
        return [str(item) for item in (value if isinstance(value, list) else [value])]
    return None


def masked_display(value: Any) -> str:
    """Return what `FieldPolicy.shown` made of a masked value as page text."""
    if isinstance(value, list):
        return "、".join(value)
    return "" if value is None else str(value)


def shown_text(policy: FieldPolicy, target: str, spec: FieldSpec, record: Model) -> str | None:
    """Return the text of a field as `policy` lets its user see it: whole, masked, or None.

    None means the field is hidden, so the page shows neither its label nor its value. A
    masked value is masked as the API masks it (see `kehu.org.policy.masked`), and a list
    field with any number of items as one mask.
    """
    access = policy.access(target, spec)
    if access == FieldAccess.HIDDEN:
        return None
    if access == FieldAccess.MASKED:
        items = _items(spec, record)
        source = items if items is not None else display_value(spec, record)
        return masked_display(policy.shown(target, spec, source))
    return display_value(spec, record)


def record_name(
    policy: FieldPolicy, target: str, specs: Mapping[str, FieldSpec], record: Model
) -> str:
    """Return the name of a customer or contact as the user may see it; HIDDEN_NAME if hidden."""
    spec = specs.get("name")
    text = shown_text(policy, target, spec, record) if spec else None
    return text or HIDDEN_NAME


def form_value(spec: FieldSpec, record: Model) -> Any:
    """Return a field's current value as an edit form shows it: a string, or a list of strings."""
    if spec.is_custom:
        value = custom_value(spec, record)
        if value is None:
            return [] if spec.field_type == FieldType.MULTI_CHOICE else ""
        if spec.field_type == FieldType.MULTI_CHOICE:
            return [str(item) for item in (value if isinstance(value, list) else [value])]
        return format_number(value) if spec.field_type == FieldType.NUMBER else str(value)
    if isinstance(record, Customer):
        if spec.key in _REGION_KEYS:
            return getattr(record, _REGION_KEYS[spec.key])
        if spec.key == "tags":
            return ", ".join(tag.name for tag in record.tags.all())
    value = getattr(record, spec.key, None)
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
