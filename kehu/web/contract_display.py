"""Contract and payment values as a viewer's field policy lets them see them, for the pages.

Contract amounts follow "contract.amount", instalments "payment.plan_amount" and receipts
"payment.received". Collected sums follow "payment.received"; outstanding and overdue sums give
away the contract amount as well, so they need both to be readable.
"""

import dataclasses
import uuid
from decimal import Decimal

from kehu.fields.models import FieldTarget
from kehu.org.policy import FieldPolicy
from kehu.sales.models import Contract, Receipt
from kehu.sales.payments import Collection, overdue_amount
from kehu.web.deal_display import customer_name, shown_value
from kehu.web.display import format_datetime


@dataclasses.dataclass(frozen=True)
class ContractRow:
    """One contract as a list row shows it; a None text is a hidden field."""

    contract: Contract
    number: str | None
    title: str | None
    customer_name: str
    status: str | None
    owner: str | None
    amount: str | None
    collected: str | None
    outstanding: str | None
    overdue: str | None
    signed_on: str | None
    end_on: str | None


def _money(policy: FieldPolicy, target: str, key: str, value: Decimal) -> str | None:
    return shown_value(policy, target, key, value)


def sums_shown(policy: FieldPolicy) -> tuple[bool, bool]:
    """Return whether the viewer reads collected sums, and the sums derived from the amount."""
    collected = shown_value(policy, FieldTarget.PAYMENT, "received", 0) is not None
    amount = shown_value(policy, FieldTarget.CONTRACT, "amount", 0) is not None
    return collected, collected and amount


def contract_row(
    policy: FieldPolicy, contract: Contract, collected: Decimal, due_planned: Decimal
) -> ContractRow:
    target = FieldTarget.CONTRACT
    shows_collected, shows_outstanding = sums_shown(policy)
    overdue = overdue_amount(due_planned, collected)
    return ContractRow(
        contract=contract,
        number=shown_value(policy, target, "number", contract.number),
        title=shown_value(policy, target, "title", contract.title),
        customer_name=customer_name(policy, contract.customer),
        status=shown_value(policy, target, "status", contract.get_status_display()),
        owner=shown_value(policy, target, "owner", str(contract.owner)),
        amount=_money(policy, target, "amount", contract.amount),
        collected=_money(policy, FieldTarget.PAYMENT, "received", collected)
        if shows_collected
        else None,
        outstanding=_money(policy, target, "amount", contract.amount - collected)
        if shows_outstanding
        else None,
        overdue=_money(policy, target, "amount", overdue)
        if shows_outstanding and overdue > 0
        else None,
        signed_on=shown_value(policy, target, "signed_on", contract.signed_on),
        end_on=shown_value(policy, target, "end_on", contract.end_on),
    )


@dataclasses.dataclass(frozen=True)
class InstalmentRow:
    position: int
    due_on: str | None
    amount: str | None
    paid: str | None
    remaining: str | None
    overdue: bool
    note: str


@dataclasses.dataclass(frozen=True)
class CollectionView:
    """The collection state of a contract as the viewer may see it."""

    planned: str | None
    collected: str | None
    outstanding: str | None
    overdue: str | None
    instalments: list[InstalmentRow]


def collection_view(policy: FieldPolicy, state: Collection) -> CollectionView:
    shows_collected, shows_outstanding = sums_shown(policy)
    plan = FieldTarget.PAYMENT, "plan_amount"
    rows = [
        InstalmentRow(
            position=item.plan.position,
            due_on=shown_value(policy, FieldTarget.PAYMENT, "due_on", item.plan.due_on),
            amount=shown_value(policy, *plan, item.plan.amount),
            paid=shown_value(policy, FieldTarget.PAYMENT, "received", item.paid)
            if shows_collected
            else None,
            remaining=shown_value(policy, *plan, item.remaining) if shows_collected else None,
            # Whether an instalment is late tells how much was paid, so it needs the receipts.
            overdue=item.overdue and shows_collected,
            note=item.plan.note,
        )
        for item in state.instalments
    ]
    return CollectionView(
        planned=shown_value(policy, *plan, state.planned),
        collected=shown_value(policy, FieldTarget.PAYMENT, "received", state.collected)
        if shows_collected
        else None,
        outstanding=shown_value(policy, FieldTarget.CONTRACT, "amount", state.outstanding)
        if shows_outstanding
        else None,
        overdue=shown_value(policy, FieldTarget.CONTRACT, "amount", state.overdue)
        if shows_outstanding and state.overdue > 0
        else None,
        instalments=rows,
    )


@dataclasses.dataclass(frozen=True)
class ReceiptRow:
    """One receipt as the contract page lists it; a None text is a hidden field."""

    public_id: uuid.UUID
    received_on: str | None
    amount: str | None
    method: str | None
    reference: str | None
    note: str
    recorded_by: str
    is_void: bool
    voided_by: str
    voided_at: str
    # The reason may quote the amount, so it follows "payment.received" as the amount does.
    void_reason: str | None


def receipt_rows(policy: FieldPolicy, receipts: list[Receipt]) -> list[ReceiptRow]:
    target = FieldTarget.PAYMENT
    return [
        ReceiptRow(
            public_id=receipt.public_id,
            received_on=shown_value(policy, target, "received_on", receipt.received_on),
            amount=shown_value(policy, target, "received", receipt.amount),
            method=shown_value(policy, target, "method", receipt.get_method_display()),
            reference=shown_value(policy, target, "reference", receipt.reference),
            note=receipt.note,
            recorded_by=str(receipt.recorded_by or ""),
            is_void=receipt.is_void,
            voided_by=str(receipt.voided_by or ""),
            voided_at=format_datetime(receipt.voided_at),
            void_reason=shown_value(policy, target, "received", receipt.void_reason),
        )
        for receipt in receipts
    ]
