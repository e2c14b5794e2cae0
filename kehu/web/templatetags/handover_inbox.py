"""The menu badge of the successor's handover inbox."""

from django import template

from kehu.handover.briefing import inbox_count
from kehu.org.models import User

register = template.Library()


@register.simple_tag
def handover_inbox_count(user: User) -> int:
    """Return how many handed-over customers wait for the user's first follow-up."""
    return inbox_count(user) if isinstance(user, User) else 0
