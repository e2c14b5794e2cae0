import re
from typing import Any

import pytest

from kehu.conftest import Personas
from kehu.customers.models import Contact, Customer
from kehu.fields.models import CustomField
from kehu.timeline.models import Event
from kehu.web.tests.conftest import ClientFor, MakeCustomer


def _customer_post(**values: Any) -> dict[str, Any]:
    """Return the create form's fields with the given values and the rest empty."""
    return {"name": "", "kind": "company", "credit_code": "", "contact.name": "", **values}


def _snapshot() -> tuple[int, int, int]:
    return Customer.objects.count(), Contact.objects.count(), Event.objects.count()


def test_create_form_lists_registry_fields(personas: Personas, client_for: ClientFor) -> None:
    CustomField.objects.create(
        target="customer",
        key="channel",
        label="渠道",
        field_type="multi_choice",
        choices=["线上", "线下"],
    )

    response = client_for(personas.rep).get("/customers/new/")

    assert response.status_code == 200
    assert (
        '<label for="id_name">客户名称 <span class="required" aria-hidden="true">*</span></label>'
        in response.text
    )
    assert '<select name="province" id="id_province"' in response.text
    assert '<input type="checkbox" name="cf_channel" value="线上">' in response.text
    assert 'name="contact.mobile"' in response.text
    assert 'name="owner"' not in response.text
    assert '<option value="lead" selected>' in response.text
    assert '<input type="tel" name="contact.mobile"' in response.text


def test_create_customer_with_first_contact(personas: Personas, client_for: ClientFor) -> None:
    response = client_for(personas.rep).post(
        "/customers/new/",
        _customer_post(
            name="杭州星星科技有限公司",
            grade="A",
            province="33",
            city="3301",
            district="330106",
            tags="重点, 华东",
            **{"contact.name": "王芳", "contact.mobile": "138 1234 5678"},
        ),
    )

    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.public_id}/"
    assert customer.owner == personas.rep
    assert customer.district_code == "330106"
    assert sorted(customer.tags.values_list("name", flat=True)) == ["华东", "重点"]
    assert customer.contacts.get().mobile == "13812345678"


def test_invalid_credit_code_shows_field_error(personas: Personas, client_for: ClientFor) -> None:
    before = _snapshot()

    response = client_for(personas.rep).post(
        "/customers/new/",
        _customer_post(name="杭州星星科技有限公司", credit_code="91330100MA27XYZ12A"),
    )

    assert response.status_code == 400
    field = re.search(
        r'<div class="field field-text has-error">\s*<label for="id_credit_code">.*?</div>',
        response.text,
        re.S,
    )
    assert field is not None
    assert "统一社会信用代码" in field.group(0)
    assert 'value="91330100MA27XYZ12A"' in field.group(0)
    assert '<p class="error">' in field.group(0)
    assert 'value="杭州星星科技有限公司"' in response.text
    assert _snapshot() == before


def test_contact_error_shows_under_contact_input(personas: Personas, client_for: ClientFor) -> None:
    response = client_for(personas.rep).post(
        "/customers/new/",
        _customer_post(
            name="杭州星星科技有限公司", **{"contact.name": "王芳", "contact.mobile": "12345"}
        ),
    )

    assert response.status_code == 400
    assert re.search(
        r'id="id_contact_mobile" value="12345">\s*<p class="error">“12345”不是有效的手机号',
        response.text,
    )
    assert Customer.objects.count() == 0


def test_missing_name_is_reported(personas: Personas, client_for: ClientFor) -> None:
    response = client_for(personas.rep).post("/customers/new/", _customer_post())

    assert response.status_code == 400
    assert "客户名称为必填项。" in response.text
    assert Customer.objects.count() == 0


def test_required_custom_field_is_reported(personas: Personas, client_for: ClientFor) -> None:
    CustomField.objects.create(
        target="customer", key="budget", label="年度预算", field_type="money", required=True
    )

    response = client_for(personas.rep).post(
        "/customers/new/", _customer_post(name="杭州星星科技有限公司", cf_budget="")
    )

    assert response.status_code == 400
    assert "“年度预算”为必填项" in response.text
    assert Customer.objects.count() == 0


def test_blocking_duplicate_names_only_owner(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    make_customer("杭州星星科技有限公司", owner=personas.rep, address="西湖区文三路 1 号")
    before = _snapshot()

    response = client_for(personas.rep2).post(
        "/customers/new/", _customer_post(name="杭州星星科技（有限责任公司）")
    )

    assert response.status_code == 400
    assert '<div class="alert error" role="alert">' in response.text
    assert "已存在相同公司名称的客户（负责人：李销售）。" in response.text
    assert "文三路" not in response.text
    assert 'name="allow_similar"' not in response.text
    assert _snapshot() == before


def test_blocking_duplicate_cannot_be_forced(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    make_customer("杭州星星科技有限公司", owner=personas.rep)

    response = client_for(personas.rep2).post(
        "/customers/new/", _customer_post(name="杭州星星科技有限公司", allow_similar="1")
    )

    assert response.status_code == 400
    assert Customer.objects.count() == 1


def test_similar_name_needs_confirmation(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    make_customer("澳妆国际贸易有限公司", owner=personas.rep2)
    client = client_for(personas.rep)

    warned = client.post("/customers/new/", _customer_post(name="澳妆（上海）国际贸易有限公司"))
    assert warned.status_code == 400
    assert '<div class="alert warning" role="alert">' in warned.text
    assert "已存在名称相近的客户（负责人：张销售）。" in warned.text
    assert (
        '<button type="submit" name="allow_similar" value="1" class="warning">仍然创建</button>'
        in warned.text
    )
    assert Customer.objects.count() == 1

    confirmed = client.post(
        "/customers/new/", _customer_post(name="澳妆（上海）国际贸易有限公司", allow_similar="1")
    )
    assert confirmed.status_code == 302
    assert Customer.objects.count() == 2


def test_edit_customer_saves_changes(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    CustomField.objects.create(
        target="customer", key="budget", label="年度预算", field_type="money"
    )
    customer = make_customer("杭州星星科技有限公司", grade="B")
    client = client_for(personas.rep)

    form = client.get(f"/customers/{customer.public_id}/edit/")
    response = client.post(
        f"/customers/{customer.public_id}/edit/",
        {
            "name": "杭州星星科技有限公司",
            "grade": "A",
            "cf_budget": "8,000",
            "expected_version": "1",
        },
    )

    assert form.status_code == 200
    assert '<input type="hidden" name="expected_version" value="1">' in form.text
    assert '<option value="B" selected>' in form.text
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.grade == "A"
    assert customer.custom == {"budget": "8000.00"}
    assert customer.version == 2


def test_stale_edit_is_rejected(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    customer = make_customer("杭州星星科技有限公司", grade="B")
    client = client_for(personas.rep)
    client.post(
        f"/customers/{customer.public_id}/edit/",
        {"name": "杭州星星科技有限公司", "grade": "C", "expected_version": "1"},
    )

    response = client.post(
        f"/customers/{customer.public_id}/edit/",
        {"name": "杭州星星科技有限公司", "grade": "A", "expected_version": "1"},
    )

    assert response.status_code == 400
    assert "您打开后该客户已被他人修改，请刷新后重试。" in response.text
    customer.refresh_from_db()
    assert customer.grade == "C"
    assert customer.version == 2


@pytest.mark.parametrize("method", ["get", "post"])
def test_agent_cannot_create_customers(
    personas: Personas, client_for: ClientFor, method: str
) -> None:
    response = getattr(client_for(personas.agent), method)(
        "/customers/new/", _customer_post(name="代理客户") if method == "post" else None
    )

    assert response.status_code == 403
    assert Customer.objects.count() == 0


def test_agent_cannot_edit_assigned_customer(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    customer = make_customer("杭州星星科技有限公司", grade="B")
    customer.agents.add(personas.agent)
    before = _snapshot()

    response = client_for(personas.agent).post(
        f"/customers/{customer.public_id}/edit/",
        {"name": "代理改名", "grade": "A", "expected_version": "1"},
    )

    assert response.status_code == 403
    customer.refresh_from_db()
    assert (customer.name, customer.grade, customer.version) == ("杭州星星科技有限公司", "B", 1)
    assert _snapshot() == before


def test_rep_cannot_edit_other_reps_customer(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    customer = make_customer("宁波海风贸易有限公司", owner=personas.rep2)

    response = client_for(personas.rep).post(
        f"/customers/{customer.public_id}/edit/",
        {"name": "改名", "expected_version": "1"},
    )

    assert response.status_code == 404
    customer.refresh_from_db()
    assert customer.name == "宁波海风贸易有限公司"
    assert customer.version == 1


def test_add_and_edit_contact(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    customer = make_customer("杭州星星科技有限公司")
    client = client_for(personas.rep)

    added = client.post(
        f"/customers/{customer.public_id}/contacts/new/",
        {"name": "王芳", "mobile": "13812345678", "email": "WANG@example.com", "is_primary": "1"},
    )
    contact = Contact.objects.get()
    edited = client.post(
        f"/contacts/{contact.public_id}/edit/",
        {"name": "王芳", "title": "采购总监", "mobile": "13812345678", "is_primary": "1"},
    )

    assert added.status_code == 302
    assert added["Location"] == f"/customers/{customer.public_id}/#contacts"
    assert edited.status_code == 302
    contact.refresh_from_db()
    assert contact.email == ""
    assert contact.title == "采购总监"
    assert contact.is_primary is True


def test_contact_form_shows_errors(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    customer = make_customer("杭州星星科技有限公司")

    response = client_for(personas.rep).post(
        f"/customers/{customer.public_id}/contacts/new/", {"name": "", "email": "not-an-email"}
    )

    assert response.status_code == 400
    assert "联系人姓名为必填项。" in response.text
    assert "“not-an-email”不是有效的邮箱地址" in response.text
    assert Contact.objects.count() == 0


def test_duplicate_contact_mobile_is_blocked(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    make_customer(
        "宁波海风贸易有限公司",
        owner=personas.rep2,
        contacts=[{"name": "赵强", "mobile": "13900001111"}],
    )
    customer = make_customer("杭州星星科技有限公司")

    response = client_for(personas.rep).post(
        f"/customers/{customer.public_id}/contacts/new/", {"name": "赵强", "mobile": "13900001111"}
    )

    assert response.status_code == 400
    assert "已存在相同手机号的客户（负责人：张销售）。" in response.text
    assert customer.contacts.count() == 0


def test_other_rep_cannot_edit_contact(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    customer = make_customer("杭州星星科技有限公司", contacts=[{"name": "王芳"}])
    contact = customer.contacts.get()

    response = client_for(personas.rep2).post(
        f"/contacts/{contact.public_id}/edit/", {"name": "改名"}
    )

    assert response.status_code == 404
    contact.refresh_from_db()
    assert contact.name == "王芳"


def test_region_options_list_children(personas: Personas, client_for: ClientFor) -> None:
    client = client_for(personas.rep)

    cities = client.get("/regions/", {"from": "province", "province": "33"})
    unknown = client.get("/regions/", {"from": "province", "province": "99"})

    assert '<option value="3301">杭州市</option>' in cities.text
    assert '<option value="3101">' not in cities.text
    assert unknown.text.strip() == '<option value="">—</option>'


def test_denied_page_explains_in_chinese(personas: Personas, client_for: ClientFor) -> None:
    response = client_for(personas.agent).get("/customers/new/")

    assert response.status_code == 403
    assert "<h1>无权操作</h1>" in response.text
    assert "您没有新建或编辑客户的权限。" in response.text
