"""Turn contracts, instalments and receipts into API bodies, as the caller may see them.

Collected sums follow "payment.received"; outstanding and overdue sums also give the contract
amount away, so they need "contract.amount" readable too, as on the pages.
"""

from decimal import Decimal
from typing import Any

from pydantic import MISSING

from kehu.api import schemas_contracts as schemas
from kehu.api.present import Viewer, user_ref
from kehu.api.present_sales import governed
from kehu.api.schemas_sales import CustomerRef
from kehu.fields.models import FieldTarget
from kehu.sales import payments
from kehu.sales.models import Contract, ContractVersion, Receipt


def _sums_shown(viewer: Viewer) -> tuple[bool, bool]:
    collected = viewer.shown(FieldTarget.PAYMENT, "received", "0") is not MISSING
    amount = viewer.shown(FieldTarget.CONTRACT, "amount", "0") is not MISSING
    return collected, collected and amount


def _terms(viewer: Viewer, record: Contract | ContractVersion) -> dict[str, Any]:
    values = {
        "title": record.title,
        "amount": record.amount,
        "start_on": record.start_on,
        "end_on": record.end_on,
        "signed_on": record.signed_on,
        "notes": record.notes,
    }
    return governed(viewer, FieldTarget.CONTRACT, values)


def _customer(viewer: Viewer, contract: Contract) -> CustomerRef:
    values = governed(viewer, FieldTarget.CUSTOMER, {"name": contract.customer.name})
    return CustomerRef(id=contract.customer.public_id, **values)


def _version(viewer: Viewer, version: ContractVersion) -> schemas.ContractVersionOut:
    extra: dict[str, Any] = {}
    if viewer.shown(FieldTarget.CONTRACT, "amount", "0") is not MISSING:
        extra["files"] = [
            schemas.ContractFileOut(
                id=stored.public_id,
                name=stored.original_name,
                size=stored.size,
                content_type=stored.content_type,
                uploaded_at=stored.uploaded_at,
            )
            for stored in version.files.all()
        ]
    return schemas.ContractVersionOut(
        number=version.number,
        change_note=version.change_note,
        author=user_ref(version.author),
        created_at=version.created_at,
        **_terms(viewer, version),
        **extra,
    )


def _receipt(viewer: Viewer, receipt: Receipt) -> schemas.ReceiptOut:
    values = governed(
        viewer,
        FieldTarget.PAYMENT,
        {
            "received_on": receipt.received_on,
            "received": receipt.amount,
            "method": receipt.method,
            "reference": receipt.reference,
        },
    )
    if "received" in values:
        values["amount"] = values.pop("received")
    reason = viewer.shown(FieldTarget.PAYMENT, "received", receipt.void_reason)
    if reason is not MISSING:
        values["void_reason"] = reason
    return schemas.ReceiptOut(
        id=receipt.public_id,
        note=receipt.note,
        recorded_by=user_ref(receipt.recorded_by),
        recorded_at=receipt.recorded_at,
        voided=receipt.is_void,
        voided_by=user_ref(receipt.voided_by),
        voided_at=receipt.voided_at,
        **values,
    )


def contract(viewer: Viewer, record: Contract) -> schemas.ContractOut:
    """Return a contract with its collection, instalments, receipts and versions."""
    shows_collected, shows_outstanding = _sums_shown(viewer)
    state = payments.collection(record)

    plan, received = (FieldTarget.PAYMENT, "plan_amount"), (FieldTarget.PAYMENT, "received")
    sums: dict[str, Any] = {}
    planned = viewer.shown(*plan, str(state.planned))
    if planned is not MISSING:
        sums["planned"] = planned
    if shows_collected:
        sums["collected"] = viewer.shown(*received, str(state.collected))
    if shows_outstanding:
        sums["outstanding"] = viewer.shown(FieldTarget.CONTRACT, "amount", str(state.outstanding))
        sums["overdue"] = viewer.shown(FieldTarget.CONTRACT, "amount", str(state.overdue))
    instalments = []
    for item in state.instalments:
        values = governed(
            viewer,
            FieldTarget.PAYMENT,
            {"due_on": item.plan.due_on, "plan_amount": item.plan.amount},
        )
        if "plan_amount" in values:
            values["amount"] = values.pop("plan_amount")
        if shows_collected:
            values["paid"] = viewer.shown(*received, str(item.paid))
            values["remaining"] = viewer.shown(*plan, str(item.remaining))
            values["overdue"] = item.overdue
        instalments.append(
            schemas.InstalmentOut(position=item.plan.position, note=item.plan.note, **values)
        )

    values = _terms(viewer, record)
    values.update(
        governed(
            viewer,
            FieldTarget.CONTRACT,
            {"number": record.number, "status": record.status},
        )
    )
    owner = viewer.shown(FieldTarget.CONTRACT, "owner", user_ref(record.owner))
    if owner is not MISSING:
        values["owner"] = owner
    renewal = Contract.objects.filter(renewal_of=record).values_list("public_id", flat=True)
    return schemas.ContractOut(
        id=record.public_id,
        customer=_customer(viewer, record),
        deal=record.deal.public_id if record.deal else None,
        renewal_of=record.renewal_of.public_id if record.renewal_of else None,
        renewed_by=renewal.first(),
        current_version=record.current_version,
        submitted_by=user_ref(record.submitted_by),
        submitted_at=record.submitted_at,
        decided_by=user_ref(record.decided_by),
        decided_at=record.decided_at,
        decision_comment=record.decision_comment,
        created_at=record.created_at,
        updated_at=record.updated_at,
        collection=schemas.CollectionOut(**sums),
        plans=instalments,
        receipts=[_receipt(viewer, receipt) for receipt in record.receipts.all()],
        versions=[_version(viewer, version) for version in record.versions.all()],
        **values,
    )


def summary(
    viewer: Viewer, record: Contract, collected: Decimal, due_planned: Decimal
) -> schemas.ContractSummaryOut:
    """Return a list row of a contract with its collected, outstanding and overdue sums."""
    shows_collected, shows_outstanding = _sums_shown(viewer)
    values = governed(
        viewer,
        FieldTarget.CONTRACT,
        {
            "number": record.number,
            "title": record.title,
            "status": record.status,
            "amount": record.amount,
            "signed_on": record.signed_on,
            "end_on": record.end_on,
        },
    )
    if shows_collected:
        values["collected"] = viewer.shown(FieldTarget.PAYMENT, "received", str(collected))
    if shows_outstanding:
        amount = FieldTarget.CONTRACT, "amount"
        values["outstanding"] = viewer.shown(*amount, str(record.amount - collected))
        overdue = payments.overdue_amount(due_planned, collected)
        values["overdue"] = viewer.shown(*amount, str(overdue))
    return schemas.ContractSummaryOut(
        id=record.public_id, customer=_customer(viewer, record), **values
    )
