"""Run an import job over its rows: the dry run (check) and the commit, batch by batch.

Both passes build the same batches and call the same bulk services, the dry run with
`dry_run=True`, so the check reports exactly what the commit will do as long as the stored
customers do not change in between.

Customer imports run in two phases. Phase 0 writes the customer rows. Phase 1 writes the contact
rows that name their company in a "company of this contact" column (Odoo-style child rows), so
a contact row may come before or after its company in the file.
"""

import dataclasses
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.core.db import refresh_statistics
from kehu.customers import bulk
from kehu.customers.dedup import serialize_duplicate_checks
from kehu.imports.history import FollowUpKey, IncomingFollowUp, import_follow_ups
from kehu.imports.mapping import PARENT
from kehu.imports.models import ImportJob, ImportKind, ImportProblem, ImportRecord, ImportStatus
from kehu.imports.readers import Sheet, is_empty, open_book, read_header
from kehu.imports.rows import (
    ParsedRow,
    Problem,
    RowParser,
    contact_values,
    customer_values,
    prefixed_values,
    shown,
)

logger = logging.getLogger(__name__)

# Rows per transaction: large enough that bulk inserts pay off, small enough that a killed
# worker loses little and other writers wait at most a second or so on SQLite.
BATCH_ROWS = 1000
# After an import that created this many customers the planner statistics are refreshed, which
# takes about 16 s at a million customers on SQLite (docs/benchmarks.md).
ANALYZE_AFTER_ROWS = 5000


class Superseded(Exception):
    """Another worker took over the job (it was resumed); this one stops without writing."""


@dataclasses.dataclass
class Batch:
    phase: int
    end: int  # 0-based sheet row index after the batch's last row
    rows: list[ParsedRow]
    blank: int


@dataclasses.dataclass
class BatchOutcome:
    problems: list[Problem]
    result: bulk.BatchResult
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0


def load_sheet(job: ImportJob) -> Sheet:
    book = open_book(Path(job.file.path), job.file_name)
    return book.sheet(job.sheet_name)


class Run:
    """One pass over a job's rows; build a new one for every pass."""

    def __init__(self, job: ImportJob, *, dry_run: bool) -> None:
        self.job = job
        self.sheet = load_sheet(job)
        header = read_header(self.sheet, job.header_row, job.header_rows)
        targets = [entry.get("target", "") for entry in job.mapping]
        targets += [""] * (len(header.titles) - len(targets))
        self.parser = RowParser(job.kind, self.sheet, header, targets)
        self.context = bulk.ImportContext(
            actor=job.created_by,
            owner=job.owner if job.assign_owner else None,
            on_duplicate=job.on_duplicate,
            import_id=str(job.public_id),
            file_name=job.file_name,
            dry_run=dry_run,
        )
        self.index = bulk.FileIndex()
        self.seen_follow_ups: set[FollowUpKey] = set()

    @property
    def phases(self) -> list[int]:
        return [0, 1] if self.job.kind == ImportKind.CUSTOMERS else [0]

    def untitled_column_warnings(self) -> list[Problem]:
        """Warn about columns without a title that hold values and are not imported."""
        mapped = {column.index for column in self.parser.columns}
        warnings = []
        header = self.parser.header
        for index, untitled in enumerate(header.untitled):
            if not untitled or index in mapped:
                continue
            filled = sum(
                1 for row in self.sheet.rows[self.parser.first_index :] if not is_empty(row[index])
            )
            if filled:
                message = _(
                    "The column has no title but holds values in %(count)d rows; they are not "
                    "imported unless you map the column to a field."
                ) % {"count": filled}
                warnings.append(Problem(0, header.titles[index], "", message, is_warning=True))
        return warnings

    def _belongs_to(self, row: ParsedRow, phase: int) -> bool:
        is_child = self.job.kind == ImportKind.CUSTOMERS and PARENT in row.values
        return is_child == (phase == 1)

    def batches(self, phase: int, start: int) -> Iterator[Batch]:
        """Yield batches of one phase from 0-based sheet row `start`.

        A batch never ends right before a row that continues the previous row's customer (no
        customer name, only contact values), so such rows always land with their customer.
        """
        rows: list[ParsedRow] = []
        blank = 0
        index = max(start, self.parser.first_index)
        total = len(self.sheet.rows)
        while index < total:
            row = self.parser.parse(index)
            continues = self._continues(row)
            if len(rows) + blank >= BATCH_ROWS and not continues:
                yield Batch(phase, index, rows, blank)
                rows, blank = [], 0
            index += 1
            if not row.values and not row.problems:
                blank += phase == 0
                continue
            if self._belongs_to(row, phase):
                rows.append(row)
        if rows or blank:
            yield Batch(phase, total, rows, blank)

    def _continues(self, row: ParsedRow) -> bool:
        """Return whether the row only adds a contact to the customer of the row above.

        That is a row whose customer cells are all empty but whose contact cells are not, as
        exports that list several contacts under one customer write them.
        """
        return (
            self.job.kind == ImportKind.CUSTOMERS
            and not row.has("customer.")
            and row.has("contact.")
        )

    def process(self, batch: Batch) -> BatchOutcome:
        """Run one batch through the bulk service; writes unless this is a dry run."""
        if self.job.kind == ImportKind.CONTACTS:
            outcome = self._contacts(batch, "customer.name")
        elif self.job.kind == ImportKind.FOLLOW_UPS:
            outcome = self._follow_ups(batch)
        elif batch.phase == 1:
            outcome = self._contacts(batch, PARENT)
        else:
            outcome = self._customers(batch)
        rows = {row.number: row for row in batch.rows}
        for row_result in outcome.result.rows:
            if row_result.outcome == bulk.REJECTED:
                outcome.rejected += 1
                for field, message in row_result.errors:
                    title, value = self._cell_for(rows.get(row_result.row), field)
                    outcome.problems.append(Problem(row_result.row, title, value, message))
            else:
                if row_result.outcome == bulk.CREATED:
                    outcome.created += 1
                elif row_result.outcome == bulk.UPDATED:
                    outcome.updated += 1
                elif row_result.outcome == bulk.SKIPPED:
                    outcome.skipped += 1
                # Warnings are about duplicates, so they point at the row's name cell.
                title, value = self._cell_for(rows.get(row_result.row), "name")
                for message in row_result.warnings:
                    outcome.problems.append(
                        Problem(row_result.row, title, value, message, is_warning=True)
                    )
        if self.job.kind == ImportKind.CONTACTS:
            # A contacts import creates contacts: they are its "created" count.
            outcome.created = sum(1 for r in outcome.result.rows if r.outcome == bulk.CONTACT_ADDED)
        outcome.problems.sort(key=lambda problem: problem.row)
        return outcome

    def _cell_for(self, row: ParsedRow | None, field: str) -> tuple[str, str]:
        """Return the column title and cell text behind a field key of a bulk error."""
        if field == "customer":
            candidates = [PARENT, "customer.name"]
        elif field.startswith(("contact.", "follow_up.")):
            candidates = [field, "customer.name"] if field == "contact.name" else [field]
        elif field in ("province", "city", "district"):
            candidates = [f"customer.{field}", "customer.region"]
        else:
            candidates = [f"customer.{field}"]
        for key in candidates:
            column = self.parser.by_target.get(key)
            if column is not None:
                value = self.sheet.rows[row.number - 1][column.index] if row else ""
                return column.title, shown(value)
        return "", ""

    def _rejected(self, row: ParsedRow) -> bulk.RowResult:
        return bulk.RowResult(row.number, bulk.REJECTED)

    def _customers(self, batch: Batch) -> BatchOutcome:
        problems: list[Problem] = []
        items: list[bulk.IncomingCustomer] = []
        extra: list[bulk.RowResult] = []
        # Continuation rows: row number -> the row number of their customer.
        followers: dict[int, int] = {}
        current: bulk.IncomingCustomer | None = None
        current_rejected = 0

        for row in batch.rows:
            if self._continues(row) and (current is not None or current_rejected):
                if current is not None and not row.problems:
                    current.contacts.append(bulk.IncomingContact(row.number, contact_values(row)))
                    followers[row.number] = current.row
                    continue
                problems.extend(row.problems)
                if not row.problems:
                    message = _("Not imported because row %(row)d of its customer was rejected.")
                    problems.append(
                        Problem(row.number, "", "", message % {"row": current_rejected})
                    )
                extra.append(self._rejected(row))
                continue

            if row.problems:
                problems.extend(row.problems)
                extra.append(self._rejected(row))
                current, current_rejected = None, row.number
                continue

            current = self._incoming_customer(row)
            current_rejected = 0
            items.append(current)

        result = bulk.BatchResult()
        if items:
            result = bulk.import_customers(self.context, items, self.index)
        _spread_to_followers(result, followers)
        result.rows.extend(extra)
        return BatchOutcome(problems, result)

    def _incoming_customer(self, row: ParsedRow) -> bulk.IncomingCustomer:
        contact = contact_values(row)
        if contact and "name" not in contact and "customer.name" in row.values:
            # Phones or emails without a contact name go to a contact named after the customer.
            contact["name"] = row.values["customer.name"]
        return bulk.IncomingCustomer(
            row=row.number,
            values=customer_values(row),
            contacts=[bulk.IncomingContact(row.number, contact)] if contact else [],
            has_owner="customer.owner" in row.values,
            owner=row.values.get("customer.owner"),
            creator=row.values.get("customer.creator"),
            created_at=row.values.get("customer.created_at"),
        )

    def _contacts(self, batch: Batch, name_target: str) -> BatchOutcome:
        problems: list[Problem] = []
        items: list[bulk.IncomingContactRow] = []
        extra: list[bulk.RowResult] = []
        for row in batch.rows:
            if row.problems:
                problems.extend(row.problems)
                extra.append(self._rejected(row))
                continue
            values = contact_values(row)
            if name_target == PARENT and "name" not in values and "customer.name" in row.values:
                # An Odoo-style child row names the person in the same column as a company.
                values["name"] = row.values["customer.name"]
            items.append(
                bulk.IncomingContactRow(row.number, str(row.values.get(name_target, "")), values)
            )
        result = (
            bulk.import_contacts(self.context, items, self.index) if items else bulk.BatchResult()
        )
        result.rows.extend(extra)
        return BatchOutcome(problems, result)

    def _follow_ups(self, batch: Batch) -> BatchOutcome:
        problems: list[Problem] = []
        items: list[IncomingFollowUp] = []
        extra: list[bulk.RowResult] = []
        for row in batch.rows:
            if row.problems:
                problems.extend(row.problems)
                extra.append(self._rejected(row))
                continue
            values = prefixed_values(row, "follow_up.")
            author = values.pop("author", None)
            items.append(
                IncomingFollowUp(
                    row.number, str(row.values.get("customer.name", "")), values, author
                )
            )
        result = (
            import_follow_ups(self.context, items, self.seen_follow_ups)
            if items
            else bulk.BatchResult()
        )
        result.rows.extend(extra)
        return BatchOutcome(problems, result)


def _spread_to_followers(result: bulk.BatchResult, followers: dict[int, int]) -> None:
    """Give continuation rows the outcome of their customer's row."""
    if not followers:
        return
    by_row = {row_result.row: row_result for row_result in result.rows}
    for row, owner_row in followers.items():
        lead = by_row.get(owner_row)
        if lead is None or row in by_row:
            continue
        if lead.outcome == bulk.REJECTED:
            message = _("Not imported because row %(row)d of its customer was rejected.") % {
                "row": owner_row
            }
            errors = [(key, text) for key, text in lead.errors if key.startswith("contact.")] or [
                ("", message)
            ]
            result.rows.append(bulk.RowResult(row, bulk.REJECTED, errors=errors))
        elif lead.outcome == bulk.SKIPPED:
            result.rows.append(bulk.RowResult(row, bulk.SKIPPED, lead.customer_id))
        else:
            result.rows.append(bulk.RowResult(row, bulk.CONTACT_ADDED, lead.customer_id))


def _problem_rows(job: ImportJob, problems: list[Problem]) -> list[ImportProblem]:
    return [
        ImportProblem(
            job=job,
            row=problem.row,
            column=problem.column[:200],
            value=problem.value[:500],
            message=problem.message,
            is_warning=problem.is_warning,
        )
        for problem in problems
    ]


def check(job: ImportJob) -> None:
    """Dry-run every row and store the problems and the counts the commit would reach."""
    run = Run(job, dry_run=True)
    ImportProblem.objects.filter(job=job).delete()
    totals: dict[str, Any] = dict(
        created=0, updated=0, skipped=0, rejected=0, contacts_created=0, blank_rows=0
    )
    ImportProblem.objects.bulk_create(_problem_rows(job, run.untitled_column_warnings()))
    done = 0
    for phase in run.phases:
        for batch in run.batches(phase, 0):
            outcome = run.process(batch)
            ImportProblem.objects.bulk_create(_problem_rows(job, outcome.problems), batch_size=1000)
            for key in ("created", "updated", "skipped", "rejected"):
                totals[key] += getattr(outcome, key)
            totals["contacts_created"] += outcome.result.contacts_created
            totals["blank_rows"] += batch.blank
            done += len(batch.rows) + batch.blank
            ImportJob.objects.filter(pk=job.pk).update(rows_done=done, heartbeat_at=clock.now())
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.CHECKED, checked_at=clock.now(), rows_done=done, **totals
    )


def commit(job_id: int, token: str) -> None:
    """Write the job's rows batch by batch, resuming after the last batch already written.

    Each batch writes its records, problems, undo records and the job's progress in one
    transaction, after checking under a row lock that this worker still holds the job's claim.
    Raises Superseded when another worker took the job over.
    """
    job = ImportJob.objects.select_related("created_by", "owner").get(pk=job_id)
    if job.status != ImportStatus.RUNNING or job.worker_token != token:
        raise Superseded
    run = Run(job, dry_run=False)
    run.context.own_ids = set(
        ImportRecord.objects.filter(job=job, kind="customer", action="created").values_list(
            "object_id", flat=True
        )
    )
    for phase in run.phases:
        if phase < job.phase:
            continue
        start = job.next_row if phase == job.phase else 0
        for batch in run.batches(phase, start):
            _commit_batch(run, job, batch, token)
    ImportJob.objects.filter(pk=job.pk, worker_token=token).update(
        status=ImportStatus.DONE, finished_at=clock.now(), heartbeat_at=clock.now()
    )
    logger.info("import %s finished", job.public_id)
    job.refresh_from_db(fields=["created"])
    if job.created >= ANALYZE_AFTER_ROWS:
        refresh_statistics()


def _serialize_batches() -> None:
    """Make import batches and other customer writers take turns at the duplicate check.

    The services of kehu.customers take the same lock, so a customer created on a page while a
    batch runs is seen by the batch's check, and the other way round.
    """
    serialize_duplicate_checks()


def _commit_batch(run: Run, job: ImportJob, batch: Batch, token: str) -> None:
    with transaction.atomic():
        _serialize_batches()
        locked = ImportJob.objects.select_for_update().only("worker_token", "status").get(pk=job.pk)
        if locked.worker_token != token or locked.status != ImportStatus.RUNNING:
            raise Superseded
        outcome = run.process(batch)
        bulk.insert_instances(ImportProblem, _problem_rows(job, outcome.problems))
        # Plain rows rather than ImportRecord instances: one record per created customer made
        # building instances a visible part of a large import's time.
        before = ImportRecord._meta.get_field("before")
        database = connections[DEFAULT_DB_ALIAS]
        records = [
            (
                job.pk,
                change.kind,
                change.action,
                change.object_id,
                change.customer_id,
                change.row,
                change.version,
                before.get_db_prep_save(change.before, database),
            )
            for change in outcome.result.changes
        ]
        columns = ["job", "kind", "action", "object_id", "customer_id", "row", "version", "before"]
        bulk.insert_rows(ImportRecord, columns, records)
        ImportJob.objects.filter(pk=job.pk).update(
            phase=batch.phase,
            next_row=batch.end,
            rows_done=F("rows_done") + len(batch.rows) + batch.blank,
            created=F("created") + outcome.created,
            updated=F("updated") + outcome.updated,
            skipped=F("skipped") + outcome.skipped,
            rejected=F("rejected") + outcome.rejected,
            contacts_created=F("contacts_created") + outcome.result.contacts_created,
            blank_rows=F("blank_rows") + batch.blank,
            heartbeat_at=clock.now(),
        )
