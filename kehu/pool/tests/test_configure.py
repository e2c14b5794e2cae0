"""Creating, changing and deleting pools, and editing the return reasons."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kehu.audit.models import AuditAction, AuditEntry
from kehu.conftest import Personas
from kehu.org.models import Department
from kehu.pool import configure, membership
from kehu.pool.configure import PoolMembers
from kehu.pool.models import Pool, PoolEntry, PoolMember, ReturnReason
from kehu.pool.tests.fixtures import PlaceCustomer, Pools


def test_create_pool_with_members(personas: Personas) -> None:
    east = Department.objects.get(name="华东销售部")

    pool = configure.create_pool(
        personas.boss,
        {"name": "华东公海", "capacity_on": True, "capacity": "150"},
        east,
        PoolMembers(departments=[east], admins=[personas.manager]),
    )

    assert (pool.capacity_on, pool.capacity, pool.department_id) == (True, 150, east.pk)
    assert membership.is_member(personas.rep, pool)
    assert not membership.is_member(personas.other_rep, pool)
    assert PoolMember.objects.get(pool=pool, is_admin=True).user_id == personas.manager.pk
    assert AuditEntry.objects.filter(action=AuditAction.POOL_CREATED).count() == 1


def test_create_pool_refusals(personas: Personas, pools: Pools) -> None:
    east = Department.objects.get(name="华东销售部")
    count = Pool.objects.count()

    with pytest.raises(PermissionDenied):
        configure.create_pool(personas.rep, {"name": "新公海"}, east, PoolMembers())
    with pytest.raises(ValidationError) as taken:
        configure.create_pool(personas.boss, {"name": "新公海"}, east, PoolMembers())
    assert "department" in taken.value.message_dict
    with pytest.raises(ValidationError) as bad:
        configure.create_pool(
            personas.boss,
            {"name": "华南公海", "capacity": "很多", "masked_fields": ["contact.shoe_size"]},
            Department.objects.get(name="总公司"),
            PoolMembers(),
        )
    errors = bad.value.message_dict
    assert set(errors) == {"name", "capacity", "masked_fields"}
    assert "很多" in errors["capacity"][0]

    assert Pool.objects.count() == count


def test_update_pool_records_changes(personas: Personas, pools: Pools) -> None:
    configure.update_pool(
        personas.boss,
        pools.east,
        {"claim_limit_on": True, "claim_limit": "5", "no_follow_up_days_by_grade": {"A": "10"}},
    )

    pools.east.refresh_from_db()
    assert (pools.east.claim_limit_on, pools.east.claim_limit) == (True, 5)
    assert pools.east.no_follow_up_days_by_grade == {"A": 10}
    entry = AuditEntry.objects.get(action=AuditAction.POOL_CHANGED)
    assert entry.detail["changes"]["claim_limit"] == [10, 5]


def test_delete_pool_moves_entries(personas: Personas, pools: Pools, place: PlaceCustomer) -> None:
    customer = place("迁移测试有限公司", pools.east)

    with pytest.raises(PermissionDenied):
        configure.delete_pool(personas.boss, pools.company)
    successor = configure.delete_pool(personas.boss, pools.east)

    assert successor.pk == pools.company.pk
    assert PoolEntry.objects.get(customer=customer).pool_id == pools.company.pk
    assert not Pool.objects.filter(pk=pools.east.pk).exists()


def test_return_reasons_keep_used_ones(personas: Personas) -> None:
    ReturnReason.objects.all().delete()
    configure.set_return_reasons(personas.boss, ["联系不上", "其他", " ", "其他"])

    active = configure.set_return_reasons(personas.boss, ["非目标客户", "联系不上"])

    assert [reason.name for reason in active] == ["非目标客户", "联系不上"]
    assert ReturnReason.objects.get(name="其他").is_active is False
    assert AuditEntry.objects.filter(action=AuditAction.RETURN_REASONS_CHANGED).count() == 2
    with pytest.raises(PermissionDenied):
        configure.set_return_reasons(personas.rep, ["其他"])
