"""Payment collection: plans within the contract amount, receipts, and exact sums and overdue."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kehu.audit.models import AuditAction, AuditEntry
from kehu.conftest import Personas
from kehu.org.models import User
from kehu.sales import contracts, payments
from kehu.sales.models import Contract, PaymentPlan, Receipt
from kehu.sales.queries import visible_contracts
from kehu.sales.tests.conftest import Shop
from kehu.timeline.models import EventKind

D = Decimal
TERMS = {"title": "泵站改造合同", "amount": "100000.10", "start_on": "2026-01-01"}
PLANS = [
    {"due_on": "2026-03-31", "amount": "30000.03", "note": "预付款"},
    {"due_on": "2026-01-31", "amount": "20000.02"},
    {"due_on": "2026-06-30", "amount": "50000.05", "note": "验收款"},
]


def signed(personas: Personas, shop: Shop) -> Contract:
    contract = contracts.create_contract(personas.rep, shop.customer, TERMS)
    contracts.submit_contract(personas.rep, contract)
    return contracts.approve_contract(personas.manager, contract, signed_on="2025-12-20")


def receive(user: User, contract: Contract, amount: str, on: str = "2026-02-01") -> None:
    payments.record_receipt(
        user, contract, {"received_on": on, "amount": amount, "method": "bank_transfer"}
    )


def test_plans_are_numbered_by_due_date(personas: Personas, shop: Shop) -> None:
    contract = signed(personas, shop)

    rows = payments.set_payment_plans(personas.rep, contract, PLANS)

    assert [(plan.position, plan.due_on, plan.amount) for plan in rows] == [
        (1, dt.date(2026, 1, 31), D("20000.02")),
        (2, dt.date(2026, 3, 31), D("30000.03")),
        (3, dt.date(2026, 6, 30), D("50000.05")),
    ]
    assert shop.customer.events.latest("id").kind == EventKind.PAYMENT_PLANS_SET
    assert AuditEntry.objects.filter(action=AuditAction.PAYMENT_PLANS_SET).count() == 1


def test_plans_may_not_exceed_the_amount(personas: Personas, shop: Shop) -> None:
    contract = signed(personas, shop)
    payments.set_payment_plans(personas.rep, contract, PLANS)
    too_much = [*PLANS, {"due_on": "2026-12-31", "amount": "0.01"}]

    with pytest.raises(ValidationError) as raised:
        payments.set_payment_plans(personas.rep, contract, too_much)

    assert raised.value.message_dict == {
        "plans": ["回款计划合计 100000.11，超过合同金额 100000.10。"]
    }
    assert PaymentPlan.objects.filter(contract=contract).count() == 3


def test_bad_instalments_name_their_row(personas: Personas, shop: Shop) -> None:
    contract = signed(personas, shop)
    bad = [{"due_on": "2026-01-31", "amount": "10"}, {"due_on": "明天", "amount": "0"}]

    with pytest.raises(ValidationError) as raised:
        payments.set_payment_plans(personas.rep, contract, bad)

    assert set(raised.value.message_dict) == {"plans.2.due_on", "plans.2.amount"}
    assert not PaymentPlan.objects.exists()


def test_lower_amount_must_fit_the_plan(personas: Personas, shop: Shop) -> None:
    contract = contracts.create_contract(personas.rep, shop.customer, TERMS)
    payments.set_payment_plans(personas.rep, contract, PLANS)

    with pytest.raises(ValidationError) as raised:
        contracts.revise_contract(personas.rep, contract, {**TERMS, "amount": "100000.09"})

    assert "amount" in raised.value.message_dict
    assert Contract.objects.get(pk=contract.pk).amount == D("100000.10")


def test_receipts_sum_exactly(personas: Personas, shop: Shop) -> None:
    contract = signed(personas, shop)
    payments.set_payment_plans(personas.rep, contract, PLANS)
    receive(personas.rep, contract, "0.01")
    receive(personas.rep, contract, "20000.01")

    state = payments.collection(contract, today=dt.date(2026, 4, 1))

    assert (state.amount, state.planned, state.collected, state.outstanding) == (
        D("100000.10"),
        D("100000.10"),
        D("20000.02"),
        D("80000.08"),
    )
    # The receipts pay the first instalment exactly; the second, due 31 March, is overdue.
    assert [(i.paid, i.remaining, i.overdue) for i in state.instalments] == [
        (D("20000.02"), D("0.00"), False),
        (D("0.00"), D("30000.03"), True),
        (D("0.00"), D("50000.05"), False),
    ]
    assert state.overdue == D("30000.03")
    assert shop.customer.events.latest("id").kind == EventKind.PAYMENT_RECEIVED


def test_partly_paid_instalment_is_overdue(personas: Personas, shop: Shop) -> None:
    contract = signed(personas, shop)
    payments.set_payment_plans(personas.rep, contract, PLANS)
    receive(personas.rep, contract, "25000")

    state = payments.collection(contract, today=dt.date(2026, 4, 1))

    assert [(i.paid, i.remaining) for i in state.instalments[:2]] == [
        (D("20000.02"), D("0.00")),
        (D("4999.98"), D("25000.05")),
    ]
    assert state.overdue == D("25000.05")
    sums = payments.collection_sums(visible_contracts(personas.manager), dt.date(2026, 4, 1))
    collected, due_planned = sums[contract.pk]
    assert (collected, due_planned) == (D("25000.00"), D("50000.05"))
    assert payments.overdue_amount(due_planned, collected) == D("25000.05")


def test_receipts_may_not_exceed_the_amount(personas: Personas, shop: Shop) -> None:
    contract = signed(personas, shop)
    receive(personas.rep, contract, "100000.00")

    with pytest.raises(ValidationError) as raised:
        receive(personas.rep, contract, "0.11")

    assert raised.value.message_dict == {
        "amount": ["加上 0.11 后，回款合计将为 100000.11，超过合同金额 100000.10。"]
    }
    receive(personas.rep, contract, "0.10")
    assert payments.collected_total(contract) == D("100000.10")


def test_receipt_needs_a_signed_contract(personas: Personas, shop: Shop) -> None:
    contract = contracts.create_contract(personas.rep, shop.customer, TERMS)

    with pytest.raises(ValidationError):
        receive(personas.rep, contract, "10")

    assert not Receipt.objects.exists()


def test_receipt_date_in_future_is_rejected(personas: Personas, shop: Shop) -> None:
    contract = signed(personas, shop)

    with pytest.raises(ValidationError) as raised:
        receive(personas.rep, contract, "10", on="2999-01-01")

    assert raised.value.message_dict == {"received_on": ["日期 2999-01-01 晚于今天。"]}
    assert not Receipt.objects.exists()


def test_receipt_values_are_checked(personas: Personas, shop: Shop) -> None:
    contract = signed(personas, shop)

    with pytest.raises(ValidationError) as raised:
        payments.record_receipt(
            personas.rep, contract, {"received_on": "", "amount": "-1", "method": "刷卡"}
        )

    assert set(raised.value.message_dict) == {"received_on", "amount", "method"}
    payments.record_receipt(
        personas.rep, contract, {"received_on": "2026-02-01", "amount": "1", "method": "微信支付"}
    )
    assert Receipt.objects.get().method == "wechat_pay"


@pytest.mark.parametrize("writer", ["agent", "other_rep"])
def test_outsiders_cannot_record_payments(personas: Personas, shop: Shop, writer: str) -> None:
    contract = signed(personas, shop)

    with pytest.raises(PermissionDenied):
        receive(getattr(personas, writer), contract, "10")
    with pytest.raises(PermissionDenied):
        payments.set_payment_plans(getattr(personas, writer), contract, PLANS)

    assert not Receipt.objects.exists()
    assert not PaymentPlan.objects.exists()


def test_sums_in_sql_are_exact(personas: Personas, shop: Shop) -> None:
    contract = contracts.create_contract(personas.rep, shop.customer, {**TERMS, "amount": "0.30"})
    contracts.submit_contract(personas.rep, contract)
    contracts.approve_contract(personas.manager, contract)
    payments.set_payment_plans(personas.rep, contract, [{"due_on": "2026-01-01", "amount": "0.3"}])
    receive(personas.rep, contract, "0.10")
    receive(personas.rep, contract, "0.20")
    others = Contract.objects.filter(pk=contract.pk)

    collected, due = payments.collection_sums(others, dt.date(2026, 4, 1))[contract.pk]

    # As binary floats 0.1 + 0.2 is 0.30000000000000004, not 0.3.
    assert (str(collected), str(due)) == ("0.30", "0.30")
    assert not payments.only_overdue(others, dt.date(2026, 4, 1)).exists()


def test_unsigned_contract_is_never_overdue(personas: Personas, shop: Shop) -> None:
    contract = contracts.create_contract(personas.rep, shop.customer, TERMS)
    payments.set_payment_plans(personas.rep, contract, PLANS)

    state = payments.collection(contract, today=dt.date(2026, 12, 1))

    assert state.overdue == D("0.00")
    assert not any(item.overdue for item in state.instalments)
    drafts = Contract.objects.filter(pk=contract.pk)
    assert not payments.only_overdue(drafts, dt.date(2026, 12, 1)).exists()


def test_trailing_zeros_are_not_decimal_places(personas: Personas, shop: Shop) -> None:
    contract = signed(personas, shop)

    receive(personas.rep, contract, "0.10000")
    with pytest.raises(ValidationError) as raised:
        receive(personas.rep, contract, "0.001")

    assert Receipt.objects.get().amount == D("0.10")
    assert raised.value.message_dict == {"amount": ["“0.001”的小数超过 2 位。"]}
