"""Every write to custom field definitions. Only the boss may add, change or deactivate fields.

A field's record type, key and type are fixed once it exists, because records store its values
under the key in the shape of the type. Labels, choices, the required flag and the position may
change. Fields are deactivated, never deleted, so stored values survive and can come back.
"""

import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext as _

from kehu.fields.models import (
    CUSTOM_FIELD_TARGETS,
    CUSTOM_FIELD_TYPES,
    CustomField,
    FieldType,
)
from kehu.fields.registry import builtin_fields
from kehu.fields.values import parse_bool
from kehu.org.models import Capability, User

logger = logging.getLogger(__name__)

CHOICE_TYPES = (FieldType.CHOICE, FieldType.MULTI_CHOICE)
MAX_CHOICES = 200
CHOICE_MAX_LENGTH = 60
LABEL_MAX_LENGTH = 60
# The importer splits a multiple-choice cell on these characters (kehu.fields.values.split_multi),
# so a choice that contains one could never be imported.
MULTI_CHOICE_SEPARATORS = ",，;；、/|"
CHANGEABLE = ("label", "label_en", "choices", "required", "position")


def can_manage_fields(user: User) -> bool:
    return user.has_capability(Capability.MANAGE_FIELDS)


def _require_manager(actor: User) -> None:
    if not can_manage_fields(actor):
        raise PermissionDenied(_("Only the boss may change custom fields."))


def _clean_choices(raw: Any, field_type: str) -> list[str]:
    """Return the choice list from a list or from text with one choice per line."""
    if raw is None:
        items: list[str] = []
    elif isinstance(raw, str):
        items = raw.splitlines()
    else:
        items = [str(item) for item in raw]
    choices = [item.strip() for item in items if item.strip()]

    if field_type not in CHOICE_TYPES:
        if choices:
            raise ValueError(_("Only choice and multiple-choice fields have choices."))
        return []
    if not choices:
        raise ValueError(_("Enter at least one choice, one per line."))
    if len(choices) > MAX_CHOICES:
        raise ValueError(
            _("At most %(limit)d choices, got %(count)d.")
            % {"limit": MAX_CHOICES, "count": len(choices)}
        )
    seen: set[str] = set()
    for choice in choices:
        if len(choice) > CHOICE_MAX_LENGTH:
            raise ValueError(
                _("The choice “%(choice)s” is longer than %(limit)d characters.")
                % {"choice": choice, "limit": CHOICE_MAX_LENGTH}
            )
        if choice in seen:
            raise ValueError(_("The choice “%(choice)s” is listed twice.") % {"choice": choice})
        seen.add(choice)
        if field_type == FieldType.MULTI_CHOICE:
            found = [ch for ch in MULTI_CHOICE_SEPARATORS if ch in choice]
            if found:
                raise ValueError(
                    _("The choice “%(choice)s” contains “%(char)s”, which separates choices.")
                    % {"choice": choice, "char": found[0]}
                )
    return choices


def _clean_label(raw: Any, *, required: bool) -> str:
    text = "" if raw is None else str(raw).strip()
    if required and not text:
        raise ValueError(_("The label is required."))
    if len(text) > LABEL_MAX_LENGTH:
        raise ValueError(
            _("At most %(limit)d characters, got %(count)d.")
            % {"limit": LABEL_MAX_LENGTH, "count": len(text)}
        )
    return text


def _clean_position(raw: Any) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool):
        position = raw
    else:
        text = "" if raw is None else str(raw).strip()
        if not text.isdigit():
            raise ValueError(_("“%(value)s” is not a whole number of 0 or more.") % {"value": raw})
        position = int(text)
    if position < 0 or position > 100000:
        raise ValueError(_("“%(value)s” is not a whole number of 0 or more.") % {"value": raw})
    return position


def _clean_required(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    return bool(parse_bool(raw))


def _taken_labels(target: str, exclude_pk: int | None) -> set[str]:
    """Return the labels, in both languages, that a new label of `target` may not repeat.

    The importer matches column titles against field labels, so two fields with one label would
    make a column ambiguous.
    """
    taken: set[str] = set()
    for language in ("zh-hans", "en"):
        with translation.override(language):
            taken.update(spec.label_text for spec in builtin_fields(target))
    others = CustomField.objects.filter(target=target, is_active=True)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    for label, label_en in others.values_list("label", "label_en"):
        taken.update(name for name in (label, label_en) if name)
    return taken


def _clean_changeable(
    values: Mapping[str, Any], field_type: str, target: str, exclude_pk: int | None, *, full: bool
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Clean the attributes that may change after creation; return (cleaned, errors)."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key in CHANGEABLE:
        if key not in values and not (full and key in ("label", "choices")):
            continue
        raw = values.get(key)
        try:
            if key == "label":
                cleaned[key] = _clean_label(raw, required=True)
            elif key == "label_en":
                cleaned[key] = _clean_label(raw, required=False)
            elif key == "choices":
                cleaned[key] = _clean_choices(raw, field_type)
            elif key == "required":
                cleaned[key] = _clean_required(raw)
            else:
                cleaned[key] = _clean_position(raw)
        except ValueError as error:
            errors.setdefault(key, []).append(str(error))

    labels = [(key, cleaned[key]) for key in ("label", "label_en") if cleaned.get(key)]
    if labels:
        taken = _taken_labels(target, exclude_pk)
        for key, label in labels:
            if label in taken:
                errors.setdefault(key, []).append(
                    _("Another field is already called “%(label)s”.") % {"label": label}
                )
    if cleaned.get("label_en") and cleaned.get("label_en") == cleaned.get("label"):
        cleaned["label_en"] = ""
    return cleaned, errors


def create_custom_field(actor: User, target: str, values: Mapping[str, Any]) -> CustomField:
    """Add a custom field to customers or contacts; it appears on every form, list and import.

    `values` contains key, field_type, label, and optionally label_en, choices (a list or one per
    line), required and position (default: after the last field). Raises PermissionDenied for
    anyone but the boss and ValidationError keyed by attribute.
    """
    _require_manager(actor)
    errors: dict[str, list[str]] = {}
    unknown = set(values) - {"key", "field_type", *CHANGEABLE}
    for key in sorted(unknown):
        errors.setdefault(key, []).append(_("Unknown field “%(key)s”.") % {"key": key})
    if target not in CUSTOM_FIELD_TARGETS:
        raise ValidationError(
            {"target": [_("“%(value)s” is not a record type.") % {"value": target}]}
        )

    key = str(values.get("key") or "").strip()
    field_type = str(values.get("field_type") or "").strip()
    if field_type not in CUSTOM_FIELD_TYPES:
        errors.setdefault("field_type", []).append(
            _("“%(value)s” is not a field type.") % {"value": field_type}
        )
    cleaned, changeable_errors = _clean_changeable(values, field_type, target, None, full=True)
    for name, messages in changeable_errors.items():
        errors.setdefault(name, []).extend(messages)

    field = CustomField(target=target, key=key, field_type=field_type, **cleaned)
    if not key:
        errors.setdefault("key", []).append(_("The key is required."))
    else:
        try:
            CustomField._meta.get_field("key").clean(key, field)
        except ValidationError as error:
            errors.setdefault("key", []).extend(error.messages)
    if key and CustomField.objects.filter(target=target, key=key).exists():
        errors.setdefault("key", []).append(
            _("The key “%(key)s” is already used by another field, active or not.") % {"key": key}
        )
    if errors:
        raise ValidationError(errors)

    if "position" not in cleaned:
        last = CustomField.objects.filter(target=target).aggregate(last=Max("position"))["last"]
        field.position = 0 if last is None else last + 1
    try:
        with transaction.atomic():
            field.save()
    except IntegrityError:
        # Another boss added the same key between the check above and the insert.
        raise ValidationError(
            {
                "key": [
                    _("The key “%(key)s” is already used by another field, active or not.")
                    % {"key": key}
                ]
            }
        ) from None
    logger.info("custom field %s added to %s by user %s", field.public_id, target, actor.pk)
    return field


def update_custom_field(actor: User, field: CustomField, values: Mapping[str, Any]) -> CustomField:
    """Change the label, English label, choices, required flag or position of a custom field.

    Raises ValidationError when `values` tries to change the key or type, or has a bad value.
    Removing a choice keeps the value on the records that have it; they show it as stored.
    """
    _require_manager(actor)
    errors: dict[str, list[str]] = {}
    for key in sorted(set(values) - set(CHANGEABLE)):
        if key in ("key", "field_type", "target"):
            errors.setdefault(key, []).append(_("This cannot be changed after the field exists."))
        else:
            errors.setdefault(key, []).append(_("Unknown field “%(key)s”.") % {"key": key})
    cleaned, changeable_errors = _clean_changeable(
        values, field.field_type, field.target, field.pk, full=False
    )
    for name, messages in changeable_errors.items():
        errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        locked = CustomField.objects.select_for_update().get(pk=field.pk)
        for key, value in cleaned.items():
            setattr(locked, key, value)
        if cleaned:
            locked.save(update_fields=list(cleaned))
    logger.info("custom field %s changed by user %s", locked.public_id, actor.pk)
    return locked


def _set_active(actor: User, field: CustomField, active: bool) -> CustomField:
    _require_manager(actor)
    with transaction.atomic():
        locked = CustomField.objects.select_for_update().get(pk=field.pk)
        if locked.is_active != active:
            if active:
                taken = _taken_labels(locked.target, locked.pk)
                clash = [name for name in (locked.label, locked.label_en) if name and name in taken]
                if clash:
                    raise ValidationError(
                        {
                            "label": [
                                _("Another field is already called “%(label)s”.")
                                % {"label": clash[0]}
                            ]
                        }
                    )
            locked.is_active = active
            locked.save(update_fields=["is_active"])
    logger.info("custom field %s active=%s by user %s", locked.public_id, active, actor.pk)
    return locked


def deactivate_custom_field(actor: User, field: CustomField) -> CustomField:
    """Hide a custom field from forms, lists and imports; stored values are kept."""
    return _set_active(actor, field, False)


def reactivate_custom_field(actor: User, field: CustomField) -> CustomField:
    """Show a deactivated custom field again, with the values records kept meanwhile."""
    return _set_active(actor, field, True)
