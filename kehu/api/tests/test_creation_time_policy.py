"""Times that equal a customer's creation time follow the policy of customer.created_at.

A new customer's updated_at, its first contacts' times and the time of its "created" or
"imported" event are its creation time. A role that may not read created_at must not read them
either, on the API or on the customer page.
"""

from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from kehu.api.tests.conftest import Caller
from kehu.conftest import Personas
from kehu.customers import services
from kehu.customers.models import Customer
from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.org.models import Capability, DataScope, FieldAccess, Role, User
from kehu.org.policy import masked_text
from kehu.sales import services as sales_services


@pytest.fixture
def customer(personas: Personas) -> Customer:
    return services.create_customer(
        personas.rep,
        {"name": "杭州星星科技有限公司"},
        [{"name": "王芳", "mobile": "13812345678"}],
        owner=personas.rep,
    )


def _user(personas: Personas, access: str) -> User:
    role = Role.objects.create(
        name=f"客服{access}",
        data_scope=DataScope.COMPANY,
        capabilities=[Capability.FOLLOW_UP],
        field_policy={"customer.created_at": access},
    )
    return User.objects.create_user(
        username=f"service_{access}",
        password="test-pass-123",
        display_name="客服甲",
        role=role,
        department=personas.boss.department,
    )


def _event_kinds(caller: Caller, customer: Customer) -> list[str]:
    body = caller.get(f"/customers/{customer.public_id}/timeline", kinds="events").body
    return [entry["event"]["kind"] for entry in body]


def test_api_hidden_creation_time(
    personas: Personas, call_as: Callable[..., Caller], customer: Customer
) -> None:
    caller = call_as(_user(personas, FieldAccess.HIDDEN))

    detail = caller.get(f"/customers/{customer.public_id}").body
    contacts = caller.get(f"/customers/{customer.public_id}/contacts").body

    assert "created_at" not in detail
    assert "updated_at" not in detail
    assert "created_at" not in contacts[0]
    assert "updated_at" not in contacts[0]
    assert _event_kinds(caller, customer) == []
    assert _event_kinds(call_as(personas.rep), customer) == ["created"]


def test_api_masked_creation_time(
    personas: Personas, call_as: Callable[..., Caller], customer: Customer
) -> None:
    caller = call_as(_user(personas, FieldAccess.MASKED))
    masked = masked_text(field_map(FieldTarget.CUSTOMER)["created_at"], customer.created_at)

    detail = caller.get(f"/customers/{customer.public_id}").body
    contacts = caller.get(f"/customers/{customer.public_id}/contacts").body
    timeline = caller.get(f"/customers/{customer.public_id}/timeline", kinds="events").body

    assert "****" in masked
    assert detail["created_at"] == masked
    assert detail["updated_at"] == masked
    assert contacts[0]["created_at"] == masked
    assert timeline[0]["at"] == masked
    assert timeline[0]["event"]["occurred_at"] == masked


def test_page_hides_or_masks_creation_time(
    personas: Personas, client: Client, customer: Customer
) -> None:
    occurred_at = customer.events.get().occurred_at
    event_time = timezone.localtime(occurred_at).strftime("%Y-%m-%d %H:%M")
    masked = masked_text(field_map(FieldTarget.CUSTOMER)["created_at"], occurred_at)

    pages = {}
    for access in (FieldAccess.HIDDEN, FieldAccess.MASKED, FieldAccess.READ_ONLY):
        client.force_login(_user(personas, access))
        pages[access] = client.get(customer.get_absolute_url()).text

    assert "创建了客户" not in pages[FieldAccess.HIDDEN]
    assert event_time not in pages[FieldAccess.HIDDEN]
    assert f'<span class="masked">{masked}</span>' in pages[FieldAccess.MASKED]
    assert event_time not in pages[FieldAccess.MASKED]
    assert event_time in pages[FieldAccess.READ_ONLY]


def test_deal_creation_time_follows_its_policy(
    personas: Personas, call_as: Callable[..., Caller], customer: Customer
) -> None:
    role = Role.objects.create(
        name="商机只读",
        data_scope=DataScope.COMPANY,
        capabilities=[Capability.FOLLOW_UP],
        field_policy={"deal.created_at": FieldAccess.HIDDEN},
    )
    user = User.objects.create_user(
        username="deal_reader",
        password="test-pass-123",
        role=role,
        department=personas.boss.department,
    )
    deal = sales_services.create_deal(personas.rep, customer, {"name": "阀门改造"})
    caller = call_as(user)
    created_time = timezone.localtime(deal.created_at).strftime("%Y-%m-%d %H:%M")

    body = caller.get(f"/deals/{deal.public_id}").body
    client = Client()
    client.force_login(user)
    deal_page = client.get(deal.get_absolute_url()).text

    assert "updated_at" not in body
    assert _event_kinds(caller, customer) == ["created"]
    assert _event_kinds(call_as(personas.rep), customer) == ["deal_created", "created"]
    assert created_time not in deal_page.split('id="history"')[1]
