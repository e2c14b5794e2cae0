"""Handover readiness: for each rep's customers, how much a successor would find on record.

Managers fix the gaps before anyone leaves. A customer counts as covered for a check when it
has a primary contact with a mobile or phone number, a contact marked as the decision maker, a
follow-up in the last RECENT_DAYS days, or a next follow-up date today or later. A rep's open
deals are up to date when none has an expected close date in the past.
"""

import dataclasses
import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q

from kehu.core import clock
from kehu.customers.choices import DecisionRole
from kehu.customers.models import Contact
from kehu.customers.queries import role_reach_customers
from kehu.handover.offboarding import may_hand_over
from kehu.org.models import User
from kehu.org.visibility import owners_in_reach
from kehu.sales.models import StageKind
from kehu.sales.queries import visible_deals

RECENT_DAYS = 30


@dataclasses.dataclass(frozen=True)
class Readiness:
    """One rep's counts; every count but `stale_deals` is a number of customers."""

    user: User
    customers: int
    phone_contact: int
    decision_maker: int
    recent_follow_up: int
    next_step: int
    stale_deals: int

    def percent(self, count: int) -> int:
        """Return `count` as a whole percentage of the customers (100 for a rep with none)."""
        return round(100 * count / self.customers) if self.customers else 100


def readiness(actor: User) -> list[Readiness]:
    """Return the readiness of each active rep whose customers the actor may hand over."""
    if not may_hand_over(actor):
        return []
    people = {user.pk: user for user in owners_in_reach(actor).exclude(pk=actor.pk)}
    today = clock.today()
    since = clock.now() - dt.timedelta(days=RECENT_DAYS)
    phone = Contact.objects.filter(customer_id=OuterRef("pk"), is_primary=True).filter(
        ~Q(mobile="") | ~Q(phone="")
    )
    decision = Contact.objects.filter(
        customer_id=OuterRef("pk"), decision_role=DecisionRole.DECISION_MAKER
    )
    rows = (
        role_reach_customers(actor)
        .filter(owner_id__in=people)
        .values("owner_id")
        .annotate(
            customers=Count("pk"),
            phone_contact=Count("pk", filter=Q(Exists(phone))),
            decision_maker=Count("pk", filter=Q(Exists(decision))),
            recent_follow_up=Count("pk", filter=Q(last_follow_up_at__gte=since)),
            next_step=Count("pk", filter=Q(next_follow_up_on__gte=today)),
        )
    )
    stale = dict(
        visible_deals(actor)
        .filter(owner_id__in=people, stage__kind=StageKind.OPEN, expected_close_on__lt=today)
        .values("owner_id")
        .annotate(count=Count("pk"))
        .values_list("owner_id", "count")
    )
    found = {row["owner_id"]: row for row in rows}
    result = []
    for pk, user in sorted(people.items(), key=lambda pair: str(pair[1])):
        row = found.get(pk)
        if row is None and pk not in stale:
            continue
        result.append(
            Readiness(
                user=user,
                customers=row["customers"] if row else 0,
                phone_contact=row["phone_contact"] if row else 0,
                decision_maker=row["decision_maker"] if row else 0,
                recent_follow_up=row["recent_follow_up"] if row else 0,
                next_step=row["next_step"] if row else 0,
                stale_deals=stale.get(pk, 0),
            )
        )
    return result
