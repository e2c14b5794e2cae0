"""Role, scope, field policy and department changes apply on the signed-in user's next request."""

import dataclasses

from django.test import Client

from kehu.conftest import Personas
from kehu.customers import services as customer_services
from kehu.org import services
from kehu.org.models import Role, User


def _signed_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _values(role: Role, **changes: object) -> services.RoleValues:
    values = services.RoleValues(
        name=role.name,
        data_scope=role.data_scope,
        capabilities=list(role.capabilities),
        field_policy=dict(role.field_policy),
        money_access=role.money_access,
        sensitive_access=role.sensitive_access,
    )
    return dataclasses.replace(values, **changes)  # type: ignore[arg-type]


def test_scope_change_applies_next_request(personas: Personas) -> None:
    customer_services.create_customer(personas.other_rep, {"name": "广州珠江物流有限公司"})
    client = _signed_in(personas.rep)
    assert "广州珠江物流有限公司" not in client.get("/").text
    rep_role = personas.rep.role
    assert rep_role is not None

    services.update_role(personas.boss, rep_role, _values(rep_role, data_scope="company"))

    assert "广州珠江物流有限公司" in client.get("/").text


def test_field_policy_change_applies_next_request(personas: Personas) -> None:
    customer = customer_services.create_customer(
        personas.rep, {"name": "杭州星星科技有限公司", "address": "西湖区文三路 90 号"}
    )
    client = _signed_in(personas.rep)
    assert "西湖区文三路 90 号" in client.get(customer.get_absolute_url()).text
    rep_role = personas.rep.role
    assert rep_role is not None

    services.update_role(
        personas.boss, rep_role, _values(rep_role, field_policy={"customer.address": "hidden"})
    )

    page = client.get(customer.get_absolute_url()).text
    assert "西湖区文三路 90 号" not in page


def test_department_change_applies_next_request(personas: Personas) -> None:
    customer_services.create_customer(personas.rep2, {"name": "宁波海风贸易有限公司"})
    manager = _signed_in(personas.manager)
    assert "宁波海风贸易有限公司" in manager.get("/").text
    south = personas.other_manager.department

    services.update_user(
        personas.boss,
        personas.rep2,
        display_name=personas.rep2.display_name,
        department=south,
        manager=personas.other_manager,
        role=personas.rep2.role,
    )

    assert "宁波海风贸易有限公司" not in manager.get("/").text
    assert "宁波海风贸易有限公司" in _signed_in(personas.other_manager).get("/").text
