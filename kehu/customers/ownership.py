"""Limits on how many customers a user may own, checked by every write that gives customers away.

Records sit below the features that set such limits, such as the public pool's capacity (库容).
Those features register their checks here when Django starts. Customer writes, imports, claims
and assignment rules then call `check_room` or `has_room` without knowing who set the limit.
"""

from collections.abc import Callable

from django.core.exceptions import ValidationError

from kehu.org.models import User

# A check raises django.core.exceptions.ValidationError when `owner` may not receive `adding`
# more customers; it runs inside the writing transaction.
RoomCheck = Callable[[User, int], None]

_checks: list[RoomCheck] = []

# A hook runs inside the writing transaction after customers received an owner through a write
# outside the feature that registered it, such as a manager's transfer. It gets their ids, so
# the feature can drop what only an unowned customer has, such as a public pool entry.
ReceivedHook = Callable[[list[int]], None]

_received_hooks: list[ReceivedHook] = []


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


def room(owner: User, wanted: int) -> tuple[int, str]:
    """Return how many of `wanted` more customers `owner` may receive, and why not more.

    The text is the message of the check that stops the next customer, empty when all fit.
    Searches by halves, so it runs the checks about log2(wanted) times.
    """
    try:
        check_room(owner, wanted)
    except ValidationError:
        pass
    else:
        return wanted, ""
    low, high = 0, wanted - 1
    while low < high:
        middle = (low + high + 1) // 2
        if has_room(owner, middle):
            low = middle
        else:
            high = middle - 1
    try:
        check_room(owner, low + 1)
    except ValidationError as error:
        return low, " ".join(error.messages)
    return low, ""


def register_received(hook: ReceivedHook) -> None:
    """Add a hook that `received` runs; registering the same one twice keeps one."""
    if hook not in _received_hooks:
        _received_hooks.append(hook)


def received(customer_ids: list[int]) -> None:
    """Run the registered hooks for customers that just received an owner."""
    for hook in _received_hooks:
        hook(customer_ids)
