"""Claiming, assigning, returning, locking and opening pool customers, with every rule's edges."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kehu.audit.models import AuditAction, AuditEntry
from kehu.conftest import Personas
from kehu.core import clock
from kehu.customers import services as customer_services
from kehu.customers import sharing
from kehu.customers.choices import CustomerStatus
from kehu.customers.models import Customer, CustomerShare
from kehu.pool import configure, services
from kehu.pool.models import Claim, CustomerLock, EntryCause, PoolEntry, PoolOpen
from kehu.pool.tests.fixtures import PlaceCustomer, Pools
from kehu.timeline.models import Event, EventKind

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def shanghai(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def state() -> list[object]:
    return [
        list(Customer.objects.order_by("pk").values_list("owner_id", "version")),
        list(PoolEntry.objects.order_by("pk").values_list("customer_id", "pool_id")),
        Claim.objects.count(),
        CustomerLock.objects.count(),
        Event.objects.count(),
        AuditEntry.objects.count(),
    ]


def test_claim_makes_member_owner(personas: Personas, pools: Pools, place: PlaceCustomer) -> None:
    customer = place("杭州青禾科技有限公司", pools.east)

    claimed = services.claim(personas.rep, customer)

    assert claimed.owner_id == personas.rep.pk
    assert claimed.owner_since == claimed.updated_at
    assert not PoolEntry.objects.filter(customer=customer).exists()
    claim = Claim.objects.get()
    assert (claim.user_id, claim.pool_id) == (personas.rep.pk, pools.east.pk)
    event = Event.objects.get(customer=customer, kind=EventKind.POOL_CLAIMED)
    assert event.data["to_name"] == "李销售"
    assert event.data["pool_name"] == "华东公海"
    assert AuditEntry.objects.filter(action=AuditAction.POOL_CLAIMED).count() == 1


def test_second_claim_is_refused(personas: Personas, pools: Pools, place: PlaceCustomer) -> None:
    customer = place("杭州青禾科技有限公司", pools.east)
    services.claim(personas.rep, customer)
    before = state()

    with pytest.raises(services.AlreadyClaimed):
        services.claim(personas.rep2, customer)

    assert state() == before


def test_other_pools_rep_cannot_claim(
    personas: Personas, pools: Pools, place: PlaceCustomer
) -> None:
    customer = place("杭州青禾科技有限公司", pools.east)
    before = state()

    with pytest.raises(PermissionDenied):
        services.claim(personas.other_rep, customer)
    with pytest.raises(PermissionDenied):
        services.claim(personas.agent, customer)

    assert state() == before


def test_leaving_member_told_why(personas: Personas, pools: Pools, place: PlaceCustomer) -> None:
    customer = place("杭州青禾科技有限公司", pools.east)
    personas.rep.leaving_on = dt.date(2030, 1, 31)
    personas.rep.save(update_fields=["leaving_on"])
    before = state()

    with pytest.raises(PermissionDenied) as raised:
        services.claim(personas.rep, customer)

    assert "离职" in str(raised.value)
    assert state() == before


def test_daily_limit_follows_shanghai_day(
    personas: Personas, pools: Pools, place: PlaceCustomer, unfrozen_clock: None
) -> None:
    pools.east.claim_limit_on, pools.east.claim_limit = True, 2
    pools.east.save()
    customers = [place(f"限额测试{index}有限公司", pools.east) for index in range(4)]

    # 23:30 in Shanghai is 15:30 UTC; 00:10 the next day is 16:10 UTC of the same UTC day.
    clock.freeze(shanghai(2026, 3, 1, 23, 30))
    services.claim(personas.rep, customers[0])
    services.claim(personas.rep, customers[1])
    with pytest.raises(ValidationError) as refused:
        services.claim(personas.rep, customers[2])
    assert "2" in refused.value.messages[0]
    assert Customer.objects.get(pk=customers[2].pk).owner_id is None

    clock.freeze(shanghai(2026, 3, 2, 0, 10))
    services.claim(personas.rep, customers[2])

    assert Claim.objects.filter(user=personas.rep).count() == 3
    assert sorted(Claim.objects.values_list("day", flat=True)) == [
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 2),
    ]


def test_daily_limit_counts_per_pool(
    personas: Personas, pools: Pools, place: PlaceCustomer
) -> None:
    pools.east.claim_limit_on, pools.east.claim_limit = True, 1
    pools.east.save()
    services.claim(personas.rep, place("华东一号有限公司", pools.east))

    services.claim(personas.rep, place("公司池一号有限公司", pools.company))

    with pytest.raises(ValidationError):
        services.claim(personas.rep, place("华东二号有限公司", pools.east))


def test_cooldown_keeps_previous_owner_waiting(
    personas: Personas, pools: Pools, no_reasons: None, unfrozen_clock: None
) -> None:
    pools.east.cooldown_on, pools.east.cooldown_days = True, 30
    pools.east.save()
    clock.freeze(shanghai(2026, 1, 1, 10, 0))
    customer = customer_services.create_customer(personas.rep, {"name": "冷却测试有限公司"})
    services.return_to_pool(personas.rep, customer, None)

    clock.freeze(shanghai(2026, 1, 31, 9, 59))
    with pytest.raises(ValidationError) as refused:
        services.claim(personas.rep, customer)
    assert "2026-01-31 10:00" in refused.value.messages[0]

    clock.freeze(shanghai(2026, 1, 31, 10, 0))
    assert services.claim(personas.rep, customer).owner_id == personas.rep.pk


def test_cooldown_lets_others_claim(personas: Personas, pools: Pools, no_reasons: None) -> None:
    pools.east.cooldown_on = True
    pools.east.save()
    customer = customer_services.create_customer(personas.rep, {"name": "冷却测试有限公司"})
    services.return_to_pool(personas.rep, customer, None)

    assert services.claim(personas.rep2, customer).owner_id == personas.rep2.pk


def test_capacity_on_claim_ignores_won(
    personas: Personas, pools: Pools, place: PlaceCustomer
) -> None:
    pools.east.capacity_on, pools.east.capacity = True, 2
    pools.east.save()
    customer_services.create_customer(personas.rep, {"name": "已有一号有限公司"})
    customer_services.create_customer(
        personas.rep, {"name": "已签约有限公司", "status": CustomerStatus.WON}
    )
    first = place("容量一号有限公司", pools.east)
    second = place("容量二号有限公司", pools.east)

    services.claim(personas.rep, first)
    with pytest.raises(ValidationError) as refused:
        services.claim(personas.rep, second)

    message = refused.value.messages[0]
    assert "李销售" in message
    assert "2" in message
    assert "华东公海" in message
    assert Customer.objects.get(pk=second.pk).owner_id is None
    assert PoolEntry.objects.filter(customer=second).exists()


def test_capacity_on_create_and_transfer(personas: Personas, pools: Pools) -> None:
    pools.east.capacity_on, pools.east.capacity = True, 1
    pools.east.save()
    customer_services.create_customer(personas.rep, {"name": "已有一号有限公司"})

    with pytest.raises(ValidationError):
        customer_services.create_customer(personas.rep, {"name": "超出容量有限公司"})
    other = customer_services.create_customer(personas.rep2, {"name": "张的客户有限公司"})
    with pytest.raises(ValidationError):
        customer_services.change_owner(personas.manager, other, personas.rep)

    assert Customer.objects.filter(owner=personas.rep).count() == 1
    assert Customer.objects.get(pk=other.pk).owner_id == personas.rep2.pk


def test_capacity_follows_governing_pool(personas: Personas, pools: Pools) -> None:
    pools.company.capacity_on, pools.company.capacity = True, 0
    pools.company.save()

    # East has its own pool, whose capacity switch is off.
    customer_services.create_customer(personas.rep, {"name": "华东客户有限公司"})
    with pytest.raises(ValidationError):
        customer_services.create_customer(personas.boss, {"name": "总部客户有限公司"})


def test_assign_by_pool_admin(personas: Personas, pools: Pools, place: PlaceCustomer) -> None:
    customer = place("分配测试有限公司", pools.east)

    assigned = services.assign(personas.manager, customer, personas.rep2)

    assert assigned.owner_id == personas.rep2.pk
    assert Claim.objects.count() == 0
    event = Event.objects.get(customer=customer, kind=EventKind.POOL_ASSIGNED)
    assert (event.actor_id, event.data["to_name"]) == (personas.manager.pk, "张销售")


def test_assign_refusals(personas: Personas, pools: Pools, place: PlaceCustomer) -> None:
    customer = place("分配测试有限公司", pools.east)
    pools.east.capacity_on, pools.east.capacity = True, 0
    pools.east.save()
    before = state()

    with pytest.raises(PermissionDenied):
        services.assign(personas.rep, customer, personas.rep2)
    with pytest.raises(PermissionDenied):
        services.assign(personas.other_rep, customer, personas.rep2)
    with pytest.raises(ValidationError) as not_member:
        services.assign(personas.manager, customer, personas.other_rep)
    assert "user" in not_member.value.message_dict
    with pytest.raises(ValidationError):
        services.assign(personas.manager, customer, personas.agent)
    with pytest.raises(ValidationError) as full:
        services.assign(personas.manager, customer, personas.rep2)
    assert "owner" in full.value.message_dict

    assert state() == before


def test_assign_to_deactivated_names_them(
    personas: Personas, pools: Pools, place: PlaceCustomer
) -> None:
    customer = place("分配测试有限公司", pools.east)
    personas.rep2.is_active = False
    personas.rep2.save(update_fields=["is_active"])
    before = state()

    with pytest.raises(ValidationError) as refused:
        services.assign(personas.manager, customer, personas.rep2)

    assert refused.value.message_dict == {"user": ["张销售 已停用，不能接收客户。请选择其他成员。"]}
    assert state() == before


def test_return_moves_to_governing_pool(personas: Personas, pools: Pools) -> None:
    reasons = configure.set_return_reasons(personas.boss, ["联系不上", "其他"])
    customer = customer_services.create_customer(personas.rep, {"name": "退回测试有限公司"})
    sharing.share_customer(personas.rep, customer, personas.rep2, "read", None)
    pools.east.lock_on = True
    pools.east.save()
    services.lock_customer(personas.rep, customer)

    entry = services.return_to_pool(personas.rep, customer, reasons[0], "  多次电话无人接  ")

    customer.refresh_from_db()
    assert customer.owner_id is None
    assert customer.owner_since is None
    assert (entry.pool_id, entry.cause) == (pools.east.pk, EntryCause.RETURNED)
    assert (entry.previous_owner_id, entry.reason_id) == (personas.rep.pk, reasons[0].pk)
    assert entry.note == "多次电话无人接"
    assert not CustomerShare.objects.filter(customer=customer).exists()
    assert not CustomerLock.objects.filter(customer=customer).exists()
    assert Event.objects.filter(customer=customer, kind=EventKind.SHARE_ENDED).count() == 1
    event = Event.objects.get(customer=customer, kind=EventKind.POOL_RETURNED)
    assert (event.data["from_name"], event.data["reason"]) == ("李销售", "联系不上")


def test_return_without_department_pool_goes_to_company(
    personas: Personas, pools: Pools, no_reasons: None
) -> None:
    customer = customer_services.create_customer(personas.boss, {"name": "总部客户有限公司"})

    entry = services.return_to_pool(personas.boss, customer, None)

    assert entry.pool_id == pools.company.pk


def test_return_reason_rules(personas: Personas, pools: Pools) -> None:
    reasons = configure.set_return_reasons(personas.boss, ["联系不上", "其他"])
    configure.set_return_reasons(personas.boss, ["其他"])
    customer = customer_services.create_customer(personas.rep, {"name": "退回测试有限公司"})
    before = state()

    with pytest.raises(ValidationError) as missing:
        services.return_to_pool(personas.rep, customer, None)
    assert "reason" in missing.value.message_dict
    with pytest.raises(ValidationError) as retired:
        services.return_to_pool(personas.rep, customer, reasons[0])
    assert "联系不上" in retired.value.message_dict["reason"][0]
    with pytest.raises(ValidationError) as long_note:
        services.return_to_pool(personas.rep, customer, reasons[1], "长" * 501)
    assert "501" in long_note.value.message_dict["note"][0]

    assert state() == before


def test_who_may_return(personas: Personas, pools: Pools, no_reasons: None) -> None:
    customer = customer_services.create_customer(personas.rep, {"name": "退回测试有限公司"})
    before = state()

    with pytest.raises(PermissionDenied):
        services.return_to_pool(personas.rep2, customer, None)
    with pytest.raises(PermissionDenied):
        services.return_to_pool(personas.other_manager, customer, None)
    assert state() == before

    services.return_to_pool(personas.manager, customer, None)
    assert PoolEntry.objects.get(customer=customer).previous_owner_id == personas.rep.pk


def test_lock_limit(personas: Personas, pools: Pools) -> None:
    first = customer_services.create_customer(personas.rep, {"name": "锁定一号有限公司"})
    second = customer_services.create_customer(personas.rep, {"name": "锁定二号有限公司"})
    with pytest.raises(ValidationError):
        services.lock_customer(personas.rep, first)
    pools.east.lock_on, pools.east.lock_limit = True, 1
    pools.east.save()

    services.lock_customer(personas.rep, first)
    services.lock_customer(personas.rep, first)
    with pytest.raises(ValidationError) as full:
        services.lock_customer(personas.rep, second)
    assert "1" in full.value.messages[0]
    with pytest.raises(PermissionDenied):
        services.lock_customer(personas.rep2, second)

    services.unlock_customer(personas.rep, first)
    services.lock_customer(personas.rep, second)
    assert list(CustomerLock.objects.values_list("customer_id", flat=True)) == [second.pk]
    assert AuditEntry.objects.filter(action=AuditAction.CUSTOMER_LOCKED).count() == 2
    assert AuditEntry.objects.filter(action=AuditAction.CUSTOMER_UNLOCKED).count() == 1


def test_open_limit_counts_each_customer_once(
    personas: Personas, pools: Pools, place: PlaceCustomer, unfrozen_clock: None
) -> None:
    pools.east.open_limit_on, pools.east.open_limit = True, 1
    pools.east.save()
    first = PoolEntry.objects.get(customer=place("打开一号有限公司", pools.east))
    second = PoolEntry.objects.get(customer=place("打开二号有限公司", pools.east))
    clock.freeze(shanghai(2026, 5, 1, 23, 0))

    services.open_pool_customer(personas.rep, first)
    services.open_pool_customer(personas.rep, first)
    with pytest.raises(ValidationError):
        services.open_pool_customer(personas.rep, second)
    with pytest.raises(PermissionDenied):
        services.open_pool_customer(personas.other_rep, first)

    clock.freeze(shanghai(2026, 5, 2, 0, 30))
    services.open_pool_customer(personas.rep, second)
    assert PoolOpen.objects.filter(user=personas.rep).count() == 2


def test_transfer_closes_pool_entry(personas: Personas, pools: Pools, place: PlaceCustomer) -> None:
    customer = place("转交测试有限公司", pools.east)

    customer_services.change_owner(personas.manager, customer, personas.rep)

    assert not PoolEntry.objects.filter(customer=customer).exists()
    with pytest.raises(services.AlreadyClaimed):
        services.claim(personas.rep2, customer)
