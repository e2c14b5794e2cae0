import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from kehu.conftest import Personas
from kehu.customers import services
from kehu.customers.models import Customer
from kehu.customers.queries import visible_customers
from kehu.customers.search import search
from kehu.fields import services as field_services
from kehu.fields.models import CustomField, FieldTarget
from kehu.timeline.models import EventKind


def _create(personas: Personas, name: str = "杭州星星科技有限公司", **extra: object) -> Customer:
    values = {"name": name, **extra}
    return services.create_customer(
        personas.rep, values, [{"name": "王芳", "mobile": "+86 138-1234-5678"}], owner=personas.rep
    )


def test_create_normalises_contact_and_indexes(personas: Personas) -> None:
    customer = _create(personas)

    contact = customer.contacts.get()
    assert contact.mobile == "13812345678"
    assert contact.is_primary is True
    assert customer.events.filter(kind="created").count() == 1
    found = search(visible_customers(personas.rep), "hzxx")
    assert list(found) == [customer]


def test_exact_duplicate_blocks_and_names_owner_only(personas: Personas) -> None:
    _create(personas)

    with pytest.raises(services.DuplicateCustomer) as caught:
        services.create_customer(
            personas.rep2, {"name": "杭州星星科技（有限责任公司）"}, owner=personas.rep2
        )

    assert caught.value.blocking is True
    assert caught.value.messages() == ["已存在相同公司名称的客户（负责人：李销售）。"]
    assert Customer.objects.count() == 1


def test_duplicate_mobile_blocks(personas: Personas) -> None:
    _create(personas)

    with pytest.raises(services.DuplicateCustomer):
        services.create_customer(
            personas.rep2, {"name": "另一家公司"}, [{"name": "王芳", "mobile": "13812345678"}]
        )

    assert Customer.objects.count() == 1


def test_similar_name_warns_then_allows(personas: Personas) -> None:
    _create(personas, "澳妆国际贸易有限公司")

    with pytest.raises(services.DuplicateCustomer) as caught:
        services.create_customer(personas.rep, {"name": "澳妆（上海）国际贸易有限公司"})
    assert caught.value.blocking is False

    services.create_customer(
        personas.rep, {"name": "澳妆（上海）国际贸易有限公司"}, allow_similar=True
    )
    assert Customer.objects.count() == 2


def test_invalid_credit_code_rejected(personas: Personas) -> None:
    with pytest.raises(ValidationError) as caught:
        _create(personas, credit_code="91330100MA27XYZ12A")

    assert "credit_code" in caught.value.message_dict
    assert Customer.objects.count() == 0


def test_agent_cannot_create(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        services.create_customer(personas.agent, {"name": "代理客户"})

    assert Customer.objects.count() == 0


def test_search_short_name_and_phone_fragments(personas: Personas) -> None:
    customer = _create(personas)
    scope = visible_customers(personas.rep)

    for query in ("王芳", "王", "5678", "1234", "138 1234 5678", "星星科", "hangzhou"):
        assert list(search(scope, query)) == [customer], query
    assert list(search(visible_customers(personas.rep2), "王芳")) == []


def test_short_queries_match_value_starts_only(personas: Personas) -> None:
    """One or two characters match the start of a whole value, never its middle or end."""
    star = _create(personas)
    moon = services.create_customer(
        personas.rep,
        {"name": "宁波月亮贸易有限公司", "short_name": "芳华"},
        [{"name": "李雷", "email": "Fang@moon.cn", "wechat": "wx_\n王后"}],
    )
    scope = visible_customers(personas.rep)

    expected = {
        "王": [star],
        "王芳": [star],
        "芳": [moon],
        "芳华": [moon],
        "杭": [star],
        "hz": [star],
        "h": [star],
        "wf": [star],
        "13": [star],
        "fa": [moon],
        "f": [moon],
        "x": [],
        "后": [],
        "华": [],
        "78": [],
        "星星": [],
    }
    for query, customers in expected.items():
        assert list(search(scope, query).order_by("pk")) == customers, query


def test_control_characters_in_query_are_spaces(personas: Personas) -> None:
    """FTS5 rejects a NUL in a query; it and other control characters split terms instead."""
    customer = _create(personas)
    scope = visible_customers(personas.rep)

    expected = {
        "\x00": [customer],
        "王芳\x00": [customer],
        "\x00hzxx": [customer],
        "杭州\x00星星科": [customer],
        "王\x00芳": [],
        "a\x00b": [],
    }
    for query, customers in expected.items():
        assert list(search(scope, query)) == customers, repr(query)


def test_pinyin_leaves_out_the_legal_form(personas: Personas) -> None:
    customer = _create(personas, "杭州星星科技股份有限公司")
    scope = visible_customers(personas.rep)

    for query in ("xingxingkeji", "hzxxkj", "股份有限"):
        assert list(search(scope, query)) == [customer], query
    for query in ("youxiangongsi", "gufen", "hzxxkjgf"):
        assert list(search(scope, query)) == [], query
    named_after_company = services.create_customer(
        personas.rep, {"name": "宁波月亮贸易有限公司"}, [{"name": "宁波月亮贸易有限公司"}]
    )
    assert list(search(scope, "yxgs")) == []
    assert list(search(scope, "nbyl")) == [named_after_company]


def test_search_fragment_with_wildcard_characters_matches_literally(personas: Personas) -> None:
    """A fragment holding *, ? or [ finds only that text: the characters are not wildcards."""
    starred = services.create_customer(personas.rep, {"name": "li*lei?x[1] Studio"})
    services.create_customer(personas.rep, {"name": "liXlei Studio"})
    scope = visible_customers(personas.rep)

    for query in ("li*lei", "lei?x", "x[1]", "*lei"):
        assert list(search(scope, query)) == [starred], query
    assert list(search(scope, "li?lei")) == []


def test_huge_money_rejected_not_crashing(personas: Personas) -> None:
    CustomField.objects.create(target="customer", key="budget", label="预算", field_type="money")

    for raw in ("1e400", "1e308", "99999999999999999999999"):
        with pytest.raises(ValidationError) as caught:
            services.create_customer(personas.rep, {"name": "大额客户", "cf_budget": raw})
        assert "cf_budget" in caught.value.message_dict, raw
    assert Customer.objects.count() == 0


def test_individuals_with_same_name_allowed(personas: Personas) -> None:
    services.create_customer(personas.rep, {"name": "张伟", "kind": "individual"})

    services.create_customer(personas.rep, {"name": "张伟", "kind": "individual"})

    assert Customer.objects.filter(name="张伟").count() == 2


def test_rep_cannot_give_customer_to_others(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        services.create_customer(personas.rep, {"name": "转给别人"}, owner=personas.rep2)
    with pytest.raises(PermissionDenied):
        services.create_customer(personas.rep, {"name": "无人负责"}, owner=None)

    assert Customer.objects.count() == 0


def test_agent_never_owns_customers(personas: Personas) -> None:
    customer = _create(personas)

    with pytest.raises(ValidationError) as caught:
        services.change_owner(personas.boss, customer, personas.agent)

    assert "owner" in caught.value.message_dict
    customer.refresh_from_db()
    assert customer.owner == personas.rep


def test_manager_assigns_within_department_only(personas: Personas) -> None:
    customer = _create(personas)

    services.change_owner(personas.manager, customer, personas.rep2)
    with pytest.raises(PermissionDenied):
        services.change_owner(personas.manager, customer, personas.other_rep)

    customer.refresh_from_db()
    assert customer.owner == personas.rep2


def test_contact_custom_field_change_is_on_timeline(personas: Personas) -> None:
    field_services.create_custom_field(
        personas.boss,
        FieldTarget.CONTACT,
        {"key": "hobby", "field_type": "text", "label": "爱好"},
    )
    customer = _create(personas)
    contact = customer.contacts.get()

    services.update_contact(personas.rep, contact, {"cf_hobby": "钓鱼"})
    services.update_contact(personas.rep, contact, {"cf_hobby": ""})

    changes = [
        event.data["changes"]
        for event in customer.events.filter(kind=EventKind.CONTACT_CHANGED).order_by("id")
    ]
    assert changes == [{"cf_hobby": [None, "钓鱼"]}, {"cf_hobby": ["钓鱼", None]}]
    page = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    page.force_login(personas.rep)
    assert "钓鱼" in page.get(customer.get_absolute_url()).text
