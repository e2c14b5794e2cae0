"""Daily tasks that run once a day however many workers and web processes share the database.

settings.KEHU_SCHEDULES maps a schedule's name to the dotted path of a django.tasks task and a
local time of day. The task must take the slot id as its one argument and hand its work to
`run_slot`. Nothing here starts a thread: the database worker (`kehu db_worker`) runs the tasks.

1. `ensure_scheduled` plans the next run: it inserts the slot (name, due_at) and enqueues the
   task with run_after=due_at in one transaction. The unique key on (name, due_at) lets one
   process win when several plan at once, and only the winner enqueues. `kehu schedule` runs it
   for every schedule, and `./run` calls that before it starts the worker.
2. At due_at a worker picks the task up and calls `run_slot`, which claims the slot with a
   conditional UPDATE. A second worker holding a duplicate task for the same slot updates no row
   and returns without running the work.
3. The claimer plans the next run first, so a failing run does not end the schedule, and then
   does the work and records its outcome on the slot.
"""

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.tasks import Task, TaskResultStatus
from django.tasks.exceptions import TaskResultDoesNotExist
from django.utils import timezone
from django.utils.module_loading import import_string

from kehu.core import clock
from kehu.core.models import ScheduleSlot

logger = logging.getLogger(__name__)

# Task states in which the slot's task will not run any more.
ENDED = (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED)


def schedules() -> dict[str, dict[str, Any]]:
    """Return the configured schedules whose time of day is set."""
    configured: dict[str, dict[str, Any]] = settings.KEHU_SCHEDULES
    return {name: spec for name, spec in configured.items() if spec.get("at") is not None}


def next_due(at: dt.time, after: dt.datetime) -> dt.datetime:
    """Return the first moment later than `after` whose local time of day is `at`."""
    day = timezone.localtime(after).date()
    candidate = timezone.make_aware(dt.datetime.combine(day, at))
    if candidate <= after:
        candidate = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), at))
    return candidate


def _task(name: str) -> Task[Any, Any]:
    task: Task[Any, Any] = import_string(schedules()[name]["task"])
    return task


def _task_is_waiting(slot: ScheduleSlot) -> bool:
    if not slot.task_id:
        return False
    try:
        result = _task(slot.name).get_result(slot.task_id)
    except TaskResultDoesNotExist:
        return False
    return result.status not in ENDED


def _enqueue(slot: ScheduleSlot) -> None:
    result = _task(slot.name).using(run_after=slot.due_at).enqueue(slot.pk)
    slot.task_id = str(result.id)
    slot.save(update_fields=["task_id"])


def ensure_scheduled(name: str, after: dt.datetime | None = None) -> ScheduleSlot:
    """Make sure schedule `name` has a run planned after `after` (default now); return its slot.

    A slot that nobody claimed and whose task is gone or ended (a pruned result, a worker that
    died before claiming) gets its task enqueued again.
    """
    spec = schedules()[name]
    with transaction.atomic():
        pending = ScheduleSlot.objects.filter(name=name, claimed_at__isnull=True).order_by("due_at")
        slot = pending.first()
        if slot is not None:
            if not _task_is_waiting(slot):
                logger.warning("schedule %s: slot %s had no waiting task, enqueuing", name, slot.pk)
                _enqueue(slot)
            return slot
    now = clock.now()
    due_at = next_due(spec["at"], max(now, after) if after is not None else now)
    try:
        with transaction.atomic():
            slot = ScheduleSlot.objects.create(name=name, due_at=due_at)
            _enqueue(slot)
    except IntegrityError:
        # Another process planned the same run between the check and the insert.
        return ScheduleSlot.objects.get(name=name, due_at=due_at)
    logger.info("schedule %s: next run at %s", name, due_at.isoformat())
    return slot


def ensure_all() -> list[ScheduleSlot]:
    """Plan the next run of every configured schedule."""
    return [ensure_scheduled(name) for name in schedules()]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(slot_id: int) -> bool:
    """Claim slot `slot_id` for this process; return False when another process has it."""
    with transaction.atomic():
        claimed = ScheduleSlot.objects.filter(pk=slot_id, claimed_at__isnull=True).update(
            claimed_at=clock.now(), claimed_by=worker_name()
        )
    return claimed == 1


def run_slot(slot_id: int, work: Callable[[], Any]) -> Any:
    """Run `work` for slot `slot_id` unless another worker claimed the slot; return its result.

    Returns None without running `work` when the slot was claimed already. An exception from
    `work` is recorded on the slot and raised again, so the task shows as failed.
    """
    if not claim(slot_id):
        logger.info("schedule slot %s: claimed by another worker, skipping", slot_id)
        return None
    slot = ScheduleSlot.objects.get(pk=slot_id)
    if slot.name in schedules():
        # After the slot's own time too, in case this worker's clock runs behind.
        ensure_scheduled(slot.name, after=slot.due_at)
    logger.info("schedule %s: run of %s started", slot.name, slot.due_at.isoformat())
    try:
        result = work()
    except Exception as error:
        logger.exception("schedule %s: run of %s failed", slot.name, slot.due_at.isoformat())
        _finish(slot_id, f"failed: {error}"[:500])
        raise
    _finish(slot_id, "done")
    logger.info("schedule %s: run of %s finished", slot.name, slot.due_at.isoformat())
    return result


def _finish(slot_id: int, outcome: str) -> None:
    ScheduleSlot.objects.filter(pk=slot_id).update(finished_at=clock.now(), outcome=outcome)
