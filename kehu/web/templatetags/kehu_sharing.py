"""Template helpers of the sharing panel that the customer page includes."""

from typing import Any

from django import template

from kehu.customers import sharing
from kehu.customers.models import Customer
from kehu.org.models import User

register = template.Library()


@register.simple_tag(takes_context=True)
def may_share(context: dict[str, Any], customer: Customer) -> bool:
    """Return whether the signed-in user may share `customer`: {% may_share customer as ok %}."""
    user = context.get("user")
    return isinstance(user, User) and sharing.may_share(user, customer)
