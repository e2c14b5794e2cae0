import contextlib
import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from kehu.conftest import Personas
from kehu.core import clock
from kehu.customers import search
from kehu.customers import services as customer_services
from kehu.customers.models import Contact, Customer, SearchDocument
from kehu.fields.registry import custom_fields_snapshot
from kehu.imports import engine, services, tasks
from kehu.imports.batches import BATCH_ROWS
from kehu.imports.models import ImportRecord, ImportStatus, OnDuplicate
from kehu.imports.queries import visible_imports
from kehu.imports.tests.helpers import check, counts, prepare, run, write_csv, write_xlsx
from kehu.imports.undo import undo_import
from kehu.timeline import services as timeline_services
from kehu.timeline.models import Event


def many_customers(path: Path, count: int) -> Path:
    rows: list[list[object]] = [["客户名称", "联系人", "手机"]]
    for number in range(count):
        rows.append([f"测试客户{number:05d}有限公司", f"联系人{number}", f"1380000{number:04d}"])
    return write_csv(path, rows)


@pytest.fixture
def imported(personas: Personas, tmp_path: Path) -> Path:
    path = write_xlsx(
        tmp_path / "first.xlsx",
        [
            ["客户名称", "联系人", "手机", "客户级别"],
            ["杭州星星科技有限公司", "王芳", "13800138000", "A"],
        ],
    )
    run(personas.rep, path)
    return tmp_path


def test_undo_removes_created_records_and_reverts_updates(
    personas: Personas, imported: Path
) -> None:
    star = Customer.objects.get()
    second = write_xlsx(
        imported / "second.xlsx",
        [
            ["客户名称", "联系人", "手机", "客户级别", "客户标签"],
            ["杭州星星科技有限公司", "李雷", "13600136000", "B", "重点"],
            ["宁波月亮贸易有限公司", "韩梅梅", "13500135000", "C", ""],
        ],
    )
    job = run(personas.rep, second, on_duplicate=OnDuplicate.UPDATE)
    assert counts(job) == {
        "created": 1,
        "updated": 1,
        "skipped": 0,
        "rejected": 0,
        "contacts_created": 2,
    }

    undone = undo_import(personas.rep, job)

    assert undone.status == ImportStatus.UNDONE
    assert list(Customer.objects.values_list("name", "grade", "version")) == [
        ("杭州星星科技有限公司", "A", 3)
    ]
    assert list(star.tags.values_list("name", flat=True)) == []
    assert list(Contact.objects.values_list("name", flat=True)) == ["王芳"]
    assert SearchDocument.objects.count() == 1
    assert not search.search(Customer.objects.all(), "13600136000").exists()
    assert search.search(Customer.objects.all(), "王芳").get() == star


def test_undo_is_refused_after_someone_changed_a_record(personas: Personas, imported: Path) -> None:
    job = visible_imports(personas.rep).get()
    customer = Customer.objects.get()
    customer_services.update_customer(personas.rep, customer, {"grade": "B"})
    before = list(Customer.objects.values_list("pk", "grade", "version"))

    with pytest.raises(ValidationError) as raised:
        undo_import(personas.rep, job)

    assert raised.value.message_dict == {
        "undo": [
            "The import cannot be undone because these records were changed after it: "
            "row 2: customer “杭州星星科技有限公司”"
        ]
    }
    assert list(Customer.objects.values_list("pk", "grade", "version")) == before
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE


def test_undo_is_refused_when_follow_ups_were_added(personas: Personas, imported: Path) -> None:
    job = visible_imports(personas.rep).get()
    customer = Customer.objects.get()
    timeline_services.add_follow_up(personas.rep, customer, {"kind": "call", "content": "回访"})

    with pytest.raises(
        ValidationError, match="has follow-ups, contacts or files added after the import"
    ):
        undo_import(personas.rep, job)

    assert Customer.objects.count() == 1


def test_only_the_importer_or_the_boss_may_undo(personas: Personas, imported: Path) -> None:
    job = visible_imports(personas.rep).get()

    with pytest.raises(PermissionDenied):
        undo_import(personas.rep2, job)
    assert Customer.objects.count() == 1

    undo_import(personas.boss, job)
    assert Customer.objects.count() == 0


def test_killed_worker_resumes_without_duplicates(personas: Personas, tmp_path: Path) -> None:
    path = many_customers(tmp_path / "many.csv", 2500)
    job = check(personas.rep, prepare(personas.rep, path))
    assert counts(job)["created"] == 2500
    token = services.claim_for_command(personas.rep, job)
    job.refresh_from_db()
    with custom_fields_snapshot():
        run = engine.Run(job, dry_run=False)
        # A child process prepares the 2,500 rows where this process may fork (it may not while
        # other threads run), and closing the batches stops it.
        with contextlib.closing(run.prepared(0, 0)) as batches:
            first = next(batches)
            engine.commit_batches(run, job, token, first, iter(()))
    # The worker dies here: one batch is written and the job's status is still running.
    assert Customer.objects.count() == BATCH_ROWS

    clock.freeze(clock.now() + dt.timedelta(minutes=3))
    try:
        job.refresh_from_db()
        assert services.is_stalled(job)
        resumed = services.resume_import(personas.rep, job)
    finally:
        clock.freeze(None)
    with pytest.raises(engine.Superseded):
        engine.commit(job.pk, token)
    tasks.run(job.pk, resumed.worker_token)

    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert counts(job) == {
        "created": 2500,
        "updated": 0,
        "skipped": 0,
        "rejected": 0,
        "contacts_created": 2500,
    }
    assert Customer.objects.count() == 2500
    assert Contact.objects.count() == 2500
    assert ImportRecord.objects.filter(job=job).count() == 2500
    assert Event.objects.count() == 2500


def test_worker_runs_the_check_and_the_commit(
    transactional_db: None,
    personas: Personas,
    tmp_path: Path,
    django_capture_on_commit_callbacks: object,
) -> None:
    # A real database transaction per step: the worker closes and reopens its connection.
    path = many_customers(tmp_path / "few.csv", 3)
    job = prepare(personas.rep, path)

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        services.start_check(personas.rep, job)
    call_command(
        "db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0
    )
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    assert Customer.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        services.start_commit(personas.rep, job)
    call_command(
        "db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0
    )
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert counts(job)["created"] == 3
    assert Customer.objects.count() == 3


def test_stalled_check_is_queued_again(
    personas: Personas, tmp_path: Path, django_capture_on_commit_callbacks: object
) -> None:
    job = prepare(personas.rep, many_customers(tmp_path / "few.csv", 2))
    with django_capture_on_commit_callbacks(execute=False):  # type: ignore[operator]
        job = services.start_check(personas.rep, job)
    assert not services.is_stalled(job)

    clock.freeze(clock.now() + dt.timedelta(minutes=3))
    try:
        job.refresh_from_db()
        assert services.is_stalled(job)
        with django_capture_on_commit_callbacks(execute=True) as queued:  # type: ignore[operator]
            services.resume_import(personas.rep, job)
    finally:
        clock.freeze(None)

    assert len(queued) == 1
    tasks.check_import.call(job.pk)
    job.refresh_from_db()
    assert (job.status, job.created) == (ImportStatus.CHECKED, 2)
