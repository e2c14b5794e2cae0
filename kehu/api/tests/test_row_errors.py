"""Errors on an array item name it by its index in the array as sent, counting from 0.

The services count rows from 1 for the pages; every endpoint that takes an array re-keys their
errors, and request-shape errors use the same index.
"""

from collections.abc import Callable

import pytest

from kehu.api.tests.conftest import Caller, make_customer, snapshot
from kehu.conftest import Personas
from kehu.customers.models import Customer
from kehu.sales import contracts, services
from kehu.sales.models import Contract, Deal, PaymentPlan, Quote

FIRST_CONTACT = {"name": "王芳", "mobile": "13812345678"}


@pytest.fixture
def customer(personas: Personas) -> Customer:
    return make_customer(personas.rep)


def test_contact_service_error_counts_from_zero(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    response = call_as(personas.rep).post(
        "/customers",
        {
            "name": "宁波海风贸易有限公司",
            "contacts": [FIRST_CONTACT, {"name": "李雷", "email": "not-an-email"}],
        },
    )

    assert response.status == 422
    assert list(response.body["errors"]) == ["contacts.1.email"]
    assert Customer.objects.count() == 0


def test_contact_custom_key_error_counts_from_zero(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    before = snapshot()

    response = call_as(personas.rep).post(
        "/customers",
        {"name": "宁波海风贸易有限公司", "contacts": [{"name": "李雷", "custom": {"age": 3}}]},
    )

    assert response.status == 422
    assert list(response.body["errors"]) == ["contacts.0.custom.age"]
    assert snapshot() == before


def test_contact_shape_error_counts_from_zero(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    response = call_as(personas.rep).post(
        "/customers",
        {"name": "宁波海风贸易有限公司", "contacts": [FIRST_CONTACT, {"name": 7}]},
    )

    assert response.status == 422
    assert response.body == {"errors": {"contacts.1.name": ["请输入文本，而不是“7”。"]}}


def test_deal_line_errors_count_from_zero(
    personas: Personas, customer: Customer, call_as: Callable[..., Caller]
) -> None:
    product = services.create_product(
        personas.boss, {"name": "球阀 DN50", "code": "BV-50", "list_price": "120.50"}
    )
    deal = services.create_deal(personas.rep, customer, {"name": "阀门改造", "amount": "1000"})
    path = f"/deals/{deal.public_id}/lines"
    good = {"product": str(product.public_id), "quantity": "2"}
    caller = call_as(personas.rep)

    unknown = caller.request(
        "PUT", path, {"lines": [good, {"product": str(customer.public_id), "quantity": "1"}]}
    )
    bad_quantity = caller.request(
        "PUT", path, {"lines": [good, {"product": str(product.public_id), "quantity": "-1"}]}
    )

    assert unknown.status == 422
    assert list(unknown.body["errors"]) == ["lines.1.product"]
    assert bad_quantity.status == 422
    assert list(bad_quantity.body["errors"]) == ["lines.1.quantity"]
    assert not Deal.objects.get().lines.exists()


def test_quote_line_errors_count_from_zero(
    personas: Personas, customer: Customer, call_as: Callable[..., Caller]
) -> None:
    lines = [
        {"description": "闸阀", "quantity": "0", "unit_price": "1"},
        {"description": "球阀", "quantity": "1", "unit_price": "1"},
    ]

    response = call_as(personas.rep).post(
        "/quotes", {"customer": str(customer.public_id), "title": "报价", "lines": lines}
    )

    assert response.status == 422
    assert list(response.body["errors"]) == ["lines.0.quantity"]
    assert not Quote.objects.exists()


def test_plan_errors_count_from_zero(
    personas: Personas, customer: Customer, call_as: Callable[..., Caller]
) -> None:
    contract = contracts.create_contract(
        personas.rep, customer, {"title": "供货合同", "amount": "1000", "start_on": "2026-01-01"}
    )
    plans = [
        {"due_on": "2026-02-01", "amount": "500"},
        {"due_on": "2026-03-01", "amount": "500"},
        {"due_on": "二月", "amount": "0"},
    ]

    response = call_as(personas.rep).request(
        "PUT", f"/contracts/{contract.public_id}/plans", {"plans": plans}
    )

    assert response.status == 422
    assert sorted(response.body["errors"]) == ["plans.2.amount", "plans.2.due_on"]
    assert not PaymentPlan.objects.filter(contract=Contract.objects.get()).exists()
