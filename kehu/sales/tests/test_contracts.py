"""Contracts: versions, approval by a manager, renewal, and who may write or approve."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from kehu.audit.models import AuditAction, AuditEntry
from kehu.conftest import Personas
from kehu.core import clock
from kehu.customers.choices import CustomerStatus
from kehu.customers.models import Customer
from kehu.sales import contract_listing, contracts
from kehu.sales.models import Contract, ContractStatus
from kehu.sales.queries import visible_contracts
from kehu.sales.tests.conftest import Shop
from kehu.timeline.models import Event, EventKind

TERMS = {"title": "阀门年度供货合同", "amount": "120000", "start_on": "2027-01-01"}


def draft(personas: Personas, shop: Shop, **values: str) -> Contract:
    return contracts.create_contract(personas.rep, shop.customer, {**TERMS, **values})


def submitted(personas: Personas, shop: Shop) -> Contract:
    return contracts.submit_contract(personas.rep, draft(personas, shop), "请审批")


def kinds(customer: Customer) -> list[str]:
    return list(customer.events.order_by("id").values_list("kind", flat=True))


def test_create_numbers_and_keeps_version_one(personas: Personas, shop: Shop) -> None:
    scan = SimpleUploadedFile("合同扫描件.pdf", b"%PDF-1.4 test")

    contract = contracts.create_contract(
        personas.rep, shop.customer, {**TERMS, "end_on": "2027-12-31"}, files=[scan]
    )

    assert contract.number == f"HT{clock.now().year}{contract.pk:06d}"
    assert contract.status == ContractStatus.DRAFT
    assert contract.amount == Decimal("120000.00")
    assert contract.owner == personas.rep
    [version] = contract.versions.all()
    assert (version.number, version.amount, version.end_on) == (
        1,
        Decimal("120000.00"),
        dt.date(2027, 12, 31),
    )
    [stored] = version.files.all()
    assert stored.original_name == "合同扫描件.pdf"
    assert stored.file.read() == b"%PDF-1.4 test"
    assert kinds(shop.customer)[-1] == EventKind.CONTRACT_CREATED
    assert AuditEntry.objects.filter(action=AuditAction.CONTRACT_CREATED).count() == 1


def test_end_before_start_names_both_dates(personas: Personas, shop: Shop) -> None:
    with pytest.raises(ValidationError) as raised:
        draft(personas, shop, end_on="2026-12-31")

    assert raised.value.message_dict == {
        "end_on": ["结束日期 2026-12-31 早于开始日期 2027-01-01。"]
    }
    assert not Contract.objects.exists()


def test_missing_terms_are_all_reported(personas: Personas, shop: Shop) -> None:
    with pytest.raises(ValidationError) as raised:
        contracts.create_contract(personas.rep, shop.customer, {"amount": "-5"})

    assert set(raised.value.message_dict) == {"title", "amount", "start_on"}


def test_future_signing_date_and_other_errors_together(personas: Personas, shop: Shop) -> None:
    future = clock.today() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as raised:
        draft(personas, shop, amount="-5", end_on="2026-12-31", signed_on=future.isoformat())

    assert set(raised.value.message_dict) == {"amount", "end_on", "signed_on"}
    assert raised.value.message_dict["signed_on"] == [f"日期 {future.isoformat()} 晚于今天。"]
    assert not Contract.objects.exists()


def test_revise_adds_version_and_keeps_old_terms(personas: Personas, shop: Shop) -> None:
    contract = draft(personas, shop)

    revised = contracts.revise_contract(
        personas.rep, contract, {**TERMS, "amount": "98000.50"}, change_note="客户压价"
    )

    assert revised.current_version == 2
    first, second = revised.versions.order_by("number")
    assert first.amount == Decimal("120000.00")
    assert (second.amount, second.change_note) == (Decimal("98000.50"), "客户压价")
    assert Contract.objects.get(pk=contract.pk).amount == Decimal("98000.50")
    assert kinds(shop.customer)[-1] == EventKind.CONTRACT_VERSION_ADDED


def test_stale_version_is_rejected(personas: Personas, shop: Shop) -> None:
    contract = draft(personas, shop)
    contracts.revise_contract(personas.rep, contract, TERMS)

    with pytest.raises(ValidationError) as raised:
        contracts.revise_contract(personas.rep, contract, TERMS, expected_version=1)

    assert "version" in raised.value.message_dict
    assert Contract.objects.get(pk=contract.pk).current_version == 2


def test_manager_approves_and_customer_is_signed(personas: Personas, shop: Shop) -> None:
    contract = submitted(personas, shop)
    assert contract.status == ContractStatus.PENDING

    approved = contracts.approve_contract(
        personas.manager, contract, "同意", signed_on="2026-12-03"
    )

    assert approved.status == ContractStatus.SIGNED
    assert approved.signed_on == dt.date(2026, 12, 3)
    assert (approved.decided_by, approved.decision_comment) == (personas.manager, "同意")
    customer = Customer.objects.get(pk=shop.customer.pk)
    assert customer.status == CustomerStatus.WON
    assert kinds(customer)[-3:] == [
        EventKind.CONTRACT_SUBMITTED,
        EventKind.CONTRACT_APPROVED,
        EventKind.FIELDS_CHANGED,
    ]
    change = Event.objects.filter(kind=EventKind.FIELDS_CHANGED).latest("id")
    assert change.data == {"changes": {"status": ["lead", "won"]}}


def test_approval_without_date_signs_today(personas: Personas, shop: Shop) -> None:
    approved = contracts.approve_contract(personas.manager, submitted(personas, shop))

    assert approved.signed_on == clock.today()


def test_reject_needs_a_reason_then_resubmits(personas: Personas, shop: Shop) -> None:
    contract = submitted(personas, shop)
    with pytest.raises(ValidationError):
        contracts.reject_contract(personas.manager, contract, "  ")
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.PENDING

    rejected = contracts.reject_contract(personas.manager, contract, "付款条件不合适")
    assert (rejected.status, rejected.decision_comment) == (
        ContractStatus.REJECTED,
        "付款条件不合适",
    )
    assert Customer.objects.get(pk=shop.customer.pk).status == CustomerStatus.LEAD

    revised = contracts.revise_contract(personas.rep, rejected, {**TERMS, "amount": "110000"})
    assert revised.status == ContractStatus.DRAFT
    again = contracts.submit_contract(personas.rep, revised)
    assert (again.status, again.decision_comment) == (ContractStatus.PENDING, "")


@pytest.mark.parametrize("approver", ["rep", "rep2", "agent", "other_manager"])
def test_only_a_manager_in_scope_approves(personas: Personas, shop: Shop, approver: str) -> None:
    contract = submitted(personas, shop)

    with pytest.raises(PermissionDenied):
        contracts.approve_contract(getattr(personas, approver), contract)

    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.PENDING
    assert Customer.objects.get(pk=shop.customer.pk).status == CustomerStatus.LEAD


def test_manager_may_not_approve_own_submission(personas: Personas, shop: Shop) -> None:
    contract = contracts.create_contract(personas.manager, shop.customer, TERMS)
    contracts.submit_contract(personas.manager, contract)

    with pytest.raises(PermissionDenied):
        contracts.approve_contract(personas.manager, contract)

    boss_contract = contracts.create_contract(personas.boss, shop.customer, TERMS)
    contracts.submit_contract(personas.boss, boss_contract)
    assert contracts.approve_contract(personas.boss, boss_contract).status == ContractStatus.SIGNED


def test_signed_contract_no_longer_changes(personas: Personas, shop: Shop) -> None:
    contract = contracts.approve_contract(personas.manager, submitted(personas, shop))

    with pytest.raises(ValidationError):
        contracts.revise_contract(personas.rep, contract, {**TERMS, "amount": "1"})
    with pytest.raises(ValidationError):
        contracts.submit_contract(personas.rep, contract)

    assert Contract.objects.get(pk=contract.pk).amount == Decimal("120000.00")


def test_file_added_to_signed_contract(personas: Personas, shop: Shop) -> None:
    contract = contracts.approve_contract(personas.manager, submitted(personas, shop))

    stored = contracts.add_file(
        personas.rep, contract, SimpleUploadedFile("盖章版.pdf", b"%PDF-1.4 signed")
    )

    assert stored.version.number == 1
    assert kinds(shop.customer)[-1] == EventKind.ATTACHMENT_ADDED


def test_empty_file_is_rejected(personas: Personas, shop: Shop) -> None:
    with pytest.raises(ValidationError) as raised:
        contracts.create_contract(
            personas.rep, shop.customer, TERMS, files=[SimpleUploadedFile("空.pdf", b"")]
        )

    assert raised.value.message_dict == {"files": ["文件 空.pdf 是空的。"]}
    assert not Contract.objects.exists()


def test_renewal_links_old_and_new(personas: Personas, shop: Shop) -> None:
    old = contracts.approve_contract(personas.manager, submitted(personas, shop))

    renewal = contracts.renew_contract(
        personas.rep, old, {**TERMS, "title": "2028 年续签", "start_on": "2028-01-01"}
    )

    assert renewal.renewal_of == old
    assert renewal.status == ContractStatus.DRAFT
    assert Contract.objects.get(pk=old.pk).renewal == renewal
    assert kinds(shop.customer)[-2:] == [EventKind.CONTRACT_CREATED, EventKind.CONTRACT_RENEWED]
    with pytest.raises(ValidationError) as raised:
        contracts.renew_contract(personas.rep, old, TERMS)
    assert raised.value.message_dict == {"renewal": [f"此合同已由 {renewal.number} 续签。"]}


def test_unsigned_contract_cannot_be_renewed(personas: Personas, shop: Shop) -> None:
    contract = draft(personas, shop)

    with pytest.raises(ValidationError):
        contracts.renew_contract(personas.rep, contract, TERMS)

    assert Contract.objects.count() == 1


@pytest.mark.parametrize("writer", ["agent", "other_rep", "rep2"])
def test_outsiders_cannot_write(personas: Personas, shop: Shop, writer: str) -> None:
    with pytest.raises(PermissionDenied):
        contracts.create_contract(getattr(personas, writer), shop.customer, TERMS)

    assert not Contract.objects.exists()


def test_contracts_visible_with_their_customer(personas: Personas, shop: Shop) -> None:
    contract = draft(personas, shop)

    assert list(visible_contracts(personas.rep)) == [contract]
    assert list(visible_contracts(personas.manager)) == [contract]
    assert list(visible_contracts(personas.agent)) == [contract]
    assert not visible_contracts(personas.other_rep).exists()
    assert not visible_contracts(personas.rep2).exists()


def test_draft_renewal_keeps_contract_ending(personas: Personas, shop: Shop) -> None:
    today = clock.today()
    ending = {
        **TERMS,
        "start_on": str(today.replace(year=today.year - 1)),
        "end_on": str(today + dt.timedelta(days=10)),
    }
    old = contracts.create_contract(personas.rep, shop.customer, ending)
    contracts.submit_contract(personas.rep, old)
    contracts.approve_contract(personas.manager, old)

    contracts.renew_contract(personas.rep, old, {**TERMS, "start_on": "2999-01-01"})

    assert list(contract_listing.list_contracts(personas.rep, {"ending": "1"})) == [old]
