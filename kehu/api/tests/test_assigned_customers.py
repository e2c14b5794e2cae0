"""Customers created with a null owner are routed by the assignment rules."""

from collections.abc import Callable

from kehu.api.tests.conftest import Caller
from kehu.assignment import services
from kehu.conftest import Personas
from kehu.pool.models import PoolEntry


def make_rule(personas: Personas, **values: object) -> None:
    services.create_rule(personas.boss, {"name": "规则", "route": "user", **values})


def test_api_null_owner_routes(personas: Personas, call_as: Callable[..., Caller]) -> None:
    make_rule(personas, user=personas.rep2, industries=["it"])

    routed = call_as(personas.manager).post(
        "/customers", {"name": "杭州星星科技有限公司", "industry": "it", "owner": None}
    )
    pooled = call_as(personas.manager).post(
        "/customers", {"name": "宁波海风贸易有限公司", "industry": "retail", "owner": None}
    )

    assert routed.status == 201
    assert routed.body["owner"]["id"] == str(personas.rep2.public_id)
    assert pooled.status == 201
    assert pooled.body["owner"] is None
    assert PoolEntry.objects.get().customer.name == "宁波海风贸易有限公司"


def test_api_without_owner_field_keeps_actor(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    make_rule(personas, user=personas.rep2)

    response = call_as(personas.manager).post("/customers", {"name": "杭州星星科技有限公司"})

    assert response.body["owner"]["id"] == str(personas.manager.public_id)
