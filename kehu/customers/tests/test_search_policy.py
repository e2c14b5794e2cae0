"""Search matches only on values the user's role may read whole."""

import pytest

from kehu.conftest import Personas
from kehu.customers import search, services
from kehu.customers.listing import ListParams, count_customers, list_customers
from kehu.customers.models import Customer
from kehu.customers.queries import visible_customers
from kehu.org.models import Capability, DataScope, FieldAccess, Role, User
from kehu.org.policy import policy_for


def _user_with_policy(personas: Personas, field_policy: dict[str, str]) -> User:
    role = Role.objects.create(
        name="客服",
        data_scope=DataScope.COMPANY,
        capabilities=[Capability.FOLLOW_UP],
        field_policy=field_policy,
    )
    return User.objects.create_user(
        username="service",
        password="test-pass-123",
        display_name="客服甲",
        role=role,
        department=personas.boss.department,
    )


def _names(user: User, query: str) -> list[str]:
    page = list_customers(user, ListParams(query=query))
    count = count_customers(user, ListParams(query=query))
    assert count.count == len(page.rows)
    return sorted(row.name for row in page.rows)


@pytest.fixture
def assigned(personas: Personas) -> Customer:
    customer = services.create_customer(
        personas.manager,
        {"name": "杭州星星科技有限公司", "short_name": "星星科技"},
        [
            {
                "name": "王芳",
                "mobile": "13812345678",
                "phone": "0571-87654321",
                "email": "wangfang@xingxing.cn",
                "wechat": "wf_star",
            }
        ],
        owner=personas.rep,
    )
    customer.agents.add(personas.agent)
    return customer


def test_agent_cannot_find_by_masked_mobile(personas: Personas, assigned: Customer) -> None:
    assert _names(personas.agent, "5678") == []
    assert _names(personas.agent, "138 1234 5678") == []
    assert _names(personas.agent, "13") == []


def test_agent_cannot_find_by_masked_phone(personas: Personas, assigned: Customer) -> None:
    assert _names(personas.agent, "87654321") == []


def test_agent_finds_by_readable_values(personas: Personas, assigned: Customer) -> None:
    for query in ("星星科技", "杭州", "hzxx", "xingxing", "王芳", "wf", "wangfang@", "wf_star"):
        assert _names(personas.agent, query) == ["杭州星星科技有限公司"], query


def test_rep_finds_by_mobile(personas: Personas, assigned: Customer) -> None:
    assert _names(personas.rep, "5678") == ["杭州星星科技有限公司"]


def test_agent_search_limited_to_assigned(personas: Personas, assigned: Customer) -> None:
    services.create_customer(personas.manager, {"name": "杭州月亮科技有限公司"}, owner=personas.rep)

    assert _names(personas.agent, "杭州") == ["杭州星星科技有限公司"]


def test_hidden_email_not_searchable(personas: Personas, assigned: Customer) -> None:
    user = _user_with_policy(personas, {"contact.email": FieldAccess.HIDDEN})

    assert _names(user, "wangfang@") == []
    assert _names(user, "xingxing.cn") == []
    assert _names(user, "5678") == ["杭州星星科技有限公司"]
    assert _names(user, "wangfang") == ["杭州星星科技有限公司"]


def test_hidden_contact_name_drops_its_pinyin(personas: Personas, assigned: Customer) -> None:
    user = _user_with_policy(personas, {"contact.name": FieldAccess.HIDDEN})

    assert _names(user, "王芳") == []
    assert _names(user, "wf") == ["杭州星星科技有限公司"]  # the WeChat ID wf_star
    assert _names(user, "wangf") == ["杭州星星科技有限公司"]  # the email wangfang@...
    assert _names(user, "wangfa ng") == []


def test_hidden_customer_name_not_searchable(personas: Personas, assigned: Customer) -> None:
    user = _user_with_policy(
        personas,
        {"customer.name": FieldAccess.HIDDEN, "customer.short_name": FieldAccess.MASKED},
    )

    assert _names(user, "杭州") == []
    assert _names(user, "hzxx") == []
    assert _names(user, "星星") == []
    assert _names(user, "王芳") == ["杭州星星科技有限公司"]


def test_every_term_must_match_readable_values(personas: Personas, assigned: Customer) -> None:
    assert _names(personas.agent, "杭州 王芳") == ["杭州星星科技有限公司"]
    assert _names(personas.agent, "杭州 5678") == []


def test_unrestricted_search_keeps_one_query(personas: Personas, assigned: Customer) -> None:
    queryset = visible_customers(personas.rep)

    readable = search.search_readable(policy_for(personas.rep), queryset, "5678")

    assert str(readable.query) == str(search.search(queryset, "5678").query)


def test_verification_cap_keeps_newest_candidates(personas: Personas) -> None:
    customers = [
        services.create_customer(personas.boss, {"name": f"星星分公司{index}"}, allow_similar=True)
        for index in range(4)
    ]
    user = _user_with_policy(personas, {"contact.mobile": FieldAccess.MASKED})

    found = search.search_readable(
        policy_for(user), visible_customers(user), "星星分公司", verify_limit=2
    )

    assert sorted(found.values_list("pk", flat=True)) == [customers[2].pk, customers[3].pk]


def test_empty_query_returns_queryset(personas: Personas, assigned: Customer) -> None:
    queryset = visible_customers(personas.agent)

    assert search.search_readable(policy_for(personas.agent), queryset, "  ") is queryset
