"""API input follows the field policy, and masked values are revealed only on request.

A hidden field in a body is rejected exactly like an unknown one, a read-only or masked one with
an error naming it, and owner or creator keys never pass an edit. Every rejected request leaves
the database unchanged.
"""

from collections.abc import Callable

import pytest

from kehu.api.tests.conftest import Caller, make_customer, snapshot
from kehu.audit.models import AuditAction, AuditEntry
from kehu.conftest import Personas
from kehu.customers.models import Customer
from kehu.fields.models import CustomField, FieldTarget, FieldType
from kehu.org.models import Capability, DataScope, FieldAccess, Role, User

NOT_FOUND = {"detail": "未找到。"}
MISSING_ID = "00000000-0000-4000-8000-000000000000"


def _user_with_policy(
    personas: Personas, field_policy: dict[str, str], *, reveal: bool = False
) -> User:
    capabilities = [Capability.CREATE, Capability.EDIT, Capability.FOLLOW_UP]
    if reveal:
        capabilities.append(Capability.REVEAL)
    role = Role.objects.create(
        name="客服",
        data_scope=DataScope.DEPARTMENT,
        capabilities=capabilities,
        field_policy=field_policy,
    )
    return User.objects.create_user(
        username="service",
        password="test-pass-123",
        display_name="客服甲",
        role=role,
        department=personas.rep.department,
    )


@pytest.fixture
def clerk(personas: Personas) -> User:
    """A role that hides the address, makes the grade read-only and masks mobiles."""
    return _user_with_policy(
        personas,
        {
            "customer.address": FieldAccess.HIDDEN,
            "customer.grade": FieldAccess.READ_ONLY,
            "contact.mobile": FieldAccess.MASKED,
        },
        reveal=True,
    )


def test_hidden_field_rejected_like_unknown(
    personas: Personas, call_as: Callable[..., Caller], clerk: User
) -> None:
    customer = make_customer(personas.rep)
    caller = call_as(clerk)
    before = snapshot()

    hidden = caller.patch(f"/customers/{customer.public_id}", {"address": "文三路 1 号"})
    unknown = caller.patch(f"/customers/{customer.public_id}", {"colour": "红"})

    assert hidden.status == 422
    assert hidden.body == {"errors": {"address": ["未知字段“address”。"]}}
    assert unknown.status == 422
    assert unknown.body == {"errors": {"colour": ["未知字段“colour”。"]}}
    assert snapshot() == before


def test_read_only_field_rejected(
    personas: Personas, call_as: Callable[..., Caller], clerk: User
) -> None:
    customer = make_customer(personas.rep)
    before = snapshot()

    response = call_as(clerk).patch(f"/customers/{customer.public_id}", {"grade": "A"})

    assert response.status == 422
    assert response.body == {"errors": {"grade": ["您的角色不能修改“客户级别”。"]}}
    assert snapshot() == before


def test_masked_contact_field_rejected(
    personas: Personas, call_as: Callable[..., Caller], clerk: User
) -> None:
    customer = make_customer(personas.rep)
    contact = customer.contacts.get()
    before = snapshot()

    response = call_as(clerk).patch(
        f"/customers/{customer.public_id}/contacts/{contact.public_id}",
        {"mobile": "13987654321"},
    )

    assert response.status == 422
    assert response.body == {"errors": {"mobile": ["您的角色不能修改“手机”。"]}}
    assert snapshot() == before


def test_create_with_hidden_contact_field_rejected(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    user = _user_with_policy(personas, {"contact.email": FieldAccess.HIDDEN})
    before = snapshot()

    response = call_as(user).post(
        "/customers",
        {
            "name": "宁波海风贸易有限公司",
            "contacts": [{"name": "李雷", "email": "lilei@haifeng.cn"}],
        },
    )

    assert response.status == 422
    assert response.body == {"errors": {"contacts.0.email": ["未知字段“email”。"]}}
    assert snapshot() == before


def test_hidden_custom_field_rejected(personas: Personas, call_as: Callable[..., Caller]) -> None:
    CustomField.objects.create(
        target=FieldTarget.CUSTOMER, key="amount", label="合同金额", field_type=FieldType.MONEY
    )
    user = _user_with_policy(personas, {"customer.cf_amount": FieldAccess.HIDDEN})
    customer = make_customer(personas.rep)
    before = snapshot()

    response = call_as(user).patch(
        f"/customers/{customer.public_id}", {"custom": {"cf_amount": "100"}}
    )

    assert response.status == 422
    assert response.body == {"errors": {"cf_amount": ["未知字段“cf_amount”。"]}}
    assert snapshot() == before


@pytest.mark.parametrize("key", ["owner", "creator", "created_at"])
def test_patch_with_protected_key_rejected(
    personas: Personas, call_as: Callable[..., Caller], key: str
) -> None:
    customer = make_customer(personas.rep)
    before = snapshot()

    response = call_as(personas.boss).patch(
        f"/customers/{customer.public_id}", {key: str(personas.boss.public_id)}
    )

    assert response.status == 422
    assert response.body == {"errors": {key: ["这个字段只能通过专门的操作（例如转移客户）修改。"]}}
    assert snapshot() == before


def test_agent_patch_forbidden(personas: Personas, call_as: Callable[..., Caller]) -> None:
    customer = make_customer(personas.rep)
    customer.agents.add(personas.agent)
    before = snapshot()

    response = call_as(personas.agent).patch(f"/customers/{customer.public_id}", {"notes": "改"})

    assert response.status == 403
    assert snapshot() == before


def test_reveal_contact_mobile(
    personas: Personas, call_as: Callable[..., Caller], clerk: User
) -> None:
    customer = make_customer(personas.rep)
    contact = customer.contacts.get()

    response = call_as(clerk).post(
        f"/customers/{customer.public_id}/contacts/{contact.public_id}/reveal", {"field": "mobile"}
    )

    assert response.status == 200
    assert response.body == {"field": "mobile", "value": "13812345678"}
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action) == (clerk, AuditAction.REVEAL)
    assert (entry.target_type, entry.target_id) == ("contact", str(contact.public_id))
    assert entry.detail == {"field": "mobile", "customer": str(customer.public_id)}


def test_reveal_customer_field(personas: Personas, call_as: Callable[..., Caller]) -> None:
    user = _user_with_policy(personas, {"customer.credit_code": FieldAccess.MASKED}, reveal=True)
    customer = make_customer(personas.rep, credit_code="91330106MA2B3C4D5D")

    shown = call_as(user).get(f"/customers/{customer.public_id}")
    response = call_as(user).post(
        f"/customers/{customer.public_id}/reveal", {"field": "credit_code"}
    )

    assert shown.body["credit_code"] == "913****4D5D"
    assert response.status == 200
    assert response.body == {"field": "credit_code", "value": "91330106MA2B3C4D5D"}
    assert AuditEntry.objects.filter(action=AuditAction.REVEAL).count() == 1


def test_reveal_needs_capability(personas: Personas, call_as: Callable[..., Caller]) -> None:
    customer = make_customer(personas.rep)
    customer.agents.add(personas.agent)
    contact = customer.contacts.get()

    response = call_as(personas.agent).post(
        f"/customers/{customer.public_id}/contacts/{contact.public_id}/reveal", {"field": "mobile"}
    )

    assert response.status == 403
    assert response.body == {"detail": "您的角色不能查看打码字段的完整内容。"}
    assert AuditEntry.objects.count() == 0


def test_reveal_of_hidden_field_reads_as_unknown(
    personas: Personas, call_as: Callable[..., Caller], clerk: User
) -> None:
    customer = make_customer(personas.rep)
    caller = call_as(clerk)

    hidden = caller.post(f"/customers/{customer.public_id}/reveal", {"field": "address"})
    unknown = caller.post(f"/customers/{customer.public_id}/reveal", {"field": "colour"})

    assert hidden.status == 422
    assert hidden.body == {"errors": {"field": ["未知字段“address”。"]}}
    assert unknown.body == {"errors": {"field": ["未知字段“colour”。"]}}
    assert AuditEntry.objects.count() == 0


def test_reveal_of_whole_field_rejected(
    personas: Personas, call_as: Callable[..., Caller], clerk: User
) -> None:
    customer = make_customer(personas.rep)

    response = call_as(clerk).post(f"/customers/{customer.public_id}/reveal", {"field": "name"})

    assert response.status == 422
    assert list(response.body["errors"]) == ["field"]
    assert AuditEntry.objects.count() == 0


def test_reveal_outside_scope_is_404(
    personas: Personas, call_as: Callable[..., Caller], clerk: User
) -> None:
    outside = make_customer(personas.other_rep)
    contact = outside.contacts.get()
    caller = call_as(clerk)

    hidden = caller.post(
        f"/customers/{outside.public_id}/contacts/{contact.public_id}/reveal", {"field": "mobile"}
    )
    missing = caller.post(
        f"/customers/{outside.public_id}/contacts/{MISSING_ID}/reveal", {"field": "mobile"}
    )
    hidden_customer = caller.post(f"/customers/{outside.public_id}/reveal", {"field": "name"})
    missing_customer = caller.post(f"/customers/{MISSING_ID}/reveal", {"field": "name"})

    assert (hidden.status, hidden.body) == (404, NOT_FOUND)
    assert (missing.status, missing.body) == (404, NOT_FOUND)
    assert (hidden_customer.status, hidden_customer.body) == (404, NOT_FOUND)
    assert (missing_customer.status, missing_customer.body) == (404, NOT_FOUND)
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize("method", ["DELETE", "PUT"])
def test_unsupported_method_answers_json(
    personas: Personas, call_as: Callable[..., Caller], method: str
) -> None:
    customer = make_customer(personas.rep)
    before = snapshot()

    response = call_as(personas.rep).request(method, f"/customers/{customer.public_id}")

    assert response.status == 405
    assert response.headers["Content-Type"] == "application/json"
    assert response.body == {"detail": f"这里不支持 {method} 方法。可用的方法：GET, PATCH。"}
    assert sorted(response.headers["Allow"].split(", ")) == ["GET", "PATCH"]
    assert snapshot() == before
    assert Customer.objects.filter(pk=customer.pk).exists()
