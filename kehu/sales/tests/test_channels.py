"""The deal amount on every channel: pages, list, board, timeline and API, per preset.

The outside agent preset hides money, so no amount, price or line total may reach the agent
anywhere; the rep sees them whole.
"""

import json
from decimal import Decimal

import pytest
from django.test import Client

from kehu.api import services as api_services
from kehu.conftest import Personas
from kehu.org.models import User
from kehu.sales import services
from kehu.sales.models import Deal
from kehu.sales.stages import default_pipeline
from kehu.sales.tests.conftest import Shop

AMOUNT_TEXTS = ("86,000.00", "86000.00", "86000")
PRICE_TEXTS = ("120.50", "241.00")


@pytest.fixture
def deal(personas: Personas, shop: Shop) -> Deal:
    created = services.create_deal(
        personas.rep, shop.customer, {"name": "瓯江阀门框架采购", "amount": "86000"}
    )
    second = default_pipeline().stages.get(name="需求确认")
    return services.move_deal_stage(personas.rep, created, second)


def _page(user: User, path: str) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def _api(user: User, path: str) -> object:
    token = api_services.issue_token(None, user, "tests")[1]
    response = Client().get(
        "/api/v1" + path, headers={"Authorization": f"Bearer {token}", "Accept-Language": "zh-hans"}
    )
    assert response.status_code == 200, path
    return json.loads(response.content)


def _paths(deal: Deal) -> list[str]:
    return [
        "/deals/",
        "/deals/board/",
        f"/deals/{deal.public_id}/",
        f"/customers/{deal.customer.public_id}/",
    ]


def test_agent_sees_no_amount_on_pages(personas: Personas, deal: Deal) -> None:
    for path in _paths(deal):
        body = _page(personas.agent, path)

        assert "瓯江阀门框架采购" in body, path
        for text in AMOUNT_TEXTS:
            assert text not in body, path


def test_rep_sees_amount_on_pages(personas: Personas, deal: Deal) -> None:
    for path in _paths(deal):
        assert "¥86,000.00" in _page(personas.rep, path), path


def test_agent_sees_no_line_prices(personas: Personas, shop: Shop, deal: Deal) -> None:
    services.set_deal_lines(personas.rep, deal, [{"product": shop.valve, "quantity": "2"}])

    body = _page(personas.agent, f"/deals/{deal.public_id}/")
    data = _api(personas.agent, f"/deals/{deal.public_id}")

    assert "球阀 DN50" in body
    for text in PRICE_TEXTS:
        assert text not in body
        assert text not in json.dumps(data)
    assert isinstance(data, dict)
    assert data["lines"][0]["quantity"] == "2"
    assert "unit_price" not in data["lines"][0]
    assert "total" not in data["lines"][0]


def test_api_hides_amount_from_agent(personas: Personas, deal: Deal) -> None:
    detail = _api(personas.agent, f"/deals/{deal.public_id}")
    listing = _api(personas.agent, "/deals")
    products = _api(personas.agent, "/products")

    assert isinstance(detail, dict)
    assert isinstance(listing, dict)
    assert isinstance(products, list)
    assert "amount" not in detail
    assert detail["name"] == "瓯江阀门框架采购"
    assert "amount" not in listing["items"][0]
    assert all("list_price" not in item and "cost" not in item for item in products)


def test_api_shows_rep_exact_amount(personas: Personas, deal: Deal) -> None:
    detail = _api(personas.rep, f"/deals/{deal.public_id}")

    assert isinstance(detail, dict)
    assert detail["amount"] == "86000.00"
    assert Decimal(detail["amount"]) == Decimal("86000")
    assert detail["stage"]["name"] == "需求确认"


def test_timeline_hides_amount_from_agent(personas: Personas, deal: Deal) -> None:
    path = f"/customers/{deal.customer.public_id}/timeline"
    events = _api(personas.agent, path)
    rep_events = _api(personas.rep, path)

    assert "86000" not in json.dumps(events)
    assert "86000.00" in json.dumps(rep_events)
    assert "初步接触 → 需求确认" in _page(personas.agent, f"/customers/{deal.customer.public_id}/")


def test_role_masking_money_shows_mask(personas: Personas, deal: Deal) -> None:
    role = personas.rep.role
    assert role is not None
    role.field_policy = {"deal.amount": "masked"}
    role.save(update_fields=["field_policy"])

    detail = _api(personas.rep, f"/deals/{deal.public_id}")
    body = _page(personas.rep, f"/deals/{deal.public_id}/")

    assert isinstance(detail, dict)
    assert detail["amount"] == "****"
    assert "86,000" not in body
