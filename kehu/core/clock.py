"""The one clock Kehu reads, so tests can move time across day boundaries."""

import datetime as dt

from django.utils import timezone

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """Return the current aware time (UTC), or the frozen time set by tests."""
    return _frozen if _frozen is not None else timezone.now()


def today() -> dt.date:
    """Return today's date in the active time zone (Asia/Shanghai by default)."""
    return timezone.localdate(now())


def freeze(moment: dt.datetime | None) -> None:
    """Freeze the clock at an aware moment; None unfreezes it. For tests only."""
    global _frozen
    if moment is not None and timezone.is_naive(moment):
        raise ValueError("freeze() needs an aware datetime")
    _frozen = moment
