"""The deal and product forms: saving through the services and Chinese errors by field."""

from decimal import Decimal

from django.test import Client

from kehu.conftest import Personas
from kehu.org.models import User
from kehu.sales import services
from kehu.sales.models import Deal, Product
from kehu.sales.stages import default_pipeline
from kehu.sales.tests.conftest import Shop


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _stage_id(name: str) -> str:
    return str(default_pipeline().stages.get(name=name).public_id)


def test_create_form_saves_deal(personas: Personas, shop: Shop) -> None:
    response = _client(personas.rep).post(
        f"/customers/{shop.customer.public_id}/deals/new/",
        {
            "name": "新建商机",
            "amount": "1,234.50",
            "expected_close_on": "2026-05-01",
            "stage": _stage_id("方案报价"),
        },
    )

    deal = Deal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/deals/{deal.public_id}/"
    assert deal.amount == Decimal("1234.50")
    assert deal.stage.name == "方案报价"


def test_create_form_shows_field_errors(personas: Personas, shop: Shop) -> None:
    response = _client(personas.rep).post(
        f"/customers/{shop.customer.public_id}/deals/new/",
        {"name": "", "amount": "abc", "stage": _stage_id("初步接触")},
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert "此字段为必填项。" in body
    assert "“abc”不是数字。" in body
    assert Deal.objects.count() == 0


def test_move_to_lost_needs_reason(personas: Personas, shop: Shop) -> None:
    deal = services.create_deal(personas.rep, shop.customer, {"name": "输单测试"})
    client = _client(personas.rep)

    refused = client.post(f"/deals/{deal.public_id}/move/", {"stage": _stage_id("输单")})
    moved = client.post(
        f"/deals/{deal.public_id}/move/",
        {"stage": _stage_id("输单"), "lost_reason": "预算取消", "back": "board"},
    )

    assert refused.status_code == 400
    assert moved.status_code == 302
    assert moved["Location"] == f"/deals/board/?pipeline={default_pipeline().public_id}"
    deal.refresh_from_db()
    assert deal.stage.name == "输单"
    assert deal.lost_reason == "预算取消"


def test_lines_form_sets_amount(personas: Personas, shop: Shop) -> None:
    deal = services.create_deal(personas.rep, shop.customer, {"name": "产品明细"})

    response = _client(personas.rep).post(
        f"/deals/{deal.public_id}/lines/",
        {
            "rows": "3",
            "product_1": str(shop.valve.public_id),
            "quantity_1": "4",
            "unit_price_1": "",
            "product_2": "",
            "quantity_2": "",
            "product_3": str(shop.pump.public_id),
            "quantity_3": "1",
            "unit_price_3": "3000",
        },
    )

    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.amount == Decimal("3482.00")
    assert deal.lines.count() == 2


def test_lines_form_errors_name_the_row(personas: Personas, shop: Shop) -> None:
    deal = services.create_deal(personas.rep, shop.customer, {"name": "产品明细"})

    response = _client(personas.rep).post(
        f"/deals/{deal.public_id}/lines/",
        {"rows": "2", "product_2": str(shop.valve.public_id), "quantity_2": "-1"},
    )

    assert response.status_code == 400
    assert 'id="id_quantity_1" value="-1"' in response.content.decode()
    assert deal.lines.count() == 0


def test_agent_gets_no_deal_forms(personas: Personas, shop: Shop) -> None:
    deal = services.create_deal(personas.rep, shop.customer, {"name": "代理只读"})
    client = _client(personas.agent)

    detail = client.get(f"/deals/{deal.public_id}/").content.decode()
    board = client.get("/deals/board/").content.decode()

    assert f"/deals/{deal.public_id}/edit/" not in detail
    assert f"/deals/{deal.public_id}/move/" not in detail
    assert f"/deals/{deal.public_id}/move/" not in board
    assert client.post(f"/deals/{deal.public_id}/move/", {}).status_code == 403


def test_product_form_saves_and_retires(personas: Personas, shop: Shop) -> None:
    client = _client(personas.boss)

    created = client.post(
        "/settings/products/new/",
        {"name": "闸阀", "code": "GV-100", "unit": "个", "list_price": "88", "is_active": "1"},
    )
    retired = client.post(
        f"/settings/products/{shop.valve.public_id}/edit/",
        {"name": "球阀 DN50", "code": "BV-50", "unit": "个", "list_price": "120.50"},
    )
    duplicate = client.post("/settings/products/new/", {"name": "重复", "code": "CP-1"})

    assert created.status_code == 302
    assert Product.objects.get(code="GV-100").list_price == Decimal("88.00")
    assert retired.status_code == 302
    assert Product.objects.get(code="BV-50").is_active is False
    assert duplicate.status_code == 400
    assert (
        "已有其他产品使用编码" in duplicate.content.decode() or "CP-1" in duplicate.content.decode()
    )


def test_list_filter_by_htmx_returns_results(personas: Personas, shop: Shop) -> None:
    services.create_deal(personas.rep, shop.customer, {"name": "大单", "amount": "90000"})
    services.create_deal(personas.rep, shop.customer, {"name": "小单", "amount": "100"})

    response = _client(personas.rep).get(
        "/deals/", {"amount_min": "1000"}, headers={"HX-Request": "true"}
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "大单" in body
    assert "小单" not in body


def test_agent_amount_filter_is_rejected(personas: Personas, shop: Shop) -> None:
    services.create_deal(personas.rep, shop.customer, {"name": "大单", "amount": "90000"})

    response = _client(personas.agent).get("/deals/", {"amount_min": "1000"})

    body = response.content.decode()
    assert response.status_code == 400
    assert 'name="amount_min"' not in body
    assert "大单" in body
    assert "90,000" not in body
