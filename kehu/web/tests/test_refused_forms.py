"""Forms a user may not submit are refused on GET as on POST, and the customer page offers none.

The read-only share holder is the second persona rep: the customer belongs to the first rep and
is shared with the second one read-only. The contact cases use a rep-like role whose field
policy locks the contact's name, or every contact field.
"""

from collections.abc import Mapping
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from kehu.conftest import Personas
from kehu.customers import services, sharing
from kehu.customers.models import Contact, Customer, CustomerShare
from kehu.fields.models import FieldTarget
from kehu.fields.registry import fields_for
from kehu.org.models import Capability, DataScope, FieldAccess, Role, User
from kehu.timeline import services as timeline_services
from kehu.timeline.models import FollowUp
from kehu.web.tests.conftest import ClientFor, MakeCustomer

NOT_EDITABLE = "You may not edit this customer."
NO_FOLLOW_UPS = "You may not add follow-ups to this customer."
NO_NEW_CONTACT = "Your role may not set every field a new contact needs, so it cannot add contacts."
NO_CONTACT_FIELD = "Your role may not change any field of a contact."


def _chinese(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


def _state() -> dict[str, list[Any]]:
    return {
        "customers": list(Customer.objects.order_by("pk").values()),
        "contacts": list(Contact.objects.order_by("pk").values()),
        "follow_ups": list(FollowUp.objects.order_by("pk").values()),
    }


@pytest.fixture
def customer(personas: Personas, make_customer: MakeCustomer) -> Customer:
    """The first rep's customer, shared read-only with the second rep."""
    shared = make_customer("宁波海风贸易有限公司", contacts=[{"name": "赵强"}])
    sharing.share_customer(personas.rep, shared, personas.rep2, "read", None)
    return shared


def _role_user(personas: Personas, field_policy: Mapping[str, str]) -> User:
    role = Role.objects.create(
        name="联系人受限销售",
        data_scope=DataScope.OWN,
        capabilities=[Capability.CREATE, Capability.EDIT, Capability.FOLLOW_UP],
        field_policy=dict(field_policy),
    )
    return User.objects.create_user(
        username="limited",
        password="test-pass-123",
        display_name="孙销售",
        role=role,
        department=personas.rep.department,
    )


def _customer_of(personas: Personas, owner: User) -> Customer:
    """Return a customer of `owner` with one contact, created by the boss, whose role may."""
    return services.create_customer(
        personas.boss, {"name": "杭州星星科技有限公司"}, [{"name": "王芳"}], owner=owner
    )


def _assert_refused(response: Any, message: str) -> None:
    assert response.status_code == 403
    assert _chinese(message) in response.text
    assert "<form" not in response.text


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/customers/{customer}/edit/", NOT_EDITABLE),
        ("/customers/{customer}/contacts/new/", NOT_EDITABLE),
        ("/contacts/{contact}/edit/", NOT_EDITABLE),
    ],
)
def test_reader_gets_403_on_get_and_post(
    personas: Personas, client_for: ClientFor, customer: Customer, path: str, message: str
) -> None:
    url = path.format(customer=customer.public_id, contact=customer.contacts.get().public_id)
    client = client_for(personas.rep2)
    before = _state()

    form = client.get(url)
    save = client.post(url, {"name": "改名"})

    _assert_refused(form, message)
    _assert_refused(save, message)
    assert form.text == save.text
    assert _state() == before


def test_reader_page_offers_no_write_actions(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    timeline_services.add_follow_up(personas.rep, customer, {"kind": "call", "content": "电话"})

    page = client_for(personas.rep2).get(customer.get_absolute_url())
    owner_page = client_for(personas.rep).get(customer.get_absolute_url())

    assert page.status_code == 200
    for link in ("/edit/", "/contacts/new/", 'id="follow-up-form"', "sharing-panel"):
        assert link not in page.text
        assert link in owner_page.text


def test_read_only_author_cannot_edit_follow_up(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    CustomerShare.objects.filter(user=personas.rep2).update(access="write")
    follow_up = timeline_services.add_follow_up(
        personas.rep2, customer, {"kind": "call", "content": "电话确认"}
    )
    CustomerShare.objects.filter(user=personas.rep2).update(access="read")
    client = client_for(personas.rep2)
    url = f"/follow-ups/{follow_up.public_id}/edit/"
    before = _state()

    form = client.get(url)
    save = client.post(url, {"kind": "call", "content": "改写"})
    page = client.get(customer.get_absolute_url())

    _assert_refused(form, NO_FOLLOW_UPS)
    _assert_refused(save, NO_FOLLOW_UPS)
    assert url not in page.text
    assert _state() == before


@pytest.mark.parametrize("access", [FieldAccess.READ_ONLY, FieldAccess.HIDDEN, FieldAccess.MASKED])
def test_contact_name_locked_refuses_new_contacts(
    personas: Personas, client_for: ClientFor, access: str
) -> None:
    user = _role_user(personas, {"contact.name": access})
    own = _customer_of(personas, user)
    client: Client = client_for(user)
    url = f"/customers/{own.public_id}/contacts/new/"
    before = _state()

    page = client.get(own.get_absolute_url())
    form = client.get(url)
    save = client.post(url, {"name": "吴新来", "title": "经理"})
    create_form = client.get("/customers/new/")

    assert url not in page.text
    # The contact can still be changed: its other fields are editable.
    assert f"/contacts/{own.contacts.get().public_id}/edit/" in page.text
    _assert_refused(form, NO_NEW_CONTACT)
    _assert_refused(save, NO_NEW_CONTACT)
    assert create_form.status_code == 200
    assert 'name="contact.title"' not in create_form.text
    assert _state() == before


def test_every_contact_field_locked_refuses_contact_edits(
    personas: Personas, client_for: ClientFor
) -> None:
    locked = {
        f"contact.{spec.key}": FieldAccess.READ_ONLY for spec in fields_for(FieldTarget.CONTACT)
    }
    user = _role_user(personas, locked)
    own = _customer_of(personas, user)
    client = client_for(user)
    url = f"/contacts/{own.contacts.get().public_id}/edit/"
    before = _state()

    page = client.get(own.get_absolute_url())
    form = client.get(url)
    save = client.post(url, {"title": "经理"})

    assert url not in page.text
    assert f"/customers/{own.public_id}/edit/" in page.text
    _assert_refused(form, NO_CONTACT_FIELD)
    _assert_refused(save, NO_CONTACT_FIELD)
    assert _state() == before


def test_agent_sees_no_contact_links(
    personas: Personas, client_for: ClientFor, customer: Customer
) -> None:
    customer.agents.add(personas.agent)

    page = client_for(personas.agent).get(customer.get_absolute_url())

    assert page.status_code == 200
    assert "/contacts/new/" not in page.text
    assert "/edit/" not in page.text
