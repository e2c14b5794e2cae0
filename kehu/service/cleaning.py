"""Turn submitted ticket values into model values, or field errors.

Each function takes field-key values as pages and the API send them and returns model values,
raising ValidationError keyed by field key with every problem at once. Choices accept their value
or their label in the active language.
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.fields.values import clean_characters

SUBJECT_LIMIT = 200
TEXT_LIMIT = 10000
# Keys a ticket edit may set; the others change through their own action.
EDITABLE_KEYS = ("subject", "category", "priority", "description", "resolution")
# Keys that change only through their own service function, or never.
PROTECTED_KEYS = (
    "number",
    "status",
    "assignee",
    "opened_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "created_by",
    "replies",
)


def _text(raw: Any) -> str:
    return "" if raw is None else str(raw).strip()


def limited_text(raw: Any, limit: int) -> str:
    """Return `raw` stripped; raise ValueError when it is longer than `limit` characters.

    A subject (up to SUBJECT_LIMIT) is one line, longer texts may hold line breaks; control
    characters are handled by `clean_characters` either way.
    """
    text = clean_characters(_text(raw), multiline=limit > SUBJECT_LIMIT)
    if len(text) > limit:
        raise ValueError(
            _("Use at most %(limit)d characters; this has %(count)d.")
            % {"limit": limit, "count": len(text)}
        )
    return text


def choice(key: str, raw: Any) -> str:
    """Return the value of ticket choice field `key` that `raw` names, or raise ValueError."""
    text = _text(raw)
    value = field_map(FieldTarget.TICKET)[key].choice_value(text) if text else None
    if value is None:
        if not text:
            raise ValueError(_("This field is required."))
        raise ValueError(_("“%(value)s” is not one of the choices.") % {"value": text})
    return value


def _clean_one(key: str, raw: Any) -> Any:
    if key == "subject":
        subject = limited_text(raw, SUBJECT_LIMIT)
        if not subject:
            raise ValueError(_("This field is required."))
        return subject
    if key in ("category", "priority"):
        return choice(key, raw)
    return limited_text(raw, TEXT_LIMIT)


def clean_ticket(values: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Clean the editable fields of a ticket.

    A new ticket needs a subject and a category; its priority defaults to normal. With
    `partial`, only the keys present are cleaned. Unknown keys are errors, so a misspelt key is
    not dropped without notice.
    """
    errors: dict[str, list[str]] = {}
    for key in values:
        if key in PROTECTED_KEYS:
            errors[key] = [_("This field changes only through its own action.")]
        elif key not in EDITABLE_KEYS:
            errors[key] = [_("Unknown field “%(key)s”.") % {"key": key}]
    cleaned: dict[str, Any] = {}
    keys = [key for key in EDITABLE_KEYS if key in values]
    if not partial:
        keys = [key for key in EDITABLE_KEYS if key in values or key in ("subject", "category")]
    for key in keys:
        try:
            cleaned[key] = _clean_one(key, values.get(key))
        except ValueError as error:
            errors[key] = [str(error)]
    if errors:
        raise ValidationError(errors)
    return cleaned


def clean_body(raw: Any) -> str:
    """Return a reply body, or raise ValidationError on "body" when it is empty or too long."""
    try:
        body = limited_text(raw, TEXT_LIMIT)
    except ValueError as error:
        raise ValidationError({"body": [str(error)]}) from None
    if not body:
        raise ValidationError({"body": [_("Write the reply.")]})
    return body
