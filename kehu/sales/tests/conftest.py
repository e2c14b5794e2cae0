"""Fixtures of the sales tests: a customer of the east rep, assigned to the agent, and products."""

import dataclasses
import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from kehu.api import services as api_services
from kehu.conftest import Personas
from kehu.customers import services as customer_services
from kehu.customers import sharing
from kehu.customers.models import Customer
from kehu.org.models import User
from kehu.sales import services
from kehu.sales.models import Product


@dataclasses.dataclass
class Shop:
    customer: Customer
    other_customer: Customer
    valve: Product
    pump: Product


@pytest.fixture
def shop(personas: Personas) -> Shop:
    customer = customer_services.create_customer(
        personas.rep, {"name": "温州瓯江阀门有限公司"}, owner=personas.rep
    )
    other = customer_services.create_customer(
        personas.other_rep, {"name": "广州珠江电缆有限公司"}, owner=personas.other_rep
    )
    sharing.assign_agent(personas.boss, customer, personas.agent)
    valve = services.create_product(
        personas.boss,
        {"name": "球阀 DN50", "code": "BV-50", "unit": "个", "list_price": "120.50", "cost": "80"},
    )
    pump = services.create_product(
        personas.boss, {"name": "离心泵", "code": "CP-1", "unit": "台", "list_price": "3999.99"}
    )
    assert valve.list_price == Decimal("120.50")
    return Shop(customer, other, valve, pump)


def call_api(user: User, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """Call the API as `user` with a new token; return the status and the decoded body."""
    token = api_services.issue_token(None, user, "tests")[1]
    response = Client().generic(
        method,
        "/api/v1" + path,
        "" if body is None else json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "zh-hans"},
    )
    return response.status_code, json.loads(response.content)
