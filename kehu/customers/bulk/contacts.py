"""The batch writer of contact rows that name the customer they belong to."""

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.customers import search
from kehu.customers.bulk.common import (
    CONTACT_ADDED,
    CONTACT_UPDATABLE,
    CREATE,
    REJECTED,
    SKIP,
    SKIPPED,
    UPDATE,
    UPDATED,
    BatchResult,
    Change,
    FileIndex,
    ImportContext,
    IncomingContactRow,
    Plan,
    RowResult,
    add_contacts,
    contact_identity,
    errors_of,
    load_stored_contacts,
    write_contacts,
)
from kehu.customers.bulk.rows import RowBuilder, insert_rows
from kehu.customers.cleaning import clean_contact
from kehu.customers.dedup import Candidate, Match, find_matches
from kehu.customers.models import Contact
from kehu.customers.normalize import name_key
from kehu.customers.queries import writable_customers
from kehu.fields.registry import custom_fields_snapshot
from kehu.org.models import Capability
from kehu.timeline import events
from kehu.timeline.models import Event


def import_contacts(
    context: ImportContext, items: Sequence[IncomingContactRow], index: FileIndex
) -> BatchResult:
    """Clean, check and (unless a dry run) write contact rows of customers named in each row.

    The customer is found by normalised name among earlier rows of the file (`index`) or among
    the stored customers the actor can see. No match, or several, rejects the row. A contact
    whose mobile, email or WeChat ID is already stored is a duplicate. On its own customer it
    is skipped, updated or added again as chosen; on another customer it is skipped, rejected or
    added. Raises PermissionDenied when the actor may not edit customers.
    """
    actor = context.actor
    if not (actor.has_capability(Capability.IMPORT) and actor.has_capability(Capability.EDIT)):
        raise PermissionDenied(_("You may not create or edit customers."))
    result = BatchResult()
    plan = Plan()
    cleaned_rows: list[tuple[dict[str, Any], list[tuple[str, str]]]] = []
    with custom_fields_snapshot():
        for item in items:
            try:
                cleaned_rows.append((clean_contact(item.values), []))
            except ValidationError as error:
                cleaned_rows.append(({}, errors_of(error, "contact.")))
    wanted = {name_key(item.customer_name) for item in items if item.customer_name.strip()}
    stored_by_name: dict[str, list[int]] = {}
    for pk, key in (
        writable_customers(context.actor).filter(name_key__in=wanted).values_list("pk", "name_key")
    ):
        stored_by_name.setdefault(key, []).append(pk)
    candidates = [
        Candidate(
            mobiles=[c["mobile"]] if c.get("mobile") else [],
            emails=[c["email"]] if c.get("email") else [],
            wechats=[c["wechat"]] if c.get("wechat") else [],
        )
        for c, _errors in cleaned_rows
    ]
    all_matches = find_matches(candidates)
    targets = {pk for pks in stored_by_name.values() for pk in pks}
    stored = load_stored_contacts(targets)

    for item, (cleaned, errors), matches in zip(items, cleaned_rows, all_matches, strict=True):
        if errors:
            result.rows.append(RowResult(item.row, REJECTED, errors=errors))
            continue
        result.rows.append(
            _decide_contact(context, index, plan, stored, stored_by_name, item, cleaned, matches)
        )

    if context.dry_run:
        result.contacts_created = sum(len(adds) for adds in plan.contact_adds.values())
        return result
    with transaction.atomic():
        _write_contact_plan(context, plan, result)
    return result


def _decide_contact(
    context: ImportContext,
    index: FileIndex,
    plan: Plan,
    stored: dict[int, tuple[set[tuple[str, str]], list[tuple[int, set[tuple[str, str]]]]]],
    stored_by_name: dict[str, list[int]],
    item: IncomingContactRow,
    cleaned: dict[str, Any],
    matches: list[Match],
) -> RowResult:
    key = name_key(item.customer_name)
    if not key:
        return RowResult(
            item.row, REJECTED, errors=[("customer", _("The customer name is required."))]
        )
    target = index.find([("name", key)])
    if target is None:
        found = stored_by_name.get(key, [])
        if len(found) > 1:
            message = _(
                "%(count)d customers are named “%(name)s”; add the contact on the customer's page."
            )
            return RowResult(
                item.row,
                REJECTED,
                errors=[("customer", message % {"count": len(found), "name": item.customer_name})],
            )
        if not found:
            message = _(
                "No customer named “%(name)s” was found in this file or among the customers "
                "you can see."
            )
            return RowResult(
                item.row, REJECTED, errors=[("customer", message % {"name": item.customer_name})]
            )
        target = found[0]
    identity = contact_identity(cleaned)
    known = index.contact_keys.get(target, set()) | stored.get(target, (set(), []))[0]
    if identity & known:
        if context.on_duplicate == SKIP:
            return RowResult(
                item.row,
                SKIPPED,
                customer_id=target,
                warnings=[_("The customer already has this contact.")],
            )
        if context.on_duplicate == UPDATE:
            same = [pk for pk, keys in stored.get(target, (set(), []))[1] if keys & identity]
            if not same:
                # The contact was added by an earlier row of this batch: nothing stored to update.
                return RowResult(
                    item.row,
                    SKIPPED,
                    customer_id=target,
                    warnings=[_("The customer already has this contact.")],
                )
            plan.contact_updates[same[0]] = (item.row, cleaned)
            return RowResult(item.row, UPDATED, customer_id=target)
    else:
        elsewhere = [m for m in matches if m.exact and m.customer_id != target]
        if elsewhere and context.on_duplicate != CREATE:
            message = elsewhere[0].message()
            if context.on_duplicate == SKIP:
                return RowResult(item.row, SKIPPED, warnings=[message])
            return RowResult(item.row, REJECTED, errors=[("contact.mobile", message)])
    add_contacts(plan, index, target, [(item.row, cleaned)])
    return RowResult(item.row, CONTACT_ADDED, customer_id=target)


def _write_contact_plan(context: ImportContext, plan: Plan, result: BatchResult) -> None:
    now = clock.now()
    event_builder = RowBuilder(Event)
    event_rows: list[tuple[Any, ...]] = []
    write_contacts(plan, {}, now, result, event_rows, context.actor)
    rebuild_ids = set(plan.contact_adds)
    if plan.contact_updates:
        locked = (
            Contact.objects.select_for_update().filter(pk__in=plan.contact_updates).order_by("pk")
        )
        changed = []
        for contact in locked:
            row, values = plan.contact_updates[contact.pk]
            before: dict[str, Any] = {}
            changes: dict[str, tuple[Any, Any]] = {}
            for field, new in values.items():
                if (
                    field in CONTACT_UPDATABLE
                    and new not in ("", None)
                    and getattr(contact, field) != new
                ):
                    before[field] = getattr(contact, field)
                    changes[field] = (getattr(contact, field), new)
                    setattr(contact, field, new)
            if not before:
                continue
            contact.version += 1
            contact.updated_at = now
            changed.append(contact)
            rebuild_ids.add(contact.customer_id)
            event = events.contact_changed(
                contact.customer_id, context.actor, contact.name, changes
            )
            event_rows.append(event_builder.row_of(event))
            result.changes.append(
                Change(
                    "contact",
                    "updated",
                    contact.pk,
                    contact.customer_id,
                    row,
                    contact.version,
                    before,
                )
            )
        Contact.objects.bulk_update(
            changed, [*CONTACT_UPDATABLE, "version", "updated_at"], batch_size=500
        )
        done = {c.pk for c in changed}
        skipped_rows = {row for pk, (row, _v) in plan.contact_updates.items() if pk not in done}
        for row_result in result.rows:
            if row_result.outcome == UPDATED and row_result.row in skipped_rows:
                row_result.outcome = SKIPPED
                row_result.warnings.append(_("The existing contact already has these values."))
    insert_rows(Event, event_builder.names, event_rows)
    search.rebuild(rebuild_ids)
