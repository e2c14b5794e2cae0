"""Quotes: numbered price offers, each kept as a series of versions with priced lines."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kehu.core import money
from kehu.sales.models.deals import Deal, Product


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class Quote(models.Model):
    """A numbered price offer to a customer. Its content lives in versions; the last is current.

    Accepted and rejected quotes are final. Revising a quote adds a version and leaves the earlier
    ones as they were, so what was offered at each step stays readable.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # BJ, the year and the id in six digits, set right after the insert (before it, the
    # public id is used, so concurrent inserts never collide).
    number = models.CharField(_("quote number"), max_length=40, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="quotes",
    )
    deal = models.ForeignKey(
        Deal,
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT
    )
    current_version = models.PositiveIntegerField(_("version"), default=1)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("creator"),
        null=True,
        on_delete=models.PROTECT,
        related_name="created_quotes",
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        indexes = [models.Index(fields=["customer", "-created_at"], name="sales_quote_customer")]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("web:quote_detail", args=[self.public_id])

    @property
    def is_final(self) -> bool:
        return self.status in (QuoteStatus.ACCEPTED, QuoteStatus.REJECTED)


class QuoteVersion(models.Model):
    """One version of a quote: its title, validity, notes and lines, with totals kept exact."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Sums of the lines' amounts, each already rounded to fen (kehu.core.money.quote_line).
    subtotal = models.DecimalField(
        _("subtotal"), max_digits=money.MONEY_DIGITS, decimal_places=money.MONEY_PLACES
    )
    discount = models.DecimalField(
        _("discount"), max_digits=money.MONEY_DIGITS, decimal_places=money.MONEY_PLACES
    )
    tax = models.DecimalField(
        _("tax"), max_digits=money.MONEY_DIGITS, decimal_places=money.MONEY_PLACES
    )
    total = models.DecimalField(
        _("total"), max_digits=money.MONEY_DIGITS, decimal_places=money.MONEY_PLACES
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("quote version")
        verbose_name_plural = _("quote versions")
        ordering = ["quote", "number"]
        constraints = [
            models.UniqueConstraint(fields=["quote", "number"], name="sales_quote_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.quote_id} v{self.number}"


class QuoteLine(models.Model):
    """A line of a quote version: a product or free text, quantity, price, discount and tax."""

    version = models.ForeignKey(QuoteVersion, on_delete=models.CASCADE, related_name="lines")
    # Products on quotes are retired, never deleted.
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("description"), max_length=200)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    unit_price = models.DecimalField(
        _("unit price"), max_digits=money.MONEY_DIGITS, decimal_places=money.MONEY_PLACES
    )
    # Percentages with two places: 5.00 is 5 %.
    discount_percent = models.DecimalField(
        _("discount %"), max_digits=5, decimal_places=2, default=Decimal("0.00")
    )
    tax_percent = models.DecimalField(
        _("tax rate %"), max_digits=5, decimal_places=2, default=Decimal("0.00")
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description

    @property
    def amounts(self) -> money.LineAmounts:
        return money.quote_line(
            self.quantity, self.unit_price, self.discount_percent, self.tax_percent
        )
