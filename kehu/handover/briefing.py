"""The successor's briefing and handover inbox: reads of what a handed-over customer holds.

Every read starts from the visibility layer (customers, deals, quotes, contracts, tickets and
follow-ups the viewer may read). The field policy is applied by the page that shows the
records. A customer stays in its successor's inbox until the successor logs a follow-up on it
after the handover was executed.
"""

import dataclasses
import datetime as dt
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, QuerySet

from kehu.core import clock
from kehu.customers.choices import DecisionRole
from kehu.customers.models import Contact, Customer
from kehu.customers.queries import visible_customers
from kehu.handover.models import HandoverItem, HandoverStatus, ItemKind
from kehu.handover.readiness import RECENT_DAYS
from kehu.org.models import User
from kehu.sales.models import Contract, Deal, Quote, QuoteStatus, QuoteVersion, StageKind
from kehu.sales.payments import collection_sums
from kehu.sales.queries import visible_contracts, visible_deals, visible_quotes
from kehu.service.models import ACTIVE_STATUSES, Ticket, TicketCategory
from kehu.service.queries import visible_tickets
from kehu.timeline.models import FollowUp
from kehu.timeline.queries import visible_follow_ups

# Follow-ups the briefing lists, newest first.
LAST_FOLLOW_UPS = 5
# Complaints opened in this many days count as recent, whatever their status.
COMPLAINT_DAYS = 90


def _waiting_items(user: User) -> QuerySet[HandoverItem]:
    """Return the executed handover items that gave the user a customer they still own and have
    not followed up since."""
    followed_up = FollowUp.objects.filter(
        customer_id=OuterRef("customer_id"),
        author_id=user.pk,
        created_at__gte=OuterRef("handover__executed_at"),
    )
    return HandoverItem.objects.filter(
        ~Exists(followed_up),
        kind=ItemKind.CUSTOMER,
        successor_id=user.pk,
        moved=True,
        handover__status=HandoverStatus.EXECUTED,
        customer__owner_id=user.pk,
    )


def inbox(user: User) -> list[HandoverItem]:
    """Return the customers handed to the user that still wait for their first follow-up.

    A customer handed over twice to the same user is listed once, for the latest handover.
    """
    items = (
        _waiting_items(user)
        .filter(customer__in=visible_customers(user).values("pk"))
        .select_related("customer", "handover__predecessor")
    )
    latest: dict[int, HandoverItem] = {}
    for item in items.order_by("handover__executed_at", "pk"):
        latest[item.customer_id] = item
    return sorted(latest.values(), key=lambda item: (item.customer.name, item.customer_id))


def inbox_count(user: User) -> int:
    """Return how many customers wait in the user's handover inbox."""
    # The menu shows this on every page, so it skips the visibility layer's extra queries. It
    # counts customers the user owns and reveals no record, but a role whose reach leaves out
    # its own customers would see a count that the inbox does not list.
    return _waiting_items(user).values("customer_id").distinct().count()


@dataclasses.dataclass(frozen=True)
class Gaps:
    """The gaps a successor would find in a customer's records, one flag each."""

    no_recent_follow_up: bool
    no_decision_maker: bool
    no_primary_phone: bool
    no_next_step: bool
    stale_deals: int


@dataclasses.dataclass(frozen=True)
class Briefing:
    """The records of one customer that a successor reads before the first call."""

    customer: Customer
    # The latest executed handover of the customer, if any.
    handover_item: HandoverItem | None
    contacts: list[Contact]
    follow_ups: list[FollowUp]
    # The newest follow-up that recorded a next step or a next date.
    promised: FollowUp | None
    open_deals: list[Deal]
    # Sent quotes with their current version, whose total and validity the customer weighs.
    waiting_quotes: list[tuple[Quote, QuoteVersion]]
    contracts: list[Contract]
    # Contract primary key: (collected, planned amount due by today), in yuan.
    collections: dict[int, tuple[Decimal, Decimal]]
    open_tickets: list[Ticket]
    recent_complaints: list[Ticket]
    gaps: Gaps


def latest_handover_item(customer: Customer) -> HandoverItem | None:
    """Return the item of the latest executed handover that moved the customer."""
    return (
        HandoverItem.objects.filter(
            customer=customer,
            kind=ItemKind.CUSTOMER,
            moved=True,
            handover__status=HandoverStatus.EXECUTED,
        )
        .select_related("handover__predecessor", "successor")
        .order_by("-handover__executed_at", "-pk")
        .first()
    )


def briefing(user: User, customer: Customer) -> Briefing:
    """Collect the briefing of a customer the caller has loaded through visible_customers."""
    today = clock.today()
    now = clock.now()
    contacts = list(customer.contacts.order_by("-is_primary", "name", "pk"))
    follow_ups = list(
        visible_follow_ups(user)
        .filter(customer=customer)
        .select_related("author")
        .order_by("-occurred_at", "-pk")[:LAST_FOLLOW_UPS]
    )
    promised = (
        visible_follow_ups(user)
        .filter(customer=customer)
        .exclude(next_step="", next_follow_up_on__isnull=True)
        .select_related("author")
        .order_by("-occurred_at", "-pk")
        .first()
    )
    open_deals = list(
        visible_deals(user)
        .filter(customer=customer, stage__kind=StageKind.OPEN)
        .select_related("customer", "stage", "owner")
        .order_by("expected_close_on", "pk")
    )
    sent = visible_quotes(user).filter(customer=customer, status=QuoteStatus.SENT)
    versions = (
        QuoteVersion.objects.filter(quote__in=sent, number=F("quote__current_version"))
        .select_related("quote")
        .order_by("-quote__updated_at", "-quote_id")
    )
    waiting_quotes = [(version.quote, version) for version in versions]
    contracts = list(
        visible_contracts(user)
        .filter(customer=customer)
        .select_related("customer", "owner")
        .order_by("-created_at", "-pk")
    )
    collections = collection_sums(Contract.objects.filter(pk__in=[c.pk for c in contracts]))
    tickets = visible_tickets(user).filter(customer=customer).select_related("customer", "assignee")
    open_tickets = list(tickets.filter(status__in=ACTIVE_STATUSES).order_by("-opened_at", "-pk"))
    recent_complaints = list(
        tickets.filter(
            category=TicketCategory.COMPLAINT,
            opened_at__gte=now - dt.timedelta(days=COMPLAINT_DAYS),
        ).order_by("-opened_at", "-pk")
    )
    last = customer.last_follow_up_at
    gaps = Gaps(
        no_recent_follow_up=last is None or last < now - dt.timedelta(days=RECENT_DAYS),
        no_decision_maker=not any(
            contact.decision_role == DecisionRole.DECISION_MAKER for contact in contacts
        ),
        no_primary_phone=not any(
            contact.is_primary and (contact.mobile or contact.phone) for contact in contacts
        ),
        no_next_step=customer.next_follow_up_on is None or customer.next_follow_up_on < today,
        stale_deals=sum(
            1
            for deal in open_deals
            if deal.expected_close_on is not None and deal.expected_close_on < today
        ),
    )
    return Briefing(
        customer=customer,
        handover_item=latest_handover_item(customer),
        contacts=contacts,
        follow_ups=follow_ups,
        promised=promised,
        open_deals=open_deals,
        waiting_quotes=waiting_quotes,
        contracts=contracts,
        collections=collections,
        open_tickets=open_tickets,
        recent_complaints=recent_complaints,
        gaps=gaps,
    )
