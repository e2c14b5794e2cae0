"""Template helpers of Kehu's pages."""

import datetime as dt
import html
from collections.abc import Iterable
from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe

from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.leads.queries import may_work_leads
from kehu.org.models import Capability, User
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
def may_create_leads(user: Any) -> bool:
    """Return whether the nav shows the leads: roles that work leads and may create them."""
    if not isinstance(user, User):
        return False
    return may_work_leads(user) and user.has_capability(Capability.CREATE)


@register.filter
def name_for(customer: Any, user: Any) -> str:
    """Return the customer's name as the user's field policy shows it.

    Usage: {{ customer|name_for:user }}.
    """
    specs = field_map(FieldTarget.CUSTOMER)
    return record_name(policy_for(user), FieldTarget.CUSTOMER, specs, customer)


# The customer list repeats these for each of its 50 rows and each choice of its filters.
# Python builds them in a fraction of the time the same template loops take. Plain strings are
# escaped with the standard library's html.escape, as the template would escape them.


def _escaped(value: Any) -> str:
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


@register.simple_tag
def select_options(choices: Iterable[tuple[str, str]], selected: str) -> SafeString:
    """Return the <option> elements of (value, label) pairs, marking the `selected` value."""
    return mark_safe(  # every value and label is escaped
        "".join(
            f'<option value="{_escaped(value)}"{" selected" if value == selected else ""}>'
            f"{_escaped(label)}</option>"
            for value, label in choices
        )
    )


@register.filter
def table_cells(cells: Iterable[Any]) -> SafeString:
    """Return the texts of `cells` as escaped <td> elements."""
    return mark_safe("".join(f"<td>{_escaped(cell)}</td>" for cell in cells))
