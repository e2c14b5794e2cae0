"""The batch importer of customer rows: clean them, check them for duplicates, plan the writes."""

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kehu.customers.bulk.common import (
    CONTACT_ADDED,
    CREATE,
    CREATED,
    REJECTED,
    SKIP,
    SKIPPED,
    UPDATE,
    UPDATED,
    BatchResult,
    FileIndex,
    ImportContext,
    IncomingCustomer,
    Plan,
    Planned,
    PreparedCustomer,
    RowResult,
    add_contacts,
    check_owner,
    contact_identity,
    customer_keys,
    errors_of,
    key_field,
    load_stored_contacts,
)
from kehu.customers.bulk.room import limit_to_room
from kehu.customers.bulk.writes import index_values_of, write_plan
from kehu.customers.cleaning import clean_contact, clean_customer
from kehu.customers.dedup import Candidate, Match, find_matches
from kehu.customers.queries import writable_customers
from kehu.org.models import Capability


def prepare_customers(
    items: Sequence[IncomingCustomer], *, with_search: bool
) -> list[PreparedCustomer]:
    """Clean the customers and contacts of a batch and, `with_search`, compute their index values.

    Reads no database inside a custom fields snapshot that already contains the customer and
    contact fields (kehu.fields.registry.custom_fields_snapshot), so the importer
    can run it in a separate process.
    """
    prepared = []
    for item in items:
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
        contact_values = [values for _row, values in contacts]
        search_values = None
        if with_search and not errors:
            search_values = index_values_of(cleaned, contact_values)
        prepared.append(
            PreparedCustomer(
                row=item.row,
                contact_rows=[contact.row for contact in item.contacts],
                cleaned=cleaned,
                contacts=contacts,
                errors=errors,
                keys=customer_keys(cleaned, contact_values),
                contact_identities=set().union(*map(contact_identity, contact_values)),
                candidate=Candidate(
                    name_key=cleaned.get("name_key", ""),
                    credit_code=cleaned.get("credit_code", ""),
                    name_core=cleaned.get("name_core", ""),
                    mobiles=[c["mobile"] for c in contact_values if c.get("mobile")],
                    emails=[c["email"] for c in contact_values if c.get("email")],
                    wechats=[c["wechat"] for c in contact_values if c.get("wechat")],
                ),
                has_owner=item.has_owner,
                owner=item.owner,
                creator=item.creator,
                created_at=item.created_at,
                search_values=search_values,
            )
        )
    return prepared


def import_customers(
    context: ImportContext, items: Sequence[PreparedCustomer], index: FileIndex
) -> BatchResult:
    """Check and (unless a dry run) write one batch of prepared customer rows in a transaction.

    Raises PermissionDenied unless the actor may create customers and import into the batch's
    owner. A row whose own owner column names a user the actor may not import into is rejected.
    Locks the customers it updates in id order. Records an "imported" event per new customer, a
    "contact added" event per contact added to a stored customer and a "fields changed" event
    per update. Returns every created or updated record for undo.
    """
    check_owner(context.actor, context.owner)
    result = BatchResult()
    plan = Plan()
    for item in items:
        if item.has_owner:
            try:
                check_owner(context.actor, item.owner)
            except PermissionDenied as error:
                item.errors.append((item.row, "owner", str(error)))
    all_matches = find_matches([item.candidate for item in items])
    exact_ids = {m.customer_id for matches in all_matches for m in matches if m.exact}
    # A read-only share shows a customer but must not let an import change it.
    editable = set(
        writable_customers(context.actor).filter(pk__in=exact_ids).values_list("pk", flat=True)
    )
    stored_contacts = {pk: keys for pk, (keys, _rows) in load_stored_contacts(exact_ids).items()}
    # Only roles that may assign (managers, the boss) carry over who created a customer and
    # when: for a rep that would rewrite the record's history.
    keeps_history = context.actor.has_capability(Capability.ASSIGN)

    for item, matches in zip(items, all_matches, strict=True):
        if item.errors:
            result.rows.extend(_rejected_rows(item))
            continue
        result.rows.append(
            _decide(context, index, plan, item, matches, editable, stored_contacts, keeps_history)
        )

    if context.dry_run:
        # The limits lock rows, which needs a transaction even though nothing is written.
        with transaction.atomic():
            limit_to_room(plan, index, result)
        result.contacts_created = sum(len(p.contacts) for p in plan.creates.values()) + sum(
            len(adds) for adds in plan.contact_adds.values()
        )
        return result
    with transaction.atomic():
        limit_to_room(plan, index, result)
        write_plan(context, index, plan, result)
    return result


def _rejected_rows(item: PreparedCustomer) -> list[RowResult]:
    """Reject the customer's row and the rows of its contacts: they are written together or not."""
    errors = item.errors
    rows = dict.fromkeys([item.row, *item.contact_rows])
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
    item: PreparedCustomer,
    matches: list[Match],
    editable: set[int],
    stored_contacts: dict[int, set[tuple[str, str]]],
    keeps_history: bool,
) -> RowResult:
    cleaned, contacts, keys = item.cleaned, item.contacts, item.keys
    exact = [m for m in matches if m.exact]
    earlier_key = index.find_key(keys)
    earlier = None if earlier_key is None else index.by_key[earlier_key]
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
        message = _("The same customer appears on an earlier row of this file.")
        # The warning points at the cell that matched the earlier row, or at the name when the
        # match was with a customer this import stored in an earlier run.
        field = key_field(earlier_key) if earlier_key is not None else "name"
        return RowResult(
            item.row,
            SKIPPED,
            customer_id=earlier,
            warnings=[message],
            warning_fields={message: field},
        )

    if context.on_duplicate == CREATE:
        # "Create anyway" covers repeats inside the file and close matches. An exact match with
        # a customer stored before this import blocks creation, as on every other way in.
        stored = [m for m in exact if m.customer_id not in context.own_ids]
        if stored:
            messages = list(dict.fromkeys(m.message() for m in stored))
            return RowResult(item.row, REJECTED, errors=[(stored[0].field, " ".join(messages))])
    elif exact:
        messages = list(dict.fromkeys(m.message() for m in exact))
        if context.on_duplicate == SKIP:
            return RowResult(
                item.row,
                SKIPPED,
                customer_id=exact[0].customer_id,
                warnings=messages,
                warning_fields={match.message(): match.field for match in reversed(exact)},
            )
        targets = sorted({m.customer_id for m in exact})
        if len(targets) > 1:
            message = _(
                "The row matches %(count)d existing customers, so it is unclear which to "
                "update: %(matches)s"
            ) % {
                "count": len(targets),
                "matches": " ".join(messages),
            }
            return RowResult(item.row, REJECTED, errors=[(exact[0].field, message)])
        if targets[0] not in editable:
            message = _("%(match)s You may not change that customer.") % {"match": messages[0]}
            return RowResult(item.row, REJECTED, errors=[(exact[0].field, message)])
        known = stored_contacts.get(targets[0], set())
        new_contacts = [(row, c) for row, c in contacts if not (contact_identity(c) & known)]
        return _plan_update(plan, targets[0], item.row, cleaned, new_contacts, index)
    return _plan_create(context, index, plan, item, matches, keeps_history)


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
        planned.search_values = None
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
    item: PreparedCustomer,
    matches: list[Match],
    keeps_history: bool,
) -> RowResult:
    cleaned = item.cleaned
    placeholder = index.placeholder()
    tags = cleaned.pop("tags", [])
    plan.creates[placeholder] = Planned(
        row=item.row,
        cleaned=cleaned,
        tags=tags,
        contacts=list(item.contacts),
        owner=item.owner if item.has_owner else context.owner,
        creator=item.creator if keeps_history and item.creator else context.actor,
        # None: the time the batch is written.
        created_at=item.created_at if keeps_history else None,
        search_values=item.search_values,
        routed=not item.has_owner and context.router is not None,
    )
    index.add(placeholder, item.keys)
    index.contact_keys[placeholder] = set(item.contact_identities)
    warnings = list(dict.fromkeys(m.message() for m in matches if not m.exact))
    return RowResult(item.row, CREATED, customer_id=placeholder, warnings=warnings)
