"""Batch writes of follow-up history (timeline FollowUp rows) for existing customers."""

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.customers.bulk import (
    CREATE,
    CREATED,
    REJECTED,
    SKIPPED,
    BatchResult,
    Change,
    ImportContext,
    RowResult,
)
from kehu.customers.models import Customer
from kehu.customers.normalize import name_key
from kehu.customers.queries import writable_customers
from kehu.org.models import Capability, User
from kehu.timeline.models import FollowUp
from kehu.timeline.services import clean_follow_up


@dataclasses.dataclass
class IncomingFollowUp:
    row: int
    customer_name: str
    values: dict[str, Any]
    author: User | None = None


# (customer id, occurred at, content): the same follow-up imported twice.
FollowUpKey = tuple[int, dt.datetime, str]


def import_follow_ups(
    context: ImportContext, items: Sequence[IncomingFollowUp], seen: set[FollowUpKey]
) -> BatchResult:
    """Clean, check and (unless a dry run) write follow-ups of visible customers named by row.

    A follow-up with the same customer, time and content as a stored one or an earlier row is a
    duplicate: skipped, unless duplicates are to be created. Moves each customer's last
    follow-up time forward (never back) as adding one by hand does, and returns the previous
    dates so an undo can restore them. Raises PermissionDenied when the actor may not edit
    customers.
    """
    actor = context.actor
    if not (actor.has_capability(Capability.IMPORT) and actor.has_capability(Capability.FOLLOW_UP)):
        raise PermissionDenied(_("Your role may not import follow-ups."))
    result = BatchResult()
    wanted = {name_key(item.customer_name) for item in items}
    by_name: dict[str, list[int]] = {}
    for pk, key in (
        writable_customers(context.actor).filter(name_key__in=wanted).values_list("pk", "name_key")
    ):
        by_name.setdefault(key, []).append(pk)
    cleaned_items: list[tuple[IncomingFollowUp, int, dict[str, Any]]] = []
    for item in items:
        found = by_name.get(name_key(item.customer_name), [])
        errors: list[tuple[str, str]] = []
        cleaned: dict[str, Any] = {}
        if len(found) != 1:
            if found:
                message = _("%(count)d customers are named “%(name)s”.") % {
                    "count": len(found),
                    "name": item.customer_name,
                }
            else:
                message = _(
                    "No customer named “%(name)s” was found among the customers you can see."
                ) % {"name": item.customer_name}
            errors.append(("customer", message))
        try:
            cleaned = clean_follow_up(item.values)
        except ValidationError as error:
            errors.extend(
                (f"follow_up.{key}", m)
                for key, messages in error.message_dict.items()
                for m in messages
            )
        if not item.values.get("occurred_at"):
            errors.append(("follow_up.occurred_at", _("The time of the follow-up is required.")))
        if errors:
            result.rows.append(RowResult(item.row, REJECTED, errors=errors))
            continue
        cleaned_items.append((item, found[0], cleaned))

    condition = Q(pk__in=[])
    for _item, customer_id, cleaned in cleaned_items:
        condition |= Q(customer_id=customer_id, occurred_at=cleaned["occurred_at"])
    stored = (
        set(FollowUp.objects.filter(condition).values_list("customer_id", "occurred_at", "content"))
        if cleaned_items
        else set()
    )
    planned: list[tuple[IncomingFollowUp, int, dict[str, Any]]] = []
    for item, customer_id, cleaned in cleaned_items:
        identity = (customer_id, cleaned["occurred_at"], cleaned["content"])
        if (identity in stored or identity in seen) and context.on_duplicate != CREATE:
            result.rows.append(
                RowResult(
                    item.row,
                    SKIPPED,
                    customer_id=customer_id,
                    warnings=[_("The customer already has this follow-up.")],
                )
            )
            continue
        seen.add(identity)
        planned.append((item, customer_id, cleaned))
        result.rows.append(RowResult(item.row, CREATED, customer_id=customer_id))

    if context.dry_run or not planned:
        return result
    with transaction.atomic():
        _write(context, planned, result)
    return result


def _write(
    context: ImportContext,
    planned: list[tuple[IncomingFollowUp, int, dict[str, Any]]],
    result: BatchResult,
) -> None:
    now = clock.now()
    follow_ups = [
        FollowUp(
            customer_id=customer_id, author=item.author or context.actor, created_at=now, **cleaned
        )
        for item, customer_id, cleaned in planned
    ]
    FollowUp.objects.bulk_create(follow_ups, batch_size=500)
    for follow_up, (item, customer_id, _cleaned) in zip(follow_ups, planned, strict=True):
        result.changes.append(
            Change("follow_up", "created", follow_up.pk, customer_id, item.row, 1)
        )

    newest: dict[int, FollowUp] = {}
    for follow_up in follow_ups:
        current = newest.get(follow_up.customer_id)
        if current is None or follow_up.occurred_at > current.occurred_at:
            newest[follow_up.customer_id] = follow_up
    customers = Customer.objects.select_for_update().filter(pk__in=newest).order_by("pk")
    touched = []
    first_rows = {customer_id: item.row for item, customer_id, _c in reversed(planned)}
    for customer in customers:
        follow_up = newest[customer.pk]
        if (
            customer.last_follow_up_at is not None
            and customer.last_follow_up_at >= follow_up.occurred_at
        ):
            continue
        before = {
            "last_follow_up_at": customer.last_follow_up_at.isoformat()
            if customer.last_follow_up_at
            else None,
            "next_follow_up_on": customer.next_follow_up_on.isoformat()
            if customer.next_follow_up_on
            else None,
        }
        customer.last_follow_up_at = follow_up.occurred_at
        if follow_up.next_follow_up_on is not None:
            customer.next_follow_up_on = follow_up.next_follow_up_on
        touched.append(customer)
        result.changes.append(
            Change(
                "customer",
                "touched",
                customer.pk,
                customer.pk,
                first_rows[customer.pk],
                customer.version,
                before,
            )
        )
    Customer.objects.bulk_update(
        touched, ["last_follow_up_at", "next_follow_up_on"], batch_size=500
    )
