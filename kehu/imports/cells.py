"""Turn spreadsheet cell values into field input values, refusing any that would lose data.

Excel stores every number as a double, which keeps 15 significant digits: an 11-digit mobile
read as 13800138000.0 is recovered exactly, but an 18-digit credit code stored as a number has
already lost its last digits and is rejected, never written as 9.11101081234568e+17.
"""

import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.fields.values import EXCEL_EPOCH, parse_bool, parse_date
from kehu.imports.readers import CellValue

# Integers from 10**15 up may have lost digits in a double (and Excel keeps 15 digits).
EXACT_DIGITS_LIMIT = 10**15
# Excel serial numbers of 1900-01-01 and 9999-12-31.
_SERIAL_RANGE = (1, 2958466)
_TIME_PART = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def to_text(value: CellValue) -> str:
    """Return a cell as text; whole numbers lose their ".0", dates read as ISO dates."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            if abs(value) >= EXACT_DIGITS_LIMIT:
                raise ValueError(
                    _(
                        "The cell holds the number %(value)s, which has lost its last digits "
                        "because spreadsheets keep only 15; format the column as text and enter "
                        "the value again."
                    )
                    % {"value": f"{value:.15g}"}
                )
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if value.time() else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, dt.timedelta):
        return str(value)
    return value.strip()


def to_date(value: CellValue) -> dt.date | None:
    """Return a date from a date cell, an Excel serial number or text such as 2024年3月5日."""
    if isinstance(value, bool):
        raise ValueError(_("“%(value)s” is not a valid date.") % {"value": value})
    if isinstance(value, int | float):
        if not (_SERIAL_RANGE[0] <= value < _SERIAL_RANGE[1]) or not float(value).is_integer():
            raise ValueError(_("“%(value)s” is not a valid date.") % {"value": value})
        return EXCEL_EPOCH + dt.timedelta(days=int(value))
    if isinstance(value, dt.time | dt.timedelta):
        raise ValueError(_("“%(value)s” is not a valid date.") % {"value": value})
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) == 5:
        # A five-digit serial that a CSV export wrote as text, such as 45356.
        return to_date(int(value.strip()))
    return parse_date(value)


def to_datetime(value: CellValue) -> dt.datetime | None:
    """Return an aware time from a date-time cell, a serial number with a fraction, or text.

    A date without a time means the start of that day in the active time zone.
    """
    if isinstance(value, str) and not value.strip():
        return None
    moment: dt.datetime
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not (_SERIAL_RANGE[0] <= value < _SERIAL_RANGE[1]):
            raise ValueError(_("“%(value)s” is not a valid date and time.") % {"value": value})
        seconds = round((float(value) - int(value)) * 86400)
        day = EXCEL_EPOCH + dt.timedelta(days=int(value))
        moment = dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)
    else:
        moment = _parse_datetime_text(to_text(value))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _parse_datetime_text(text: str) -> dt.datetime:
    normalised = text.replace("T", " ").strip()
    date_part, _space, time_part = normalised.partition(" ")
    try:
        day = parse_date(date_part)
    except ValueError:
        day = None
    if day is None:
        raise ValueError(
            _("“%(value)s” is not a valid date and time; use a form such as 2024-03-05 13:30.")
            % {"value": text}
        )
    time_part = time_part.strip()
    if not time_part:
        return dt.datetime.combine(day, dt.time())
    match = _TIME_PART.match(time_part)
    if match is None:
        raise ValueError(
            _("“%(value)s” is not a valid date and time; use a form such as 2024-03-05 13:30.")
            % {"value": text}
        )
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    try:
        return dt.datetime.combine(day, dt.time(hour, minute, second))
    except ValueError:
        raise ValueError(
            _("“%(value)s” is not a valid date and time; use a form such as 2024-03-05 13:30.")
            % {"value": text}
        ) from None


def to_bool(value: CellValue) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value in (0.0, 1.0):
        return value == 1.0
    return parse_bool(to_text(value))
