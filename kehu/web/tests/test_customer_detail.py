import re
import uuid

from kehu.conftest import Personas
from kehu.fields.models import CustomField
from kehu.timeline import services as timeline_services
from kehu.web.tests.conftest import ClientFor, MakeCustomer


def _entry_kinds(html: str) -> list[str]:
    """Return the badge of each timeline entry, newest first."""
    return re.findall(r'<span class="badge(?: system)?">([^<]+)</span>\s*<time', html)


def test_facts_show_region_and_custom_value(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    CustomField.objects.create(
        target="customer", key="budget", label="年度预算", field_type="money"
    )
    customer = make_customer(
        "杭州星星科技有限公司",
        contacts=[{"name": "王芳", "mobile": "13812345678", "title": "采购经理"}],
        province="浙江",
        city="杭州",
        district="西湖区",
        grade="A",
        cf_budget="120000",
    )

    response = client_for(personas.rep).get(customer.get_absolute_url())

    assert response.status_code == 200
    assert "<dt>地区</dt><dd>浙江省杭州市西湖区</dd>" in response.text
    assert "<dt>年度预算</dt><dd>¥120,000.00</dd>" in response.text
    assert "<dt>客户级别</dt><dd>A（重点客户）</dd>" in response.text
    assert "王芳" in response.text
    assert "<dt>手机</dt><dd>13812345678</dd>" in response.text
    assert "采购经理" in response.text


def test_rep_cannot_open_other_reps_customer(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    customer = make_customer("宁波海风贸易有限公司", owner=personas.rep2)
    client = client_for(personas.rep)

    hidden = client.get(customer.get_absolute_url())
    missing = client.get(f"/customers/{uuid.uuid4()}/")

    assert hidden.status_code == 404
    assert missing.status_code == 404
    assert hidden.content == missing.content
    assert "宁波海风" not in hidden.text


def test_manager_opens_team_customer(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    customer = make_customer("宁波海风贸易有限公司", owner=personas.rep2)

    team = client_for(personas.manager).get(customer.get_absolute_url())
    other_team = client_for(personas.other_manager).get(customer.get_absolute_url())

    assert team.status_code == 200
    assert other_team.status_code == 404


def test_timeline_filters_by_type(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    customer = make_customer("杭州星星科技有限公司")
    timeline_services.add_follow_up(
        personas.rep,
        customer,
        {"kind": "call", "content": "电话沟通", "occurred_at": "2024-03-01 10:00"},
    )
    timeline_services.add_follow_up(
        personas.rep,
        customer,
        {"kind": "visit", "content": "上门拜访", "occurred_at": "2024-03-02 10:00"},
    )
    client = client_for(personas.rep)

    everything = client.get(customer.get_absolute_url())
    visits = client.get(customer.get_absolute_url(), {"kind": "visit"})
    calls_and_events = client.get(customer.get_absolute_url(), {"kind": ["call", "events"]})

    assert _entry_kinds(everything.text) == ["创建了客户", "拜访", "电话"]
    assert _entry_kinds(visits.text) == ["拜访"]
    assert _entry_kinds(calls_and_events.text) == ["创建了客户", "电话"]
    assert '<input type="checkbox" name="kind" value="visit" checked>' in visits.text


def test_timeline_filter_htmx_gets_timeline_only(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    customer = make_customer("杭州星星科技有限公司")
    timeline_services.add_follow_up(
        personas.rep, customer, {"kind": "wechat", "content": "微信沟通"}
    )

    response = client_for(personas.rep).get(
        customer.get_absolute_url(), {"kind": "wechat"}, HTTP_HX_REQUEST="true"
    )

    assert response.text.lstrip().startswith('<div id="timeline">')
    assert "<html" not in response.text
    assert "客户信息" not in response.text
    assert _entry_kinds(response.text) == ["微信"]


def test_edited_follow_up_shows_earlier_version(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    customer = make_customer("杭州星星科技有限公司")
    follow_up = timeline_services.add_follow_up(
        personas.rep, customer, {"kind": "call", "content": "客户说下月采购"}
    )
    timeline_services.edit_follow_up(personas.rep, follow_up, {"content": "客户说下季度采购"})

    response = client_for(personas.manager).get(customer.get_absolute_url())

    assert '<span class="edited">已编辑</span>' in response.text
    assert "1 个早先版本" in response.text
    assert "客户说下季度采购" in response.text
    assert "客户说下月采购" in response.text
    assert "第 1 版，李销售 于" in response.text


def test_events_show_field_changes(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    from kehu.customers import services

    customer = make_customer("杭州星星科技有限公司", grade="B")
    services.update_customer(personas.rep, customer, {"grade": "A"})

    response = client_for(personas.rep).get(customer.get_absolute_url())

    change = (
        '<span class="muted">客户级别</span> <del>B（普通客户）</del> → <ins>A（重点客户）</ins>'
    )
    assert f"<li>{change}</li>" in response.text


def test_agent_sees_no_edit_controls(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    customer = make_customer(
        "杭州星星科技有限公司", contacts=[{"name": "王芳", "mobile": "13812345678"}]
    )
    customer.agents.add(personas.agent)
    timeline_services.add_follow_up(personas.rep, customer, {"kind": "call", "content": "电话"})

    agent_page = client_for(personas.agent).get(customer.get_absolute_url())
    rep_page = client_for(personas.rep).get(customer.get_absolute_url())

    assert agent_page.status_code == 200
    assert "/edit/" not in agent_page.text
    assert "/contacts/new/" not in agent_page.text
    assert 'id="follow-up-form"' in agent_page.text
    assert f"/customers/{customer.public_id}/edit/" in rep_page.text
    assert "/contacts/new/" in rep_page.text


def test_missing_customer_page_is_chinese(personas: Personas, client_for: ClientFor) -> None:
    response = client_for(personas.rep).get(f"/customers/{uuid.uuid4()}/")

    assert response.status_code == 404
    assert "<h1>找不到这个页面</h1>" in response.text
