"""Voiding a payment received: the service, the contract page, the API and the field policy."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from kehu.audit.models import AuditAction, AuditEntry
from kehu.conftest import Personas
from kehu.org.models import FieldAccess, User
from kehu.sales import payments
from kehu.sales.models import Contract, Receipt
from kehu.sales.tests.conftest import Shop, call_api
from kehu.sales.tests.test_payments import PLANS, receive, signed
from kehu.timeline.models import Event, EventKind

D = Decimal
# An amount no other value of the contract (100,000.10) or its plan contains.
WRONG = "12345.67"


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _hide_receipts(user: User) -> None:
    role = user.role
    assert role is not None
    role.field_policy = {"payment.received": FieldAccess.HIDDEN}
    role.save(update_fields=["field_policy"])


def _state() -> tuple[object, ...]:
    return (
        list(Receipt.objects.values_list("voided_at", "voided_by", "void_reason")),
        Event.objects.count(),
        AuditEntry.objects.count(),
    )


def _wrong_receipt(personas: Personas, shop: Shop) -> tuple[Contract, Receipt]:
    contract = signed(personas, shop)
    payments.set_payment_plans(personas.rep, contract, PLANS)
    receive(personas.rep, contract, "20000.02")
    receive(personas.rep, contract, WRONG)
    return contract, Receipt.objects.get(amount=D(WRONG))


def test_void_keeps_receipt_out_of_sums(personas: Personas, shop: Shop) -> None:
    contract, wrong = _wrong_receipt(personas, shop)
    april = dt.date(2026, 4, 1)
    before = payments.collection(contract, today=april)

    voided = payments.void_receipt(personas.manager, wrong, "金额填错")

    state = payments.collection(contract, today=april)
    assert (voided.voided_by, voided.void_reason) == (personas.manager, "金额填错")
    assert voided.voided_at is not None
    assert Receipt.objects.count() == 2
    assert before.collected == D("32345.69")
    assert (state.collected, state.outstanding) == (D("20000.02"), D("80000.08"))
    assert state.overdue == D("30000.03")
    assert payments.collected_total(contract) == D("20000.02")
    sums = payments.collection_sums(Contract.objects.filter(pk=contract.pk), april)
    assert sums[contract.pk] == (D("20000.02"), D("50000.05"))
    assert payments.only_overdue(Contract.objects.filter(pk=contract.pk), april).exists()


def test_void_records_event_and_audit(personas: Personas, shop: Shop) -> None:
    contract, wrong = _wrong_receipt(personas, shop)

    payments.void_receipt(personas.manager, wrong, "重复登记")

    event = Event.objects.latest("id")
    assert event.kind == EventKind.PAYMENT_VOIDED
    assert event.data["contract"] == str(contract.public_id)
    assert event.data["received"] == WRONG
    assert event.data["void_reason"] == "重复登记"
    entry = AuditEntry.objects.get(action=AuditAction.RECEIPT_VOIDED)
    assert entry.actor == personas.manager
    assert entry.detail == {"receipt": str(wrong.public_id), "amount": WRONG, "reason": "重复登记"}


def test_voided_amount_may_be_received_again(personas: Personas, shop: Shop) -> None:
    contract = signed(personas, shop)
    receive(personas.rep, contract, "100000.10")
    payments.void_receipt(personas.manager, Receipt.objects.get(), "客户退回")

    receive(personas.rep, contract, "100000.10")

    assert payments.collected_total(contract) == D("100000.10")


@pytest.mark.parametrize("reason", ["", "   ", "理" * 501])
def test_void_needs_a_reason(personas: Personas, shop: Shop, reason: str) -> None:
    _contract, wrong = _wrong_receipt(personas, shop)
    before = _state()

    with pytest.raises(ValidationError) as raised:
        payments.void_receipt(personas.manager, wrong, reason)

    assert list(raised.value.message_dict) == ["reason"]
    assert _state() == before


def test_void_twice_is_rejected(personas: Personas, shop: Shop) -> None:
    _contract, wrong = _wrong_receipt(personas, shop)
    payments.void_receipt(personas.manager, wrong, "重复登记")
    before = _state()

    with pytest.raises(ValidationError) as raised:
        payments.void_receipt(personas.manager, wrong, "再次作废")

    assert raised.value.message_dict == {"receipt": ["这笔回款已作废。"]}
    assert _state() == before


@pytest.mark.parametrize("persona", ["agent", "rep", "rep2", "other_rep"])
def test_only_managers_of_the_contract_may_void(
    personas: Personas, shop: Shop, persona: str
) -> None:
    _contract, wrong = _wrong_receipt(personas, shop)
    before = _state()

    with pytest.raises(PermissionDenied) as raised:
        payments.void_receipt(getattr(personas, persona), wrong, "重复登记")

    assert str(raised.value) == "只有经理可以作废回款。"
    assert _state() == before


def test_role_that_cannot_write_receipts_may_not_void(personas: Personas, shop: Shop) -> None:
    _contract, wrong = _wrong_receipt(personas, shop)
    role = personas.manager.role
    assert role is not None
    role.field_policy = {"payment.received": FieldAccess.READ_ONLY}
    role.save(update_fields=["field_policy"])
    before = _state()

    with pytest.raises(PermissionDenied):
        payments.void_receipt(personas.manager, wrong, "重复登记")

    assert _state() == before


def test_page_voids_and_strikes_through(personas: Personas, shop: Shop) -> None:
    contract, wrong = _wrong_receipt(personas, shop)
    client = _client(personas.manager)
    before = client.get(contract.get_absolute_url()).text

    response = client.post(
        f"/contracts/{contract.public_id}/receipts/{wrong.public_id}/void/", {"reason": "金额填错"}
    )

    page = client.get(contract.get_absolute_url()).text
    assert f"/receipts/{wrong.public_id}/void/" in before
    assert response.status_code == 302
    assert Receipt.objects.get(pk=wrong.pk).is_void
    assert '<tr class="void">' in page
    assert "<del>¥12,345.67</del>" in page
    assert "已作废</span> 王经理 · " in page
    assert " · 金额填错</td>" in page
    assert f"/receipts/{wrong.public_id}/void/" not in page
    assert "<dt>已回款</dt><dd>¥20,000.02</dd>" in page


def test_page_void_without_reason_shows_error(personas: Personas, shop: Shop) -> None:
    contract, wrong = _wrong_receipt(personas, shop)
    before = _state()

    response = _client(personas.manager).post(
        f"/contracts/{contract.public_id}/receipts/{wrong.public_id}/void/", {"reason": " "}
    )

    assert response.status_code == 400
    assert response.text.count('<p class="error">此字段为必填项。</p>') == 1
    assert 'class="field has-error"><label for="id_void_reason_2">' in response.text
    assert _state() == before


def test_page_void_of_other_contracts_receipt_is_404(personas: Personas, shop: Shop) -> None:
    contract, _wrong = _wrong_receipt(personas, shop)
    other = signed(personas, shop)
    receive(personas.rep, other, "10")
    foreign = Receipt.objects.get(contract=other)
    before = _state()

    response = _client(personas.rep).post(
        f"/contracts/{contract.public_id}/receipts/{foreign.public_id}/void/", {"reason": "x"}
    )

    assert response.status_code == 404
    assert _state() == before


def test_api_voids_receipt(personas: Personas, shop: Shop) -> None:
    contract, wrong = _wrong_receipt(personas, shop)
    path = f"/contracts/{contract.public_id}/receipts/{wrong.public_id}/void"

    missing = call_api(personas.manager, "POST", path, {"reason": ""})
    status, body = call_api(personas.manager, "POST", path, {"reason": "重复登记"})

    assert missing == (422, {"errors": {"reason": ["此字段为必填项。"]}})
    assert status == 200
    receipt_body = {item["id"]: item for item in body["receipts"]}[str(wrong.public_id)]
    assert receipt_body["voided"] is True
    assert receipt_body["voided_by"]["name"] == "王经理"
    assert receipt_body["void_reason"] == "重复登记"
    assert receipt_body["amount"] == WRONG
    assert body["collection"]["collected"] == "20000.02"
    assert body["collection"]["outstanding"] == "80000.08"


def test_api_void_of_unknown_receipt_is_404(personas: Personas, shop: Shop) -> None:
    contract, _wrong = _wrong_receipt(personas, shop)
    before = _state()

    status, _body = call_api(
        personas.rep,
        "POST",
        f"/contracts/{contract.public_id}/receipts/8d0c7a52-5f6b-4b8e-9b61-3c1f4c4e0a11/void",
        {"reason": "重复登记"},
    )

    assert status == 404
    assert _state() == before


def test_hidden_amount_not_shown_for_voided_receipt(personas: Personas, shop: Shop) -> None:
    contract, wrong = _wrong_receipt(personas, shop)
    payments.void_receipt(personas.manager, wrong, f"应为 {WRONG} 的一半")
    _hide_receipts(personas.manager)
    client = _client(personas.manager)

    page = client.get(contract.get_absolute_url()).text
    timeline = client.get(shop.customer.get_absolute_url()).text
    api_contract = call_api(personas.manager, "GET", f"/contracts/{contract.public_id}")[1]
    api_timeline = call_api(
        personas.manager, "GET", f"/customers/{shop.customer.public_id}/timeline?kinds=events"
    )[1]

    assert '<tr class="void">' in page
    assert "回款作废" in timeline
    for text in (page, timeline, str(api_contract), str(api_timeline)):
        assert "12,345" not in text
        assert "12345" not in text
    receipt_body = {item["id"]: item for item in api_contract["receipts"]}[str(wrong.public_id)]
    assert receipt_body["voided"] is True
    assert "amount" not in receipt_body
    assert "void_reason" not in receipt_body
    voided = [entry for entry in api_timeline if entry["event"]["kind"] == "payment_voided"]
    assert len(voided) == 1
    assert "received" not in voided[0]["event"]["data"]
    assert "void_reason" not in voided[0]["event"]["data"]


def test_reps_page_offers_no_void(personas: Personas, shop: Shop) -> None:
    contract, wrong = _wrong_receipt(personas, shop)

    page = _client(personas.rep).get(contract.get_absolute_url()).text

    assert "¥12,345.67" in page
    assert f"/receipts/{wrong.public_id}/void/" not in page
