"""Lists of a user with shares: pages merge the role's customers with the shared ones."""

import datetime as dt

import pytest

from kehu.conftest import Personas
from kehu.core import clock
from kehu.customers import services
from kehu.customers.listing import ListParams, count_customers, list_customers
from kehu.customers.models import Customer, CustomerShare, ShareAccess
from kehu.org.models import User


def _share(customer: Customer, user: User, by: User, until: dt.date | None = None) -> None:
    CustomerShare.objects.create(
        customer=customer,
        user=user,
        access=ShareAccess.READ,
        until=until,
        shared_by=by,
        created_at=clock.now(),
    )


def _all_pages(user: User, params: ListParams) -> list[Customer]:
    rows: list[Customer] = []
    while True:
        page = list_customers(user, params)
        rows.extend(page.rows)
        if page.next_cursor is None:
            return rows
        params.cursor = page.next_cursor


@pytest.mark.parametrize("sort", ["name", "-name", "-created_at", "-next_follow_up_on"])
def test_pages_merge_own_and_shared_rows(personas: Personas, sort: str) -> None:
    own = [
        services.create_customer(personas.rep, {"name": f"自有客户{index:02d}"})
        for index in range(7)
    ]
    others = [
        services.create_customer(personas.rep2, {"name": f"同事客户{index:02d}"})
        for index in range(9)
    ]
    for customer in others[::2]:
        _share(customer, personas.rep, personas.manager)
    Customer.objects.filter(pk__in=[own[1].pk, others[2].pk]).update(
        next_follow_up_on=dt.date(2030, 1, 1)
    )
    expected = {c.pk for c in own} | {c.pk for c in others[::2]}

    rows = _all_pages(personas.rep, ListParams(sort=sort, page_size=3))

    assert [row.pk for row in rows if row.pk not in expected] == []
    assert len(rows) == len(expected)
    assert {row.pk for row in rows} == expected
    reference = _all_pages(personas.boss, ListParams(sort=sort, page_size=50))
    assert [row.pk for row in rows] == [row.pk for row in reference if row.pk in expected]
    assert count_customers(personas.rep, ListParams()).count == len(expected)


def test_expired_share_leaves_the_list(personas: Personas) -> None:
    shared = services.create_customer(personas.rep2, {"name": "到期共享客户"})
    _share(shared, personas.rep, personas.manager, until=clock.today() - dt.timedelta(days=1))

    rows = _all_pages(personas.rep, ListParams())

    assert shared.pk not in {row.pk for row in rows}
    assert count_customers(personas.rep, ListParams()).count == 0
