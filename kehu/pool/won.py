"""Which customers count as won, for the capacity limit and the reclaim rules alike.

A customer is won when its status is "signed" (CustomerStatus.WON), which approving a contract
sets (kehu.sales.contracts), or when one of its deals is in a won stage: a rep who closed a deal
has a buying customer even before the contract is approved.
"""

from django.db.models import Exists, OuterRef, Q

from kehu.customers.choices import CustomerStatus
from kehu.sales.models import Deal, StageKind


def won_q() -> Q:
    """Return a filter on Customer matching won customers."""
    won_deals = Deal.objects.filter(customer_id=OuterRef("pk"), stage__kind=StageKind.WON)
    return Q(status=CustomerStatus.WON) | Q(Exists(won_deals))


def not_won_q() -> Q:
    """Return a filter on Customer matching the customers that count against an owner's
    capacity."""
    return ~won_q()
