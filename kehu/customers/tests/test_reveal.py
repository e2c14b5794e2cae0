"""reveal_value: the whole value of a masked field for roles that may reveal, and its audit."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kehu.audit.models import AuditAction, AuditEntry
from kehu.conftest import Personas
from kehu.customers import services
from kehu.customers.models import Contact, Customer
from kehu.customers.reveal import FieldNotFound, reveal_value
from kehu.fields import services as field_services
from kehu.fields.models import FieldTarget
from kehu.org.models import Capability, DataScope, FieldAccess, Role, User

MOBILE = "13812345678"


def _user(personas: Personas, name: str, capabilities: list[str]) -> User:
    """Return a user who sees mobiles, grades and money masked and credit codes not at all."""
    role = Role.objects.create(
        name=name,
        data_scope=DataScope.OWN,
        capabilities=capabilities,
        field_policy={
            "contact.mobile": FieldAccess.MASKED,
            "customer.grade": FieldAccess.MASKED,
            "customer.credit_code": FieldAccess.HIDDEN,
        },
        money_access=FieldAccess.MASKED,
    )
    return User.objects.create_user(
        username=name, display_name=name, role=role, department=personas.rep.department
    )


@pytest.fixture
def revealer(personas: Personas) -> User:
    return _user(personas, "revealer", [Capability.FOLLOW_UP, Capability.REVEAL])


@pytest.fixture
def customer(personas: Personas, revealer: User) -> Customer:
    field_services.create_custom_field(
        personas.boss,
        FieldTarget.CUSTOMER,
        {"key": "contract", "field_type": "money", "label": "合同金额"},
    )
    return services.create_customer(
        personas.boss,
        {"name": "杭州星星科技有限公司", "grade": "B", "cf_contract": "500000"},
        [{"name": "王芳", "mobile": MOBILE}],
        owner=revealer,
    )


def test_reveal_returns_mobile_and_audits(revealer: User, customer: Customer) -> None:
    contact = customer.contacts.get()

    value = reveal_value(revealer, contact, "mobile")

    assert value == MOBILE
    entry = AuditEntry.objects.get()
    assert entry.actor == revealer
    assert entry.action == AuditAction.REVEAL
    assert (entry.target_type, entry.target_id) == ("contact", str(contact.public_id))
    assert entry.detail == {"field": "mobile", "customer": str(customer.public_id)}


def test_reveal_returns_stored_forms(revealer: User, customer: Customer) -> None:
    grade = reveal_value(revealer, customer, "grade")
    contract = reveal_value(revealer, customer, "cf_contract")

    assert grade == "B"
    assert contract == "500000.00"
    details = list(AuditEntry.objects.order_by("pk").values_list("target_type", "detail"))
    assert details == [("customer", {"field": "grade"}), ("customer", {"field": "cf_contract"})]


def test_reveal_needs_capability(personas: Personas) -> None:
    without = _user(personas, "plain", [Capability.FOLLOW_UP])
    own = services.create_customer(
        personas.boss,
        {"name": "宁波海风贸易有限公司"},
        [{"name": "赵强", "mobile": MOBILE}],
        owner=without,
    )

    with pytest.raises(PermissionDenied):
        reveal_value(without, own.contacts.get(), "mobile")

    assert AuditEntry.objects.count() == 0


def test_reveal_of_invisible_record_looks_missing(personas: Personas, customer: Customer) -> None:
    contact = customer.contacts.get()
    outsider = _user(personas, "outsider", [Capability.REVEAL])

    with pytest.raises(Contact.DoesNotExist):
        reveal_value(outsider, contact, "mobile")
    with pytest.raises(Customer.DoesNotExist):
        reveal_value(outsider, customer, "grade")

    assert AuditEntry.objects.count() == 0


def test_deactivated_user_reveal_looks_missing(revealer: User, customer: Customer) -> None:
    revealer.is_active = False
    revealer.save(update_fields=["is_active"])

    with pytest.raises(Contact.DoesNotExist):
        reveal_value(revealer, customer.contacts.get(), "mobile")

    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize("key", ["credit_code", "no_such_field", "mobile"])
def test_reveal_of_hidden_or_unknown_field(revealer: User, customer: Customer, key: str) -> None:
    # "mobile" is a contact field, so on a customer it is unknown.
    with pytest.raises(FieldNotFound):
        reveal_value(revealer, customer, key)

    assert AuditEntry.objects.count() == 0


def test_reveal_of_whole_field_is_invalid(revealer: User, customer: Customer) -> None:
    with pytest.raises(ValidationError) as raised:
        reveal_value(revealer, customer, "name")

    assert raised.value.message_dict == {"name": ["您已能看到“客户名称”的完整内容。"]}
    assert AuditEntry.objects.count() == 0
