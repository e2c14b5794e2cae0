"""Batch writes of historical contracts and their payments received, for the importer.

Rows are cleaned with the functions of the single-record services (kehu.sales.contracts and
kehu.sales.payments) and checked for the same permissions, then a batch is written with a few
bulk inserts. With `dry_run` the writer stops before writing, so the dry run and the import
decide every row the same way.

A contract is known by its number: a number that a stored contract or an earlier row has is
skipped. A signed contract bypasses the approval flow, so only a role that approves contracts
(kehu.sales.contracts.has_approver_role) may import one; like an approval, it moves the
customer to the "signed" status.
"""

import dataclasses
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kehu.audit import services as audit
from kehu.audit.models import AuditAction
from kehu.core import clock
from kehu.customers.bulk import (
    CREATED,
    REJECTED,
    SKIPPED,
    BatchResult,
    Change,
    ImportContext,
    RowResult,
)
from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.org.models import Capability, User
from kehu.org.policy import policy_for
from kehu.sales import cleaning
from kehu.sales.bulk_customers import CustomerLookup, keyed_errors
from kehu.sales.contracts import event_data, has_approver_role, mark_customer_signed
from kehu.sales.models import (
    Contract,
    ContractStatus,
    ContractVersion,
    PaymentMethod,
    Receipt,
)
from kehu.sales.queries import may_edit_deals, visible_deals
from kehu.sales.services import check_deal_owner
from kehu.timeline import events
from kehu.timeline.models import Event

# Contract.number's max_length.
NUMBER_LIMIT = 40
# The statuses a file may give; a contract awaiting approval or rejected is submitted or
# decided in Kehu after the import.
IMPORTED_STATUSES = (ContractStatus.DRAFT, ContractStatus.SIGNED)


@dataclasses.dataclass
class IncomingContract:
    row: int
    values: dict[str, Any]  # contract field key -> cell value
    customer_name: str = ""
    credit_code: str = ""
    # The deal's ID in the previous system or its name, within the row's customer.
    deal: str = ""
    owner: User | None = None
    # Payment field keys ("received", "received_on", "method", "reference") -> cell value.
    payment: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class _Planned:
    item: IncomingContract
    contract: Contract
    receipt: Receipt | None


def may_import_contracts(actor: User) -> bool:
    """Return whether `actor`'s role may write contracts: edit deals and set contract amounts."""
    if not may_edit_deals(actor):
        return False
    spec = field_map(FieldTarget.CONTRACT)["amount"]
    return policy_for(actor).can_write(FieldTarget.CONTRACT, spec)


def import_contracts(
    context: ImportContext, items: Sequence[IncomingContract], seen: set[str]
) -> BatchResult:
    """Clean, check and (unless a dry run) write historical contracts of existing customers.

    `seen` contains the numbers of earlier rows and gains this batch's. Each contract gets version
    1 of its terms, a "contract created" entry on its customer's timeline at its signing date
    (else its start date) and an audit entry. A row's payment received becomes one receipt with
    its own timeline entry and audit entry. Raises PermissionDenied unless the actor may import
    and write contracts.
    """
    actor = context.actor
    if not (actor.has_capability(Capability.IMPORT) and may_import_contracts(actor)):
        raise PermissionDenied(_("Your role may not import contracts."))
    customers = CustomerLookup.load(
        actor, (item.customer_name for item in items), (item.credit_code for item in items)
    )
    numbers = {str(item.values.get("number", "")).strip() for item in items}
    stored = set(Contract.objects.filter(number__in=numbers).values_list("number", flat=True))
    now = clock.now()
    result = BatchResult()
    built: list[_Planned] = []
    for item in items:
        errors: list[tuple[str, str]] = []
        planned = _build(context, item, customers, now, errors)
        if planned is None:
            result.rows.append(RowResult(item.row, REJECTED, errors=errors))
            continue
        built.append(planned)

    deals = _deals_by_customer(actor, [p for p in built if p.item.deal])
    final: list[_Planned] = []
    for planned in built:
        contract = planned.contract
        errors = []
        if planned.item.deal:
            contract.deal_id = _find_deal(planned.item.deal, deals, contract.customer_id, errors)
        if errors:
            result.rows.append(RowResult(planned.item.row, REJECTED, errors=errors))
            continue
        number = contract.number
        if number in stored or number in seen:
            message = (
                _("An earlier row of the file has the contract number “%(number)s”.")
                if number in seen
                else _("A contract with the number “%(number)s” already exists.")
            ) % {"number": number}
            row_result = RowResult(planned.item.row, SKIPPED, customer_id=contract.customer_id)
            row_result.warnings.append(message)
            row_result.warning_fields[message] = "contract.number"
            result.rows.append(row_result)
            continue
        seen.add(number)
        final.append(planned)
        result.rows.append(RowResult(planned.item.row, CREATED, customer_id=contract.customer_id))

    if context.dry_run or not final:
        return result
    with transaction.atomic():
        _write(context, final, result, now)
    return result


def _status_names() -> dict[str, str]:
    """Return the contract statuses by value and by label in English and Chinese, casefolded."""
    names: dict[str, str] = {}
    for value, label in ContractStatus.choices:
        names[value] = value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                names[str(label).casefold()] = value
    return names


def _build(
    context: ImportContext,
    item: IncomingContract,
    customers: CustomerLookup,
    now: dt.datetime,
    errors: list[tuple[str, str]],
) -> _Planned | None:
    """Return the unsaved contract and receipt a row describes, or None with `errors` filled."""
    customer_id = customers.find(
        item.customer_name,
        item.credit_code,
        errors,
        _("The row names no customer; a contract needs one."),
    )
    values = item.values
    number = str(values.get("number", "")).strip()
    if not number:
        errors.append(("contract.number", _("This field is required.")))
    elif len(number) > NUMBER_LIMIT:
        errors.append(
            (
                "contract.number",
                _("Use at most %(limit)d characters; this has %(count)d.")
                % {"limit": NUMBER_LIMIT, "count": len(number)},
            )
        )
    terms = {key: values[key] for key in cleaning.CONTRACT_CLEANERS if key in values}
    terms.setdefault("title", number)
    try:
        cleaned = cleaning.clean_contract(terms)
    except ValidationError as error:
        errors.extend(keyed_errors("contract", error))
        cleaned = {}
    signed_on = cleaned.get("signed_on")
    if signed_on is not None and signed_on > clock.today():
        message = _("The date %(date)s is in the future.") % {"date": signed_on.isoformat()}
        errors.append(("contract.signed_on", message))

    status = _status(context.actor, values, signed_on is not None, errors)
    owner = item.owner or context.owner or context.actor
    try:
        check_deal_owner(context.actor, owner)
    except (PermissionDenied, ValidationError) as error:
        message = error.messages[0] if isinstance(error, ValidationError) else str(error)
        errors.append(("contract.owner", message))
    receipt = _receipt(item.payment, status, cleaned.get("amount"), errors)
    if errors or customer_id is None or status is None:
        return None

    signed = status == ContractStatus.SIGNED
    contract = Contract(
        number=number,
        customer_id=customer_id,
        status=status,
        owner=owner,
        creator=context.actor,
        decided_by=context.actor if signed else None,
        decided_at=now if signed else None,
        created_at=now,
        updated_at=now,
        **cleaned,
    )
    if signed and contract.signed_on is None:
        # An approval without a date signs on the approval day; a historical contract has no
        # approval day, so it counts as signed when it started.
        contract.signed_on = contract.start_on
    if receipt is not None:
        receipt.recorded_by = context.actor
        receipt.recorded_at = now
    return _Planned(item, contract, receipt)


def _status(
    actor: User, values: dict[str, Any], has_signing_date: bool, errors: list[tuple[str, str]]
) -> str | None:
    """Return the row's status: the file's, else signed when it has a signing date, else draft.

    A signed contract skips approval, so it needs a role that approves contracts.
    """
    text = str(values.get("status", "")).strip()
    if text:
        status = _status_names().get(text.casefold())
        if status not in IMPORTED_STATUSES:
            labels = "、".join(str(ContractStatus(value).label) for value in IMPORTED_STATUSES)
            errors.append(
                (
                    "contract.status",
                    _("“%(value)s” is not a status an import can give. Use one of: %(choices)s.")
                    % {"value": text, "choices": labels},
                )
            )
            return None
    else:
        status = ContractStatus.SIGNED if has_signing_date else ContractStatus.DRAFT
    if status == ContractStatus.SIGNED and not has_approver_role(actor):
        field = "contract.status" if text else "contract.signed_on"
        errors.append(
            (
                field,
                _(
                    "Signed contracts skip the approval, so only a manager may import them. "
                    "Import the contract as a draft, or ask a manager to import the file."
                ),
            )
        )
        return None
    return status


def _receipt(
    payment: dict[str, Any],
    status: str | None,
    amount: Decimal | None,
    errors: list[tuple[str, str]],
) -> Receipt | None:
    """Return the unsaved receipt of a row's payment received, or None when it has none."""
    if "received" not in payment and "received_on" not in payment:
        return None
    values = {("amount" if key == "received" else key): value for key, value in payment.items()}
    values.setdefault("method", PaymentMethod.OTHER)
    try:
        cleaned = cleaning.clean_receipt(values)
    except ValidationError as error:
        renamed = {"amount": "received"}
        errors.extend(
            (f"payment.{renamed.get(key, key)}", message)
            for key, messages in error.message_dict.items()
            for message in messages
        )
        return None
    field = "payment.received"
    if status is not None and status != ContractStatus.SIGNED:
        errors.append((field, _("Payments are recorded only for signed contracts.")))
        return None
    if cleaned["received_on"] > clock.today():
        message = _("The date %(date)s is in the future.") % {
            "date": cleaned["received_on"].isoformat()
        }
        errors.append(("payment.received_on", message))
        return None
    if amount is not None and cleaned["amount"] > amount:
        errors.append(
            (
                field,
                _("The amount received %(received)s is more than the contract amount %(total)s.")
                % {"received": cleaned["amount"], "total": amount},
            )
        )
        return None
    return Receipt(**cleaned)


def _deals_by_customer(
    actor: User, planned: Sequence[_Planned]
) -> dict[int, list[tuple[int, str, str]]]:
    """Return (id, name, ID in the previous system) of the named customers' deals."""
    customer_ids = {p.contract.customer_id for p in planned}
    found: dict[int, list[tuple[int, str, str]]] = {}
    if not customer_ids:
        return found
    rows = (
        visible_deals(actor)
        .filter(customer_id__in=customer_ids)
        .values_list("pk", "customer_id", "name", "external_ref")
    )
    for pk, customer_id, name, ref in rows:
        found.setdefault(customer_id, []).append((pk, name, ref))
    return found


def _find_deal(
    value: str,
    deals: dict[int, list[tuple[int, str, str]]],
    customer_id: int,
    errors: list[tuple[str, str]],
) -> int | None:
    """Return the customer's deal with `value` as its previous system's ID, else as its name."""
    text = value.strip()
    own = deals.get(customer_id, [])
    by_ref = [pk for pk, _name, ref in own if ref and ref == text]
    by_name = [pk for pk, name, _ref in own if name.strip().casefold() == text.casefold()]
    found = by_ref or by_name
    if len(found) == 1:
        return found[0]
    if found:
        message = _(
            "%(count)d deals of this customer are named “%(name)s”; use the deal's ID in the "
            "previous system instead."
        ) % {"count": len(found), "name": text}
    else:
        message = _(
            "No deal of this customer has the ID or name “%(value)s”. Import the deals first, "
            "or correct the file."
        ) % {"value": text}
    errors.append(("contract.deal", message))
    return None


def _day_start(day: dt.date, now: dt.datetime) -> dt.datetime:
    """Return the start of `day` in the active time zone, but not later than `now`."""
    return min(timezone.make_aware(dt.datetime.combine(day, dt.time())), now)


def _write(
    context: ImportContext, planned: list[_Planned], result: BatchResult, now: dt.datetime
) -> None:
    actor = context.actor
    contracts = [p.contract for p in planned]
    Contract.objects.bulk_create(contracts, batch_size=500)
    ContractVersion.objects.bulk_create(
        (
            ContractVersion(
                contract=contract,
                number=1,
                author=actor,
                created_at=now,
                title=contract.title,
                amount=contract.amount,
                start_on=contract.start_on,
                end_on=contract.end_on,
                signed_on=contract.signed_on,
                notes=contract.notes,
            )
            for contract in contracts
        ),
        batch_size=500,
    )
    receipts = []
    for p in planned:
        if p.receipt is not None:
            p.receipt.contract = p.contract
            receipts.append(p.receipt)
    Receipt.objects.bulk_create(receipts, batch_size=500)

    imported = {"import": context.import_id, "file": context.file_name}
    timeline: list[tuple[int, Event]] = []
    for p in planned:
        contract = p.contract
        data = event_data(contract, **imported)
        if contract.signed_on is not None:
            data["signed_on"] = contract.signed_on.isoformat()
        created = events.contract_created(contract.customer_id, actor, data)
        created.occurred_at = _day_start(contract.signed_on or contract.start_on, now)
        timeline.append((p.item.row, created))
        if p.receipt is not None:
            receipt = p.receipt
            received = events.payment_received(
                contract.customer_id,
                actor,
                event_data(
                    contract,
                    received=str(receipt.amount),
                    received_on=receipt.received_on.isoformat(),
                    method=receipt.method,
                    **imported,
                ),
            )
            received.occurred_at = _day_start(receipt.received_on, now)
            timeline.append((p.item.row, received))
    Event.objects.bulk_create([event for _row, event in timeline], batch_size=500)

    audit.record_many(
        actor,
        AuditAction.CONTRACT_CREATED,
        "contract",
        [
            (
                c.public_id,
                {"customer_id": c.customer_id, "amount": str(c.amount), **imported},
            )
            for c in contracts
        ],
    )
    audit.record_many(
        actor,
        AuditAction.RECEIPT_RECORDED,
        "contract",
        [
            (
                r.contract.public_id,
                {
                    "receipt": str(r.public_id),
                    "amount": str(r.amount),
                    "received_on": r.received_on.isoformat(),
                    **imported,
                },
            )
            for r in receipts
        ],
    )

    for p in planned:
        contract = p.contract
        result.changes.append(
            Change("contract", "created", contract.pk, contract.customer_id, p.item.row, 1)
        )
        if p.receipt is not None:
            result.changes.append(
                Change("receipt", "created", p.receipt.pk, contract.customer_id, p.item.row, 1)
            )
    for row, event in timeline:
        result.changes.append(Change("event", "created", event.pk, event.customer_id, row, 1))
    _mark_customers_signed(actor, planned, result)


def _mark_customers_signed(actor: User, planned: list[_Planned], result: BatchResult) -> None:
    """Move the customers of signed contracts to the "signed" status, as an approval does.

    The first row of each customer records the move, so undo puts the old status back.
    """
    done: set[int] = set()
    for p in planned:
        customer_id = p.contract.customer_id
        if p.contract.status != ContractStatus.SIGNED or customer_id in done:
            continue
        done.add(customer_id)
        move = mark_customer_signed(actor, customer_id)
        if move is None:
            continue
        row = p.item.row
        before = {"status": move.previous}
        result.changes.append(
            Change("customer", "updated", customer_id, customer_id, row, move.version, before)
        )
        result.changes.append(Change("event", "created", move.event.pk, customer_id, row, 1))


__all__ = ["IncomingContract", "import_contracts", "may_import_contracts"]
