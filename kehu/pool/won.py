"""Which customers count as won, for the capacity limit and the reclaim rules alike.

A customer is won when its status is "signed" (CustomerStatus.WON). Approving a contract sets
that status (kehu.sales.contracts), and a user may set it by hand. A deal in a won stage alone
does not make a customer won, so a stage edit never changes a rep's capacity.
"""

from django.db.models import Q

from kehu.customers.choices import CustomerStatus


def won_customers_q(prefix: str = "") -> Q:
    """Return a filter matching won customers; `prefix` ("customer__") reaches them by relation."""
    return Q(**{f"{prefix}status": CustomerStatus.WON})


def not_won_customers_q(prefix: str = "") -> Q:
    """Return a filter matching the customers that count against an owner's capacity."""
    return ~won_customers_q(prefix)
