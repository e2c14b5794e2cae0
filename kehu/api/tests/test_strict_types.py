"""Request bodies take JSON true/false for yes/no fields and JSON integers for whole numbers."""

from collections.abc import Callable, Iterator
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
from pydantic import ValidationError

from kehu.api import main  # noqa: F401 (imports every router, and with them every schema)
from kehu.api.schemas import InputSchema
from kehu.api.tests.conftest import Caller, make_customer, snapshot
from kehu.conftest import Personas
from kehu.sales.models import Product
from kehu.service import services as ticket_services
from kehu.service.models import TicketReply


def _input_schemas(base: type[InputSchema] = InputSchema) -> Iterator[type[InputSchema]]:
    for schema in base.__subclasses__():
        yield schema
        yield from _input_schemas(schema)


def _base_types(annotation: Any) -> set[Any]:
    """Return the types an annotation admits, without Annotated's metadata: int | None -> {int,
    NoneType}."""
    if get_origin(annotation) is Annotated:
        return _base_types(get_args(annotation)[0])
    if get_origin(annotation) in (Union, UnionType):
        return {kind for arg in get_args(annotation) for kind in _base_types(arg)}
    return {annotation}


def _fields_of_type(kind: type) -> list[tuple[type[InputSchema], str]]:
    return [
        (schema, name)
        for schema in _input_schemas()
        for name, field in schema.model_fields.items()
        if kind in _base_types(field.annotation)
    ]


def _error_locations(schema: type[InputSchema], values: dict[str, Any]) -> list[tuple[Any, ...]]:
    try:
        schema.model_validate(values)
    except ValidationError as error:
        return [tuple(item["loc"]) for item in error.errors()]
    return []


def test_schemas_have_yes_no_and_integer_fields() -> None:
    assert len(_fields_of_type(bool)) >= 6
    assert len(_fields_of_type(int)) >= 8


@pytest.mark.parametrize("value", ["yes", "true", 1, 0, "on"])
def test_every_yes_no_field_rejects_other_json(value: Any) -> None:
    for schema, name in _fields_of_type(bool):
        assert (name,) in _error_locations(schema, {name: value}), (schema.__name__, name)


@pytest.mark.parametrize("value", [True, "3", 3.0])
def test_every_integer_field_rejects_other_json(value: Any) -> None:
    for schema, name in _fields_of_type(int):
        assert (name,) in _error_locations(schema, {name: value}), (schema.__name__, name)


def test_reply_internal_must_be_boolean(personas: Personas, call_as: Callable[..., Caller]) -> None:
    customer = make_customer(personas.rep)
    ticket = ticket_services.open_ticket(
        personas.rep, customer, {"subject": "阀门漏水", "category": "repair"}
    )
    caller = call_as(personas.rep)
    path = f"/tickets/{ticket.public_id}/replies"

    rejected = caller.post(path, {"body": "已安排上门", "internal": "yes"})
    accepted = caller.post(path, {"body": "已安排上门", "internal": True})

    assert rejected.status == 422
    assert rejected.body == {"errors": {"internal": ["“yes”不是 true 或 false。"]}}
    assert accepted.status == 201
    assert accepted.body["internal"] is True
    assert TicketReply.objects.count() == 1


def test_ticket_version_must_be_integer(personas: Personas, call_as: Callable[..., Caller]) -> None:
    customer = make_customer(personas.rep)
    ticket = ticket_services.open_ticket(
        personas.rep, customer, {"subject": "阀门漏水", "category": "repair"}
    )

    response = call_as(personas.rep).patch(
        f"/tickets/{ticket.public_id}", {"priority": "high", "expected_version": True}
    )

    assert response.status == 422
    assert response.body == {"errors": {"expected_version": ["“True”不是整数。"]}}
    ticket.refresh_from_db()
    assert ticket.priority == "normal"


def test_contact_primary_must_be_boolean(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    customer = make_customer(personas.rep)
    before = snapshot()

    response = call_as(personas.rep).post(
        f"/customers/{customer.public_id}/contacts", {"name": "周杰", "is_primary": "true"}
    )

    assert response.status == 422
    assert response.body == {"errors": {"is_primary": ["“true”不是 true 或 false。"]}}
    assert snapshot() == before


def test_allow_similar_must_be_boolean(personas: Personas, call_as: Callable[..., Caller]) -> None:
    before = snapshot()

    response = call_as(personas.rep).post(
        "/customers", {"name": "杭州星星科技有限公司", "allow_similar": 1}
    )

    assert response.status == 422
    assert response.body == {"errors": {"allow_similar": ["“1”不是 true 或 false。"]}}
    assert snapshot() == before


def test_product_active_must_be_boolean(personas: Personas, call_as: Callable[..., Caller]) -> None:
    response = call_as(personas.boss).post(
        "/products", {"name": "DN50 球阀", "code": "QF-50", "is_active": "no"}
    )

    assert response.status == 422
    assert response.body == {"errors": {"is_active": ["“no”不是 true 或 false。"]}}
    assert not Product.objects.exists()
