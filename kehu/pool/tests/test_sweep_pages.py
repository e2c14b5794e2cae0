"""The due-soon list, its nav badge and the sweep preview, for owners, managers and admins."""

import datetime as dt
import re

import pytest
from django.test import Client

from kehu.conftest import Personas
from kehu.core import clock
from kehu.customers.models import Customer
from kehu.org.models import Capability, DataScope, Department, Role, User
from kehu.pool import membership, sweep
from kehu.pool.models import Pool, PoolEntry, PoolMember, ReclaimWarning
from kehu.pool.tests.conftest import MakeCustomer, at
from kehu.timeline.models import Event

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


@pytest.fixture
def rules_on(pool: Pool) -> Pool:
    pool.no_follow_up_on = True
    pool.no_follow_up_days = 30
    pool.warning_on = True
    pool.warning_days = 3
    pool.save()
    return pool


def test_owner_sees_own_customers_due_soon(
    personas: Personas, rules_on: Pool, make_customer: MakeCustomer
) -> None:
    soon = make_customer(at(2026, 3, 1), name="宁波北仑港口物流有限公司")
    make_customer(at(2026, 3, 20), name="宁波镇海炼化设备有限公司")
    other = make_customer(at(2026, 3, 1), owner=personas.rep2, name="温州鹿城眼镜有限公司")
    clock.freeze(at(2026, 3, 29, 10))

    page = client_for(personas.rep).get("/pool/due/").content.decode()

    assert soon.name in page
    assert "2026-03-31" in page
    assert "Reclaimed: no follow-up" in page
    assert "宁波镇海炼化设备有限公司" not in page
    assert other.name not in page
    manager_page = client_for(personas.manager).get("/pool/due/").content.decode()
    assert soon.name in manager_page
    assert other.name in manager_page
    assert soon.name not in client_for(personas.other_manager).get("/pool/due/").content.decode()


def test_passed_dates_read_as_overdue(
    personas: Personas, rules_on: Pool, make_customer: MakeCustomer
) -> None:
    passed = make_customer(at(2026, 3, 1), name="宁波北仑港口物流有限公司")
    today = make_customer(at(2026, 3, 2), name="温州鹿城眼镜有限公司")
    coming = make_customer(at(2026, 3, 4), name="宁波镇海炼化设备有限公司")
    clock.freeze(at(2026, 4, 1, 10))

    page = client_for(personas.rep).get("/pool/due/").content.decode()
    rows = {
        name: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in re.findall(r"<tr>(.*?)</tr>", page, re.DOTALL)
        for name in (passed.name, today.name, coming.name)
        if name in row
    }

    assert rows[passed.name].endswith("Overdue due 2026-03-31, reclaimed by the next sweep")
    assert rows[today.name].endswith("Overdue due 2026-04-01, reclaimed by the next sweep")
    assert rows[coming.name].endswith(" 2026-04-03")
    assert "Overdue" not in rows[coming.name]
    assert "Reclaimed on" not in page


def test_overdue_reads_in_chinese(
    personas: Personas, rules_on: Pool, make_customer: MakeCustomer
) -> None:
    make_customer(at(2026, 3, 1))
    clock.freeze(at(2026, 4, 1, 10))
    client = Client(headers={"Accept-Language": "zh-hans"})
    client.force_login(personas.rep)

    page = client.get("/pool/due/").content.decode()

    assert "逾期" in page
    assert "到期日 2026-03-31，下次自动收回时即被收回" in page


def test_badge_counts_current_warnings(
    personas: Personas, rules_on: Pool, make_customer: MakeCustomer
) -> None:
    make_customer(at(2026, 3, 1))
    make_customer(at(2026, 3, 2))
    clock.freeze(at(2026, 3, 29, 1))
    sweep.sweep_pools()
    assert ReclaimWarning.objects.count() == 2

    page = client_for(personas.rep).get("/pool/due/").content.decode()

    assert 'Due for reclaim <span class="badge warning">2</span>' in page
    assert 'class="badge warning">' not in client_for(personas.rep2).get("/").content.decode()


def test_rep_cannot_preview_the_sweep(personas: Personas, rules_on: Pool) -> None:
    assert client_for(personas.rep).get("/pool/preview/").status_code == 403


def test_preview_shows_counts_and_changes_nothing(
    personas: Personas, rules_on: Pool, make_customer: MakeCustomer
) -> None:
    due = [make_customer(at(2026, 1, d)) for d in (1, 2, 3)]
    make_customer(at(2026, 2, 27))
    clock.freeze(at(2026, 3, 1, 10))
    client = client_for(personas.boss)

    page = client.get("/pool/preview/").content.decode()
    listing = client.get(
        "/pool/preview/", {"pool": str(rules_on.public_id), "rule": "no_follow_up"}
    ).content.decode()

    assert 'rule=no_follow_up">3</a>' in page
    for customer in due:
        assert customer.name in listing
    assert "2026-01-31" in listing
    assert Customer.objects.filter(owner__isnull=True).count() == 0
    assert PoolEntry.objects.count() == 0
    assert ReclaimWarning.objects.count() == 0
    assert Event.objects.filter(kind="pool_reclaimed").count() == 0


def test_pool_admin_previews_only_their_pool(
    personas: Personas, rules_on: Pool, make_customer: MakeCustomer
) -> None:
    south = Department.objects.get(name="华南销售部")
    south_pool = Pool.objects.create(
        name="华南公海",
        department=south,
        no_follow_up_on=True,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    role = Role.objects.create(
        name="公海管理员",
        data_scope=DataScope.DEPARTMENT_TREE,
        capabilities=[Capability.ASSIGN],
    )
    admin = User.objects.create_user(
        username="south_admin", password="test-pass-123", role=role, department=south
    )
    PoolMember.objects.create(pool=south_pool, department=south, is_admin=True)
    assert list(membership.admin_pools(admin)) == [south_pool]
    make_customer(at(2026, 1, 1), owner=personas.other_rep)
    make_customer(at(2026, 1, 1), owner=personas.rep)
    clock.freeze(at(2026, 3, 1, 10))
    client = client_for(admin)

    page = client.get("/pool/preview/").content.decode()

    assert "华南公海" in page
    assert rules_on.name not in page
    assert (
        client.get(
            "/pool/preview/", {"pool": str(rules_on.public_id), "rule": "no_follow_up"}
        ).status_code
        == 404
    )
    assert (
        client.get(
            "/pool/preview/", {"pool": str(south_pool.public_id), "rule": "no_win"}
        ).status_code
        == 404
    )
    assert (
        client.get(
            "/pool/preview/", {"pool": str(south_pool.public_id), "rule": "no_follow_up"}
        ).status_code
        == 200
    )


def test_preview_pages_the_customers(
    personas: Personas, rules_on: Pool, make_customer: MakeCustomer
) -> None:
    for day in range(1, 56):
        make_customer(at(2025, 1, 1) + dt.timedelta(days=day))
    clock.freeze(at(2026, 3, 1, 10))
    client = client_for(personas.boss)
    query = {"pool": str(rules_on.public_id), "rule": "no_follow_up"}

    first = client.get("/pool/preview/", query).content.decode()
    second = client.get("/pool/preview/", {**query, "page": "2"}).content.decode()

    assert "Page 1 of 2" in first
    assert "Page 2 of 2" in second
    assert second.count("/customers/") == 5
