"""The batch writer of customer rows, with their contacts, tags, events and index rows."""

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.customers import search
from kehu.customers.bulk.common import (
    CONTACT_ADDED,
    CREATE,
    CREATED,
    REJECTED,
    SKIP,
    SKIPPED,
    UPDATABLE,
    UPDATE,
    UPDATED,
    BatchResult,
    Change,
    FileIndex,
    ImportContext,
    IncomingCustomer,
    Plan,
    Planned,
    RowResult,
    add_contacts,
    check_owner,
    contact_identity,
    customer_keys,
    errors_of,
    insert_instances,
    insert_returning_ids,
    insert_rows,
    load_stored_contacts,
    write_contacts,
)
from kehu.customers.cleaning import clean_contact, clean_customer
from kehu.customers.dedup import Candidate, Match, find_matches
from kehu.customers.models import Customer, SearchDocument, SearchKey, Tag
from kehu.customers.queries import visible_customers
from kehu.fields.registry import custom_fields_snapshot
from kehu.org.models import Capability
from kehu.timeline import events
from kehu.timeline.models import Event


def import_customers(
    context: ImportContext, items: Sequence[IncomingCustomer], index: FileIndex
) -> BatchResult:
    """Clean, check and (unless a dry run) write one batch of customer rows in a transaction.

    Raises PermissionDenied unless the actor may create customers and import into the batch's
    owner. A row whose own owner column names a user the actor may not import into is rejected.
    Locks the customers it updates in id order. Records an "imported" event per new customer, a
    "contact added" event per contact added to a stored customer and a "fields changed" event
    per update. Returns every created or updated record for undo.
    """
    check_owner(context.actor, context.owner)
    result = BatchResult()
    plan = Plan()
    with custom_fields_snapshot():
        cleaned_items = [_clean_item(context, item) for item in items]
    candidates = [
        Candidate(
            name_key=cleaned.get("name_key", ""),
            credit_code=cleaned.get("credit_code", ""),
            name_core=cleaned.get("name_core", ""),
            mobiles=[c["mobile"] for _r, c in contacts if c.get("mobile")],
            emails=[c["email"] for _r, c in contacts if c.get("email")],
            wechats=[c["wechat"] for _r, c in contacts if c.get("wechat")],
        )
        for item, (cleaned, contacts, _errors) in zip(items, cleaned_items, strict=True)
    ]
    all_matches = find_matches(candidates)
    exact_ids = {m.customer_id for matches in all_matches for m in matches if m.exact}
    editable = set(
        visible_customers(context.actor).filter(pk__in=exact_ids).values_list("pk", flat=True)
    )
    stored_contacts = {pk: keys for pk, (keys, _rows) in load_stored_contacts(exact_ids).items()}

    for item, (cleaned, contacts, errors), matches in zip(
        items, cleaned_items, all_matches, strict=True
    ):
        if errors:
            result.rows.extend(_rejected_rows(item, errors))
            continue
        lead = _decide(
            context, index, plan, item, cleaned, contacts, matches, editable, stored_contacts
        )
        result.rows.append(lead)

    if context.dry_run:
        result.contacts_created = sum(len(p.contacts) for p in plan.creates.values()) + sum(
            len(adds) for adds in plan.contact_adds.values()
        )
        return result
    with transaction.atomic():
        _write(context, index, plan, result)
    return result


def _clean_item(
    context: ImportContext, item: IncomingCustomer
) -> tuple[dict[str, Any], list[tuple[int, dict[str, Any]]], list[tuple[int, str, str]]]:
    """Return the cleaned customer, its cleaned contacts and errors as (row, field, message)."""
    errors: list[tuple[int, str, str]] = []
    cleaned: dict[str, Any] = {}
    try:
        cleaned = clean_customer(item.values)
    except ValidationError as error:
        errors.extend((item.row, key, message) for key, message in errors_of(error))
    contacts: list[tuple[int, dict[str, Any]]] = []
    for incoming in item.contacts:
        try:
            contacts.append((incoming.row, clean_contact(incoming.values)))
        except ValidationError as error:
            errors.extend(
                (incoming.row, key, message) for key, message in errors_of(error, "contact.")
            )
    if item.has_owner:
        try:
            check_owner(context.actor, item.owner)
        except PermissionDenied as error:
            errors.append((item.row, "owner", str(error)))
    return cleaned, contacts, errors


def _rejected_rows(item: IncomingCustomer, errors: list[tuple[int, str, str]]) -> list[RowResult]:
    """Reject the customer's row and the rows of its contacts: they are written together or not."""
    rows = dict.fromkeys([item.row, *(contact.row for contact in item.contacts)])
    results = []
    for row in rows:
        row_errors = [(key, message) for error_row, key, message in errors if error_row == row]
        if not row_errors:
            message = _("Not imported because row %(row)d of the same customer has errors.")
            bad_row = next(error_row for error_row, _key, _message in errors)
            row_errors = [("", message % {"row": bad_row})]
        results.append(RowResult(row, REJECTED, errors=row_errors))
    return results


def _decide(
    context: ImportContext,
    index: FileIndex,
    plan: Plan,
    item: IncomingCustomer,
    cleaned: dict[str, Any],
    contacts: list[tuple[int, dict[str, Any]]],
    matches: list[Match],
    editable: set[int],
    stored_contacts: dict[int, set[tuple[str, str]]],
) -> RowResult:
    keys = customer_keys(cleaned, [c for _r, c in contacts])
    exact = [m for m in matches if m.exact]
    earlier = index.find(keys)
    if earlier is None:
        own = [m.customer_id for m in exact if m.customer_id in context.own_ids]
        earlier = own[0] if own else None
    if earlier is not None and context.on_duplicate != CREATE:
        known = index.contact_keys.get(earlier) or stored_contacts.get(earlier, set())
        new_contacts = [(row, c) for row, c in contacts if not (contact_identity(c) & known)]
        if new_contacts:
            add_contacts(plan, index, earlier, new_contacts)
            return RowResult(item.row, CONTACT_ADDED, customer_id=earlier)
        if context.on_duplicate == UPDATE:
            return _plan_update(plan, earlier, item.row, cleaned, [])
        return RowResult(
            item.row,
            SKIPPED,
            customer_id=earlier,
            warnings=[_("The same customer appears on an earlier row of this file.")],
        )

    if context.on_duplicate == CREATE:
        # "Create anyway" covers repeats inside the file and close matches. An exact match with
        # a customer stored before this import blocks creation, as on every other way in.
        stored = [m for m in exact if m.customer_id not in context.own_ids]
        if stored:
            messages = list(dict.fromkeys(m.message() for m in stored))
            return RowResult(item.row, REJECTED, errors=[("name", " ".join(messages))])
    elif exact:
        messages = list(dict.fromkeys(m.message() for m in exact))
        if context.on_duplicate == SKIP:
            return RowResult(item.row, SKIPPED, customer_id=exact[0].customer_id, warnings=messages)
        targets = sorted({m.customer_id for m in exact})
        if len(targets) > 1:
            message = _(
                "The row matches %(count)d existing customers, so it is unclear which to "
                "update: %(matches)s"
            ) % {
                "count": len(targets),
                "matches": " ".join(messages),
            }
            return RowResult(item.row, REJECTED, errors=[("name", message)])
        if targets[0] not in editable:
            message = _("%(match)s You may not change that customer.") % {"match": messages[0]}
            return RowResult(item.row, REJECTED, errors=[("name", message)])
        known = stored_contacts.get(targets[0], set())
        new_contacts = [(row, c) for row, c in contacts if not (contact_identity(c) & known)]
        return _plan_update(plan, targets[0], item.row, cleaned, new_contacts, index)
    return _plan_create(context, index, plan, item, cleaned, contacts, keys, matches)


def _plan_update(
    plan: Plan,
    customer_id: int,
    row: int,
    cleaned: dict[str, Any],
    contacts: list[tuple[int, dict[str, Any]]],
    index: FileIndex | None = None,
) -> RowResult:
    values = {k: v for k, v in cleaned.items() if v not in ("", None, [], {}) and k != "tags"}
    tags = list(cleaned.get("tags", []))
    if customer_id in plan.creates:
        planned = plan.creates[customer_id]
        planned.cleaned.update(values)
        planned.tags = list(dict.fromkeys([*planned.tags, *tags]))
        return RowResult(row, UPDATED, customer_id=customer_id)
    first_row, merged, merged_tags = plan.updates.get(customer_id, (row, {}, []))
    merged.update(values)
    plan.updates[customer_id] = (first_row, merged, list(dict.fromkeys([*merged_tags, *tags])))
    if contacts and index is not None:
        add_contacts(plan, index, customer_id, contacts)
    return RowResult(row, UPDATED, customer_id=customer_id)


def _plan_create(
    context: ImportContext,
    index: FileIndex,
    plan: Plan,
    item: IncomingCustomer,
    cleaned: dict[str, Any],
    contacts: list[tuple[int, dict[str, Any]]],
    keys: list[tuple[str, str]],
    matches: list[Match],
) -> RowResult:
    # Only roles that may assign (managers, the boss) carry over who created a customer and
    # when: for a rep that would rewrite the record's history.
    keeps_history = context.actor.has_capability(Capability.ASSIGN)
    placeholder = index.placeholder()
    tags = cleaned.pop("tags", [])
    plan.creates[placeholder] = Planned(
        row=item.row,
        cleaned=cleaned,
        tags=tags,
        contacts=list(contacts),
        owner=item.owner if item.has_owner else context.owner,
        creator=item.creator if keeps_history and item.creator else context.actor,
        created_at=item.created_at if keeps_history and item.created_at else clock.now(),
    )
    index.add(placeholder, keys)
    index.contact_keys[placeholder] = (
        set().union(*(contact_identity(c) for _r, c in contacts)) if contacts else set()
    )
    warnings = list(dict.fromkeys(m.message() for m in matches if not m.exact))
    return RowResult(item.row, CREATED, customer_id=placeholder, warnings=warnings)


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


def _write(context: ImportContext, index: FileIndex, plan: Plan, result: BatchResult) -> None:
    now = clock.now()
    actor = context.actor
    placeholders = list(plan.creates)
    customers = []
    for planned in plan.creates.values():
        customers.append(
            Customer(
                **planned.cleaned,
                owner=planned.owner,
                creator=planned.creator,
                created_at=planned.created_at,
                updated_at=now,
            )
        )
    insert_returning_ids(Customer, customers)
    real_ids = {
        placeholder: customer.pk
        for placeholder, customer in zip(placeholders, customers, strict=True)
    }
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
    added_tags = _write_tags(tag_links)

    event_rows: list[Event] = []
    rebuild_ids: set[int] = set()
    if plan.updates:
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
                event_rows.append(events.fields_changed(pk, actor, changes))
            result.changes.append(
                Change("customer", "updated", pk, pk, row, customer.version, before)
            )
        fields = [*UPDATABLE, "custom", "version", "updated_at"]
        Customer.objects.bulk_update(changed, fields, batch_size=500)
        unchanged = set(plan.updates) - {c.pk for c in changed}
        for row_result in result.rows:
            if row_result.outcome == UPDATED and row_result.customer_id in unchanged:
                row_result.outcome = SKIPPED
                row_result.warnings.append(_("The existing customer already has these values."))

    contacts_by_customer = write_contacts(plan, real_ids, now, result, event_rows, actor)
    rebuild_ids.update(plan.contact_adds)

    for placeholder, planned in plan.creates.items():
        pk = real_ids[placeholder]
        event_rows.append(
            events.customer_imported(pk, actor, context.import_id, context.file_name, planned.row)
        )
        result.changes.append(Change("customer", "created", pk, pk, planned.row, 1))
    insert_instances(Event, event_rows)

    # The rows search.write_index would store, written as plain tuples (see insert_rows).
    documents: list[tuple[int, str]] = []
    keys: list[tuple[int, str]] = []
    for customer in customers:
        found = search.customer_values(customer, contacts_by_customer.get(customer.pk, []))
        documents.append((customer.pk, search.SEPARATOR.join(found)))
        keys.extend((customer.pk, value) for value in found)
    # 400 rows of two values stay below 999 values per statement, SQLite's limit before 3.32.
    insert_rows(SearchDocument, ["customer", "text"], documents, rows_per_statement=400)
    insert_rows(SearchKey, ["customer", "value"], keys)
    search.rebuild(rebuild_ids - set(real_ids.values()))

    for row_result in result.rows:
        if row_result.customer_id is not None and row_result.customer_id < 0:
            row_result.customer_id = real_ids.get(row_result.customer_id)


def _write_tags(links: list[tuple[int, str]]) -> dict[int, list[str]]:
    """Link tags to customers, creating missing tags; return the names newly linked per customer."""
    if not links:
        return {}
    names = {name for _pk, name in links}
    Tag.objects.bulk_create([Tag(name=name) for name in names], ignore_conflicts=True)
    tag_ids = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
    through = Customer.tags.through
    customer_ids = {pk for pk, _name in links}
    existing = set(
        through.objects.filter(customer_id__in=customer_ids).values_list("customer_id", "tag_id")
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
