"""Template helpers of Kehu's pages."""

import datetime as dt
from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse

from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.org.policy import policy_for
from kehu.web.display import record_name

register = template.Library()


@register.simple_tag
def optional_url(name: str, fallback: str) -> str:
    """Return the URL of a route that another area may not have added yet, else `fallback`."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


@register.filter
def minutes(value: dt.timedelta | None) -> int:
    """Return a duration in whole minutes, rounded up so a lockout is never understated."""
    if value is None:
        return 0
    seconds = int(value.total_seconds())
    return (seconds + 59) // 60


@register.filter
def contains(values: Any, item: Any) -> bool:
    """Return whether a list (or a single value) contains `item`, comparing as text."""
    if isinstance(values, list | tuple | set):
        return str(item) in {str(value) for value in values}
    return str(values) == str(item)


@register.filter
def can(user: Any, capability: str) -> bool:
    """Return whether the signed-in user's role has `capability`: {% if user|can:"export" %}."""
    return bool(getattr(user, "is_authenticated", False) and user.has_capability(capability))


@register.filter
def name_for(customer: Any, user: Any) -> str:
    """Return the customer's name as the user's field policy shows it.

    Usage: {{ customer|name_for:user }}.
    """
    specs = field_map(FieldTarget.CUSTOMER)
    return record_name(policy_for(user), FieldTarget.CUSTOMER, specs, customer)
