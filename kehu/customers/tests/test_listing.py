import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kehu.conftest import Personas
from kehu.core import clock
from kehu.customers import services
from kehu.customers.listing import ListParams, count_customers, list_customers, params_from_query
from kehu.customers.models import Customer
from kehu.fields.models import CustomField


def _make(personas: Personas, count: int) -> list[Customer]:
    customers = []
    for index in range(count):
        customers.append(
            services.create_customer(
                personas.manager,
                {"name": f"测试客户{index:03d}", "grade": "AB"[index % 2]},
                owner=personas.rep if index % 3 else personas.rep2,
            )
        )
    return customers


def test_keyset_pages_cover_every_row_once(personas: Personas) -> None:
    _make(personas, 23)
    seen: list[int] = []
    params = ListParams(sort="name", page_size=5)

    while True:
        page = list_customers(personas.boss, params)
        seen.extend(row.pk for row in page.rows)
        if page.next_cursor is None:
            break
        params.cursor = page.next_cursor

    assert len(seen) == 23
    assert len(set(seen)) == 23
    names = list(Customer.objects.filter(pk__in=seen).values_list("name", flat=True))
    assert [Customer.objects.get(pk=pk).name for pk in seen] == sorted(names)


def test_rep_lists_only_own_customers(personas: Personas) -> None:
    _make(personas, 9)

    page = list_customers(personas.rep, ListParams())

    assert count_customers(personas.rep, ListParams()).count == 6
    assert len(page.rows) == 6
    assert {row.owner_id for row in page.rows} == {personas.rep.pk}


def test_filter_choice_by_label_and_code(personas: Personas) -> None:
    _make(personas, 6)

    by_code = params_from_query({"f.grade": "A"})
    by_label = params_from_query({"f.grade": "A（重点客户）"})

    assert count_customers(personas.boss, by_code).count == 3
    assert count_customers(personas.boss, by_label).count == 3
    assert len(list_customers(personas.boss, by_label).rows) == 3


def test_filter_and_sort_custom_number(personas: Personas) -> None:
    CustomField.objects.create(target="customer", key="budget", label="预算", field_type="number")
    for index, budget in enumerate([300, 20, 1000]):
        services.create_customer(
            personas.rep, {"name": f"预算客户{index}", "cf_budget": budget}, owner=personas.rep
        )

    page = list_customers(
        personas.boss, ListParams(filters={"cf_budget__gte": "100"}, sort="-cf_budget")
    )

    assert [row.custom["budget"] for row in page.rows] == [1000, 300]


def test_unknown_filter_rejected(personas: Personas) -> None:
    with pytest.raises(ValidationError) as caught:
        list_customers(personas.boss, ListParams(filters={"secret": "1"}))

    assert "secret" in caught.value.message_dict


def test_idle_view_uses_clock(personas: Personas) -> None:
    clock.freeze(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    try:
        _make(personas, 2)
        clock.freeze(dt.datetime(2026, 2, 15, tzinfo=dt.UTC))
        idle = count_customers(personas.boss, ListParams(view="idle_30"))
    finally:
        clock.freeze(None)

    assert idle.count == 2


def test_count_capped_flag_false_for_small_lists(personas: Personas) -> None:
    _make(personas, 3)

    total = count_customers(personas.boss, ListParams(query="测试客户"))

    assert total.count == 3
    assert total.is_capped is False


def test_keyset_pages_with_empty_sort_values(personas: Personas) -> None:
    customers = _make(personas, 11)
    for index, customer in enumerate(customers[:6]):
        Customer.objects.filter(pk=customer.pk).update(
            next_follow_up_on=dt.date(2030, 1, 1 + index % 3)
        )
    seen: list[int] = []
    params = ListParams(sort="-next_follow_up_on", page_size=4)

    while True:
        page = list_customers(personas.boss, params)
        seen.extend(row.pk for row in page.rows)
        if page.next_cursor is None:
            break
        params.cursor = page.next_cursor

    assert sorted(seen) == sorted(c.pk for c in customers)
    dates = [Customer.objects.get(pk=pk).next_follow_up_on for pk in seen]
    dated = [date for date in dates[:6] if date is not None]
    assert dated == sorted(dated, reverse=True)
    assert len(dated) == 6
    assert dates[6:] == [None] * 5


def test_filter_custom_money_by_range(personas: Personas) -> None:
    CustomField.objects.create(target="customer", key="deal", label="金额", field_type="money")
    for index, amount in enumerate(["1.00", "9.00", "10.00"]):
        services.create_customer(
            personas.rep, {"name": f"金额客户{index}", "cf_deal": amount}, owner=personas.rep
        )

    at_least_five = list_customers(personas.boss, ListParams(filters={"cf_deal__gte": "5"}))
    at_most_hundred = count_customers(personas.boss, ListParams(filters={"cf_deal__lte": "100"}))

    assert sorted(row.custom["deal"] for row in at_least_five.rows) == ["10.00", "9.00"]
    assert at_most_hundred.count == 3


def test_filter_rejects_huge_number(personas: Personas) -> None:
    CustomField.objects.create(target="customer", key="deal", label="金额", field_type="money")

    with pytest.raises(ValidationError) as caught:
        list_customers(personas.boss, ListParams(filters={"cf_deal__gte": "1e400"}))

    assert "cf_deal__gte" in caught.value.message_dict
