"""The scheduled sweep task: it sweeps once per slot and plans the next day."""

import pytest

from kehu.core import clock, schedule
from kehu.core.models import ScheduleSlot
from kehu.customers.models import Customer
from kehu.pool.models import EntryCause, Pool
from kehu.pool.tasks import sweep_pools
from kehu.pool.tests.conftest import MakeCustomer, at

pytestmark = pytest.mark.django_db


def test_task_sweeps_its_slot_once(pool: Pool, make_customer: MakeCustomer) -> None:
    pool.no_follow_up_on = True
    pool.save()
    make_customer(at(2026, 1, 1))
    clock.freeze(at(2026, 2, 28, 12))
    slot = schedule.ensure_scheduled("pool_sweep")
    assert slot.due_at == at(2026, 3, 1, 1)
    clock.freeze(at(2026, 3, 1, 1, 0))

    results = sweep_pools.call(slot.pk)

    assert results == [
        {"pool": pool.name, "rule": EntryCause.NO_FOLLOW_UP, "reclaimed": 1, "warned": 0}
    ]
    assert Customer.objects.filter(owner__isnull=True).count() == 1
    assert sweep_pools.call(slot.pk) is None
    assert ScheduleSlot.objects.filter(claimed_at__isnull=True).get().due_at == at(2026, 3, 2, 1)
