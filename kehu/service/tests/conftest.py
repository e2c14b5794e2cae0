"""Fixtures of the ticket tests: a customer of the east rep with a contact, assigned to the agent
and shared read-only with the second rep, and a customer of the south rep."""

import dataclasses
import json
from typing import Any

import pytest
from django.test import Client

from kehu.api import services as api_services
from kehu.conftest import Personas
from kehu.customers import services as customer_services
from kehu.customers import sharing
from kehu.customers.models import Contact, Customer, ShareAccess
from kehu.org.models import User
from kehu.service import services
from kehu.service.models import Ticket


@dataclasses.dataclass
class Desk:
    customer: Customer
    contact: Contact
    other_customer: Customer
    other_contact: Contact


@pytest.fixture
def desk(personas: Personas) -> Desk:
    customer = customer_services.create_customer(
        personas.rep,
        {"name": "温州瓯江阀门有限公司"},
        [{"name": "周杰", "mobile": "13905770001"}],
        owner=personas.rep,
    )
    other = customer_services.create_customer(
        personas.other_rep,
        {"name": "广州珠江电缆有限公司"},
        [{"name": "黄伟", "mobile": "13602000002"}],
        owner=personas.other_rep,
    )
    sharing.assign_agent(personas.boss, customer, personas.agent)
    sharing.share_customer(personas.rep, customer, personas.rep2, ShareAccess.READ, None)
    return Desk(customer, customer.contacts.get(), other, other.contacts.get())


def open_leak(personas: Personas, desk: Desk, **values: Any) -> Ticket:
    """Open the rep's standard ticket: a leaking valve, optionally with other values."""
    return services.open_ticket(
        personas.rep,
        desk.customer,
        {"subject": "阀门漏水", "category": "repair", "description": "DN50 球阀接口渗漏", **values},
        contact=desk.contact,
    )


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
