"""Filters, sorts and saved views on fields a role cannot read whole are rejected."""

import pytest
from django.core.exceptions import ValidationError

from kehu.conftest import Personas
from kehu.customers import services
from kehu.customers.listing import ListParams, count_customers, list_customers
from kehu.fields.models import CustomField, FieldTarget, FieldType
from kehu.org.models import Capability, DataScope, FieldAccess, Role, User


def _user_with_policy(personas: Personas, field_policy: dict[str, str]) -> User:
    role = Role.objects.create(
        name="资料员",
        data_scope=DataScope.COMPANY,
        capabilities=[Capability.CREATE, Capability.EDIT],
        field_policy=field_policy,
    )
    return User.objects.create_user(
        username="clerk",
        password="test-pass-123",
        display_name="资料员甲",
        role=role,
        department=personas.boss.department,
    )


def _errors(user: User, params: ListParams) -> dict[str, list[str]]:
    """Return the errors of listing with `params`; counting, which does not sort, must agree."""
    with pytest.raises(ValidationError) as caught:
        list_customers(user, params)
    listed = caught.value.message_dict
    if "sort" not in listed:
        with pytest.raises(ValidationError) as caught:
            count_customers(user, params)
        assert caught.value.message_dict == listed
    return listed


@pytest.fixture
def contract_amount(db: None) -> CustomField:
    return CustomField.objects.create(
        target=FieldTarget.CUSTOMER, key="amount", label="合同金额", field_type=FieldType.MONEY
    )


def test_hidden_filter_reads_as_unknown(personas: Personas, contract_amount: CustomField) -> None:
    customer = services.create_customer(
        personas.manager, {"name": "杭州星星科技有限公司", "cf_amount": "5000.00"}
    )
    customer.agents.add(personas.agent)

    hidden = _errors(personas.agent, ListParams(filters={"cf_amount__gte": "1000"}))
    unknown = _errors(personas.agent, ListParams(filters={"cf_nothing__gte": "1000"}))

    assert hidden == {"cf_amount__gte": ["未知的筛选字段“cf_amount”。"]}
    assert unknown == {"cf_nothing__gte": ["未知的筛选字段“cf_nothing”。"]}


def test_hidden_sort_reads_as_unknown(personas: Personas, contract_amount: CustomField) -> None:
    hidden = _errors(personas.agent, ListParams(sort="-cf_amount"))
    unknown = _errors(personas.agent, ListParams(sort="-cf_nothing"))

    assert hidden == {"sort": ["不能按“cf_amount”排序。"]}
    assert unknown == {"sort": ["不能按“cf_nothing”排序。"]}


def test_boss_filters_and_sorts_money(personas: Personas, contract_amount: CustomField) -> None:
    services.create_customer(personas.boss, {"name": "杭州星星科技有限公司", "cf_amount": "5000"})

    page = list_customers(
        personas.boss, ListParams(filters={"cf_amount__gte": "1000"}, sort="-cf_amount")
    )

    assert [row.name for row in page.rows] == ["杭州星星科技有限公司"]


def test_masked_filter_rejected(personas: Personas) -> None:
    user = _user_with_policy(personas, {"customer.credit_code": FieldAccess.MASKED})

    errors = _errors(user, ListParams(filters={"credit_code__contains": "9133"}))

    assert errors == {
        "credit_code__contains": ["您的角色只能看到“统一社会信用代码”的脱敏内容，不能按它筛选。"]
    }


def test_masked_isnull_filter_rejected(personas: Personas) -> None:
    user = _user_with_policy(personas, {"customer.credit_code": FieldAccess.MASKED})

    errors = _errors(user, ListParams(filters={"credit_code__isnull": "1"}))

    assert list(errors) == ["credit_code__isnull"]


def test_masked_sort_rejected(personas: Personas) -> None:
    user = _user_with_policy(personas, {"customer.address": FieldAccess.MASKED})

    errors = _errors(user, ListParams(sort="address"))

    assert errors == {"sort": ["您的角色只能看到“详细地址”的脱敏内容，不能按它排序。"]}


def test_read_only_field_filters_and_sorts(personas: Personas) -> None:
    user = _user_with_policy(personas, {"customer.grade": FieldAccess.READ_ONLY})
    services.create_customer(personas.boss, {"name": "杭州星星科技有限公司", "grade": "A"})
    services.create_customer(personas.boss, {"name": "宁波海风贸易有限公司", "grade": "B"})

    page = list_customers(user, ListParams(filters={"grade": "A"}, sort="grade"))

    assert [row.name for row in page.rows] == ["杭州星星科技有限公司"]
    assert count_customers(user, ListParams(filters={"grade": "A"})).count == 1


def test_errors_of_several_filters_collected(personas: Personas) -> None:
    user = _user_with_policy(
        personas,
        {"customer.grade": FieldAccess.HIDDEN, "customer.address": FieldAccess.MASKED},
    )

    errors = _errors(
        user, ListParams(filters={"grade": "A", "address__contains": "西湖", "status": "nope"})
    )

    assert set(errors) == {"grade", "address__contains", "status"}
    assert errors["grade"] == ["未知的筛选字段“grade”。"]


@pytest.mark.parametrize(
    ("view", "field"),
    [
        ("mine", "owner"),
        ("due_today", "next_follow_up_on"),
        ("idle_30", "created_at"),
        ("idle_30", "last_follow_up_at"),
    ],
)
@pytest.mark.parametrize("access", [FieldAccess.HIDDEN, FieldAccess.MASKED])
def test_view_on_unreadable_field_rejected(
    personas: Personas, view: str, field: str, access: str
) -> None:
    user = _user_with_policy(personas, {f"customer.{field}": access})

    errors = _errors(user, ListParams(view=view))

    assert errors == {"view": [f"您的角色不能使用列表视图“{view}”。"]}


def test_view_on_readable_fields_works(personas: Personas) -> None:
    user = _user_with_policy(personas, {"customer.address": FieldAccess.HIDDEN})
    services.create_customer(user, {"name": "杭州星星科技有限公司"})

    assert count_customers(user, ListParams(view="mine")).count == 1


def test_default_sort_without_creation_time(personas: Personas) -> None:
    user = _user_with_policy(personas, {"customer.created_at": FieldAccess.HIDDEN})
    created = [
        services.create_customer(user, {"name": name})
        for name in ("杭州星星科技有限公司", "宁波海风贸易有限公司", "温州山川机械有限公司")
    ]

    first = list_customers(user, ListParams(page_size=2))
    second = list_customers(user, ListParams(page_size=2, cursor=first.next_cursor))

    assert [row.pk for row in first.rows + second.rows] == [c.pk for c in reversed(created)]
    assert second.next_cursor is None
    assert _errors(user, ListParams(sort="created_at")) == {"sort": ["不能按“created_at”排序。"]}


def test_required_field_hidden_from_role_is_not_demanded(personas: Personas) -> None:
    CustomField.objects.create(
        target=FieldTarget.CUSTOMER, key="amount", label="合同金额", field_type=FieldType.MONEY,
        required=True,
    )  # fmt: skip
    clerk = _user_with_policy(personas, {"customer.cf_amount": FieldAccess.HIDDEN})

    created = services.create_customer(clerk, {"name": "必填测试客户"})

    assert created.custom == {}
    with pytest.raises(ValidationError) as caught:
        services.create_customer(personas.boss, {"name": "老板的客户"})
    assert "cf_amount" in caught.value.message_dict
