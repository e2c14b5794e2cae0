from typing import Any

from django import template

from kehu.org.models import User
from kehu.pool import due, queries

register = template.Library()


@register.simple_tag
def due_warning_count(user: User) -> int:
    """Return how many of the user's customers the last sweeps warned about; for the nav badge."""
    return due.warning_count(user)


@register.filter
def may_use_pools(user: Any) -> bool:
    """Return whether the nav shows the public pool: {% if user|may_use_pools %}."""
    return isinstance(user, User) and queries.may_use_pools(user)
