"""The field policy on the pages: hidden fields absent, masked ones masked, refused ones refused.

Two roles are exercised. The outside agent preset sees phones masked and money hidden, which
covers a custom money field ("合同金额"). A custom rep role hides the credit code, shows the
grade read-only and masks contacts' mobiles and customers' addresses.
"""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kehu.audit.models import AuditAction, AuditEntry
from kehu.conftest import Personas
from kehu.customers import services
from kehu.customers.models import Contact, Customer
from kehu.fields import services as field_services
from kehu.fields.models import CustomField, FieldTarget
from kehu.org.models import Capability, DataScope, FieldAccess, Role, User
from kehu.timeline.models import Event
from kehu.web.models import ListPreference
from kehu.web.tests.conftest import ClientFor, MakeCustomer

MOBILE = "13812345678"
MASKED_MOBILE = "138****5678"
ADDRESS = "杭州市西湖区文三路一百号"
MASKED_ADDRESS = "杭州市****路一百号"
CREDIT_CODE = "91330106MA27XY123U"
RESTRICTED_POLICY = {
    "customer.credit_code": FieldAccess.HIDDEN,
    "customer.grade": FieldAccess.READ_ONLY,
    "customer.address": FieldAccess.MASKED,
    "contact.mobile": FieldAccess.MASKED,
}


def _contract_field(personas: Personas) -> CustomField:
    return field_services.create_custom_field(
        personas.boss,
        FieldTarget.CUSTOMER,
        {"key": "contract", "field_type": "money", "label": "合同金额"},
    )


def _restricted_user(personas: Personas, *, reveal: bool = False) -> User:
    """Return a rep-like user whose role hides, masks and locks some built-in fields."""
    capabilities = [Capability.CREATE, Capability.EDIT, Capability.FOLLOW_UP]
    if reveal:
        capabilities.append(Capability.REVEAL)
    role = Role.objects.create(
        name="受限销售" + ("（可查看完整）" if reveal else ""),
        data_scope=DataScope.OWN,
        capabilities=capabilities,
        field_policy=dict(RESTRICTED_POLICY),
    )
    return User.objects.create_user(
        username="limited" + ("_reveal" if reveal else ""),
        password="test-pass-123",
        display_name="孙销售",
        role=role,
        department=personas.rep.department,
    )


def _agent_customer(personas: Personas, make_customer: MakeCustomer) -> Customer:
    _contract_field(personas)
    customer = make_customer(
        "杭州星星科技有限公司",
        contacts=[{"name": "王芳", "mobile": MOBILE, "phone": "057188886666"}],
        cf_contract="500000",
    )
    customer.agents.add(personas.agent)
    return customer


def _restricted_customer(
    personas: Personas, owner: User, name: str = "宁波海风贸易有限公司", mobile: str = MOBILE
) -> Customer:
    """Return a customer of `owner` created by the boss, who may set every field."""
    return services.create_customer(
        personas.boss,
        {"name": name, "address": ADDRESS},
        [{"name": "赵强", "mobile": mobile, "title": "采购经理"}],
        owner=owner,
    )


def _store_restricted_values(customer: Customer, personas: Personas) -> None:
    """Set the fields the restricted role may not set, as the boss may."""
    services.update_customer(personas.boss, customer, {"credit_code": CREDIT_CODE, "grade": "B"})


def _state() -> list[object]:
    return [
        list(
            Customer.objects.order_by("pk").values_list(
                "name", "credit_code", "grade", "address", "version"
            )
        ),
        list(Contact.objects.order_by("pk").values_list("name", "mobile", "version")),
        Event.objects.count(),
        AuditEntry.objects.count(),
    ]


def _htmx_client(user: User) -> Client:
    """Return a client signed in as `user` whose requests come from htmx."""
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", HTTP_HX_REQUEST="true")
    client.force_login(user)
    return client


# The outside agent: phones masked, money hidden.


def test_agent_page_masks_phones_and_hides_money(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    customer = _agent_customer(personas, make_customer)

    agent_page = client_for(personas.agent).get(customer.get_absolute_url())
    rep_page = client_for(personas.rep).get(customer.get_absolute_url())

    assert agent_page.status_code == 200
    assert f"<dt>手机</dt><dd>{MASKED_MOBILE}</dd>" in agent_page.text
    assert "<dt>电话</dt><dd>057****6666</dd>" in agent_page.text
    assert MOBILE not in agent_page.text
    assert "合同金额" not in agent_page.text
    assert "500,000" not in agent_page.text
    assert "/reveal/" not in agent_page.text
    assert "<dt>合同金额</dt><dd>¥500,000.00</dd>" in rep_page.text
    assert f"<dt>手机</dt><dd>{MOBILE}</dd>" in rep_page.text


def test_agent_list_offers_no_money_column_or_filter(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    _agent_customer(personas, make_customer)
    ListPreference.objects.create(user=personas.agent, columns=["name", "cf_contract", "status"])

    agent_page = client_for(personas.agent).get("/")
    rep_page = client_for(personas.rep).get("/")

    assert agent_page.status_code == 200
    assert "杭州星星科技有限公司" in agent_page.text
    assert "合同金额" not in agent_page.text
    assert "cf_contract" not in agent_page.text
    assert "500,000" not in agent_page.text
    assert '<input type="checkbox" name="columns" value="cf_contract"' in rep_page.text
    assert 'name="f.cf_contract__gte"' in rep_page.text


def test_agent_timeline_drops_money_and_masks_phones(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    customer = _agent_customer(personas, make_customer)
    services.update_customer(personas.rep, customer, {"cf_contract": "600000"})
    contact = customer.contacts.get()
    services.update_contact(personas.rep, contact, {"mobile": "13900001111"})

    agent_page = client_for(personas.agent).get(customer.get_absolute_url())
    rep_page = client_for(personas.rep).get(customer.get_absolute_url())

    assert "修改了字段" not in agent_page.text
    assert "600,000" not in agent_page.text
    assert "修改了联系人" in agent_page.text
    assert f"<del>{MASKED_MOBILE}</del> → <ins>139****1111</ins>" in agent_page.text
    assert "13900001111" not in agent_page.text
    assert "修改了字段" in rep_page.text
    assert "<del>¥500,000.00</del> → <ins>¥600,000.00</ins>" in rep_page.text
    assert f"<del>{MOBILE}</del> → <ins>13900001111</ins>" in rep_page.text


def test_timeline_checks_deactivated_money_field(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    customer = _agent_customer(personas, make_customer)
    services.update_customer(personas.rep, customer, {"cf_contract": "600000", "grade": "A"})
    field_services.deactivate_custom_field(personas.boss, CustomField.objects.get(key="contract"))

    agent_page = client_for(personas.agent).get(customer.get_absolute_url())
    boss_page = client_for(personas.boss).get(customer.get_absolute_url())

    assert "修改了字段" in agent_page.text
    assert "A（重点客户）" in agent_page.text
    assert "600,000" not in agent_page.text
    assert "合同金额" not in agent_page.text
    assert "<del>¥500,000.00</del> → <ins>¥600,000.00</ins>" in boss_page.text


def test_agent_cannot_reveal(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    customer = _agent_customer(personas, make_customer)
    contact = customer.contacts.get()
    before = _state()

    response = _htmx_client(personas.agent).post(f"/contacts/{contact.public_id}/reveal/mobile/")

    assert response.status_code == 403
    assert MOBILE not in response.content.decode()
    assert _state() == before


# A custom role with a hidden, a read-only and two masked built-in fields.


@pytest.fixture
def limited(personas: Personas) -> User:
    return _restricted_user(personas)


@pytest.fixture
def revealer(personas: Personas) -> User:
    return _restricted_user(personas, reveal=True)


def test_restricted_page_hides_and_masks(
    personas: Personas, client_for: ClientFor, limited: User
) -> None:
    customer = _restricted_customer(personas, limited)
    _store_restricted_values(customer, personas)

    page = client_for(limited).get(customer.get_absolute_url())

    assert page.status_code == 200
    assert "统一社会信用代码" not in page.text
    assert CREDIT_CODE not in page.text
    assert "<dt>客户级别</dt><dd>B（普通客户）</dd>" in page.text
    assert f"<dt>详细地址</dt><dd>{MASKED_ADDRESS}</dd>" in page.text
    assert f"<dt>手机</dt><dd>{MASKED_MOBILE}</dd>" in page.text
    assert ADDRESS not in page.text
    assert MOBILE not in page.text
    assert "/reveal/" not in page.text


def test_restricted_timeline_drops_hidden_change(
    personas: Personas, client_for: ClientFor, limited: User
) -> None:
    customer = _restricted_customer(personas, limited)
    services.update_customer(personas.boss, customer, {"credit_code": CREDIT_CODE})
    services.update_customer(
        personas.boss, customer, {"credit_code": "91330106MA27XY9993", "grade": "A"}
    )

    page = client_for(limited).get(customer.get_absolute_url())

    entries = re.findall(r'<span class="badge system">修改了字段</span>', page.text)
    assert len(entries) == 1
    assert "<del>—</del> → <ins>A（重点客户）</ins>" in page.text
    assert "统一社会信用代码" not in page.text
    assert "91330106MA27XY" not in page.text


def test_restricted_list_hides_and_masks_columns(
    personas: Personas, client_for: ClientFor, limited: User
) -> None:
    customer = _restricted_customer(personas, limited)
    _store_restricted_values(customer, personas)
    ListPreference.objects.create(user=limited, columns=["name", "credit_code", "address", "grade"])

    page = client_for(limited).get("/")

    assert page.status_code == 200
    assert "统一社会信用代码" not in page.text
    assert CREDIT_CODE not in page.text
    assert 'value="credit_code"' not in page.text
    assert f"<td>{MASKED_ADDRESS}</td>" in page.text
    assert ADDRESS not in page.text
    # The masked column is offered in the picker but neither filtered nor sorted on.
    assert '<input type="checkbox" name="columns" value="address" checked>' in page.text
    assert 'name="f.address__contains"' not in page.text
    assert "sort=address" not in page.text
    # The read-only grade is read whole, so it may be filtered and sorted on.
    assert 'name="f.grade"' in page.text
    assert "sort=grade" in page.text
    assert "<td>B（普通客户）</td>" in page.text


def test_saved_column_of_hidden_field_dropped(
    personas: Personas, client_for: ClientFor, limited: User
) -> None:
    customer = _restricted_customer(personas, limited)
    _store_restricted_values(customer, personas)
    role = limited.role
    assert role is not None
    role.field_policy = {}
    role.save(update_fields=["field_policy"])
    client = client_for(limited)
    client.post("/customers/columns/", {"columns": ["name", "credit_code", "grade"]})
    shown_before = client.get("/")

    role.field_policy = dict(RESTRICTED_POLICY)
    role.save(update_fields=["field_policy"])
    shown_after = client.get("/")

    assert f"<td>{CREDIT_CODE}</td>" in shown_before.text
    assert shown_after.status_code == 200
    assert "统一社会信用代码" not in shown_after.text
    assert CREDIT_CODE not in shown_after.text
    assert "<td>B（普通客户）</td>" in shown_after.text


def test_list_masks_without_extra_queries(
    personas: Personas, client_for: ClientFor, limited: User
) -> None:
    ListPreference.objects.create(user=limited, columns=["name", "address", "grade"])
    client = client_for(limited)

    def list_queries() -> int:
        with CaptureQueriesContext(connection) as context:
            response = client.get("/")
        assert response.status_code == 200
        return len(context.captured_queries)

    for index in range(3):
        _restricted_customer(personas, limited, f"少量客户{index}", f"1390000{index:04d}")
    few = list_queries()
    for index in range(20):
        _restricted_customer(personas, limited, f"更多客户{index}", f"1370000{index:04d}")
    many = list_queries()

    assert many == few


def test_hidden_owner_and_dates_leave_summary_and_views(
    personas: Personas, client_for: ClientFor, make_customer: MakeCustomer
) -> None:
    customer = make_customer("杭州星星科技有限公司", next_follow_up_on="2024-03-01")
    role = personas.rep.role
    assert role is not None
    role.field_policy = {
        "customer.owner": FieldAccess.HIDDEN,
        "customer.next_follow_up_on": FieldAccess.HIDDEN,
    }
    role.save(update_fields=["field_policy"])
    client = client_for(personas.rep)

    page = client.get(customer.get_absolute_url())
    listing = client.get("/")

    assert page.status_code == 200
    assert "负责人" not in page.text
    assert "2024-03-01" not in page.text
    assert listing.status_code == 200
    assert "view=mine" not in listing.text
    assert "view=due_today" not in listing.text
    assert "view=idle_30" in listing.text


# Forms: hidden fields absent, read-only and masked fields shown as text.


def test_edit_form_follows_policy(personas: Personas, client_for: ClientFor, limited: User) -> None:
    customer = _restricted_customer(personas, limited)
    _store_restricted_values(customer, personas)

    page = client_for(limited).get(f"/customers/{customer.public_id}/edit/")

    assert page.status_code == 200
    assert "统一社会信用代码" not in page.text
    assert CREDIT_CODE not in page.text
    assert 'name="credit_code"' not in page.text
    assert 'name="grade"' not in page.text
    assert 'name="address"' not in page.text
    assert '<span class="label">客户级别</span>' in page.text
    assert '<p class="static">B（普通客户）</p>' in page.text
    assert f'<p class="static">{MASKED_ADDRESS}</p>' in page.text
    assert ADDRESS not in page.text
    assert 'name="short_name"' in page.text


def test_contact_forms_mask_mobile(
    personas: Personas, client_for: ClientFor, limited: User
) -> None:
    customer = _restricted_customer(personas, limited)
    contact = customer.contacts.get()
    client = client_for(limited)

    edit_page = client.get(f"/contacts/{contact.public_id}/edit/")
    add_page = client.get(f"/customers/{customer.public_id}/contacts/new/")
    create_page = client.get("/customers/new/")

    assert edit_page.status_code == 200
    assert f'<p class="static">{MASKED_MOBILE}</p>' in edit_page.text
    assert MOBILE not in edit_page.text
    assert 'name="mobile"' not in edit_page.text
    assert 'name="title"' in edit_page.text
    assert 'name="mobile"' not in add_page.text
    assert 'name="contact.mobile"' not in create_page.text
    assert 'name="credit_code"' not in create_page.text
    assert 'name="contact.title"' in create_page.text


def test_edit_saves_allowed_fields_and_keeps_others(
    personas: Personas, client_for: ClientFor, limited: User
) -> None:
    customer = _restricted_customer(personas, limited)
    _store_restricted_values(customer, personas)
    customer.refresh_from_db()

    response = client_for(limited).post(
        f"/customers/{customer.public_id}/edit/",
        {
            "name": "宁波海风贸易有限公司",
            "short_name": "海风",
            "status": "lead",
            "expected_version": str(customer.version),
        },
    )

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.short_name == "海风"
    assert (customer.credit_code, customer.grade, customer.address) == (
        CREDIT_CODE,
        "B",
        ADDRESS,
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("credit_code", "91330106MA27XY000T", "未知字段“credit_code”。"),
        ("grade", "A", "您的角色不能修改“客户级别”。"),
        ("address", "上海市", "您的角色不能修改“详细地址”。"),
    ],
)
def test_crafted_customer_post_is_refused(
    personas: Personas,
    client_for: ClientFor,
    limited: User,
    field: str,
    value: str,
    message: str,
) -> None:
    customer = _restricted_customer(personas, limited)
    _store_restricted_values(customer, personas)
    customer.refresh_from_db()
    before = _state()

    response = client_for(limited).post(
        f"/customers/{customer.public_id}/edit/",
        {
            "name": "改过的名字有限公司",
            field: value,
            "expected_version": str(customer.version),
        },
    )

    assert response.status_code == 400
    assert message in response.text
    assert _state() == before


def test_crafted_contact_post_is_refused(
    personas: Personas, client_for: ClientFor, limited: User
) -> None:
    customer = _restricted_customer(personas, limited)
    contact = customer.contacts.get()
    client = client_for(limited)
    before = _state()

    edited = client.post(
        f"/contacts/{contact.public_id}/edit/",
        {"name": "赵强", "title": "总经理", "mobile": "13900001111"},
    )
    added = client.post(
        f"/customers/{customer.public_id}/contacts/new/",
        {"name": "钱多多", "mobile": "13900002222"},
    )
    created = client.post(
        "/customers/new/",
        {"name": "温州瓯江阀门有限公司", "contact.name": "周杰", "contact.mobile": "13900003333"},
    )

    for response in (edited, added, created):
        assert response.status_code == 400
        assert "您的角色不能修改“手机”。" in response.text
    assert _state() == before


def test_crafted_create_post_refused(client_for: ClientFor, limited: User) -> None:
    before = _state()

    response = client_for(limited).post(
        "/customers/new/", {"name": "温州瓯江阀门有限公司", "credit_code": CREDIT_CODE}
    )

    assert response.status_code == 400
    assert "未知字段“credit_code”。" in response.text
    assert _state() == before


# Revealing masked values.


def test_reveal_button_needs_capability(
    personas: Personas, client_for: ClientFor, limited: User, revealer: User
) -> None:
    hidden_from = _restricted_customer(personas, limited)
    shown_to = _restricted_customer(personas, revealer, "温州瓯江阀门有限公司", "13700001111")
    contact = shown_to.contacts.get()

    without = client_for(limited).get(hidden_from.get_absolute_url())
    with_capability = client_for(revealer).get(shown_to.get_absolute_url())

    assert "/reveal/" not in without.text
    assert f'action="/contacts/{contact.public_id}/reveal/mobile/"' in with_capability.text
    assert f'action="/customers/{shown_to.public_id}/reveal/address/"' in with_capability.text
    assert "显示完整" in with_capability.text
    assert "/reveal/grade/" not in with_capability.text


def test_reveal_swaps_in_value_and_audits(
    personas: Personas, client_for: ClientFor, revealer: User
) -> None:
    customer = _restricted_customer(personas, revealer)
    contact = customer.contacts.get()
    client = _htmx_client(revealer)

    mobile = client.post(f"/contacts/{contact.public_id}/reveal/mobile/")
    address = client.post(f"/customers/{customer.public_id}/reveal/address/")

    assert mobile.status_code == 200
    assert mobile.content.decode() == f'<span class="revealed">{MOBILE}</span>'
    assert "no-store" in mobile["Cache-Control"]
    assert address.content.decode() == f'<span class="revealed">{ADDRESS}</span>'
    entries = list(AuditEntry.objects.order_by("pk"))
    assert [(entry.actor, entry.action) for entry in entries] == [
        (revealer, AuditAction.REVEAL),
        (revealer, AuditAction.REVEAL),
    ]
    assert (entries[0].target_type, entries[0].target_id) == ("contact", str(contact.public_id))
    assert entries[0].detail == {"field": "mobile", "customer": str(customer.public_id)}
    assert (entries[1].target_type, entries[1].target_id) == ("customer", str(customer.public_id))
    assert entries[1].detail == {"field": "address"}


def test_reveal_without_htmx_shows_a_page(
    personas: Personas, client_for: ClientFor, revealer: User
) -> None:
    customer = _restricted_customer(personas, revealer)
    contact = customer.contacts.get()

    response = client_for(revealer).post(f"/contacts/{contact.public_id}/reveal/mobile/")

    assert response.status_code == 200
    assert "<h1>赵强 · 手机</h1>" in response.text
    assert f'<span class="revealed">{MOBILE}</span>' in response.text
    assert AuditEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("customers/{customer}/reveal/credit_code/", 404),
        ("customers/{customer}/reveal/no_such_field/", 404),
        ("customers/{customer}/reveal/grade/", 400),
        ("customers/{customer}/reveal/short_name/", 400),
        ("contacts/{contact}/reveal/title/", 400),
    ],
)
def test_reveal_only_masked_fields(
    personas: Personas, client_for: ClientFor, revealer: User, path: str, status: int
) -> None:
    customer = _restricted_customer(personas, revealer)
    _store_restricted_values(customer, personas)
    contact = customer.contacts.get()
    before = _state()

    response = _htmx_client(revealer).post(
        "/" + path.format(customer=customer.public_id, contact=contact.public_id),
    )

    assert response.status_code == status
    assert CREDIT_CODE not in response.content.decode()
    assert _state() == before


def test_reveal_of_foreign_contact_looks_missing(
    personas: Personas, client_for: ClientFor, revealer: User, limited: User
) -> None:
    customer = _restricted_customer(personas, limited)
    contact = customer.contacts.get()
    client = _htmx_client(revealer)
    before = _state()

    foreign = client.post(f"/contacts/{contact.public_id}/reveal/mobile/")
    missing = client.post("/contacts/00000000-0000-4000-8000-000000000000/reveal/mobile/")

    assert foreign.status_code == 404
    assert foreign.content == missing.content
    assert _state() == before


def test_reveal_needs_post(personas: Personas, client_for: ClientFor, revealer: User) -> None:
    customer = _restricted_customer(personas, revealer)
    contact = customer.contacts.get()

    response = client_for(revealer).get(f"/contacts/{contact.public_id}/reveal/mobile/")

    assert response.status_code == 405
    assert AuditEntry.objects.count() == 0
