"""Run an import job over its rows: the dry run (check) and the commit, batch by batch.

Both passes prepare the same batches (kehu.imports.batches) and call the same bulk services,
the dry run with `dry_run=True`, so the check reports exactly what the commit will do as long
as the stored customers do not change in between.
"""

import contextlib
import dataclasses
import gc
import logging
import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from kehu.assignment.customers import ImportRouting
from kehu.core import clock
from kehu.core.db import refresh_statistics
from kehu.customers import bulk
from kehu.customers.dedup import serialize_duplicate_checks
from kehu.fields.registry import custom_fields_snapshot
from kehu.imports.batches import Prepared, Preparer
from kehu.imports.history import FollowUpKey, import_follow_ups
from kehu.imports.mapping import PARENT
from kehu.imports.models import ImportJob, ImportKind, ImportProblem, ImportRecord, ImportStatus
from kehu.imports.readers import Sheet, is_empty, open_book, read_header
from kehu.imports.rows import Problem, shown
from kehu.imports.team import import_users
from kehu.sales import bulk as sales_bulk
from kehu.sales.contract_import import import_contracts

logger = logging.getLogger(__name__)

# A commit transaction writes batches until it has run this long, then commits. Longer
# transactions write each changed index page fewer times: importing 100,000 rows into SQLite
# spent 13 s in COMMIT with one transaction per 1,000 rows, and 3 to 5 s with transactions of
# about a second (docs/benchmarks.md). On SQLite other writers wait for the running
# transaction, so this is also about the longest a page that saves a customer waits for an
# import.
TRANSACTION_SECONDS = 1.0
# After an import that created this many customers the planner statistics are refreshed, which
# takes about 16 s at a million customers on SQLite (docs/benchmarks.md).
ANALYZE_AFTER_ROWS = 5000
# SQLite's automatic checkpoint interval, in WAL pages, while an import commits. With the default
# of 1,000 pages (4 MB) nearly every transaction of an import copies the WAL into the database.
# A larger interval copies a page that several transactions changed only once.
IMPORT_WAL_AUTOCHECKPOINT = 20000


class Superseded(Exception):
    """Another worker took over the job (it was resumed); this one stops without writing."""


@dataclasses.dataclass
class BatchOutcome:
    problems: list[Problem]
    result: bulk.BatchResult
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    contact_rows: int = 0


def load_sheet(job: ImportJob) -> Sheet:
    book = open_book(Path(job.file.path), job.file_name)
    return book.sheet(job.sheet_name)


class Run:
    """One pass over a job's rows; build a new one for every pass.

    Build it inside a custom fields snapshot (kehu.fields.registry.custom_fields_snapshot) that
    lasts the whole pass: every batch is cleaned with the custom fields read at the start.
    """

    def __init__(self, job: ImportJob, *, dry_run: bool) -> None:
        self.job = job
        self.sheet = load_sheet(job)
        header = read_header(self.sheet, job.header_row, job.header_rows)
        targets = [entry.get("target", "") for entry in job.mapping]
        targets += [""] * (len(header.titles) - len(targets))
        self.preparer = Preparer(
            job.kind, self.sheet, header, targets, job.created_by, dry_run=dry_run
        )
        self.parser = self.preparer.parser
        self.context = bulk.ImportContext(
            actor=job.created_by,
            owner=job.owner if job.assign_owner else None,
            router=ImportRouting() if job.owner_by_rules else None,
            on_duplicate=job.on_duplicate,
            import_id=str(job.public_id),
            file_name=job.file_name,
            dry_run=dry_run,
        )
        self.index = bulk.FileIndex()
        self.seen_follow_ups: set[FollowUpKey] = set()
        # Product codes, deal IDs and contract numbers of earlier rows, to find repeats within
        # the file.
        self.seen_keys: set[str] = set()

    @property
    def phases(self) -> list[int]:
        return self.preparer.phases

    def prepared(self, phase: int, start: int) -> Generator[Prepared, None, None]:
        return self.preparer.prepared(phase, start)

    def column_warnings(self) -> list[Problem]:
        """Warn about columns that are not imported: untitled ones and history the role drops."""
        warnings = []
        for column in self.parser.ignored:
            message = _(
                "Not imported: your role imports records as created by you at the time of the "
                "import. A role that may assign customers keeps the file's creators and times."
            )
            warnings.append(Problem(0, column.title, "", message, is_warning=True))
        if self.job.kind == ImportKind.USERS:
            name_column = self.parser.by_target.get("user.display_name")
            title = name_column.title if name_column else ""
            message = _("Imported users cannot sign in until a password is set on the users page.")
            warnings.append(Problem(0, title, "", message, is_warning=True))
        mapped = {column.index for column in self.parser.columns}
        mapped.update(column.index for column in self.parser.ignored)
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

    def process(self, batch: Prepared) -> BatchOutcome:
        """Run one prepared batch through the bulk service; writes unless this is a dry run."""
        result = bulk.BatchResult()
        if self.job.kind == ImportKind.CONTACTS:
            if batch.contact_rows:
                result = bulk.import_contacts(self.context, batch.contact_rows, self.index)
        elif self.job.kind == ImportKind.FOLLOW_UPS:
            if batch.follow_ups:
                result = import_follow_ups(self.context, batch.follow_ups, self.seen_follow_ups)
        elif self.job.kind == ImportKind.PRODUCTS:
            if batch.products:
                result = sales_bulk.import_products(self.context, batch.products, self.seen_keys)
        elif self.job.kind == ImportKind.DEALS:
            if batch.deals:
                result = sales_bulk.import_deals(
                    self.context, batch.deals, self.seen_keys, self.job.pipeline
                )
        elif self.job.kind == ImportKind.CONTRACTS:
            if batch.contracts:
                result = import_contracts(self.context, batch.contracts, self.seen_keys)
        elif self.job.kind == ImportKind.USERS:
            if batch.users:
                result = import_users(self.context, batch.users)
        elif batch.phase == 1:
            if batch.contact_rows:
                result = bulk.import_contacts(self.context, batch.contact_rows, self.index)
        elif batch.customers:
            result = bulk.import_customers(self.context, batch.customers, self.index)
        _spread_to_followers(result, batch.followers)
        result.rows.extend(batch.rejected)
        outcome = BatchOutcome(list(batch.problems), result)
        for row_result in result.rows:
            if row_result.outcome == bulk.REJECTED:
                outcome.rejected += 1
                for field, message in row_result.errors:
                    title, value = self._cell_for(row_result.row, field)
                    outcome.problems.append(Problem(row_result.row, title, value, message))
                continue
            if row_result.outcome == bulk.CREATED:
                outcome.created += 1
            elif row_result.outcome == bulk.UPDATED:
                outcome.updated += 1
            elif row_result.outcome == bulk.SKIPPED:
                outcome.skipped += 1
            elif row_result.outcome == bulk.CONTACT_ADDED:
                outcome.contact_rows += 1
            for message in row_result.warnings:
                # Warnings are about duplicates, so they point at the cell that matched.
                field = row_result.warning_fields.get(message, "name")
                title, value = self._cell_for(row_result.row, field)
                outcome.problems.append(
                    Problem(row_result.row, title, value, message, is_warning=True)
                )
        if self.job.kind == ImportKind.CONTACTS:
            # A contacts import creates contacts: they are its "created" count.
            outcome.created = outcome.contact_rows
            outcome.contact_rows = 0
        outcome.problems.sort(key=lambda problem: problem.row)
        return outcome

    def _cell_for(self, row: int, field: str) -> tuple[str, str]:
        """Return the column title and cell text behind a field key of a bulk error."""
        if field == "customer":
            candidates = [PARENT, "customer.name", "customer.credit_code"]
        elif field.startswith(
            ("product.", "deal.", "deal_line.", "customer.", "contract.", "payment.", "user.")
        ):
            candidates = [field]
        elif field.startswith(("contact.", "follow_up.")):
            candidates = [field, "customer.name"] if field == "contact.name" else [field]
        elif field in ("province", "city", "district"):
            candidates = [f"customer.{field}", "customer.region"]
        else:
            candidates = [f"customer.{field}"]
        for key in candidates:
            column = self.parser.by_target.get(key)
            if column is not None:
                value = self.sheet.value(row - 1, column.index) if row > 0 else ""
                return column.title, shown(value)
        return "", ""


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
    with custom_fields_snapshot(), paused_garbage_collection():
        run = Run(job, dry_run=True)
        ImportProblem.objects.filter(job=job).delete()
        totals: dict[str, Any] = dict(
            created=0,
            updated=0,
            skipped=0,
            rejected=0,
            contact_rows=0,
            contacts_created=0,
            blank_rows=0,
        )
        ImportProblem.objects.bulk_create(_problem_rows(job, run.column_warnings()))
        done = 0
        for phase in run.phases:
            with contextlib.closing(run.prepared(phase, 0)) as batches:
                for batch in batches:
                    outcome = run.process(batch)
                    ImportProblem.objects.bulk_create(
                        _problem_rows(job, outcome.problems), batch_size=1000
                    )
                    for key in ("created", "updated", "skipped", "rejected", "contact_rows"):
                        totals[key] += getattr(outcome, key)
                    totals["contacts_created"] += outcome.result.contacts_created
                    totals["blank_rows"] += batch.blank
                    done += batch.row_count + batch.blank
                    ImportJob.objects.filter(pk=job.pk).update(
                        rows_done=done, heartbeat_at=clock.now()
                    )
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.CHECKED, checked_at=clock.now(), rows_done=done, **totals
    )


def commit(job_id: int, token: str) -> None:
    """Write the job's rows batch by batch, resuming after the last batch already written.

    Each transaction writes one or more batches with their problems, undo records and the job's
    progress, after checking under a row lock that this worker still holds the job's claim.
    Raises Superseded when another worker took the job over.
    """
    job = ImportJob.objects.select_related("created_by", "owner").get(pk=job_id)
    if job.status != ImportStatus.RUNNING or job.worker_token != token:
        raise Superseded
    with custom_fields_snapshot(), paused_garbage_collection(), _deferred_checkpoints():
        run = Run(job, dry_run=False)
        # The column warnings of the dry run were replaced when the commit started; a resumed
        # commit writes them again in place of its earlier copy.
        with transaction.atomic():
            ImportProblem.objects.filter(job=job, row=0, is_warning=True).delete()
            ImportProblem.objects.bulk_create(_problem_rows(job, run.column_warnings()))
        run.context.own_ids = set(
            ImportRecord.objects.filter(job=job, kind="customer", action="created").values_list(
                "object_id", flat=True
            )
        )
        for phase in run.phases:
            if phase < job.phase:
                continue
            start = job.next_row if phase == job.phase else 0
            with contextlib.closing(run.prepared(phase, start)) as batches:
                for first in batches:
                    commit_batches(run, job, token, first, batches)
    ImportJob.objects.filter(pk=job.pk, worker_token=token).update(
        status=ImportStatus.DONE, finished_at=clock.now(), heartbeat_at=clock.now()
    )
    logger.info("import %s finished", job.public_id)
    job.refresh_from_db(fields=["created"])
    if job.created >= ANALYZE_AFTER_ROWS:
        refresh_statistics()


@contextlib.contextmanager
def paused_garbage_collection() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for an import pass.

    Each full collection visits every live object, and an import keeps the whole sheet and the
    duplicate-check keys of every row in memory. At 50,000 rows the collections took a fifth of
    the commit's CPU time (docs/benchmarks.md). The objects of an import rarely form reference
    cycles, so little memory waits for the next collection after the pass. The preparation
    process forked during the pass inherits the pause.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextlib.contextmanager
def _deferred_checkpoints() -> Iterator[None]:
    """Let SQLite's WAL grow to IMPORT_WAL_AUTOCHECKPOINT pages before it checkpoints.

    The interval is a setting of this connection, so it is restored afterwards.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA wal_autocheckpoint={IMPORT_WAL_AUTOCHECKPOINT:d}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint={int(previous):d}")


def _serialize_batches() -> None:
    """Make import batches and other customer writers take turns at the duplicate check.

    The services of kehu.customers take the same lock, so a customer created on a page while a
    batch runs is seen by the batch's check, and the other way round.
    """
    serialize_duplicate_checks()


@dataclasses.dataclass
class _Progress:
    """The counts that the batches of one transaction add to the job."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    contact_rows: int = 0
    contacts_created: int = 0
    blank_rows: int = 0

    def add(self, batch: Prepared, outcome: BatchOutcome) -> None:
        self.rows += batch.row_count + batch.blank
        self.created += outcome.created
        self.updated += outcome.updated
        self.skipped += outcome.skipped
        self.rejected += outcome.rejected
        self.contact_rows += outcome.contact_rows
        self.contacts_created += outcome.result.contacts_created
        self.blank_rows += batch.blank


def commit_batches(
    run: Run, job: ImportJob, token: str, first: Prepared, more: Iterator[Prepared]
) -> None:
    """Write `first`, then batches of `more` for up to TRANSACTION_SECONDS, in one transaction.

    The job's `phase` and `next_row` move to the end of the last batch written, so a worker that
    dies loses at most this transaction and resumes after the one before.
    """
    with transaction.atomic():
        _serialize_batches()
        locked = ImportJob.objects.select_for_update().only("worker_token", "status").get(pk=job.pk)
        if locked.worker_token != token or locked.status != ImportStatus.RUNNING:
            raise Superseded
        started = time.monotonic()
        progress = _Progress()
        batch: Prepared | None = first
        last = first
        while batch is not None:
            outcome = run.process(batch)
            _write_records(job, outcome)
            progress.add(batch, outcome)
            last = batch
            if time.monotonic() - started >= TRANSACTION_SECONDS:
                break
            batch = next(more, None)
        ImportJob.objects.filter(pk=job.pk).update(
            phase=last.phase,
            next_row=last.end,
            rows_done=F("rows_done") + progress.rows,
            created=F("created") + progress.created,
            updated=F("updated") + progress.updated,
            skipped=F("skipped") + progress.skipped,
            rejected=F("rejected") + progress.rejected,
            contact_rows=F("contact_rows") + progress.contact_rows,
            contacts_created=F("contacts_created") + progress.contacts_created,
            blank_rows=F("blank_rows") + progress.blank_rows,
            heartbeat_at=clock.now(),
        )


def _write_records(job: ImportJob, outcome: BatchOutcome) -> None:
    """Store a batch's problems and the undo record of every record it created or changed."""
    bulk.insert_instances(ImportProblem, _problem_rows(job, outcome.problems))
    # Plain rows rather than ImportRecord instances: one record per created customer made
    # building instances a visible part of a large import's time.
    builder = bulk.RowBuilder(ImportRecord)
    records: list[dict[str, Any]] = []
    for change in outcome.result.changes:
        values = {
            "job_id": job.pk,
            "kind": change.kind,
            "action": change.action,
            "object_id": change.object_id,
            "customer_id": change.customer_id,
            "row": change.row,
            "version": change.version,
        }
        if change.before:
            values["before"] = change.before
        records.append(values)
    bulk.insert_rows(ImportRecord, builder.names, builder.rows(records))
