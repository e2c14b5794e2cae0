"""Turn submitted product, deal, quote, contract and payment values into model values, or errors.

Each function takes field-key values as pages and the API send them (text or typed) and returns
model values, raising ValidationError keyed by field key with every problem at once.
"""

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.fields.values import clean_characters, parse_bool, parse_date, parse_decimal
from kehu.sales.models import PaymentMethod

NAME_LIMIT = 200
CODE_LIMIT = 60
UNIT_LIMIT = 20
REASON_LIMIT = 500
NOTES_LIMIT = 5000
SHORT_NOTE_LIMIT = 200
REFERENCE_LIMIT = 100
QUANTITY_PLACES = 3
# Quantities fit DealLine.quantity: 14 digits, 3 of them decimal places.
MAX_QUANTITY = Decimal(10) ** 11


def _text(raw: Any) -> str:
    return "" if raw is None else str(raw).strip()


def _limited(raw: Any, limit: int, *, multiline: bool = False) -> str:
    text = clean_characters(_text(raw), multiline=multiline)
    if len(text) > limit:
        raise ValueError(
            _("Use at most %(limit)d characters; this has %(count)d.")
            % {"limit": limit, "count": len(text)}
        )
    return text


def _required(raw: Any, limit: int) -> str:
    text = _limited(raw, limit)
    if not text:
        raise ValueError(_("This field is required."))
    return text


def money_value(raw: Any, *, required: bool = False) -> Decimal | None:
    """Parse an amount in yuan with at most two decimal places; negative amounts are invalid."""
    value = parse_decimal(raw, places=2)
    if value is None:
        if required:
            raise ValueError(_("This field is required."))
        return None
    if value < 0:
        raise ValueError(_("“%(value)s” is negative; enter 0 or more.") % {"value": raw})
    return value


def quantity_value(raw: Any) -> Decimal:
    value = parse_decimal(raw, places=QUANTITY_PLACES)
    if value is None:
        raise ValueError(_("This field is required."))
    if value <= 0:
        raise ValueError(
            _("“%(value)s” is not more than 0; enter a quantity above 0.") % {"value": raw}
        )
    if value >= MAX_QUANTITY:
        raise ValueError(_("“%(value)s” is too large for a quantity.") % {"value": raw})
    return value


def percent_value(raw: Any) -> Decimal:
    """Parse a percentage with at most two decimal places, from 0 to 100; empty is 0."""
    value = parse_decimal(raw, places=2)
    if value is None:
        return Decimal("0.00")
    if not Decimal(0) <= value <= Decimal(100):
        raise ValueError(_("“%(value)s” is not between 0 and 100.") % {"value": raw})
    return value


def _clean(
    values: Mapping[str, Any], cleaners: Mapping[str, Callable[[Any], Any]], prefix: str = ""
) -> dict[str, Any]:
    """Run the cleaner of each given key; unknown keys are errors too."""
    cleaned, errors = _clean_each(values, cleaners, prefix)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_each(
    values: Mapping[str, Any], cleaners: Mapping[str, Callable[[Any], Any]], prefix: str = ""
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Return the cleaned values that are valid and the errors of the others."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key, raw in values.items():
        cleaner = cleaners.get(key)
        if cleaner is None:
            errors[prefix + key] = [_("Unknown field “%(key)s”.") % {"key": key}]
            continue
        try:
            cleaned[key] = cleaner(raw)
        except ValueError as error:
            errors[prefix + key] = [str(error)]
    return cleaned, errors


def _bool_value(raw: Any) -> bool:
    value = parse_bool(raw)
    return bool(value)


PRODUCT_CLEANERS: dict[str, Callable[[Any], Any]] = {
    "name": lambda raw: _required(raw, NAME_LIMIT),
    "code": lambda raw: _required(raw, CODE_LIMIT),
    "unit": lambda raw: _limited(raw, UNIT_LIMIT),
    "list_price": lambda raw: money_value(raw) or Decimal("0.00"),
    "cost": money_value,
    "is_active": _bool_value,
}

DEAL_CLEANERS: dict[str, Callable[[Any], Any]] = {
    "name": lambda raw: _required(raw, NAME_LIMIT),
    "amount": lambda raw: money_value(raw) or Decimal("0.00"),
    "expected_close_on": parse_date,
}

LINE_CLEANERS: dict[str, Callable[[Any], Any]] = {
    "quantity": quantity_value,
    "unit_price": lambda raw: money_value(raw, required=True),
}


QUOTE_CLEANERS: dict[str, Callable[[Any], Any]] = {
    "title": lambda raw: _required(raw, NAME_LIMIT),
    "valid_until": parse_date,
    "notes": lambda raw: _limited(raw, NOTES_LIMIT, multiline=True),
}

QUOTE_LINE_CLEANERS: dict[str, Callable[[Any], Any]] = {
    "description": lambda raw: _limited(raw, NAME_LIMIT),
    "quantity": quantity_value,
    "unit_price": lambda raw: money_value(raw, required=True),
    "discount_percent": percent_value,
    "tax_percent": percent_value,
}


def clean_product(values: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    cleaned = _clean(values, PRODUCT_CLEANERS)
    if not partial:
        missing = {
            key: [_("This field is required.")] for key in ("name", "code") if key not in values
        }
        if missing:
            raise ValidationError(missing)
    return cleaned


def clean_deal(values: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Clean the deal's own fields; the customer, owner and stage are passed as records."""
    cleaned = _clean(values, DEAL_CLEANERS)
    if not partial and "name" not in values:
        raise ValidationError({"name": [_("This field is required.")]})
    return cleaned


def clean_line(values: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """Clean one line's quantity and unit price; errors are keyed "lines.<n>.<field>"."""
    return _clean(values, LINE_CLEANERS, prefix)


def clean_reason(raw: Any) -> str:
    try:
        return _limited(raw, REASON_LIMIT)
    except ValueError as error:
        raise ValidationError({"lost_reason": [str(error)]}) from None


def clean_quote(values: Mapping[str, Any]) -> dict[str, Any]:
    """Clean a quote version's title, validity date and notes."""
    cleaned = _clean(values, QUOTE_CLEANERS)
    if "title" not in values:
        raise ValidationError({"title": [_("This field is required.")]})
    return cleaned


def clean_quote_line(values: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """Clean one quote line's own values (not its product); errors are keyed `prefix` + field.

    A missing value is cleaned as empty: quantity and unit price are then required errors, and
    discount and tax become 0.
    """
    missing = dict.fromkeys(("quantity", "unit_price", "discount_percent", "tax_percent"))
    return _clean({**missing, **values}, QUOTE_LINE_CLEANERS, prefix)


def positive_money(raw: Any) -> Decimal:
    """Parse a required amount in yuan that is more than 0."""
    value = money_value(raw, required=True)
    if value is None or value <= 0:
        raise ValueError(
            _("“%(value)s” is not more than 0; enter an amount above 0.") % {"value": raw}
        )
    return value


def _required_date(raw: Any) -> dt.date:
    value = parse_date(raw)
    if value is None:
        raise ValueError(_("This field is required."))
    return value


CONTRACT_CLEANERS: dict[str, Callable[[Any], Any]] = {
    "title": lambda raw: _required(raw, NAME_LIMIT),
    "amount": lambda raw: money_value(raw, required=True),
    "start_on": _required_date,
    "end_on": parse_date,
    "signed_on": parse_date,
    "notes": lambda raw: _limited(raw, NOTES_LIMIT, multiline=True),
}
CONTRACT_REQUIRED = ("title", "amount", "start_on")

PLAN_CLEANERS: dict[str, Callable[[Any], Any]] = {
    "due_on": _required_date,
    "amount": positive_money,
    "note": lambda raw: _limited(raw, SHORT_NOTE_LIMIT),
}

RECEIPT_CLEANERS: dict[str, Callable[[Any], Any]] = {
    "received_on": _required_date,
    "amount": positive_money,
    "method": lambda raw: _choice(raw, PaymentMethod),
    "reference": lambda raw: _limited(raw, REFERENCE_LIMIT),
    "note": lambda raw: _limited(raw, SHORT_NOTE_LIMIT),
}


def _choice(raw: Any, choices: type[models.TextChoices]) -> str:
    text = _text(raw)
    if not text:
        raise ValueError(_("This field is required."))
    if text in choices.values:
        return text
    for value, label in choices.choices:
        if text == str(label):
            return str(value)
    raise ValueError(_("“%(value)s” is not one of the choices.") % {"value": raw})


def clean_contract(values: Mapping[str, Any]) -> dict[str, Any]:
    """Clean a contract's terms and raise ValidationError with every problem at once.

    Title, amount and start date are required. The end date may not come before the start
    date, and the signing date may not lie in the future.
    """
    missing = dict.fromkeys(key for key in CONTRACT_REQUIRED if key not in values)
    cleaned, errors = _clean_each({**missing, **values}, CONTRACT_CLEANERS)
    start, end = cleaned.get("start_on"), cleaned.get("end_on")
    if start is not None and end is not None and end < start:
        errors["end_on"] = [
            _("The end date %(end)s is before the start date %(start)s.")
            % {"end": end.isoformat(), "start": start.isoformat()}
        ]
    signed = cleaned.get("signed_on")
    if signed is not None and signed > clock.today():
        errors["signed_on"] = [
            _("The date %(date)s is in the future.") % {"date": signed.isoformat()}
        ]
    if errors:
        raise ValidationError(errors)
    return cleaned


def clean_plan(values: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """Clean one instalment; errors are keyed `prefix` + field."""
    missing = dict.fromkeys(("due_on", "amount"))
    return _clean({**missing, **values}, PLAN_CLEANERS, prefix)


def clean_receipt(values: Mapping[str, Any]) -> dict[str, Any]:
    """Clean a payment received: date, amount and method are required."""
    missing = dict.fromkeys(("received_on", "amount", "method"))
    return _clean({**missing, **values}, RECEIPT_CLEANERS)


def clean_comment(raw: Any, *, required: bool = False) -> str:
    try:
        return _required(raw, REASON_LIMIT) if required else _limited(raw, REASON_LIMIT)
    except ValueError as error:
        raise ValidationError({"comment": [str(error)]}) from None


def clean_void_reason(raw: Any) -> str:
    """Return the required reason for voiding a receipt, or raise ValidationError on "reason"."""
    try:
        return _required(raw, REASON_LIMIT)
    except ValueError as error:
        raise ValidationError({"reason": [str(error)]}) from None
