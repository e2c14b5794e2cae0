"""Limits on how many customers a user may own, checked by every write that gives customers away.

Records sit below the features that set such limits (the public pool's capacity, 库容), so the
features register their checks here when Django starts, and customer writes, imports, claims and
assignment rules call `check_room` or `has_room` without knowing who set the limit.
"""

from collections.abc import Callable

from django.core.exceptions import ValidationError

from kehu.org.models import User

# A check raises django.core.exceptions.ValidationError when `owner` may not receive `adding`
# more customers; it runs inside the writing transaction.
RoomCheck = Callable[[User, int], None]

_checks: list[RoomCheck] = []


def register(check: RoomCheck) -> None:
    """Add a check that every new owner must pass; registering the same one twice keeps one."""
    if check not in _checks:
        _checks.append(check)


def check_room(owner: User, adding: int = 1) -> None:
    """Raise ValidationError unless `owner` may receive `adding` more customers."""
    for check in _checks:
        check(owner, adding)


def has_room(owner: User, adding: int = 1) -> bool:
    """Return whether `owner` may receive `adding` more customers."""
    try:
        check_room(owner, adding)
    except ValidationError:
        return False
    return True
