"""Large imports: batches prepared in a child process, plain-row writes, grouped transactions.

The module constants that decide when a child process prepares the batches, how many rows a
batch contains and how long a transaction runs are lowered here, so a file of a few hundred rows
takes the paths that files of many thousands take.
"""

import contextlib
import multiprocessing
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from kehu.conftest import Personas
from kehu.customers import search
from kehu.customers.models import Contact, Customer, SearchDocument, SearchKey
from kehu.fields.registry import custom_fields_snapshot
from kehu.imports import batches, engine, prefetch, services
from kehu.imports.batches import Prepared
from kehu.imports.models import ImportJob, ImportRecord, OnDuplicate
from kehu.imports.tests.helpers import check, counts, prepare, problems, run, write_csv
from kehu.timeline.models import Event, EventKind

ROWS = 300


def mixed_rows(count: int) -> list[list[object]]:
    """Return a header and `count` rows: valid customers, second contacts, repeats and errors."""
    rows: list[list[object]] = [
        ["客户名称", "联系人", "手机", "邮箱", "客户级别", "负责人", "地区"]
    ]
    for number in range(count):
        name = f"测试客户{number:04d}有限公司"
        mobile = f"1380000{number:04d}"
        if number % 50 == 7:
            rows.append([name, "错号", "12345", "", "A", "李销售", "浙江杭州"])
        elif number % 50 == 11:
            rows.append([name, "地区错", mobile, "", "B", "李销售", "火星省"])
        elif number % 10 == 3:
            rows.append(["", f"第二联系人{number}", f"1390000{number:04d}", "", "", "", ""])
        elif number % 25 == 5 and number > 25:
            # The customer of 20 rows above, with a new contact.
            earlier = number - 20
            rows.append(
                [
                    f"测试客户{earlier:04d}有限公司",
                    "新联系人",
                    f"1370000{number:04d}",
                    "",
                    "",
                    "",
                    "",
                ]
            )
        else:
            email = f"{number}@example.com" if number % 3 == 0 else ""
            rows.append(
                [name, f"联系人{number}", mobile, email, "ABCD"[number % 4], "", "浙江杭州"]
            )
    return rows


@pytest.fixture
def forking() -> None:
    """Skip unless this process may fork a child to prepare batches.

    Earlier tests of the same run may leave threads behind (a live server, an asyncio loop of a
    browser test), and a process with other threads prepares its batches itself.
    """
    if not prefetch.can_fork():
        pytest.skip("this test process runs other threads, so imports do not fork here")


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch, forking: None) -> None:
    """Batches of 40 rows, prepared in a child process for any file of more than one batch."""
    monkeypatch.setattr(batches, "BATCH_ROWS", 40)
    monkeypatch.setattr(batches, "PREFETCH_MIN_ROWS", 40)


def prepared_batches(job: ImportJob) -> list[Prepared]:
    with custom_fields_snapshot():
        import_run = engine.Run(job, dry_run=False)
        with contextlib.closing(import_run.prepared(0, 0)) as prepared:
            return list(prepared)


def test_child_prepares_the_same_batches(
    personas: Personas, tmp_path: Path, small_batches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "mixed.csv", mixed_rows(ROWS))
    job = prepare(personas.manager, path)

    in_child = prepared_batches(job)
    monkeypatch.setattr(batches, "PREFETCH_MIN_ROWS", 10**9)
    here = prepared_batches(job)

    assert len(here) > 5
    assert in_child == here
    owners = {c.owner for batch in here for c in batch.customers if c.has_owner}
    assert owners == {personas.rep}


def test_commit_through_child_matches_dry_run(
    personas: Personas, tmp_path: Path, small_batches: None
) -> None:
    path = write_csv(tmp_path / "mixed.csv", mixed_rows(ROWS))
    checked = check(personas.manager, prepare(personas.manager, path))

    job = run(personas.manager, path)

    assert counts(job) == counts(checked)
    assert problems(job) == problems(checked)
    assert problems(job, warnings=True) == problems(checked, warnings=True)
    assert len(problems(job)) == 12
    assert Customer.objects.count() == counts(job)["created"]
    assert Contact.objects.count() == counts(job)["contacts_created"]


def test_index_rows_equal_a_rebuild(
    personas: Personas, tmp_path: Path, small_batches: None
) -> None:
    run(personas.manager, write_csv(tmp_path / "mixed.csv", mixed_rows(ROWS)))
    documents = dict(SearchDocument.objects.values_list("customer_id", "text"))
    keys = sorted(SearchKey.objects.values_list("customer_id", "value"))
    assert bool(keys) == search.stores_prefix_keys()

    search.rebuild(Customer.objects.values_list("pk", flat=True))

    assert len(documents) == Customer.objects.count()
    assert dict(SearchDocument.objects.values_list("customer_id", "text")) == documents
    assert sorted(SearchKey.objects.values_list("customer_id", "value")) == keys


def test_plain_rows_get_model_defaults(
    personas: Personas, tmp_path: Path, small_batches: None
) -> None:
    job = run(personas.manager, write_csv(tmp_path / "mixed.csv", mixed_rows(ROWS)))

    customers = list(Customer.objects.all())
    assert len({c.public_id for c in customers}) == len(customers)
    for customer in customers:
        assert customer.public_id.version == 4
        assert (customer.status, customer.kind, customer.version) == ("lead", "company", 1)
        assert customer.custom == {}
        assert customer.created_at == customer.updated_at
        assert customer.creator == personas.manager
    contacts = list(Contact.objects.all())
    assert all(contact.public_id.version == 4 for contact in contacts)
    primary = Contact.objects.filter(is_primary=True).values_list("customer_id", flat=True)
    assert sorted(primary) == sorted(c.pk for c in customers)
    events = Event.objects.filter(kind=EventKind.IMPORTED)
    assert events.count() == len(customers)
    assert all(isinstance(event.public_id, uuid.UUID) for event in events)
    first = Customer.objects.get(name="测试客户0000有限公司")
    assert list(first.events.values_list("actor", "data")) == [
        (
            personas.manager.pk,
            {"import": str(job.public_id), "file": "mixed.csv", "row": 2},
        )
    ]
    records = ImportRecord.objects.filter(job=job, kind="customer", action="created")
    assert records.count() == len(customers)
    assert all(record.before == {} for record in records)


def test_contacts_added_to_stored_customers_have_events(
    personas: Personas, tmp_path: Path, small_batches: None
) -> None:
    rows = mixed_rows(ROWS)
    run(personas.manager, write_csv(tmp_path / "first.csv", rows[:60]))
    # A new contact of a stored customer, then 58 rows that repeat the first file.
    new_contact = ["测试客户0000有限公司", "后来的人", "13600000001", "", "", "", ""]
    second = write_csv(tmp_path / "second.csv", [rows[0], new_contact, *rows[2:60]])
    job = run(personas.manager, second, on_duplicate=OnDuplicate.UPDATE)

    assert counts(job)["contacts_created"] == 1
    added = Contact.objects.get(name="后来的人")
    assert added.is_primary is False
    events = Event.objects.filter(kind=EventKind.CONTACT_ADDED, customer_id=added.customer_id)
    assert list(events.values_list("actor", "data")) == [
        (personas.manager.pk, {"name": "后来的人"})
    ]
    record = ImportRecord.objects.get(job=job, kind="contact")
    assert (record.object_id, record.customer_id) == (added.pk, added.customer_id)


@contextlib.contextmanager
def progress_updates() -> Iterator[list[str]]:
    """Collect the statements that move an import's progress during the block."""
    statements: list[str] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.startswith('UPDATE "imports_importjob"') and "next_row" in sql:
            statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield statements


@pytest.mark.parametrize("seconds", [0.0, 3600.0])
def test_commit_groups_batches_into_transactions(
    personas: Personas,
    tmp_path: Path,
    small_batches: None,
    monkeypatch: pytest.MonkeyPatch,
    seconds: float,
) -> None:
    monkeypatch.setattr(engine, "TRANSACTION_SECONDS", seconds)
    path = write_csv(tmp_path / "mixed.csv", mixed_rows(ROWS))
    job = check(personas.manager, prepare(personas.manager, path))
    token = services.claim_for_command(personas.manager, job)
    batch_count = len(prepared_batches(job))

    with progress_updates() as statements:
        engine.commit(job.pk, token)

    # Without time for more, every batch commits alone. With an hour, one transaction has all.
    assert len(statements) == (batch_count if seconds == 0 else 1)
    job.refresh_from_db()
    assert (job.phase, job.next_row, job.rows_done) == (0, ROWS + 1, ROWS)
    assert Customer.objects.count() == counts(job)["created"]


def numbers_then_error() -> Iterator[int]:
    yield 1
    raise ValueError("row 7 is broken")


def test_child_error_is_raised_here(forking: None) -> None:
    items = prefetch.prefetched(numbers_then_error())

    assert next(items) == 1
    with pytest.raises(ValueError, match="row 7 is broken") as raised:
        next(items)
    assert "preparation process" in raised.value.__notes__[0]
    assert not multiprocessing.active_children()


def counting_customers() -> Iterator[int]:
    yield Customer.objects.count()


@pytest.mark.django_db
def test_child_may_not_query_the_database(forking: None) -> None:
    with pytest.raises(RuntimeError, match="must not query the database"):
        list(prefetch.prefetched(counting_customers()))


def test_closing_stops_the_child(forking: None) -> None:
    items = prefetch.prefetched(iter(range(10**6)))

    assert next(items) == 0
    assert len(multiprocessing.active_children()) == 1
    items.close()

    assert not multiprocessing.active_children()


def logged_items(log: Path) -> Iterator[bytes]:
    """Yield 200 KB items, the size of a prepared batch, noting each one in `log`."""
    for number in range(20):
        with log.open("a") as handle:
            handle.write(f"{number}\n")
        yield bytes(200_000)


@pytest.mark.skipif(sys.platform != "linux", reason="only Linux resizes pipes")
def test_child_works_several_batches_ahead(forking: None, tmp_path: Path) -> None:
    log = tmp_path / "produced"
    items = prefetch.prefetched(logged_items(log))

    assert len(next(items)) == 200_000
    # A default pipe of 64 KiB stops the child while it sends the second item.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(log.read_text().split()) < 5:
        time.sleep(0.05)
    assert len(log.read_text().split()) >= 5
    assert sum(1 for _item in items) == 19
