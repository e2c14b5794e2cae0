"""The deal list's filters, sorts and keyset pages, and the field policy on amount filters."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kehu.conftest import Personas
from kehu.sales import services
from kehu.sales.listing import DealParams, list_deals, params_from_query
from kehu.sales.stages import default_pipeline
from kehu.sales.tests.conftest import Shop


@pytest.fixture
def many(personas: Personas, shop: Shop) -> None:
    for number in range(1, 8):
        services.create_deal(
            personas.rep,
            shop.customer,
            {
                "name": f"商机{number}",
                "amount": str(number * 1000),
                "expected_close_on": dt.date(2026, 1, number).isoformat(),
            },
        )


def _names(personas: Personas, **query: str) -> list[str]:
    page = list_deals(personas.rep, params_from_query(query))
    return [deal.name for deal in page.rows]


def test_amount_and_date_filters(personas: Personas, many: None) -> None:
    assert _names(personas, amount_min="3000", amount_max="4000.00", sort="amount") == [
        "商机3",
        "商机4",
    ]
    assert _names(personas, close_from="2026-01-06", sort="expected_close_on") == [
        "商机6",
        "商机7",
    ]


def test_stage_filter(personas: Personas, many: None) -> None:
    deal = list_deals(personas.rep, DealParams()).rows[0]
    second = default_pipeline().stages.get(position=2)
    services.move_deal_stage(personas.rep, deal, second)

    assert _names(personas, stage=str(second.public_id)) == [deal.name]


def test_keyset_pages_cover_every_deal_once(personas: Personas, many: None) -> None:
    seen: list[str] = []
    cursor = ""
    for _page in range(5):
        page = list_deals(personas.rep, DealParams(sort="-amount", cursor=cursor, page_size=3))
        seen.extend(deal.name for deal in page.rows)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    assert seen == [f"商机{number}" for number in range(7, 0, -1)]


def test_agent_cannot_filter_or_sort_by_amount(personas: Personas, many: None) -> None:
    with pytest.raises(ValidationError) as caught:
        list_deals(personas.agent, params_from_query({"amount_min": "1"}))
    assert list(caught.value.message_dict) == ["amount_min"]

    with pytest.raises(ValidationError) as caught:
        list_deals(personas.agent, params_from_query({"sort": "-amount"}))
    assert list(caught.value.message_dict) == ["sort"]
    assert len(list_deals(personas.agent, DealParams()).rows) == 7


def test_bad_cursor_is_rejected(personas: Personas, many: None) -> None:
    with pytest.raises(ValidationError) as caught:
        list_deals(personas.rep, DealParams(cursor="not-a-cursor"))

    assert list(caught.value.message_dict) == ["cursor"]
