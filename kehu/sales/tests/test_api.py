"""The deal and product endpoints: the same services as the pages, errors as 403/404/422."""

import uuid

from kehu.api.main import api
from kehu.conftest import Personas
from kehu.sales.models import Deal
from kehu.sales.stages import default_pipeline
from kehu.sales.tests.conftest import Shop, call_api


def _stage_id(name: str) -> str:
    return str(default_pipeline().stages.get(name=name).public_id)


def test_create_move_and_win(personas: Personas, shop: Shop) -> None:
    status, created = call_api(
        personas.rep,
        "POST",
        "/deals",
        {"customer": str(shop.customer.public_id), "name": "接口商机", "amount": "10.005"},
    )
    assert status == 422
    assert list(created["errors"]) == ["amount"]

    status, created = call_api(
        personas.rep,
        "POST",
        "/deals",
        {"customer": str(shop.customer.public_id), "name": "接口商机", "amount": "10.50"},
    )
    assert status == 201
    assert created["amount"] == "10.50"
    assert created["stage"]["name"] == "初步接触"

    path = f"/deals/{created['id']}"
    status, lines = call_api(
        personas.rep,
        "PUT",
        path + "/lines",
        {"lines": [{"product": str(shop.valve.public_id), "quantity": "1.5"}]},
    )
    assert status == 200
    assert lines["amount"] == "180.75"
    assert lines["lines"][0]["total"] == "180.75"

    status, won = call_api(personas.rep, "POST", path + "/stage", {"stage": _stage_id("赢单")})
    assert status == 200
    assert won["stage"]["kind"] == "won"
    assert won["closed_at"] is not None

    status, again = call_api(
        personas.rep, "POST", path + "/stage", {"stage": _stage_id("谈判审批")}
    )
    assert status == 422
    assert list(again["errors"]) == ["stage"]


def test_lost_without_reason_is_422(personas: Personas, shop: Shop) -> None:
    status, created = call_api(
        personas.rep, "POST", "/deals", {"customer": str(shop.customer.public_id), "name": "丢单"}
    )

    status, refused = call_api(
        personas.rep, "POST", f"/deals/{created['id']}/stage", {"stage": _stage_id("输单")}
    )

    assert status == 422
    assert list(refused["errors"]) == ["lost_reason"]
    assert Deal.objects.get().stage.name == "初步接触"


def test_outside_customer_is_404(personas: Personas, shop: Shop) -> None:
    outside, _body = call_api(
        personas.rep,
        "POST",
        "/deals",
        {"customer": str(shop.other_customer.public_id), "name": "越权"},
    )
    missing, _body = call_api(
        personas.rep, "POST", "/deals", {"customer": str(uuid.uuid4()), "name": "越权"}
    )

    assert outside == missing == 404
    assert Deal.objects.count() == 0


def test_agent_cannot_create(personas: Personas, shop: Shop) -> None:
    status, _body = call_api(
        personas.agent, "POST", "/deals", {"customer": str(shop.customer.public_id), "name": "代理"}
    )

    assert status == 403
    assert Deal.objects.count() == 0


def test_schema_lists_sales_paths() -> None:
    paths = api.get_openapi_schema()["paths"]

    assert sorted(
        path for path in paths if path.startswith(("/api/v1/deals", "/api/v1/products"))
    ) == [
        "/api/v1/deals",
        "/api/v1/deals/{deal_id}",
        "/api/v1/deals/{deal_id}/lines",
        "/api/v1/deals/{deal_id}/stage",
        "/api/v1/products",
        "/api/v1/products/{product_id}",
    ]
