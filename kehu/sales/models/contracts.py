"""Contracts with their versions and files, payment plans and payments received (回款).

A contract counts as signed only after a manager approves it. Its terms (title, amount, dates,
notes) may change while it is a draft or rejected. Each change adds a version, so the earlier
terms and files stay readable. Payments are planned as instalments and recorded as receipts;
receipts pay the instalments in the order they fall due
(docs/decisions/0014-contracts-and-payments.md).
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.core import money
from kehu.sales.models.deals import Deal


class ContractStatus(models.TextChoices):
    # With a context: quotes and customers have statuses with the same English names.
    DRAFT = "draft", pgettext_lazy("contract status", "Draft")
    PENDING = "pending", pgettext_lazy("contract status", "Awaiting approval")
    REJECTED = "rejected", pgettext_lazy("contract status", "Rejected")
    SIGNED = "signed", pgettext_lazy("contract status", "Signed")


class Contract(models.Model):
    """A contract with a customer, optionally for one of its deals; the terms are the current
    version's."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # HT, the year and the id in six digits, set right after the insert like quote numbers.
    number = models.CharField(_("contract number"), max_length=40, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="contracts",
    )
    deal = models.ForeignKey(
        Deal,
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contracts",
    )
    title = models.CharField(_("title"), max_length=200)
    amount = models.DecimalField(
        _("contract amount"), max_digits=money.MONEY_DIGITS, decimal_places=money.MONEY_PLACES
    )
    start_on = models.DateField(_("start date"))
    end_on = models.DateField(_("end date"), null=True, blank=True)
    # The date the parties signed; the approval sets it to the approval day when it is empty.
    signed_on = models.DateField(_("signing date"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ContractStatus.choices, default=ContractStatus.DRAFT
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_contracts",
    )
    # The contract this one renews; a signed contract is never deleted, so neither link breaks.
    renewal_of = models.OneToOneField(
        "self",
        verbose_name=_("renews"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="renewal",
    )
    current_version = models.PositiveIntegerField(_("version"), default=1)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approver"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.CharField(_("approval comment"), max_length=500, blank=True)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("creator"),
        null=True,
        on_delete=models.PROTECT,
        related_name="created_contracts",
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="sales_contract_created"),
            models.Index(fields=["customer", "-created_at"], name="sales_contract_customer"),
            models.Index(fields=["status", "end_on"], name="sales_contract_status_end"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="sales_contract_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("web:contract_detail", args=[self.public_id])

    @property
    def is_editable(self) -> bool:
        """Return whether the terms may change: only before submission or after a rejection."""
        return self.status in (ContractStatus.DRAFT, ContractStatus.REJECTED)


class ContractVersion(models.Model):
    """The terms of a contract at one version, with the files uploaded for it."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    amount = models.DecimalField(
        _("contract amount"), max_digits=money.MONEY_DIGITS, decimal_places=money.MONEY_PLACES
    )
    start_on = models.DateField(_("start date"))
    end_on = models.DateField(_("end date"), null=True, blank=True)
    signed_on = models.DateField(_("signing date"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    change_note = models.CharField(_("what changed"), max_length=500, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("contract version")
        verbose_name_plural = _("contract versions")
        ordering = ["contract", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "number"], name="sales_contract_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} v{self.number}"


def contract_file_path(instance: "ContractFile", filename: str) -> str:
    # The stored name is generated; the uploaded name is kept only in `original_name`.
    return f"contracts/{instance.public_id.hex[:2]}/{instance.public_id.hex}"


class ContractFile(models.Model):
    """A file of a contract version, such as the scanned signed contract."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    version = models.ForeignKey(ContractVersion, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=contract_file_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("contract file")
        verbose_name_plural = _("contract files")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class PaymentPlan(models.Model):
    """One instalment a contract plans to collect: an amount due on a date."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="plans")
    position = models.PositiveIntegerField(_("instalment"))
    due_on = models.DateField(_("due date"))
    amount = models.DecimalField(
        _("planned amount"), max_digits=money.MONEY_DIGITS, decimal_places=money.MONEY_PLACES
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("payment plan")
        verbose_name_plural = _("payment plans")
        ordering = ["contract", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "position"], name="sales_paymentplan_unique_position"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="sales_paymentplan_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} #{self.position}"


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    ACCEPTANCE_BILL = "acceptance_bill", _("Bank acceptance bill")
    WECHAT_PAY = "wechat_pay", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    CASH = "cash", _("Cash")
    CHEQUE = "cheque", _("Cheque")
    OTHER = "other", _("Other")


class Receipt(models.Model):
    """A payment received for a signed contract.

    A receipt recorded by mistake is voided, never deleted or changed: it stays on the contract
    with the reason, but no longer counts in the collected sums.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Receipts are money records; a contract with receipts is never deleted.
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="receipts")
    received_on = models.DateField(_("date received"))
    amount = models.DecimalField(
        _("amount received"), max_digits=money.MONEY_DIGITS, decimal_places=money.MONEY_PLACES
    )
    method = models.CharField(_("payment method"), max_length=20, choices=PaymentMethod.choices)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("voided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    void_reason = models.CharField(_("reason for voiding"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("payment received")
        verbose_name_plural = _("payments received")
        ordering = ["received_on", "id"]
        indexes = [models.Index(fields=["contract", "received_on"], name="sales_receipt_contract")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="sales_receipt_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(voided_at__isnull=True) | ~models.Q(void_reason=""),
                name="sales_receipt_void_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.amount}"

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None


# The zero of sums over no rows.
ZERO = Decimal("0.00")
