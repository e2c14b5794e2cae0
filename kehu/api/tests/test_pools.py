"""The pool API: pools, a pool's masked customers, claim, assign, return, lock and unlock."""

from collections.abc import Callable

from kehu.api.tests.conftest import API, Caller, make_customer, snapshot
from kehu.conftest import Personas
from kehu.customers.models import Customer
from kehu.pool.models import Claim, CustomerLock, PoolEntry, PoolOpen
from kehu.pool.tests.fixtures import PlaceCustomer, Pools


def test_list_pools_and_masked_customers(
    personas: Personas, pools: Pools, place: PlaceCustomer, call_as: Callable[..., Caller]
) -> None:
    pools.east.masked_fields = ["contact.mobile"]
    pools.east.claim_limit_on = True
    pools.east.save()
    customer = place("青禾科技有限公司", pools.east, grade="A")
    customer.contacts.create(
        name="王芳",
        mobile="13812345678",
        created_at=customer.created_at,
        updated_at=customer.created_at,
    )
    place("华南客户有限公司", pools.south)
    caller = call_as(personas.rep)

    listed = caller.get("/pools")
    page = caller.get(f"/pools/{pools.east.public_id}/customers", grade="A")
    opened = caller.get(f"/pool-customers/{customer.public_id}")

    assert listed.status == 200
    assert [pool["name"] for pool in listed.body] == ["公司公海", "华东公海"]
    assert listed.body[1]["daily_claim_limit"] == 10
    assert listed.body[1]["is_admin"] is False
    assert page.status == 200
    assert [item["customer"]["name"] for item in page.body["items"]] == ["青禾科技有限公司"]
    assert page.body["items"][0]["entry"]["cause"] == "placed"
    assert "contacts" not in page.body["items"][0]
    assert opened.status == 200
    assert opened.body["contacts"][0]["mobile"] == "138****5678"
    assert opened.body["contacts"][0]["name"] == "王芳"
    assert PoolOpen.objects.filter(user=personas.rep).count() == 1


def test_other_pool_is_not_found(
    personas: Personas, pools: Pools, place: PlaceCustomer, call_as: Callable[..., Caller]
) -> None:
    customer = place("华南客户有限公司", pools.south)
    caller = call_as(personas.rep)
    before = snapshot()

    assert caller.get(f"/pools/{pools.south.public_id}/customers").status == 404
    assert caller.get(f"/pool-customers/{customer.public_id}").status == 404
    assert caller.post(f"/customers/{customer.public_id}/claim", {}).status == 404

    assert snapshot() == before
    assert PoolEntry.objects.filter(customer=customer).exists()


def test_claim_then_second_claim_refused(
    personas: Personas, pools: Pools, place: PlaceCustomer, call_as: Callable[..., Caller]
) -> None:
    customer = place("青禾科技有限公司", pools.east)

    first = call_as(personas.rep).post(f"/customers/{customer.public_id}/claim", {})
    second = call_as(personas.rep2).post(f"/customers/{customer.public_id}/claim", {})

    assert first.status == 200
    assert first.body["owner"]["name"] == "李销售"
    # The customer left the pool, so for the second rep it is no longer there.
    assert second.status == 404
    assert Claim.objects.count() == 1


def test_assign_return_lock_unlock(
    personas: Personas, pools: Pools, place: PlaceCustomer, call_as: Callable[..., Caller]
) -> None:
    pools.east.lock_on = True
    pools.east.save()
    customer = place("青禾科技有限公司", pools.east)
    manager = call_as(personas.manager)
    rep = call_as(personas.rep)

    refused = rep.post(
        f"/customers/{customer.public_id}/assign", {"user": str(personas.rep.public_id)}
    )
    assigned = manager.post(
        f"/customers/{customer.public_id}/assign", {"user": str(personas.rep.public_id)}
    )
    locked = rep.post(f"/customers/{customer.public_id}/lock", {})
    unlocked = rep.client.delete(
        f"{API}/customers/{customer.public_id}/lock",
        headers={"Authorization": f"Bearer {rep.token}"},
    )
    bad_reason = rep.post(f"/customers/{customer.public_id}/return", {"reason": "天气不好"})
    returned = rep.post(f"/customers/{customer.public_id}/return", {"reason": "联系不上"})

    assert refused.status == 403
    assert assigned.status == 200
    assert assigned.body["owner"]["name"] == "李销售"
    assert locked.status == 200
    assert (unlocked.status_code, unlocked.content) == (204, b"")
    assert not CustomerLock.objects.exists()
    assert bad_reason.status == 422
    assert "天气不好" in bad_reason.body["errors"]["reason"][0]
    assert returned.status == 200
    assert (returned.body["pool_name"], returned.body["reason"]) == ("华东公海", "联系不上")
    assert Customer.objects.get(pk=customer.pk).owner_id is None


def test_timeline_hides_pool_owner_ids(
    personas: Personas, pools: Pools, call_as: Callable[..., Caller]
) -> None:
    customer = make_customer(personas.rep)
    rep = call_as(personas.rep)
    rep.post(f"/customers/{customer.public_id}/return", {"reason": "其他"})

    timeline = call_as(personas.manager).get(f"/customers/{customer.public_id}/timeline")

    events = [item["event"] for item in timeline.body if item["type"] == "event"]
    returned = next(event for event in events if event["kind"] == "pool_returned")
    assert returned["data"]["from_name"] == "李销售"
    assert "from" not in returned["data"]
    assert "to" not in returned["data"]


def test_assign_to_deactivated_names_them(
    personas: Personas, pools: Pools, place: PlaceCustomer, call_as: Callable[..., Caller]
) -> None:
    customer = place("青禾科技有限公司", pools.east)
    personas.rep2.is_active = False
    personas.rep2.save(update_fields=["is_active"])
    before = snapshot()

    response = call_as(personas.manager).post(
        f"/customers/{customer.public_id}/assign", {"user": str(personas.rep2.public_id)}
    )

    assert response.status == 422
    assert response.body["errors"] == {"user": ["张销售 已停用，不能接收客户。请选择其他成员。"]}
    assert snapshot() == before


def test_agent_gets_403_on_pools(
    personas: Personas, pools: Pools, place: PlaceCustomer, call_as: Callable[..., Caller]
) -> None:
    customer = place("青禾科技有限公司", pools.company)
    agent = call_as(personas.agent)
    before = snapshot()

    statuses = [
        agent.get("/pools").status,
        agent.get(f"/pools/{pools.company.public_id}/customers").status,
        agent.get(f"/pool-customers/{customer.public_id}").status,
        agent.post(f"/customers/{customer.public_id}/claim", {}).status,
    ]

    assert statuses == [403, 403, 403, 403]
    assert snapshot() == before
    assert PoolOpen.objects.count() == 0
