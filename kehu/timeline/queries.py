"""Reads of the timeline; every one starts from the customers the user can see."""

import dataclasses
import datetime as dt
from typing import Literal

from django.db.models import QuerySet

from kehu.customers.models import Customer
from kehu.customers.queries import visible_customers
from kehu.org.models import User
from kehu.timeline.models import Attachment, Event, FollowUp


def visible_follow_ups(user: User) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(customer__in=visible_customers(user).values("pk"))


def visible_attachments(user: User) -> QuerySet[Attachment]:
    return Attachment.objects.filter(customer__in=visible_customers(user).values("pk"))


@dataclasses.dataclass(frozen=True)
class TimelineEntry:
    kind: Literal["follow_up", "event"]
    at: dt.datetime
    follow_up: FollowUp | None = None
    event: Event | None = None


def timeline(
    customer: Customer, *, kinds: list[str] | None = None, limit: int = 100
) -> list[TimelineEntry]:
    """Return a customer's follow-ups and events, newest first.

    `kinds` narrows to follow-up types and "events"; the caller has already loaded the customer
    through the visibility layer.
    """
    entries: list[TimelineEntry] = []
    follow_ups = (
        customer.follow_ups.select_related("author")
        .prefetch_related("attachments", "revisions")
        .order_by("-occurred_at", "-id")
    )
    follow_up_kinds = [k for k in kinds or [] if k != "events"]
    if kinds is not None:
        follow_ups = follow_ups.filter(kind__in=follow_up_kinds)
    for follow_up in follow_ups[:limit]:
        entries.append(TimelineEntry("follow_up", follow_up.occurred_at, follow_up=follow_up))
    if kinds is None or "events" in kinds:
        for event in customer.events.select_related("actor").order_by("-occurred_at", "-id")[
            :limit
        ]:
            entries.append(TimelineEntry("event", event.occurred_at, event=event))
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]
