"""The deal and product endpoints: the same services as the pages, errors as 403/404/422."""

import json
import uuid
from typing import Any

from django.test import Client

from kehu.api import services as api_services
from kehu.api.main import api
from kehu.conftest import Personas
from kehu.org.models import User
from kehu.sales.models import Deal
from kehu.sales.stages import default_pipeline
from kehu.sales.tests.conftest import Shop


def _call(user: User, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    token = api_services.issue_token(None, user, "tests")[1]
    response = Client().generic(
        method,
        "/api/v1" + path,
        "" if body is None else json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "zh-hans"},
    )
    return response.status_code, json.loads(response.content)


def _stage_id(name: str) -> str:
    return str(default_pipeline().stages.get(name=name).public_id)


def test_create_move_and_win(personas: Personas, shop: Shop) -> None:
    status, created = _call(
        personas.rep,
        "POST",
        "/deals",
        {"customer": str(shop.customer.public_id), "name": "接口商机", "amount": "10.005"},
    )
    assert status == 422
    assert list(created["errors"]) == ["amount"]

    status, created = _call(
        personas.rep,
        "POST",
        "/deals",
        {"customer": str(shop.customer.public_id), "name": "接口商机", "amount": "10.50"},
    )
    assert status == 201
    assert created["amount"] == "10.50"
    assert created["stage"]["name"] == "初步接触"

    path = f"/deals/{created['id']}"
    status, lines = _call(
        personas.rep,
        "PUT",
        path + "/lines",
        {"lines": [{"product": str(shop.valve.public_id), "quantity": "1.5"}]},
    )
    assert status == 200
    assert lines["amount"] == "180.75"
    assert lines["lines"][0]["total"] == "180.75"

    status, won = _call(personas.rep, "POST", path + "/stage", {"stage": _stage_id("赢单")})
    assert status == 200
    assert won["stage"]["kind"] == "won"
    assert won["closed_at"] is not None

    status, again = _call(personas.rep, "POST", path + "/stage", {"stage": _stage_id("谈判审批")})
    assert status == 422
    assert list(again["errors"]) == ["stage"]


def test_lost_without_reason_is_422(personas: Personas, shop: Shop) -> None:
    status, created = _call(
        personas.rep, "POST", "/deals", {"customer": str(shop.customer.public_id), "name": "丢单"}
    )

    status, refused = _call(
        personas.rep, "POST", f"/deals/{created['id']}/stage", {"stage": _stage_id("输单")}
    )

    assert status == 422
    assert list(refused["errors"]) == ["lost_reason"]
    assert Deal.objects.get().stage.name == "初步接触"


def test_outside_customer_is_404(personas: Personas, shop: Shop) -> None:
    outside, _body = _call(
        personas.rep,
        "POST",
        "/deals",
        {"customer": str(shop.other_customer.public_id), "name": "越权"},
    )
    missing, _body = _call(
        personas.rep, "POST", "/deals", {"customer": str(uuid.uuid4()), "name": "越权"}
    )

    assert outside == missing == 404
    assert Deal.objects.count() == 0


def test_agent_cannot_create(personas: Personas, shop: Shop) -> None:
    status, _body = _call(
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
