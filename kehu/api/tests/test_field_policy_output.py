"""API output follows the field policy: hidden fields are absent, masked ones masked.

Covers customer and contact bodies, the field list, filters, sorts and search on the list, and
the events and follow-ups of the timeline, for the outside agent and for a role built here.
"""

from collections.abc import Callable

import pytest

from kehu.api.tests.conftest import Caller, make_customer
from kehu.conftest import Personas
from kehu.customers import services
from kehu.customers.models import Customer
from kehu.fields.models import CustomField, FieldTarget, FieldType
from kehu.org.models import Capability, DataScope, FieldAccess, Role, User
from kehu.timeline import services as timeline_services


@pytest.fixture
def contract_amount(db: None) -> CustomField:
    return CustomField.objects.create(
        target=FieldTarget.CUSTOMER, key="amount", label="合同金额", field_type=FieldType.MONEY
    )


@pytest.fixture
def assigned(personas: Personas, contract_amount: CustomField) -> Customer:
    """A customer of the rep with a contract amount and one contact, assigned to the agent."""
    customer = services.create_customer(
        personas.rep,
        {"name": "杭州星星科技有限公司", "grade": "A", "cf_amount": "5000.00"},
        [{"name": "王芳", "mobile": "13812345678", "email": "wangfang@xingxing.cn"}],
    )
    customer.agents.add(personas.agent)
    return customer


def _user_with_policy(personas: Personas, field_policy: dict[str, str]) -> User:
    role = Role.objects.create(
        name="客服",
        data_scope=DataScope.COMPANY,
        capabilities=[Capability.CREATE, Capability.EDIT, Capability.FOLLOW_UP],
        field_policy=field_policy,
    )
    return User.objects.create_user(
        username="service",
        password="test-pass-123",
        display_name="客服甲",
        role=role,
        department=personas.boss.department,
    )


def test_agent_reads_customer_without_money(
    personas: Personas, call_as: Callable[..., Caller], assigned: Customer
) -> None:
    detail = call_as(personas.agent).get(f"/customers/{assigned.public_id}")
    listed = call_as(personas.agent).get("/customers")

    assert detail.status == 200
    assert detail.body["name"] == "杭州星星科技有限公司"
    assert detail.body["grade"] == "A"
    assert detail.body["custom"] == {}
    assert listed.body["items"] == [detail.body]


def test_boss_reads_money(
    personas: Personas, call_as: Callable[..., Caller], assigned: Customer
) -> None:
    response = call_as(personas.boss).get(f"/customers/{assigned.public_id}")

    assert response.body["custom"] == {"cf_amount": "5000.00"}


def test_agent_sees_contact_phones_masked(
    personas: Personas, call_as: Callable[..., Caller], assigned: Customer
) -> None:
    response = call_as(personas.agent).get(f"/customers/{assigned.public_id}/contacts")

    assert response.status == 200
    [contact] = response.body
    assert contact["mobile"] == "138****5678"
    assert contact["phone"] == ""
    assert contact["email"] == "wangfang@xingxing.cn"
    assert contact["name"] == "王芳"


def test_rep_sees_contact_phones_whole(
    personas: Personas, call_as: Callable[..., Caller], assigned: Customer
) -> None:
    response = call_as(personas.rep).get(f"/customers/{assigned.public_id}/contacts")

    assert response.body[0]["mobile"] == "13812345678"


def test_hidden_builtin_fields_absent(personas: Personas, call_as: Callable[..., Caller]) -> None:
    user = _user_with_policy(
        personas,
        {
            "customer.address": FieldAccess.HIDDEN,
            "customer.owner": FieldAccess.HIDDEN,
            "contact.email": FieldAccess.HIDDEN,
        },
    )
    customer = make_customer(personas.rep, address="西湖区文三路 1 号")
    caller = call_as(user)

    body = caller.get(f"/customers/{customer.public_id}").body
    [contact] = caller.get(f"/customers/{customer.public_id}/contacts").body

    assert "address" not in body
    assert "owner" not in body
    assert body["creator"] == {"id": str(personas.rep.public_id), "name": "李销售"}
    assert "email" not in contact
    assert contact["mobile"] == "13812345678"


def test_hiding_province_hides_region(personas: Personas, call_as: Callable[..., Caller]) -> None:
    user = _user_with_policy(personas, {"customer.province": FieldAccess.HIDDEN})
    customer = make_customer(personas.rep, province="浙江", city="杭州", district="西湖区")

    body = call_as(user).get(f"/customers/{customer.public_id}").body

    assert "province" not in body
    assert "region" not in body
    assert (body["city"], body["district"]) == ("3301", "330106")


def test_masked_fields_of_other_types(personas: Personas, call_as: Callable[..., Caller]) -> None:
    user = _user_with_policy(
        personas,
        {
            "customer.owner": FieldAccess.MASKED,
            "customer.next_follow_up_on": FieldAccess.MASKED,
            "customer.tags": FieldAccess.MASKED,
            "contact.is_primary": FieldAccess.MASKED,
        },
    )
    customer = make_customer(personas.rep, next_follow_up_on="2030-03-05", tags=["重点客户"])
    caller = call_as(user)

    body = caller.get(f"/customers/{customer.public_id}").body
    [contact] = caller.get(f"/customers/{customer.public_id}/contacts").body

    assert body["owner"] == "****"
    assert body["next_follow_up_on"] == "20****05"
    assert body["tags"] == "****"
    assert contact["is_primary"] == "****"


def test_custom_contact_field_hidden(personas: Personas, call_as: Callable[..., Caller]) -> None:
    CustomField.objects.create(
        target=FieldTarget.CONTACT, key="birthday", label="生日", field_type=FieldType.DATE
    )
    user = _user_with_policy(personas, {"contact.cf_birthday": FieldAccess.HIDDEN})
    customer = services.create_customer(
        personas.rep,
        {"name": "杭州星星科技有限公司"},
        [{"name": "王芳", "cf_birthday": "1990-05-01"}],
    )

    [shown] = call_as(user).get(f"/customers/{customer.public_id}/contacts").body
    [whole] = call_as(personas.rep).get(f"/customers/{customer.public_id}/contacts").body

    assert shown["custom"] == {}
    assert whole["custom"] == {"cf_birthday": "1990-05-01"}


def test_field_list_for_agent(
    personas: Personas, call_as: Callable[..., Caller], contract_amount: CustomField
) -> None:
    customer_fields = call_as(personas.agent).get("/fields/customer").body
    contact_fields = call_as(personas.agent).get("/fields/contact").body

    assert "cf_amount" not in [field["key"] for field in customer_fields]
    name = next(field for field in customer_fields if field["key"] == "name")
    assert (name["access"], name["filterable"]) == ("editable", True)
    mobile = next(field for field in contact_fields if field["key"] == "mobile")
    assert mobile["access"] == "masked"
    assert (mobile["filterable"], mobile["sortable"]) == (False, False)


def test_field_list_access_levels(personas: Personas, call_as: Callable[..., Caller]) -> None:
    user = _user_with_policy(
        personas, {"customer.grade": FieldAccess.READ_ONLY, "customer.notes": FieldAccess.HIDDEN}
    )

    fields = {field["key"]: field for field in call_as(user).get("/fields/customer").body}

    assert fields["grade"]["access"] == "read_only"
    assert fields["grade"]["filterable"] is True
    assert "notes" not in fields


def test_agent_filter_on_hidden_field_reads_as_unknown(
    personas: Personas, call_as: Callable[..., Caller], assigned: Customer
) -> None:
    caller = call_as(personas.agent)

    hidden = caller.get("/customers", **{"f.cf_amount__gte": "1000"})
    unknown = caller.get("/customers", **{"f.cf_other__gte": "1000"})

    assert hidden.status == 422
    assert hidden.body == {"errors": {"f.cf_amount__gte": ["未知的筛选字段“cf_amount”。"]}}
    assert unknown.body == {"errors": {"f.cf_other__gte": ["未知的筛选字段“cf_other”。"]}}


def test_agent_sort_on_hidden_field_reads_as_unknown(
    personas: Personas, call_as: Callable[..., Caller], assigned: Customer
) -> None:
    caller = call_as(personas.agent)

    hidden = caller.get("/customers", sort="-cf_amount")
    unknown = caller.get("/customers", sort="-cf_other")

    assert hidden.status == 422
    assert hidden.body == {"errors": {"sort": ["不能按“cf_amount”排序。"]}}
    assert unknown.body == {"errors": {"sort": ["不能按“cf_other”排序。"]}}


def test_masked_filter_rejected(personas: Personas, call_as: Callable[..., Caller]) -> None:
    user = _user_with_policy(personas, {"customer.credit_code": FieldAccess.MASKED})

    response = call_as(user).get("/customers", **{"f.credit_code__contains": "9133"})

    assert response.status == 422
    assert response.body == {
        "errors": {
            "f.credit_code__contains": [
                "您的角色只能看到“统一社会信用代码”的脱敏内容，不能按它筛选。"
            ]
        }
    }


def test_agent_search_skips_masked_mobile(
    personas: Personas, call_as: Callable[..., Caller], assigned: Customer
) -> None:
    caller = call_as(personas.agent)

    by_phone = caller.get("/customers", q="5678")
    by_name = caller.get("/customers", q="星星科技")

    assert (by_phone.body["items"], by_phone.body["count"]) == ([], 0)
    assert [item["id"] for item in by_name.body["items"]] == [str(assigned.public_id)]
    assert by_name.body["count"] == 1


def test_hidden_email_not_searchable(
    personas: Personas, call_as: Callable[..., Caller], assigned: Customer
) -> None:
    user = _user_with_policy(personas, {"contact.email": FieldAccess.HIDDEN})

    by_email = call_as(user).get("/customers", q="wangfang@")
    by_pinyin = call_as(user).get("/customers", q="xingxing")

    assert by_email.body["count"] == 0
    assert by_pinyin.body["count"] == 1


def test_agent_timeline_drops_money_change(
    personas: Personas, call_as: Callable[..., Caller], assigned: Customer
) -> None:
    services.update_customer(personas.rep, assigned, {"cf_amount": "8000"})
    services.update_customer(personas.rep, assigned, {"cf_amount": "9000", "grade": "B"})

    agent_events = call_as(personas.agent).get(
        f"/customers/{assigned.public_id}/timeline", kinds="events"
    )
    rep_events = call_as(personas.rep).get(
        f"/customers/{assigned.public_id}/timeline", kinds="events"
    )

    assert [entry["event"]["data"] for entry in agent_events.body] == [
        {"changes": {"grade": ["A", "B"]}},
        {},
    ]
    assert [entry["event"]["data"] for entry in rep_events.body] == [
        {"changes": {"cf_amount": ["8000.00", "9000.00"], "grade": ["A", "B"]}},
        {"changes": {"cf_amount": ["5000.00", "8000.00"]}},
        {},
    ]


def test_agent_timeline_masks_mobile_change(
    personas: Personas, call_as: Callable[..., Caller], assigned: Customer
) -> None:
    contact = assigned.contacts.get()
    services.update_contact(personas.rep, contact, {"mobile": "13987654321"})

    response = call_as(personas.agent).get(
        f"/customers/{assigned.public_id}/timeline", kinds="events"
    )

    changed = response.body[0]["event"]
    assert changed["kind"] == "contact_changed"
    assert changed["data"] == {
        "name": "王芳",
        "changes": {"mobile": ["138****5678", "139****4321"]},
    }


def test_hidden_contact_name_left_out_of_events(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    user = _user_with_policy(personas, {"contact.name": FieldAccess.HIDDEN})
    customer = make_customer(personas.rep)
    services.add_contact(personas.rep, customer, {"name": "李雷", "title": "总经理"})

    response = call_as(user).get(f"/customers/{customer.public_id}/timeline", kinds="events")

    added = response.body[0]["event"]
    assert added["kind"] == "contact_added"
    assert added["data"] == {}


def test_hidden_owner_left_out_of_owner_change(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    user = _user_with_policy(personas, {"customer.owner": FieldAccess.HIDDEN})
    customer = make_customer(personas.rep)
    services.change_owner(personas.manager, customer, personas.rep2)

    response = call_as(user).get(f"/customers/{customer.public_id}/timeline", kinds="events")
    manager_view = call_as(personas.manager).get(
        f"/customers/{customer.public_id}/timeline", kinds="events"
    )

    assert response.body[0]["event"]["data"] == {}
    assert manager_view.body[0]["event"]["data"] == {"from_name": "李销售", "to_name": "张销售"}


def test_hidden_next_date_left_out_of_follow_ups(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    user = _user_with_policy(personas, {"customer.next_follow_up_on": FieldAccess.HIDDEN})
    customer = make_customer(personas.rep)
    timeline_services.add_follow_up(
        personas.rep,
        customer,
        {"kind": "call", "content": "约定下周拜访", "next_follow_up_on": "2030-03-05"},
    )

    listed = call_as(user).get(f"/customers/{customer.public_id}/follow-ups")
    timeline = call_as(user).get(f"/customers/{customer.public_id}/timeline", kinds="call")
    rep_view = call_as(personas.rep).get(f"/customers/{customer.public_id}/follow-ups")

    assert "next_follow_up_on" not in listed.body["items"][0]
    assert "next_follow_up_on" not in timeline.body[0]["follow_up"]
    assert listed.body["items"][0]["content"] == "约定下周拜访"
    assert rep_view.body["items"][0]["next_follow_up_on"] == "2030-03-05"
