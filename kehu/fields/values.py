"""Parsing and checking field values by type, shared by forms, the API and the importer.

Every parser takes what a person typed or a spreadsheet cell held and returns the stored value,
or raises ValueError with a message that names the value. Nothing is guessed: a value that does
not fit its type is an error.
"""

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from kehu.core.money import MAX_AMOUNT
from kehu.fields.models import FieldType
from kehu.fields.registry import FieldSpec

# Excel counts days from 1899-12-30 (its 1900 leap-year bug folded in), so serial 45356 is
# 2024-03-05.
EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_PATTERNS = [
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
# Numbers and money stay below 10^13, so a value with two decimal places has at most 15
# significant digits. SQLite stores decimal columns as doubles and Django reads them back with
# 15 digits, so larger values came back rounded or failed to load.
MAX_NUMBER = MAX_AMOUNT
# Line breaks and tabs, which a one-line field turns into spaces: spreadsheet cells often hold them.
_LINE_SPACE = re.compile(r"[\t\n\r\v\f\x85\u2028\u2029]+")
_TRUE_WORDS = {"是", "有", "对", "√", "✓", "y", "yes", "true", "t", "1"}
_FALSE_WORDS = {"否", "无", "不是", "×", "✗", "n", "no", "false", "f", "0"}


def clean_characters(text: str, *, multiline: bool = False) -> str:
    """Return `text` with the characters a stored value may not hold dealt with.

    A one-line field gets a space for each run of line breaks and tabs; a multi-line one keeps
    them. Any other control character (such as NUL) and any lone surrogate, which no text
    encoding can store, is an error that names its position.
    """
    if not multiline:
        text = _LINE_SPACE.sub(" ", text)
    for position, character in enumerate(text, start=1):
        if character in "\t\n\r" and multiline:
            continue
        if unicodedata.category(character) in ("Cc", "Cs"):
            raise ValueError(
                _(
                    "The value holds an invisible control character (U+%(code)04X) at position "
                    "%(position)d; remove it and try again."
                )
                % {"code": ord(character), "position": position}
            )
    return text


def parse_date(raw: Any, *, allow_serial: bool = False) -> dt.date | None:
    """Parse a date from a date, datetime, ISO or Chinese text, or an Excel serial number."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if allow_serial and isinstance(raw, int | float) and not isinstance(raw, bool):
        if 1 <= raw < 2958466:
            return EXCEL_EPOCH + dt.timedelta(days=int(raw))
        raise ValueError(_("“%(value)s” is not a valid date.") % {"value": raw})
    text = str(raw).strip()
    # A date-time keeps only its date part: "2024-03-05 13:13:13".
    text = re.split(r"[ T]", text, maxsplit=1)[0] if re.match(r"^\d{4}\D", text) else text
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                break
    raise ValueError(
        _("“%(value)s” is not a valid date; use a form such as 2024-03-05 or 2024年3月5日.")
        % {"value": raw}
    )


def parse_decimal(raw: Any, *, places: int | None = None) -> Decimal | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise ValueError(_("“%(value)s” is not a number.") % {"value": raw})
    text = str(raw).strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "")
    text = text.removesuffix("元")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("“%(value)s” is not a number.") % {"value": raw}) from None
    if not value.is_finite():
        raise ValueError(_("“%(value)s” is not a number.") % {"value": raw})
    if abs(value) >= MAX_NUMBER:
        raise ValueError(
            _("“%(value)s” is too large; the largest allowed number is 9,999,999,999,999.99.")
            % {"value": raw}
        )
    if places is not None:
        rounded = value.quantize(Decimal(1).scaleb(-places))
        # Trailing zeros are not places: 0.10000 is 0.10.
        if rounded != value:
            raise ValueError(
                _("“%(value)s” has more than %(places)d decimal places.")
                % {"value": raw, "places": places}
            )
        value = rounded
    return value


def parse_bool(raw: Any) -> bool | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE_WORDS:
        return True
    if text in _FALSE_WORDS:
        return False
    raise ValueError(_("“%(value)s” is not yes or no (是/否).") % {"value": raw})


def split_multi(raw: Any) -> list[str]:
    """Split a cell holding several values: commas, semicolons, slashes, 、 or new lines."""
    if raw is None:
        return []
    if isinstance(raw, list | tuple):
        return [str(item).strip() for item in raw if str(item).strip()]
    parts = re.split(r"[,，;；、/|\n]+", str(raw))
    return [part.strip() for part in parts if part.strip()]


def _choice_value(spec: FieldSpec, raw: str) -> str:
    text = raw.strip()
    for value, label in spec.choices:
        if text == value or text == str(label) or text.lower() == value.lower():
            return value
    allowed = "、".join(str(label) for _v, label in spec.choices)
    raise ValueError(
        _("“%(value)s” is not one of the choices: %(choices)s.")
        % {"value": raw, "choices": allowed}
    )


def clean_custom_value(spec: FieldSpec, raw: Any, *, allow_serial: bool = False) -> Any:
    """Return the JSON-storable value of a custom field, or None when empty.

    Money is stored as a string with two decimals, so no float rounding touches it. Numbers are
    stored as JSON numbers, so they sort numerically.
    """
    if raw is None or (isinstance(raw, str) and raw.strip() == "") or raw == []:
        return None
    match spec.field_type:
        case FieldType.TEXT:
            text = str(raw).strip()
            if len(text) > 500:
                raise ValueError(_("The text is longer than 500 characters."))
            return text
        case FieldType.NUMBER:
            number = parse_decimal(raw)
            assert number is not None
            return int(number) if number == number.to_integral_value() else float(number)
        case FieldType.MONEY:
            money = parse_decimal(raw, places=2)
            assert money is not None
            return str(money)
        case FieldType.DATE:
            date = parse_date(raw, allow_serial=allow_serial)
            return date.isoformat() if date else None
        case FieldType.CHOICE:
            return _choice_value(spec, str(raw))
        case FieldType.MULTI_CHOICE:
            return [_choice_value(spec, item) for item in split_multi(raw)]
    raise ValueError(_("Fields of type %(type)s cannot be set here.") % {"type": spec.field_type})
