"""Payment collection (回款): instalment plans and payments received, and what they add up to.

The instalments of a contract may not add up to more than its amount, and neither may its
receipts. A voided receipt stays on the contract but counts in none of the sums. Receipts are
not tied to instalments: they pay the instalments in due-date order. An instalment is overdue
when its due date has passed and the receipts do not yet cover it together with every
instalment due before it. All sums are exact decimals.
"""

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BigIntegerField, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Round
from django.utils.translation import gettext as _

from kehu.audit import services as audit
from kehu.audit.models import AuditAction
from kehu.core import clock, money
from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.org.models import User
from kehu.org.policy import policy_for
from kehu.sales import cleaning
from kehu.sales.contracts import check_contract_writer, event_data, has_approver_role
from kehu.sales.models import Contract, ContractStatus, PaymentPlan, Receipt
from kehu.sales.models.contracts import ZERO
from kehu.timeline import events

MAX_INSTALMENTS = 120


def check_payment_writer(actor: User, contract: Contract, key: str) -> None:
    """Raise PermissionDenied unless `actor` may write the contract's payment field `key`.

    `key` is "plan_amount" for the plan and "received" for receipts; both need the right to
    write the contract itself.
    """
    check_contract_writer(actor, contract.customer)
    spec = field_map(FieldTarget.PAYMENT)[key]
    if not policy_for(actor).can_write(FieldTarget.PAYMENT, spec):
        raise PermissionDenied(_("Your role may not record payment amounts."))


def set_payment_plans(
    actor: User, contract: Contract, plans: Sequence[Mapping[str, Any]]
) -> list[PaymentPlan]:
    """Replace the contract's instalments with `plans`, numbered by due date.

    Errors are keyed "plans.<n>.<field>", counting from 1 in the order given. The instalments
    may not add up to more than the contract amount. An empty list removes the plan.
    """
    check_payment_writer(actor, contract, "plan_amount")
    if len(plans) > MAX_INSTALMENTS:
        message = _("A contract has at most %(count)d instalments.") % {"count": MAX_INSTALMENTS}
        raise ValidationError({"plans": [message]})
    cleaned: list[dict[str, Any]] = []
    errors: dict[str, list[str]] = {}
    for number, raw in enumerate(plans, start=1):
        try:
            cleaned.append(cleaning.clean_plan(raw, f"plans.{number}."))
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    cleaned.sort(key=lambda plan: plan["due_on"])

    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        planned = money.total([plan["amount"] for plan in cleaned])
        if planned > locked.amount:
            raise ValidationError(
                {
                    "plans": [
                        _(
                            "The instalments add up to %(planned)s, more than the contract "
                            "amount %(amount)s."
                        )
                        % {"planned": planned, "amount": locked.amount}
                    ]
                }
            )
        PaymentPlan.objects.filter(contract=locked).delete()
        rows = PaymentPlan.objects.bulk_create(
            PaymentPlan(contract=locked, position=position, **plan)
            for position, plan in enumerate(cleaned, start=1)
        )
        data = event_data(locked, count=len(rows), planned=str(planned))
        events.payment_plans_set(locked.customer_id, actor, data).save()
        audit.record(
            actor,
            AuditAction.PAYMENT_PLANS_SET,
            "contract",
            locked.public_id,
            {
                "plans": [
                    {"due_on": plan["due_on"].isoformat(), "amount": str(plan["amount"])}
                    for plan in cleaned
                ]
            },
        )
    return rows


def record_receipt(actor: User, contract: Contract, values: Mapping[str, Any]) -> Receipt:
    """Record a payment received for a signed contract.

    The date may not lie in the future, and the receipts may not add up to more than the
    contract amount.
    """
    check_payment_writer(actor, contract, "received")
    cleaned = cleaning.clean_receipt(values)
    today = clock.today()
    if cleaned["received_on"] > today:
        message = _("The date %(date)s is in the future.") % {
            "date": cleaned["received_on"].isoformat()
        }
        raise ValidationError({"received_on": [message]})

    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        if locked.status != ContractStatus.SIGNED:
            raise ValidationError(
                {"status": [_("Payments are recorded only for signed contracts.")]}
            )
        collected = collected_total(locked) + cleaned["amount"]
        if collected > locked.amount:
            raise ValidationError(
                {
                    "amount": [
                        _(
                            "With %(amount)s the payments received would add up to "
                            "%(collected)s, more than the contract amount %(total)s."
                        )
                        % {
                            "amount": cleaned["amount"],
                            "collected": collected,
                            "total": locked.amount,
                        }
                    ]
                }
            )
        receipt = Receipt.objects.create(
            contract=locked, recorded_by=actor, recorded_at=clock.now(), **cleaned
        )
        data = event_data(
            locked,
            received=str(receipt.amount),
            received_on=receipt.received_on.isoformat(),
            method=receipt.method,
        )
        events.payment_received(locked.customer_id, actor, data).save()
        audit.record(
            actor,
            AuditAction.RECEIPT_RECORDED,
            "contract",
            locked.public_id,
            {
                "receipt": str(receipt.public_id),
                "amount": str(receipt.amount),
                "received_on": receipt.received_on.isoformat(),
            },
        )
    return receipt


def void_receipt(actor: User, receipt: Receipt, reason: str) -> Receipt:
    """Void a receipt recorded by mistake, which stays on the contract but counts in no sum.

    Needs the right to record receipts on its contract and a role that approves contracts:
    removing collected money from the sums is a manager's decision, as signing is. Locks the
    contract, as recording a
    receipt does, so the collected sum a concurrent receipt is checked against is the new one.
    Raises ValidationError on "reason" when it is empty or too long, and on "receipt" when the
    receipt is already void. Records "payment voided" on the customer's timeline and an audit
    entry.
    """
    # The role first: an agent or a rep is told that voiding is a manager's decision, not that
    # the customer's deals are out of reach.
    if not has_approver_role(actor):
        raise PermissionDenied(_("Only a manager may void a payment received."))
    check_payment_writer(actor, receipt.contract, "received")
    text = cleaning.clean_void_reason(reason)

    with transaction.atomic():
        locked_contract = Contract.objects.select_for_update().get(pk=receipt.contract_id)
        locked = Receipt.objects.select_for_update().get(pk=receipt.pk)
        if locked.is_void:
            raise ValidationError({"receipt": [_("This payment received is already void.")]})
        locked.voided_at = clock.now()
        locked.voided_by = actor
        locked.void_reason = text
        locked.save(update_fields=["voided_at", "voided_by", "void_reason"])
        data = event_data(
            locked_contract,
            received=str(locked.amount),
            received_on=locked.received_on.isoformat(),
            method=locked.method,
            void_reason=text,
        )
        events.payment_voided(locked_contract.customer_id, actor, data).save()
        audit.record(
            actor,
            AuditAction.RECEIPT_VOIDED,
            "contract",
            locked_contract.public_id,
            {"receipt": str(locked.public_id), "amount": str(locked.amount), "reason": text},
        )
    return locked


def counted_receipts(contract: Contract) -> QuerySet[Receipt]:
    """Return the receipts of a contract that count in its sums: all but the voided ones."""
    return Receipt.objects.filter(contract=contract, voided_at__isnull=True)


def collected_total(contract: Contract) -> Decimal:
    amounts = counted_receipts(contract).values_list("amount", flat=True)
    return money.total(list(amounts))


@dataclasses.dataclass(frozen=True)
class Instalment:
    plan: PaymentPlan
    paid: Decimal
    remaining: Decimal
    overdue: bool


@dataclasses.dataclass(frozen=True)
class Collection:
    """The collection state of a contract: planned, collected, outstanding and overdue sums."""

    amount: Decimal
    planned: Decimal
    collected: Decimal
    outstanding: Decimal
    overdue: Decimal
    instalments: list[Instalment]


def collection(contract: Contract, today: dt.date | None = None) -> Collection:
    """Return the contract's collection state, the receipts paying instalments by due date."""
    today = today or clock.today()
    plans = list(PaymentPlan.objects.filter(contract=contract).order_by("due_on", "position"))
    collected = collected_total(contract)
    left = collected
    instalments = []
    overdue = ZERO
    # Only a signed contract collects payments, so only its instalments fall overdue.
    signed = contract.status == ContractStatus.SIGNED
    for plan in plans:
        paid = min(plan.amount, left)
        left -= paid
        remaining = plan.amount - paid
        late = signed and remaining > 0 and plan.due_on < today
        if late:
            overdue += remaining
        instalments.append(Instalment(plan, paid, remaining, late))
    return Collection(
        amount=contract.amount,
        planned=money.total([plan.amount for plan in plans]),
        collected=collected,
        outstanding=contract.amount - collected,
        overdue=overdue,
        instalments=instalments,
    )


def _fen_sum_of(model: type[PaymentPlan] | type[Receipt], **filters: Any) -> Any:
    """Return a subquery summing the contract's amounts in whole fen.

    SQLite stores decimal columns as floating point, so a plain SUM of 0.1 and 0.2 is not 0.3.
    Each amount rounded to whole fen is an exact integer, and so is their sum, on both
    databases.
    """
    rows = (
        model.objects.filter(contract=OuterRef("pk"), **filters)
        .order_by()
        .values("contract")
        .annotate(total=Sum(Round(F("amount") * 100), output_field=BigIntegerField()))
        .values("total")
    )
    field = BigIntegerField()
    return Coalesce(Subquery(rows, output_field=field), Value(0), output_field=field)


def _yuan(fen: Any) -> Decimal:
    """Return whole fen, an int or SQLite's integral float, as yuan with two places."""
    return Decimal(round(fen or 0)).scaleb(-money.MONEY_PLACES)


def only_overdue(contracts: QuerySet[Contract], today: dt.date | None = None) -> QuerySet[Contract]:
    """Return the signed contracts whose instalments due before today exceed what was collected."""
    today = today or clock.today()
    return (
        contracts.filter(status=ContractStatus.SIGNED)
        .annotate(
            collected_fen=_fen_sum_of(Receipt, voided_at__isnull=True),
            due_fen=_fen_sum_of(PaymentPlan, due_on__lt=today),
        )
        .filter(due_fen__gt=F("collected_fen"))
    )


def collection_sums(
    contracts: QuerySet[Contract], today: dt.date | None = None
) -> dict[int, tuple[Decimal, Decimal]]:
    """Return (collected, due so far) in yuan by contract id, for the queryset's contracts."""
    today = today or clock.today()
    rows = contracts.annotate(
        collected_fen=_fen_sum_of(Receipt, voided_at__isnull=True),
        due_fen=_fen_sum_of(PaymentPlan, due_on__lt=today),
    ).values_list("pk", "collected_fen", "due_fen")
    return {pk: (_yuan(collected), _yuan(due)) for pk, collected, due in rows}


def overdue_amount(due_planned: Decimal, collected: Decimal) -> Decimal:
    """Return how much of the instalments due so far the receipts do not cover."""
    return max(ZERO, due_planned - collected)
