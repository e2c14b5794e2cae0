"""Write a planned batch of customer rows: customers, tags, contacts, events and index rows."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.customers import search
from kehu.customers.bulk.common import (
    SKIPPED,
    UPDATABLE,
    UPDATED,
    BatchResult,
    Change,
    FileIndex,
    ImportContext,
    OwnerRouter,
    Plan,
    write_contacts,
)
from kehu.customers.bulk.rows import RowBuilder, insert_returning_ids, insert_rows
from kehu.customers.models import Customer, SearchDocument, SearchKey, Tag
from kehu.timeline import events
from kehu.timeline.models import Event, EventKind

# Search documents per INSERT statement. 400 rows of two values stay below 999 values per
# statement, SQLite's limit before 3.32.
DOCUMENTS_PER_STATEMENT = 400


def write_plan(context: ImportContext, index: FileIndex, plan: Plan, result: BatchResult) -> None:
    """Write the batch's plan and give its rows the ids of the customers they created.

    New customers, their contacts, events and search index rows go in as plain rows
    (kehu.customers.bulk.rows). Updates of stored customers, which are rare, go through the ORM.
    """
    now = clock.now()
    actor = context.actor
    if context.router is not None:
        _route_owners(context.router, plan)
    builder = RowBuilder(Customer)
    rows = builder.rows(
        [
            {
                **planned.cleaned,
                "owner_id": planned.owner.pk if planned.owner else None,
                # Kept history may date the customer years back; the owner receives it now.
                "owner_since": now if planned.owner else None,
                "creator_id": planned.creator.pk,
                "created_at": planned.created_at or now,
                "updated_at": now,
            }
            for planned in plan.creates.values()
        ]
    )
    ids = insert_returning_ids(Customer, builder.names, rows)
    real_ids = dict(zip(plan.creates, ids, strict=True))
    for placeholder, pk in real_ids.items():
        index.rename(placeholder, pk)
        context.own_ids.add(pk)

    tag_links = [
        (real_ids[placeholder], name)
        for placeholder, planned in plan.creates.items()
        for name in planned.tags
    ]
    tag_links.extend(
        (pk, name) for pk, (_row, _values, tags) in plan.updates.items() for name in tags
    )
    added_tags = _write_tags(tag_links, set(plan.updates))

    event_builder = RowBuilder(Event)
    event_rows: list[tuple[Any, ...]] = []
    rebuild_ids = _write_updates(context, plan, added_tags, now, result, event_rows)
    write_contacts(plan, real_ids, now, result, event_rows, actor)
    rebuild_ids.update(plan.contact_adds)

    imported = []
    for placeholder, planned in plan.creates.items():
        pk = real_ids[placeholder]
        data = events.imported_data(context.import_id, context.file_name, planned.row)
        data.update(planned.routing)
        imported.append(
            {
                "customer_id": pk,
                "kind": EventKind.IMPORTED.value,
                "actor_id": actor.pk,
                "occurred_at": now,
                "data": data,
            }
        )
        result.changes.append(Change("customer", "created", pk, pk, planned.row, 1))
    event_rows.extend(event_builder.rows(imported))
    insert_rows(Event, event_builder.names, event_rows)

    _write_search_rows(plan, real_ids)
    search.rebuild(rebuild_ids - set(ids))
    if context.router is not None:
        unowned = [
            real_ids[placeholder]
            for placeholder, planned in plan.creates.items()
            if planned.routed and planned.owner is None
        ]
        if unowned:
            context.router.place(actor, unowned)

    for row_result in result.rows:
        if row_result.customer_id is not None and row_result.customer_id < 0:
            row_result.customer_id = real_ids.get(row_result.customer_id)


def _route_owners(router: OwnerRouter, plan: Plan) -> None:
    """Give the planned customers that the router owns their owners and routing event data."""
    routed = [planned for planned in plan.creates.values() if planned.routed]
    if not routed:
        return
    choices = router.route_batch([planned.cleaned for planned in routed])
    for planned, (owner, data) in zip(routed, choices, strict=True):
        planned.owner = owner
        planned.routing = data


def _write_search_rows(plan: Plan, real_ids: dict[int, int]) -> None:
    """Insert the rows search.rebuild would store for the new customers, as plain rows."""
    documents: list[tuple[int, str]] = []
    keys: list[tuple[int, str]] = []
    for placeholder, planned in plan.creates.items():
        pk = real_ids[placeholder]
        values = planned.search_values
        if values is None:
            values = index_values_of(planned.cleaned, [c for _row, c in planned.contacts])
        documents.append((pk, search.document_text(values)))
        keys.extend((pk, value) for value in values)
    insert_rows(
        SearchDocument, ["customer", "text"], documents, rows_per_statement=DOCUMENTS_PER_STATEMENT
    )
    if search.stores_prefix_keys():
        insert_rows(SearchKey, ["customer", "value"], keys)


def index_values_of(
    cleaned: Mapping[str, Any], contacts: list[dict[str, Any]] | list[Mapping[str, Any]]
) -> list[str]:
    """Return the search index values of a customer from its cleaned values and contacts."""
    return search.index_values(
        cleaned.get("name", ""),
        cleaned.get("short_name", ""),
        cleaned.get("credit_code", ""),
        [
            (
                c.get("name", ""),
                c.get("mobile", ""),
                c.get("phone", ""),
                c.get("email", ""),
                c.get("wechat", ""),
            )
            for c in contacts
        ],
    )


def _write_updates(
    context: ImportContext,
    plan: Plan,
    added_tags: dict[int, list[str]],
    now: dt.datetime,
    result: BatchResult,
    event_rows: list[tuple[Any, ...]],
) -> set[int]:
    """Update the stored customers of the plan; return the ids whose index needs a rebuild.

    A planned update that changes nothing turns its rows from "updated" into "skipped".
    """
    if not plan.updates:
        return set()
    event_builder = RowBuilder(Event)
    rebuild_ids: set[int] = set()
    locked = {
        customer.pk: customer
        for customer in Customer.objects.select_for_update()
        .filter(pk__in=plan.updates)
        .order_by("pk")
    }
    changed = []
    for pk, (row, values, _tags) in plan.updates.items():
        customer = locked[pk]
        before, changes = _customer_changes(customer, values)
        if added_tags.get(pk):
            before["tags_added"] = added_tags[pk]
            changes["tags"] = ([], added_tags[pk])
        if not before:
            continue
        customer.version += 1
        customer.updated_at = now
        changed.append(customer)
        rebuild_ids.add(pk)
        if changes:
            event = events.fields_changed(pk, context.actor, changes)
            event_rows.append(event_builder.row_of(event))
        result.changes.append(Change("customer", "updated", pk, pk, row, customer.version, before))
    fields = [*UPDATABLE, "custom", "version", "updated_at"]
    Customer.objects.bulk_update(changed, fields, batch_size=500)
    unchanged = set(plan.updates) - {c.pk for c in changed}
    for row_result in result.rows:
        if row_result.outcome == UPDATED and row_result.customer_id in unchanged:
            row_result.outcome = SKIPPED
            row_result.warnings.append(_("The existing customer already has these values."))
    return rebuild_ids


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _customer_changes(
    customer: Customer, values: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, tuple[Any, Any]]]:
    """Apply `values` to `customer` in memory; return the replaced values and tracked changes."""
    from kehu.customers.services import TRACKED_FIELDS

    before: dict[str, Any] = {}
    changes: dict[str, tuple[Any, Any]] = {}
    for key, new in values.items():
        if key == "custom":
            merged = {**customer.custom}
            for custom_key, custom_value in new.items():
                if custom_value is not None and merged.get(custom_key) != custom_value:
                    changes[f"cf_{custom_key}"] = (merged.get(custom_key), custom_value)
                    merged[custom_key] = custom_value
            if merged != customer.custom:
                before["custom"] = dict(customer.custom)
                customer.custom = merged
            continue
        if key not in UPDATABLE:
            continue
        old = getattr(customer, key)
        if old != new:
            before[key] = _jsonable(old)
            if key in TRACKED_FIELDS:
                changes[key] = (old, new)
            setattr(customer, key, new)
    return before, changes


def _write_tags(links: list[tuple[int, str]], stored_ids: set[int]) -> dict[int, list[str]]:
    """Link tags to customers, creating missing tags; return the names newly linked per customer.

    Only the customers in `stored_ids` can have links already; the others were just created.
    """
    if not links:
        return {}
    names = {name for _pk, name in links}
    Tag.objects.bulk_create([Tag(name=name) for name in names], ignore_conflicts=True)
    tag_ids = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
    through = Customer.tags.through
    existing = set(
        through.objects.filter(customer_id__in=stored_ids).values_list("customer_id", "tag_id")
    )
    added: dict[int, list[str]] = {}
    rows = []
    for pk, name in dict.fromkeys(links):
        pair = (pk, tag_ids[name])
        if pair in existing:
            continue
        existing.add(pair)
        rows.append(pair)
        added.setdefault(pk, []).append(name)
    insert_rows(through, ["customer", "tag"], rows)
    return added
