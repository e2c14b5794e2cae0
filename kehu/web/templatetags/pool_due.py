from django import template

from kehu.org.models import User
from kehu.pool import due

register = template.Library()


@register.simple_tag
def due_warning_count(user: User) -> int:
    """Return how many of the user's customers the last sweeps warned about; for the nav badge."""
    return due.warning_count(user)
