"""The "won" test of the pool's rules: won customers are exempt from some of them."""

from django.db.models import Exists, OuterRef, Q

from kehu.customers.choices import CustomerStatus
from kehu.sales.models import Deal, StageKind


def won_q() -> Q:
    """Return a filter on Customer for won customers: status "won", or a deal in a won stage."""
    won_deals = Deal.objects.filter(customer_id=OuterRef("pk"), stage__kind=StageKind.WON)
    return Q(status=CustomerStatus.WON) | Q(Exists(won_deals))
