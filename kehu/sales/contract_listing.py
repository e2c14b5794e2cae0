"""The contract list's filters, shared by the contract page and the API.

Every list starts from `visible_contracts`. A filter that would tell something about a field the
user may not read whole is left out: searching numbers and titles needs them readable, and the
overdue filter needs both the contract amount and the receipts.
"""

import datetime as dt
from collections.abc import Mapping

from django.db.models import Q, QuerySet

from kehu.core import clock
from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.org.models import User
from kehu.org.policy import policy_for
from kehu.sales import payments
from kehu.sales.models import Contract, ContractStatus
from kehu.sales.queries import visible_contracts

# "Ending soon" lists signed contracts that end within this many days and are not renewed.
ENDING_DAYS = 30
QUERY_KEYS = ("status", "mine", "q", "ending", "overdue")


def may_filter_overdue(user: User) -> bool:
    policy = policy_for(user)
    amount = field_map(FieldTarget.CONTRACT)["amount"]
    received = field_map(FieldTarget.PAYMENT)["received"]
    return policy.reads_whole(FieldTarget.CONTRACT, amount) and policy.reads_whole(
        FieldTarget.PAYMENT, received
    )


def list_contracts(user: User, query: Mapping[str, str]) -> QuerySet[Contract]:
    """Return the user's visible contracts that match `query`, newest first.

    Keys: status (a ContractStatus value), mine (own contracts), q (a fragment of the number or
    title), ending (signed, without a signed renewal, ending within ENDING_DAYS), overdue
    (signed, with instalments due before today not covered by receipts). Unknown or empty
    values are ignored.
    """
    contracts = visible_contracts(user).select_related("customer", "owner")
    status = query.get("status", "")
    if status in ContractStatus.values:
        contracts = contracts.filter(status=status)
    if query.get("mine"):
        contracts = contracts.filter(owner=user)
    text = query.get("q", "").strip()
    if text:
        policy = policy_for(user)
        specs = field_map(FieldTarget.CONTRACT)
        condition = Q()
        for key in ("number", "title"):
            if policy.reads_whole(FieldTarget.CONTRACT, specs[key]):
                condition |= Q(**{f"{key}__icontains": text})
        contracts = contracts.filter(condition) if condition else contracts.none()
    today = clock.today()
    if query.get("ending"):
        # A renewal still in draft or awaiting approval does not count yet.
        contracts = contracts.filter(
            status=ContractStatus.SIGNED,
            end_on__gte=today,
            end_on__lte=today + dt.timedelta(days=ENDING_DAYS),
        ).exclude(renewal__status=ContractStatus.SIGNED)
    if query.get("overdue") and may_filter_overdue(user):
        contracts = payments.only_overdue(contracts, today)
    return contracts.order_by("-created_at", "-id")
