from collections.abc import Callable

from kehu.api.tests.conftest import Caller, make_customer, snapshot
from kehu.conftest import Personas
from kehu.customers.models import Contact
from kehu.fields.models import CustomField, FieldTarget, FieldType


def test_list_contacts_primary_first(personas: Personas, call_as: Callable[..., Caller]) -> None:
    customer = make_customer(personas.rep)
    caller = call_as(personas.rep)
    caller.post(f"/customers/{customer.public_id}/contacts", {"name": "李雷", "title": "总经理"})

    response = caller.get(f"/customers/{customer.public_id}/contacts")

    assert response.status == 200
    assert [(row["name"], row["is_primary"]) for row in response.body] == [
        ("王芳", True),
        ("李雷", False),
    ]
    assert response.body[1]["title"] == "总经理"


def test_add_contact_normalises_and_records_event(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    customer = make_customer(personas.rep)

    response = call_as(personas.rep).post(
        f"/customers/{customer.public_id}/contacts",
        {"name": "李雷", "mobile": "139 1234 5678", "email": "LiLei@Example.com"},
    )

    assert response.status == 201
    assert response.body["mobile"] == "13912345678"
    assert response.body["email"] == "lilei@example.com"
    assert response.body["is_primary"] is False
    assert customer.events.filter(kind="contact_added").count() == 1


def test_add_contact_with_taken_mobile_is_409(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    make_customer(personas.rep2, "宁波海风贸易有限公司", "13912345678")
    customer = make_customer(personas.rep)
    before = snapshot()

    response = call_as(personas.rep).post(
        f"/customers/{customer.public_id}/contacts", {"name": "李雷", "mobile": "13912345678"}
    )

    assert response.status == 409
    assert response.body["messages"] == ["已存在相同手机号的客户（负责人：张销售）。"]
    assert response.body["blocking"] is True
    assert snapshot() == before


def test_update_contact_makes_it_primary(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    customer = make_customer(personas.rep)
    caller = call_as(personas.rep)
    added = caller.post(f"/customers/{customer.public_id}/contacts", {"name": "李雷"})

    response = caller.patch(
        f"/customers/{customer.public_id}/contacts/{added.body['id']}",
        {"is_primary": True, "title": "采购总监"},
    )

    assert response.status == 200
    assert response.body["is_primary"] is True
    assert response.body["title"] == "采购总监"
    assert response.body["version"] == 2
    assert list(customer.contacts.filter(is_primary=True).values_list("name", flat=True)) == [
        "李雷"
    ]


def test_contact_custom_field(personas: Personas, call_as: Callable[..., Caller]) -> None:
    CustomField.objects.create(
        target=FieldTarget.CONTACT, key="birthday", label="生日", field_type=FieldType.DATE
    )
    customer = make_customer(personas.rep)

    response = call_as(personas.rep).post(
        f"/customers/{customer.public_id}/contacts",
        {"name": "李雷", "custom": {"cf_birthday": "1990年5月1日"}},
    )

    assert response.status == 201
    assert response.body["custom"] == {"cf_birthday": "1990-05-01"}


def test_contact_of_other_customer_is_404(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    first = make_customer(personas.rep)
    second = make_customer(personas.rep, "宁波海风贸易有限公司", "13912345678")
    contact = first.contacts.get()
    before = snapshot()

    response = call_as(personas.rep).patch(
        f"/customers/{second.public_id}/contacts/{contact.public_id}", {"title": "总经理"}
    )

    assert response.status == 404
    assert snapshot() == before


def test_other_rep_cannot_list_or_add_contacts(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    customer = make_customer(personas.rep)
    caller = call_as(personas.rep2)
    before = snapshot()

    listed = caller.get(f"/customers/{customer.public_id}/contacts")
    added = caller.post(f"/customers/{customer.public_id}/contacts", {"name": "李雷"})

    assert listed.status == 404
    assert added.status == 404
    assert snapshot() == before


def test_agent_cannot_add_or_change_contacts(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    customer = make_customer(personas.rep)
    customer.agents.add(personas.agent)
    contact = customer.contacts.get()
    caller = call_as(personas.agent)
    before = snapshot()

    listed = caller.get(f"/customers/{customer.public_id}/contacts")
    added = caller.post(f"/customers/{customer.public_id}/contacts", {"name": "李雷"})
    changed = caller.patch(
        f"/customers/{customer.public_id}/contacts/{contact.public_id}", {"title": "总经理"}
    )

    assert listed.status == 200
    assert added.status == 403
    assert changed.status == 403
    assert snapshot() == before
    assert Contact.objects.count() == 1
