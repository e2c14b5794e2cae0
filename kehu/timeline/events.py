"""One builder per timeline event type. Each returns an unsaved Event so callers can bulk-create;
`insert_pool_moved` writes the events of many customers in one statement instead.

`data` holds only what the timeline shows: field keys with old and new values as displayed,
user ids, counts. Field-security filtering of these values happens when they are rendered.
"""

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import DateTimeField, Expression, F, IntegerField, Value
from django.db.models.functions import UUID4, JSONObject

from kehu.core import clock, db
from kehu.org.models import User
from kehu.timeline.models import Event, EventKind

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from kehu.customers.models import Customer

# Events whose time is a record's creation time, by the (field target, key) whose field policy
# their time follows on every channel: a customer created or imported (unless the import kept
# the file's time), a deal created.
CREATION_TIMES = {
    EventKind.CREATED: ("customer", "created_at"),
    EventKind.IMPORTED: ("customer", "created_at"),
    EventKind.DEAL_CREATED: ("deal", "created_at"),
}


def _event(
    customer_id: int, kind: str, actor: User | None, data: dict[str, Any], at: dt.datetime | None
) -> Event:
    return Event(
        customer_id=customer_id,
        kind=kind,
        actor=actor,
        occurred_at=at or clock.now(),
        data=data,
    )


def customer_created(
    customer_id: int,
    actor: User | None,
    at: dt.datetime | None = None,
    data: dict[str, Any] | None = None,
) -> Event:
    """Return the creation event; `data` says how the assignment rules chose the owner, if they did
    (kehu.assignment.routing.Route.event_data)."""
    return _event(customer_id, EventKind.CREATED, actor, data or {}, at)


def customer_imported(
    customer_id: int, actor: User | None, import_id: str, file_name: str, row: int
) -> Event:
    return _event(
        customer_id, EventKind.IMPORTED, actor, imported_data(import_id, file_name, row), None
    )


def imported_data(import_id: str, file_name: str, row: int) -> dict[str, Any]:
    """Return the `data` of an "imported" event; the importer writes these events as plain rows."""
    return {"import": import_id, "file": file_name, "row": row}


def fields_changed(
    customer_id: int, actor: User | None, changes: dict[str, tuple[Any, Any]]
) -> Event:
    data = {"changes": {key: [old, new] for key, (old, new) in changes.items()}}
    return _event(customer_id, EventKind.FIELDS_CHANGED, actor, data, None)


def owner_changed(
    customer_id: int,
    actor: User | None,
    old_owner: User | None,
    new_owner: User | None,
    extra: dict[str, Any] | None = None,
) -> Event:
    """Return the transfer event; `extra` names the handover that made it, if one did
    ("handover": its public id, kehu.handover)."""
    data = {
        "from": old_owner.pk if old_owner else None,
        "from_name": str(old_owner) if old_owner else "",
        "to": new_owner.pk if new_owner else None,
        "to_name": str(new_owner) if new_owner else "",
        **(extra or {}),
    }
    return _event(customer_id, EventKind.OWNER_CHANGED, actor, data, None)


def contact_added(customer_id: int, actor: User | None, contact_name: str) -> Event:
    return _event(customer_id, EventKind.CONTACT_ADDED, actor, {"name": contact_name}, None)


def contact_changed(
    customer_id: int, actor: User | None, contact_name: str, changes: dict[str, tuple[Any, Any]]
) -> Event:
    data = {"name": contact_name, "changes": {k: [o, n] for k, (o, n) in changes.items()}}
    return _event(customer_id, EventKind.CONTACT_CHANGED, actor, data, None)


def follow_up_edited(
    customer_id: int, actor: User | None, follow_up_id: str, version: int
) -> Event:
    data = {"follow_up": follow_up_id, "version": version}
    return _event(customer_id, EventKind.FOLLOW_UP_EDITED, actor, data, None)


def attachment_added(
    customer_id: int, actor: User | None, file_name: str, size: int, contract: str = ""
) -> Event:
    """Return the event of an uploaded file; `contract` is the public id of its contract, if any.

    A contract's file shows its amount, so its name follows the "contract.amount" field policy.
    """
    data: dict[str, Any] = {"name": file_name, "size": size}
    if contract:
        data["contract"] = contract
    return _event(customer_id, EventKind.ATTACHMENT_ADDED, actor, data, None)


def customer_shared(
    customer_id: int, actor: User | None, user: User, access: str, until: dt.date | None
) -> Event:
    """Sharing a customer with `user`, or changing the access or end date of their share."""
    data = {"name": str(user), "access": access, "until": until.isoformat() if until else None}
    return _event(customer_id, EventKind.SHARED, actor, data, None)


def share_ended(customer_id: int, actor: User | None, user: User) -> Event:
    return _event(customer_id, EventKind.SHARE_ENDED, actor, {"name": str(user)}, None)


def agent_assigned(customer_id: int, actor: User | None, agent: User) -> Event:
    return _event(customer_id, EventKind.AGENT_ASSIGNED, actor, {"name": str(agent)}, None)


def agent_removed(customer_id: int, actor: User | None, agent: User) -> Event:
    return _event(customer_id, EventKind.AGENT_REMOVED, actor, {"name": str(agent)}, None)


def deal_data(deal_id: str, deal_name: str, **values: Any) -> dict[str, Any]:
    """Return the `data` of a deal event: the deal's public id and name, then `values`.

    Amounts are stored as their decimal text ("12000.00"); the field policy of "deal.amount"
    decides at display time whether a viewer sees them.
    """
    return {"deal": deal_id, "name": deal_name, **values}


def deal_created(customer_id: int, actor: User | None, data: dict[str, Any]) -> Event:
    return _event(customer_id, EventKind.DEAL_CREATED, actor, data, None)


def deal_stage_changed(customer_id: int, actor: User | None, data: dict[str, Any]) -> Event:
    """Return the event of a deal moved between open stages, with "from" and "to" in `data`."""
    return _event(customer_id, EventKind.DEAL_STAGE_CHANGED, actor, data, None)


def deal_won(customer_id: int, actor: User | None, data: dict[str, Any]) -> Event:
    return _event(customer_id, EventKind.DEAL_WON, actor, data, None)


def deal_lost(customer_id: int, actor: User | None, data: dict[str, Any]) -> Event:
    """Return the event of a deal moved to a lost stage, with the "reason" in `data`."""
    return _event(customer_id, EventKind.DEAL_LOST, actor, data, None)


def quote_created(customer_id: int, actor: User | None, data: dict[str, Any]) -> Event:
    """Return the event of a new quote; `data` has its id, number, version and total amount."""
    return _event(customer_id, EventKind.QUOTE_CREATED, actor, data, None)


def quote_revised(customer_id: int, actor: User | None, data: dict[str, Any]) -> Event:
    return _event(customer_id, EventKind.QUOTE_REVISED, actor, data, None)


def quote_status_changed(customer_id: int, actor: User | None, data: dict[str, Any]) -> Event:
    """Return the event of a quote's new status, with "status" and "previous" in `data`."""
    return _event(customer_id, EventKind.QUOTE_STATUS_CHANGED, actor, data, None)


def contract_created(customer_id: int, actor: User | None, data: dict[str, Any]) -> Event:
    """Return the event of a new contract; `data` has its id, number, title and amount."""
    return _event(customer_id, EventKind.CONTRACT_CREATED, actor, data, None)


def contract_version_added(customer_id: int, actor: User | None, data: dict[str, Any]) -> Event:
    """Return the event of changed contract terms, with the "version" and its "note"."""
    return _event(customer_id, EventKind.CONTRACT_VERSION_ADDED, actor, data, None)


def contract_submitted(customer_id: int, actor: User | None, data: dict[str, Any]) -> Event:
    return _event(customer_id, EventKind.CONTRACT_SUBMITTED, actor, data, None)


def contract_approved(customer_id: int, actor: User | None, data: dict[str, Any]) -> Event:
    """Return the event of an approved, now signed contract, with "signed_on" in `data`."""
    return _event(customer_id, EventKind.CONTRACT_APPROVED, actor, data, None)


def contract_rejected(customer_id: int, actor: User | None, data: dict[str, Any]) -> Event:
    """Return the event of a rejected contract, with the approver's "comment" in `data`."""
    return _event(customer_id, EventKind.CONTRACT_REJECTED, actor, data, None)


def contract_renewed(customer_id: int, actor: User | None, data: dict[str, Any]) -> Event:
    """Return the event of a renewal: the new contract's data and the number it "renews"."""
    return _event(customer_id, EventKind.CONTRACT_RENEWED, actor, data, None)


def payment_plans_set(customer_id: int, actor: User | None, data: dict[str, Any]) -> Event:
    """Return the event of a changed payment plan: the contract, "count" and "planned" total."""
    return _event(customer_id, EventKind.PAYMENT_PLANS_SET, actor, data, None)


def payment_received(customer_id: int, actor: User | None, data: dict[str, Any]) -> Event:
    """Return the event of a payment received: the contract, "received" amount and date."""
    return _event(customer_id, EventKind.PAYMENT_RECEIVED, actor, data, None)


def payment_voided(customer_id: int, actor: User | None, data: dict[str, Any]) -> Event:
    """Return the event of a voided receipt: the contract, its "received" amount and date, and
    the "void_reason"."""
    return _event(customer_id, EventKind.PAYMENT_VOIDED, actor, data, None)


def ticket_opened(customer_id: int, actor: User | None, data: dict[str, Any]) -> Event:
    """Return the event of a new ticket; `data` has its id, number, subject, category, priority
    and status."""
    return _event(customer_id, EventKind.TICKET_OPENED, actor, data, None)


def ticket_replied(customer_id: int, actor: User | None, data: dict[str, Any]) -> Event:
    """Return the event of a ticket reply, with the reply's start ("excerpt") and "internal"."""
    return _event(customer_id, EventKind.TICKET_REPLIED, actor, data, None)


def ticket_assigned(customer_id: int, actor: User | None, data: dict[str, Any]) -> Event:
    """Return the event of a ticket given to "to_name" from "from_name" ("" when unassigned)."""
    return _event(customer_id, EventKind.TICKET_ASSIGNED, actor, data, None)


def ticket_status_changed(customer_id: int, actor: User | None, data: dict[str, Any]) -> Event:
    """Return the event of a ticket's new status, with "status", "previous" and, for a resolved
    or closed ticket, its "resolution"."""
    return _event(customer_id, EventKind.TICKET_STATUS_CHANGED, actor, data, None)


def ticket_changed(customer_id: int, actor: User | None, data: dict[str, Any]) -> Event:
    """Return the event of an edited ticket, with "changes": ticket field key -> [old, new]."""
    return _event(customer_id, EventKind.TICKET_CHANGED, actor, data, None)


POOL_KINDS = (
    EventKind.POOL_PLACED,
    EventKind.POOL_RETURNED,
    EventKind.POOL_RECLAIMED,
    EventKind.POOL_CLAIMED,
    EventKind.POOL_ASSIGNED,
)


def pool_moved(
    customer_id: int,
    kind: str,
    actor: User | None,
    data: dict[str, Any],
    at: dt.datetime | None = None,
) -> Event:
    """Return the event of a customer entering or leaving a public pool; `kind` is one of
    POOL_KINDS.

    `data` holds "pool" and "pool_name", the owners it moved between as "from", "from_name",
    "to" and "to_name" (as owner_changed has them), and where they apply "cause" (an entry
    cause of kehu.pool), "reason" (a return reason's name), "note" and "days" (the days a
    reclaim rule counted). Without an actor (a sweep) the event is the system's.
    """
    if kind not in POOL_KINDS:
        raise ValueError(f"not a pool event: {kind}")
    return _event(customer_id, kind, actor, data, at)


def insert_pool_moved(
    customers: "QuerySet[Customer]", kind: str, data: dict[str, Any], at: dt.datetime
) -> int:
    """Write the event `pool_moved` returns for every customer of `customers`, with no actor,
    in one INSERT … SELECT; return how many.

    `data` has the same keys as for `pool_moved`. A value may be an expression over the
    customer (such as F("owner_id")), which the database evaluates for each row.
    """
    if kind not in POOL_KINDS:
        raise ValueError(f"not a pool event: {kind}")
    values = {
        key: value if isinstance(value, Expression | F) else Value(value)
        for key, value in data.items()
    }
    return db.insert_select(
        Event,
        customers,
        {
            "public_id": UUID4(),
            "customer": F("pk"),
            "kind": Value(kind),
            "actor": Value(None, output_field=IntegerField()),
            "occurred_at": Value(at, output_field=DateTimeField()),
            "data": JSONObject(**values),
        },
    )


def converted_from_lead(customer_id: int, actor: User | None, data: dict[str, Any]) -> Event:
    """Return the event of a lead converted into this customer: the lead's id, "source",
    "campaign" name, "channel", "created_at", the start of its "message" and its "history"
    (event kinds, times, actors, and the start of a submission's "message")."""
    return _event(customer_id, EventKind.CONVERTED_FROM_LEAD, actor, data, None)


def lead_submitted(customer_id: int, data: dict[str, Any], at: dt.datetime | None = None) -> Event:
    """Return the event of a form or intake submission that matched this customer's contact,
    with the "campaign" name, "source", "channel" and the start of the "message". `at` is the
    submission's time when it was first recorded on a lead that became this customer."""
    return _event(customer_id, EventKind.LEAD_SUBMITTED, None, data, at)
