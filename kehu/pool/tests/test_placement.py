"""Putting new unowned customers into the pool that governs their creator."""

import pytest
from django.core.exceptions import PermissionDenied

from kehu.audit.models import AuditAction, AuditEntry
from kehu.conftest import Personas
from kehu.core import clock
from kehu.customers import services as customer_services
from kehu.customers.models import Customer
from kehu.pool import placement
from kehu.pool.membership import company_pool
from kehu.pool.models import EntryCause, Pool, PoolEntry
from kehu.timeline.models import Event, EventKind


def unowned(personas: Personas, *names: str) -> list[int]:
    return [
        customer_services.create_customer(personas.boss, {"name": name}, owner=None).pk
        for name in names
    ]


def test_places_in_company_pool(personas: Personas) -> None:
    ids = unowned(personas, "甲科技有限公司", "乙科技有限公司")

    placed = placement.place_new(personas.boss, ids)

    assert placed == 2
    entries = PoolEntry.objects.order_by("customer_id")
    assert [entry.customer_id for entry in entries] == ids
    assert {(entry.pool, entry.cause) for entry in entries} == {(company_pool(), EntryCause.PLACED)}
    events = Event.objects.filter(kind=EventKind.POOL_PLACED).order_by("customer_id")
    assert [event.customer_id for event in events] == ids
    assert events[0].data["pool_name"] == company_pool().name
    audit = AuditEntry.objects.get(action=AuditAction.POOL_PLACED)
    assert audit.detail["count"] == 2


def test_places_in_actors_department_pool(personas: Personas) -> None:
    assert personas.manager.department is not None
    now = clock.now()
    east = Pool.objects.create(
        name="华东公海", department=personas.manager.department, created_at=now, updated_at=now
    )
    ids = unowned(personas, "甲科技有限公司")

    placement.place_new(personas.manager, ids)

    assert PoolEntry.objects.get().pool == east


def test_skips_owned_and_pooled(personas: Personas) -> None:
    ids = unowned(personas, "甲科技有限公司")
    owned = customer_services.create_customer(personas.rep, {"name": "乙科技有限公司"})
    placement.place_new(personas.boss, ids)

    again = placement.place_new(personas.boss, [*ids, owned.pk])

    assert again == 0
    assert PoolEntry.objects.count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.POOL_PLACED).count() == 1


def test_rep_is_refused(personas: Personas) -> None:
    ids = unowned(personas, "甲科技有限公司")

    with pytest.raises(PermissionDenied):
        placement.place_new(personas.rep, ids)

    assert not PoolEntry.objects.exists()
    assert Customer.objects.get().owner is None
