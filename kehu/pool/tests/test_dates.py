"""Day counting of the reclaim rules: local dates, calendar and Chinese working days."""

import datetime as dt
import logging

import pytest

from kehu.pool import dates

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def test_local_date_uses_shanghai() -> None:
    assert dates.local_date(dt.datetime(2026, 3, 1, 15, 59, tzinfo=dt.UTC)) == dt.date(2026, 3, 1)
    assert dates.local_date(dt.datetime(2026, 3, 1, 16, 0, tzinfo=dt.UTC)) == dt.date(2026, 3, 2)


def test_start_of_day_is_local_midnight() -> None:
    assert dates.start_of_day(dt.date(2026, 3, 2)) == dt.datetime(2026, 3, 1, 16, 0, tzinfo=dt.UTC)


def test_calendar_due_date() -> None:
    assert dates.due_date(dt.date(2026, 3, 1), 30, working_days=False) == dt.date(2026, 3, 31)
    assert dates.due_date(dt.date(2026, 3, 1), 0, working_days=False) == dt.date(2026, 3, 1)


def test_cutoff_splits_at_local_midnight() -> None:
    moment = dates.cutoff(dt.date(2026, 3, 31), 30, working_days=False)

    assert dt.datetime(2026, 3, 1, 23, 59, tzinfo=SHANGHAI) < moment
    assert dt.datetime(2026, 3, 2, 0, 0, tzinfo=SHANGHAI) >= moment


def test_working_days_skip_national_day_2026() -> None:
    # 2026-09-30 is a Wednesday; 1-7 October are holidays and Saturday 10 October is a make-up
    # working day, so the first working day after 30 September is 8 October.
    assert dates.due_date(dt.date(2026, 9, 30), 1, working_days=True) == dt.date(2026, 10, 8)
    assert dates.due_date(dt.date(2026, 9, 30), 3, working_days=True) == dt.date(2026, 10, 10)
    assert dates.due_date(dt.date(2026, 9, 30), 4, working_days=True) == dt.date(2026, 10, 12)


@pytest.mark.parametrize("working", [True, False])
def test_latest_start_inverts_due_date(working: bool) -> None:
    for offset in range(0, 60):
        today = dt.date(2026, 9, 1) + dt.timedelta(days=offset)
        for days in (0, 1, 3, 15):
            latest = dates.latest_start(today, days, working_days=working)
            assert dates.due_date(latest, days, working_days=working) <= today
            after = latest + dates.ONE_DAY
            assert dates.due_date(after, days, working_days=working) > today, (today, days)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_unknown_year_falls_back_to_weekdays() -> None:
    dates._warn_unknown_year.cache_clear()
    records = _Records()
    logger = logging.getLogger("kehu.pool.dates")
    logger.addHandler(records)
    try:
        assert dates.is_working_day(dt.date(2099, 1, 2))  # a Friday
        assert not dates.is_working_day(dt.date(2099, 1, 3))  # a Saturday
        assert dates.is_working_day(dt.date(2099, 1, 5))  # a Monday
    finally:
        logger.removeHandler(records)

    assert len([message for message in records.messages if "2099" in message]) == 1
    assert dates.due_date(dt.date(2099, 1, 2), 1, working_days=True) == dt.date(2099, 1, 5)
