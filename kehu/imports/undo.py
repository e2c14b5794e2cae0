"""Undo an import: remove exactly the records it created and revert the ones it updated.

An import can be undone only while nobody has changed its records since: every service write
increments a record's `version`, so a version different from the one recorded after the import
(or a record that is gone, or a follow-up or attachment someone added to an imported customer)
blocks the undo, and the message lists which records changed.
"""

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.customers import search
from kehu.customers.models import Contact, Customer
from kehu.imports.models import ImportJob, ImportRecord, ImportStatus, RecordAction, RecordKind
from kehu.imports.services import _require_job, _require_status
from kehu.imports.undo_contracts import changed_contract_records, revert_contract_records
from kehu.imports.undo_sales import changed_sales_records, revert_sales_records
from kehu.imports.undo_team import changed_team_records, revert_team_records
from kehu.org.models import User
from kehu.timeline import events
from kehu.timeline.models import Attachment, Event, FollowUp

logger = logging.getLogger(__name__)
DELETE_CHUNK = 1000
LISTED_CHANGES = 20


def undo_import(actor: User, job: ImportJob) -> ImportJob:
    """Delete what the import created and restore what it updated, in one transaction.

    Raises PermissionDenied unless the actor may import and sees the job, and ValidationError
    listing the changed records when any record was changed after the import.
    """
    with transaction.atomic():
        locked = _require_job(actor, job)
        _require_status(locked, ImportStatus.DONE, ImportStatus.FAILED)
        records = list(ImportRecord.objects.filter(job=locked).order_by("id"))
        expected: dict[tuple[str, int], ImportRecord] = {}
        for record in records:
            key = (record.kind, record.object_id)
            if key not in expected or record.version > expected[key].version:
                expected[key] = record
        changed = _changed_records(locked, records, expected)
        if changed:
            listed = changed[:LISTED_CHANGES]
            more = len(changed) - len(listed)
            message = _(
                "The import cannot be undone because these records were changed after it: %(list)s"
            ) % {"list": "；".join(listed)}
            if more:
                message += _(" and %(count)d more.") % {"count": more}
            raise ValidationError({"undo": [message]})
        _revert(actor, records)
        locked.status = ImportStatus.UNDONE
        locked.undone_at = clock.now()
        locked.undone_by = actor
        locked.save(update_fields=["status", "undone_at", "undone_by"])
    logger.info(
        "import %s undone by user %s (%d records)", locked.public_id, actor.pk, len(records)
    )
    return locked


def _ids(records: Iterable[ImportRecord], kind: str, action: str | None = None) -> list[int]:
    return [
        r.object_id for r in records if r.kind == kind and (action is None or r.action == action)
    ]


def _changed_records(
    job: ImportJob, records: list[ImportRecord], expected: dict[tuple[str, int], ImportRecord]
) -> list[str]:
    changed: list[str] = []
    customer_ids = {
        r.object_id
        for r in records
        if r.kind == RecordKind.CUSTOMER and r.action != RecordAction.TOUCHED
    }
    customers = {
        pk: (version, name)
        for pk, version, name in Customer.objects.filter(pk__in=customer_ids).values_list(
            "pk", "version", "name"
        )
    }
    for pk in sorted(customer_ids):
        record = expected[(RecordKind.CUSTOMER, pk)]
        if pk not in customers:
            changed.append(_("row %(row)d: the customer was deleted") % {"row": record.row})
        elif customers[pk][0] != record.version:
            changed.append(
                _("row %(row)d: customer “%(name)s”")
                % {"row": record.row, "name": customers[pk][1]}
            )

    contact_ids = set(_ids(records, RecordKind.CONTACT))
    contacts = dict(Contact.objects.filter(pk__in=contact_ids).values_list("pk", "version"))
    names = dict(Contact.objects.filter(pk__in=contact_ids).values_list("pk", "name"))
    for pk in sorted(contact_ids):
        record = expected[(RecordKind.CONTACT, pk)]
        if contacts.get(pk) != record.version:
            changed.append(
                _("row %(row)d: contact “%(name)s”")
                % {"row": record.row, "name": names.get(pk, "")}
            )

    follow_up_ids = set(_ids(records, RecordKind.FOLLOW_UP))
    follow_ups = dict(FollowUp.objects.filter(pk__in=follow_up_ids).values_list("pk", "version"))
    for pk in sorted(follow_up_ids):
        record = expected[(RecordKind.FOLLOW_UP, pk)]
        if follow_ups.get(pk) != record.version:
            changed.append(
                _("row %(row)d: a follow-up was edited or deleted") % {"row": record.row}
            )

    created = _ids(records, RecordKind.CUSTOMER, RecordAction.CREATED)
    rows = {
        r.object_id: r.row
        for r in records
        if r.kind == RecordKind.CUSTOMER and r.action == RecordAction.CREATED
    }
    foreign_follow_ups = FollowUp.objects.filter(customer_id__in=created).exclude(
        pk__in=follow_up_ids
    )
    foreign_attachments = Attachment.objects.filter(customer_id__in=created)
    finished = job.finished_at or clock.now()
    foreign_contacts = Contact.objects.filter(
        customer_id__in=created, created_at__gt=finished
    ).exclude(pk__in=contact_ids)
    touched = set(foreign_follow_ups.values_list("customer_id", flat=True))
    touched.update(foreign_attachments.values_list("customer_id", flat=True))
    touched.update(foreign_contacts.values_list("customer_id", flat=True))
    for pk in sorted(touched):
        name = customers.get(pk, (0, ""))[1]
        changed.append(
            _(
                "row %(row)d: customer “%(name)s” has follow-ups, contacts or files added after "
                "the import"
            )
            % {"row": rows.get(pk, 0), "name": name}
        )
    changed.extend(changed_sales_records(records, expected, finished))
    changed.extend(changed_contract_records(records, expected, finished))
    changed.extend(changed_team_records(records))
    return changed


def _revert(actor: User, records: list[ImportRecord]) -> None:
    now = clock.now()
    revert_contract_records(records)
    revert_team_records(actor, records)
    revert_sales_records(records)
    follow_up_ids = _ids(records, RecordKind.FOLLOW_UP, RecordAction.CREATED)
    for chunk in _chunks(follow_up_ids):
        FollowUp.objects.filter(pk__in=chunk).delete()
    _restore_follow_up_dates([r for r in records if r.action == RecordAction.TOUCHED])

    created_customers = set(_ids(records, RecordKind.CUSTOMER, RecordAction.CREATED))
    added_contacts = [
        r
        for r in records
        if r.kind == RecordKind.CONTACT
        and r.action == RecordAction.CREATED
        and r.customer_id not in created_customers
    ]
    for chunk in _chunks([r.object_id for r in added_contacts]):
        Contact.objects.filter(pk__in=chunk).delete()

    rebuild: set[int] = {r.customer_id for r in added_contacts}
    for record in records:
        if record.kind == RecordKind.CONTACT and record.action == RecordAction.UPDATED:
            contact = Contact.objects.select_for_update().get(pk=record.object_id)
            for field, value in record.before.items():
                setattr(contact, field, value)
            contact.version += 1
            contact.updated_at = now
            contact.save()
            rebuild.add(contact.customer_id)
    event_rows: list[Event] = []
    for record in records:
        if record.kind == RecordKind.CUSTOMER and record.action == RecordAction.UPDATED:
            event_rows.extend(_restore_customer(actor, record, now))
            rebuild.add(record.object_id)
    Event.objects.bulk_create(event_rows)

    for chunk in _chunks(sorted(created_customers)):
        Customer.objects.filter(pk__in=chunk).delete()
    search.rebuild(rebuild - created_customers)


def _restore_customer(actor: User, record: ImportRecord, now: dt.datetime) -> list[Event]:
    from kehu.customers.services import TRACKED_FIELDS

    customer = Customer.objects.select_for_update().get(pk=record.object_id)
    changes: dict[str, tuple[Any, Any]] = {}
    for field, value in record.before.items():
        if field == "tags_added":
            customer.tags.remove(*customer.tags.filter(name__in=value))
            changes["tags"] = (value, [])
            continue
        if field == "next_follow_up_on" and value:
            value = dt.date.fromisoformat(value)
        if field in TRACKED_FIELDS:
            changes[field] = (getattr(customer, field), value)
        setattr(customer, field, value)
    customer.version += 1
    customer.updated_at = now
    customer.save()
    return [events.fields_changed(customer.pk, actor, changes)] if changes else []


def _restore_follow_up_dates(records: list[ImportRecord]) -> None:
    """Put back the last and next follow-up dates the imported follow-ups moved."""
    if not records:
        return
    ids = [r.object_id for r in records]
    latest = dict(
        FollowUp.objects.filter(customer_id__in=ids)
        .values("customer_id")
        .annotate(latest=Max("occurred_at"))
        .values_list("customer_id", "latest")
    )
    for record in records:
        before_last = record.before.get("last_follow_up_at")
        last = dt.datetime.fromisoformat(before_last) if before_last else None
        remaining = latest.get(record.object_id)
        if remaining is not None and (last is None or remaining > last):
            last = remaining
        before_next = record.before.get("next_follow_up_on")
        Customer.objects.filter(pk=record.object_id).update(
            last_follow_up_at=last,
            next_follow_up_on=dt.date.fromisoformat(before_next) if before_next else None,
        )


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), DELETE_CHUNK):
        yield ids[start : start + DELETE_CHUNK]
