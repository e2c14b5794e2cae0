"""Background tasks of the public pool, run by the database worker (`kehu db_worker`)."""

from typing import Any

from django.tasks import task

from kehu.core import schedule
from kehu.pool import sweep


@task()
def sweep_pools(slot_id: int) -> list[dict[str, Any]] | None:
    """Run the daily sweep of schedule slot `slot_id`, unless another worker already runs it.

    Returns what each pool's rules did, which the worker stores as the task's result.
    """

    def work() -> list[dict[str, Any]]:
        return [result.as_dict() for result in sweep.sweep_pools()]

    result: list[dict[str, Any]] | None = schedule.run_slot(slot_id, work)
    return result
