"""Day counting for the reclaim rules, in the local time zone (settings.TIME_ZONE, Asia/Shanghai).

A rule's clock starts at a moment S (a follow-up, or the time the owner received the customer).
Days are counted on local dates, never in 24-hour periods: with D0 the local date of S, a
customer is due on the date N days after D0, and the sweep of any day from that date on
reclaims it. In calendar days the due date is D0 + N. In working days it is the N-th Chinese
working day after D0 (weekends and public holidays skipped, make-up working days counted), so
a follow-up at 23:59 starts its count one day earlier than one at 00:00 the next day.

Working days come from the chinese_calendar package, which covers the years the State Council
has announced. For a date outside them, Monday to Friday count as working days and a warning is
logged once per year.
"""

import datetime as dt
import functools
import logging
import zoneinfo

import chinese_calendar
from django.conf import settings

logger = logging.getLogger(__name__)

ONE_DAY = dt.timedelta(days=1)


def local_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def local_date(moment: dt.datetime) -> dt.date:
    """Return the local date of an aware moment."""
    return moment.astimezone(local_zone()).date()


def start_of_day(day: dt.date) -> dt.datetime:
    """Return local midnight at the start of `day`, as an aware datetime."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=local_zone())


@functools.cache
def _warn_unknown_year(year: int) -> None:
    logger.warning(
        "chinese_calendar has no holidays for %s; counting Monday to Friday as working days",
        year,
    )


# chinese_calendar checks each date against its whole holiday table, tens of microseconds a call,
# and the warnings of one sweep count through hundreds of thousands of days, so results are cached.
@functools.lru_cache(maxsize=8192)
def is_working_day(day: dt.date) -> bool:
    """Return whether `day` is a working day in mainland China."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        _warn_unknown_year(day.year)
        return day.weekday() < 5


def due_date(start: dt.date, days: int, *, working_days: bool) -> dt.date:
    """Return the date `days` days after `start`: the first date its customer is due."""
    if not working_days:
        return start + dt.timedelta(days=days)
    day = start
    counted = 0
    while counted < days:
        day += ONE_DAY
        if is_working_day(day):
            counted += 1
    return day


def latest_start(today: dt.date, days: int, *, working_days: bool) -> dt.date:
    """Return the latest start date whose customer is due on `today`.

    The inverse of `due_date`: due_date(start) <= today exactly when start <= latest_start.
    In working days, the N-th working day counted back from `today` (inclusive) is the first
    day that must lie after the start, so the start is at latest the day before it.
    """
    if not working_days or days == 0:
        return today - dt.timedelta(days=days)
    day = today
    counted = 0
    while True:
        if is_working_day(day):
            counted += 1
            if counted == days:
                return day - ONE_DAY
        day -= ONE_DAY


def cutoff(today: dt.date, days: int, *, working_days: bool) -> dt.datetime:
    """Return the moment before which a rule's clock must have started for it to fire `today`.

    A customer is due when its start moment is earlier than this (local midnight after the
    latest start date).
    """
    return start_of_day(latest_start(today, days, working_days=working_days) + ONE_DAY)
