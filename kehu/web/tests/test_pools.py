"""The pool pages: list, preview, claim, assign, return and lock, and the pool settings."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.conftest import Personas
from kehu.customers import services as customer_services
from kehu.customers import sharing
from kehu.customers.models import Customer
from kehu.org.models import User
from kehu.pool import membership
from kehu.pool.membership import is_member
from kehu.pool.models import (
    Claim,
    CustomerLock,
    Pool,
    PoolEntry,
    PoolMember,
    PoolOpen,
    ReturnReason,
)
from kehu.pool.tests.fixtures import PlaceCustomer, Pools
from kehu.web.tests.conftest import ClientFor


def test_list_shows_own_pool_only(
    personas: Personas, pools: Pools, place: PlaceCustomer, client_for: ClientFor
) -> None:
    place("青禾科技有限公司", pools.east, grade="A")
    place("华南客户有限公司", pools.south)
    client = client_for(personas.rep)

    home = client.get("/pool/")
    east = client.get(f"/pool/{pools.east.public_id}/")
    south = client.get(f"/pool/{pools.south.public_id}/")

    assert home.status_code == 302
    assert east.status_code == 200
    page = east.content.decode()
    assert "青禾科技有限公司" in page
    assert "华南客户有限公司" not in page
    assert "华南公海" not in page
    assert south.status_code == 404


def test_list_filters_and_pages(
    personas: Personas, pools: Pools, place: PlaceCustomer, client_for: ClientFor
) -> None:
    for index in range(55):
        place(f"分页客户{index:02d}有限公司", pools.east, grade="B")
    place("青禾科技有限公司", pools.east, grade="A")
    client = client_for(personas.rep)

    first = client.get(f"/pool/{pools.east.public_id}/")
    filtered = client.get(f"/pool/{pools.east.public_id}/", {"grade": "A"})

    assert first.context["next_url"]
    assert len(first.context["rows"]) == 50
    second = client.get(first.context["next_url"])
    assert len(second.context["rows"]) == 6
    assert [row["name"] for row in filtered.context["rows"]] == ["青禾科技有限公司"]


def test_next_page_keeps_search(
    personas: Personas, pools: Pools, place: PlaceCustomer, client_for: ClientFor
) -> None:
    for index in range(55):
        # Names this close need the duplicate check's confirmation, which place() does not give.
        customer = customer_services.create_customer(
            personas.boss, {"name": f"青禾分公司{index:02d}"}, owner=None, allow_similar=True
        )
        PoolEntry.objects.create(
            customer=customer, pool=pools.east, entered_at=customer.created_at, cause="placed"
        )
    place("远山物流有限公司", pools.east)
    client = client_for(personas.rep)

    first = client.get(f"/pool/{pools.east.public_id}/", {"q": "青禾"})
    second = client.get(first.context["next_url"])

    assert "q=" in first.context["next_url"]
    assert len(second.context["rows"]) == 5
    assert all("青禾" in row["name"] for row in second.context["rows"])


def test_preview_masks_and_counts_open(
    personas: Personas, pools: Pools, place: PlaceCustomer, client_for: ClientFor
) -> None:
    pools.east.masked_fields = ["contact.mobile"]
    pools.east.save()
    customer = place("青禾科技有限公司", pools.east)
    customer.contacts.create(
        name="王芳",
        mobile="13812345678",
        created_at=customer.created_at,
        updated_at=customer.created_at,
    )

    response = client_for(personas.rep).get(f"/pool/customers/{customer.public_id}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "138****5678" in page
    assert "13812345678" not in page
    assert PoolOpen.objects.filter(user=personas.rep, customer=customer).count() == 1


def test_claim_then_second_rep_refused(
    personas: Personas, pools: Pools, place: PlaceCustomer, client_for: ClientFor
) -> None:
    customer = place("青禾科技有限公司", pools.east)

    claimed = client_for(personas.rep).post(f"/pool/customers/{customer.public_id}/claim/")
    refused = client_for(personas.rep2).post(f"/pool/customers/{customer.public_id}/claim/")

    assert claimed.status_code == 302
    assert claimed["Location"] == f"/customers/{customer.public_id}/"
    assert refused.status_code == 409
    assert "已被他人领取" in refused.content.decode()
    assert Customer.objects.get(pk=customer.pk).owner_id == personas.rep.pk
    assert Claim.objects.count() == 1


def test_claim_over_limit_shows_message(
    personas: Personas, pools: Pools, place: PlaceCustomer, client_for: ClientFor
) -> None:
    pools.east.capacity_on, pools.east.capacity = True, 0
    pools.east.save()
    customer = place("青禾科技有限公司", pools.east)

    response = client_for(personas.rep).post(f"/pool/customers/{customer.public_id}/claim/")

    assert response.status_code == 409
    assert "库容上限为 0" in response.content.decode()
    assert PoolEntry.objects.filter(customer=customer).exists()


def test_refused_claim_respects_open_limit(
    personas: Personas, pools: Pools, place: PlaceCustomer, client_for: ClientFor
) -> None:
    pools.east.open_limit_on, pools.east.open_limit = True, 1
    pools.east.capacity_on, pools.east.capacity = True, 0
    pools.east.save()
    seen = place("青禾科技有限公司", pools.east)
    unseen = place("远山物流有限公司", pools.east)
    unseen.contacts.create(
        name="赵经理", created_at=unseen.created_at, updated_at=unseen.created_at
    )
    client = client_for(personas.rep)
    assert client.get(f"/pool/customers/{seen.public_id}/").status_code == 200

    refused = client.post(f"/pool/customers/{unseen.public_id}/claim/")

    page = refused.content.decode()
    assert refused.status_code == 409
    assert "库容上限为 0" in page
    assert "已达每日上限 1 个" in page
    assert "赵经理" not in page
    assert PoolOpen.objects.filter(user=personas.rep).count() == 1


def test_manager_assigns(
    personas: Personas, pools: Pools, place: PlaceCustomer, client_for: ClientFor
) -> None:
    customer = place("青禾科技有限公司", pools.east)
    manager = client_for(personas.manager)

    preview = manager.get(f"/pool/customers/{customer.public_id}/")
    refused = client_for(personas.rep).post(
        f"/pool/customers/{customer.public_id}/assign/", {"user": str(personas.rep2.public_id)}
    )
    assigned = manager.post(
        f"/pool/customers/{customer.public_id}/assign/", {"user": str(personas.rep2.public_id)}
    )

    assert "张销售" in [str(person) for person in preview.context["assignees"]]
    assert refused.status_code == 403
    # A refused assignment shows no preview, which would bypass the daily open limit.
    assert "青禾科技有限公司" not in refused.content.decode()
    assert assigned.status_code == 302
    assert Customer.objects.get(pk=customer.pk).owner_id == personas.rep2.pk


def test_return_and_lock_from_customer_page(
    personas: Personas, pools: Pools, client_for: ClientFor
) -> None:
    pools.east.lock_on = True
    pools.east.save()
    reason = ReturnReason.objects.filter(is_active=True).first()
    assert reason is not None
    customer = customer_services.create_customer(personas.rep, {"name": "退回测试有限公司"})
    client = client_for(personas.rep)

    detail = client.get(f"/customers/{customer.public_id}/").content.decode()
    locked = client.post(f"/customers/{customer.public_id}/lock/")
    unlocked = client.post(f"/customers/{customer.public_id}/lock/", {"unlock": "1"})
    missing_reason = client.post(f"/customers/{customer.public_id}/return/", {"note": "无"})
    returned = client.post(
        f"/customers/{customer.public_id}/return/", {"reason": str(reason.pk), "note": "无"}
    )

    assert "退回公海" in detail
    assert "锁定" in detail
    assert locked.status_code == 302
    assert unlocked.status_code == 302
    assert not CustomerLock.objects.exists()
    assert missing_reason.status_code == 302
    assert returned.status_code == 302
    assert returned["Location"] == f"/pool/customers/{customer.public_id}/"
    entry = PoolEntry.objects.get(customer=customer)
    assert (entry.pool_id, entry.reason_id, entry.note) == (pools.east.pk, reason.pk, "无")


def test_return_and_lock_refused_with_403(
    personas: Personas, pools: Pools, client_for: ClientFor
) -> None:
    pools.east.lock_on = True
    pools.east.save()
    reason = ReturnReason.objects.filter(is_active=True).first()
    assert reason is not None
    customer = customer_services.create_customer(personas.rep, {"name": "退回测试有限公司"})
    sharing.assign_agent(personas.boss, customer, personas.agent)
    agent = client_for(personas.agent)
    manager = client_for(personas.manager)

    returned = agent.post(f"/customers/{customer.public_id}/return/", {"reason": str(reason.pk)})
    locked_by_agent = agent.post(f"/customers/{customer.public_id}/lock/")
    locked_by_manager = manager.post(f"/customers/{customer.public_id}/lock/")

    assert returned.status_code == 403
    assert locked_by_agent.status_code == 403
    assert locked_by_manager.status_code == 403
    assert Customer.objects.get(pk=customer.pk).owner_id == personas.rep.pk
    assert not PoolEntry.objects.filter(customer=customer).exists()
    assert not CustomerLock.objects.exists()


def test_settings_pages_need_capability(
    personas: Personas, pools: Pools, client_for: ClientFor
) -> None:
    rep = client_for(personas.rep)
    boss = client_for(personas.boss)

    assert rep.get("/settings/pools/").status_code == 403
    assert rep.post("/settings/return-reasons/", {"reasons": "其他"}).status_code == 403
    assert boss.get("/settings/pools/").status_code == 200
    assert boss.get(f"/settings/pools/{pools.east.public_id}/edit/").status_code == 200
    saved = boss.post(
        f"/settings/pools/{pools.east.public_id}/edit/",
        {"name": "华东公海", "claim_limit_on": "on", "claim_limit": "3", "capacity": "200"},
    )
    assert saved.status_code == 302
    assert Pool.objects.get(pk=pools.east.pk).claim_limit == 3
    reasons = boss.post("/settings/return-reasons/", {"reasons": "联系不上\n其他"})
    assert reasons.status_code == 302
    assert list(ReturnReason.objects.filter(is_active=True).values_list("name", flat=True)) == [
        "联系不上",
        "其他",
    ]


def test_agent_gets_no_pool_pages(
    personas: Personas, pools: Pools, place: PlaceCustomer, client_for: ClientFor
) -> None:
    customer = place("青禾科技有限公司", pools.company)
    agent = client_for(personas.agent)
    before = (
        list(PoolEntry.objects.values_list("customer_id", "pool_id")),
        Claim.objects.count(),
        PoolOpen.objects.count(),
    )

    statuses = [
        agent.get("/pool/").status_code,
        agent.get(f"/pool/{pools.company.public_id}/").status_code,
        agent.get(f"/pool/customers/{customer.public_id}/").status_code,
        agent.post(f"/pool/customers/{customer.public_id}/claim/").status_code,
        agent.post(
            f"/pool/customers/{customer.public_id}/assign/",
            {"user": str(personas.rep.public_id)},
        ).status_code,
    ]
    nav = agent.get("/").content.decode()

    assert statuses == [403, 403, 403, 403, 403]
    assert 'href="/pool/"' not in nav
    assert 'href="/leads/"' not in nav
    assert 'href="/pool/"' in client_for(personas.rep).get("/").content.decode()
    after = (
        list(PoolEntry.objects.values_list("customer_id", "pool_id")),
        Claim.objects.count(),
        PoolOpen.objects.count(),
    )
    assert after == before


def test_agent_creating_role_sees_no_leads_menu(personas: Personas, client_for: ClientFor) -> None:
    role = personas.agent.role
    assert role is not None
    role.capabilities = [*role.capabilities, "create"]
    role.save(update_fields=["capabilities"])
    agent = client_for(personas.agent)

    nav = agent.get("/").content.decode()

    assert 'href="/leads/"' not in nav
    assert agent.get("/leads/").status_code == 403
    assert agent.get("/leads/", {"pool": "1"}).status_code == 403


def test_member_choices_leave_out_agents(
    personas: Personas, pools: Pools, client_for: ClientFor
) -> None:
    boss = client_for(personas.boss)
    agent_role = personas.agent.role
    assert agent_role is not None
    form_url = f"/settings/pools/{pools.east.public_id}/edit/"

    page = boss.get(form_url)
    refused = boss.post(
        form_url,
        {
            "name": "华东公海",
            "capacity": "200",
            "users": [str(personas.rep.public_id), str(personas.agent.public_id)],
            "roles": [str(agent_role.public_id)],
        },
    )

    assert personas.agent not in list(page.context["users"])
    assert personas.rep in list(page.context["users"])
    assert agent_role not in list(page.context["roles"])
    assert refused.status_code == 400
    content = refused.content.decode()
    assert "外部代理 是外部协作者，不能成为公海成员。" in content
    assert "外部协作者 是外部协作者的角色，不能成为公海成员。" in content
    assert not PoolMember.objects.filter(user=personas.agent).exists()
    assert not PoolMember.objects.filter(role=agent_role).exists()


def test_assignee_choices_fixed_queries(
    personas: Personas, pools: Pools, place: PlaceCustomer, client_for: ClientFor
) -> None:
    customer = place("青禾科技有限公司", pools.east)
    manager = client_for(personas.manager)
    url = f"/pool/customers/{customer.public_id}/"
    rep_role = personas.rep.role

    def add_reps(first: int) -> None:
        for number in range(first, first + 10):
            User.objects.create_user(
                f"extra{number}",
                display_name=f"新销售{number}",
                role=rep_role,
                department_id=personas.rep.department_id,
            )

    add_reps(0)
    # The first open records the day's open and fills caches; later opens repeat neither.
    manager.get(url)
    with CaptureQueriesContext(connection) as few:
        first = manager.get(url)
    add_reps(10)
    with CaptureQueriesContext(connection) as many:
        second = manager.get(url)

    assert len(first.context["assignees"]) == 15
    assert len(second.context["assignees"]) == 25
    assert len(many) == len(few)


def test_member_ids_match_is_member(personas: Personas, pools: Pools) -> None:
    agent_role = personas.agent.role
    assert agent_role is not None
    by_role = User.objects.create_user(
        "by_role", display_name="按角色成员", role=personas.other_rep.role
    )
    PoolMember.objects.create(pool=pools.south, role=personas.other_rep.role)
    PoolMember.objects.create(pool=pools.south, user=personas.rep)
    gone = User.objects.create_user(
        "gone", display_name="离职销售", role=personas.rep.role, is_active=False
    )
    users = list(User.objects.select_related("role").order_by("pk"))
    assert by_role in users
    assert gone in users

    for pool in (pools.company, pools.east, pools.south):
        expected = {user.pk for user in users if is_member(user, pool)}
        assert membership.member_ids(pool, users) == expected, pool.name
