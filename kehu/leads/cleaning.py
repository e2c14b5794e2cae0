"""Turn incoming lead values into model values, or field-level errors.

Names, phones, email and WeChat ID are cleaned as a contact's are, and province, city and
industry as a customer's are, so a lead converts without a value being rejected then.
"""

import json
from collections.abc import Collection, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kehu.customers.cleaning import clean_contact, clean_customer
from kehu.fields.values import clean_characters
from kehu.leads.models import FORM_FIELDS, form_field_labels

CONTACT_KEYS = ("name", "title", "mobile", "phone", "email", "wechat")
CUSTOMER_KEYS = ("province", "city", "industry", "source")
# The fields of which a lead needs at least one, so the person can be reached.
REACH_KEYS = ("mobile", "phone", "email", "wechat")
# Maximum characters of the company name and of the message.
COMPANY_LIMIT = 200
MESSAGE_LIMIT = 2000


def _text(raw: Any) -> str:
    return "" if raw is None else str(raw).strip()


def _limited(raw: Any, limit: int, *, multiline: bool) -> str:
    text = clean_characters(_text(raw), multiline=multiline)
    if len(text) > limit:
        raise ValueError(
            _("At most %(limit)d characters, got %(count)d.") % {"limit": limit, "count": len(text)}
        )
    return text


def _shown(raw: Any) -> str:
    """Return a short JSON-like text of a value that is not a string, for an error message."""
    text = json.dumps(raw, ensure_ascii=False, default=str)
    return text if len(text) <= 40 else text[:39] + "…"


def _collect(errors: dict[str, list[str]], error: ValidationError) -> None:
    for key, messages in error.message_dict.items():
        errors.setdefault(key, []).extend(messages)


def clean_lead(
    values: Mapping[str, Any], *, partial: bool = False, required: Collection[str] = ()
) -> dict[str, Any]:
    """Return model values of a lead, or raise ValidationError keyed by field.

    Keys are the form fields (FORM_FIELDS) and "source". A lead needs a name and a way to reach
    the person (a mobile, phone, email or WeChat ID) unless `partial`; `required` names more
    fields that must not be empty.
    """
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    unknown = [key for key in values if key not in (*FORM_FIELDS, "source")]
    for key in unknown:
        errors.setdefault(key, []).append(_("Unknown field “%(key)s”.") % {"key": key})

    labels = form_field_labels()
    for key, raw in values.items():
        if raw is not None and not isinstance(raw, str):
            errors.setdefault(key, []).append(
                _("“%(field)s” must be text, not %(value)s.")
                % {"field": labels.get(key, key), "value": _shown(raw)}
            )
    values = {key: raw for key, raw in values.items() if key not in errors}

    # One field at a time, so a bad mobile does not also lose the name beside it.
    for key in CONTACT_KEYS:
        if key in values:
            try:
                cleaned.update(clean_contact({key: values[key]}, partial=True))
            except ValidationError as error:
                _collect(errors, error)
    customer_values = {key: values[key] for key in CUSTOMER_KEYS if key in values}
    if customer_values:
        try:
            found = clean_customer(customer_values, partial=True)
        except ValidationError as error:
            _collect(errors, error)
        else:
            kept = ("province_code", "city_code", "industry", "source")
            cleaned.update({key: value for key, value in found.items() if key in kept})
    for key, limit in (("company", COMPANY_LIMIT), ("message", MESSAGE_LIMIT)):
        if key in values:
            try:
                cleaned[key] = _limited(values[key], limit, multiline=key == "message")
            except ValueError as error:
                errors.setdefault(key, []).append(str(error))

    for key in required:
        stored = {"province": "province_code", "city": "city_code"}.get(key, key)
        if not cleaned.get(stored) and key not in errors:
            errors.setdefault(key, []).append(
                _("“%(field)s” is required.") % {"field": labels.get(key, key)}
            )
    wants_name = not partial or "name" in values
    if wants_name and not cleaned.get("name") and "name" not in errors:
        errors.setdefault("name", []).append(_("Enter the person's name."))
    reachable = any(cleaned.get(key) for key in REACH_KEYS)
    if not partial and not reachable and not any(key in errors for key in REACH_KEYS):
        # Keyed to the first way of reaching the person that the submission contains, so a
        # form with an email input but no mobile input shows the message beside the email.
        key = next((key for key in REACH_KEYS if key in values), "mobile")
        errors.setdefault(key, []).append(
            _("Enter a mobile number, phone, email or WeChat ID so the person can be reached.")
        )
    if errors:
        raise ValidationError(errors)
    return cleaned
