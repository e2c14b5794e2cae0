"""The daily scheduler: planning the next run once, and running each slot once."""

import datetime as dt
import io
import threading
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from kehu.core import clock, schedule
from kehu.core.models import ScheduleSlot

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
TASK_PATH = "kehu.pool.tasks.sweep_pools"


@pytest.fixture
def frozen() -> Iterator[None]:
    yield
    clock.freeze(None)


def test_next_due_is_the_next_local_time() -> None:
    one = dt.time(1, 0)
    assert schedule.next_due(one, dt.datetime(2026, 3, 1, 0, 59, tzinfo=SHANGHAI)) == dt.datetime(
        2026, 3, 1, 1, 0, tzinfo=SHANGHAI
    )
    assert schedule.next_due(one, dt.datetime(2026, 3, 1, 1, 0, tzinfo=SHANGHAI)) == dt.datetime(
        2026, 3, 2, 1, 0, tzinfo=SHANGHAI
    )
    # 17:30 UTC is 01:30 the next day in Shanghai.
    assert schedule.next_due(one, dt.datetime(2026, 3, 1, 17, 30, tzinfo=dt.UTC)) == dt.datetime(
        2026, 3, 3, 1, 0, tzinfo=SHANGHAI
    )


@pytest.mark.django_db
def test_schedule_command_plans_one_run(frozen: None) -> None:
    clock.freeze(dt.datetime(2026, 3, 1, 12, 0, tzinfo=SHANGHAI))

    output = io.StringIO()
    call_command("schedule", stdout=output)
    call_command("schedule", stdout=output)

    assert output.getvalue().splitlines() == ["pool_sweep: next run at 2026-03-02 01:00 CST"] * 2
    slot = ScheduleSlot.objects.get()
    assert (slot.name, slot.due_at) == ("pool_sweep", dt.datetime(2026, 3, 2, 1, tzinfo=SHANGHAI))
    task = DBTaskResult.objects.get()
    assert task.task_path == TASK_PATH
    assert task.run_after == slot.due_at
    assert task.args_kwargs == {"args": [slot.pk], "kwargs": {}}
    assert slot.task_id == str(task.id)


@pytest.mark.django_db
def test_lost_task_is_enqueued_again(frozen: None) -> None:
    clock.freeze(dt.datetime(2026, 3, 1, 12, 0, tzinfo=SHANGHAI))
    slot = schedule.ensure_scheduled("pool_sweep")
    DBTaskResult.objects.all().delete()

    again = schedule.ensure_scheduled("pool_sweep")

    assert again.pk == slot.pk
    assert str(DBTaskResult.objects.get().id) == again.task_id


@pytest.mark.django_db
def test_run_plans_the_next_day_and_records_the_outcome(frozen: None) -> None:
    clock.freeze(dt.datetime(2026, 3, 1, 12, 0, tzinfo=SHANGHAI))
    slot = schedule.ensure_scheduled("pool_sweep")
    clock.freeze(dt.datetime(2026, 3, 2, 1, 0, 5, tzinfo=SHANGHAI))

    assert schedule.run_slot(slot.pk, lambda: "swept") == "swept"
    assert schedule.run_slot(slot.pk, lambda: "again") is None

    slot.refresh_from_db()
    assert slot.outcome == "done"
    assert slot.claimed_at == dt.datetime(2026, 3, 2, 1, 0, 5, tzinfo=SHANGHAI)
    following = ScheduleSlot.objects.exclude(pk=slot.pk).get()
    assert following.due_at == dt.datetime(2026, 3, 3, 1, tzinfo=SHANGHAI)
    assert following.claimed_at is None


@pytest.mark.django_db
def test_failed_run_keeps_the_schedule(frozen: None) -> None:
    clock.freeze(dt.datetime(2026, 3, 1, 12, 0, tzinfo=SHANGHAI))
    slot = schedule.ensure_scheduled("pool_sweep")

    def fail() -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        schedule.run_slot(slot.pk, fail)

    slot.refresh_from_db()
    assert slot.outcome == "failed: disk full"
    assert ScheduleSlot.objects.filter(claimed_at__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_run_the_slot_once() -> None:
    slot = schedule.ensure_scheduled("pool_sweep")
    # A duplicate task for the same slot, as a second process planning at once could leave.
    schedule._task("pool_sweep").using(run_after=slot.due_at).enqueue(slot.pk)
    tasks = list(DBTaskResult.objects.filter(args_kwargs__args=[slot.pk]))
    assert len(tasks) == 2
    runs: list[str] = []
    start = threading.Barrier(2)

    def worker(task: DBTaskResult[..., object]) -> None:
        try:
            start.wait()
            schedule.run_slot(slot.pk, lambda: runs.append(str(task.id)))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(task,)) for task in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(runs) == 1
    slot.refresh_from_db()
    assert slot.outcome == "done"
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 3
