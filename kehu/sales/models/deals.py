"""Products, pipelines with their stages, deals and deal lines.

Money fields are DecimalField in yuan with two places (kehu.core.money); no amount is ever a
float. A deal without lines has the amount its user enters. Once it has lines, its amount is
their total (docs/decisions/0009-sales-records.md).
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.core import money


class Product(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("product code"), max_length=60, unique=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    list_price = models.DecimalField(
        _("list price"),
        max_digits=money.MONEY_DIGITS,
        decimal_places=money.MONEY_PLACES,
        default=Decimal("0.00"),
    )
    cost = models.DecimalField(
        _("cost"),
        max_digits=money.MONEY_DIGITS,
        decimal_places=money.MONEY_PLACES,
        null=True,
        blank=True,
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["-is_active", "code"]

    def __str__(self) -> str:
        return self.name


class Pipeline(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=60, unique=True)
    is_default = models.BooleanField(_("default pipeline"), default=False)

    class Meta:
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="sales_pipeline_one_default",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StageKind(models.TextChoices):
    # A context keeps these apart from the same words of tickets and customer statuses.
    OPEN = "open", pgettext_lazy("stage kind", "Open")
    WON = "won", pgettext_lazy("stage kind", "Won")
    LOST = "lost", pgettext_lazy("stage kind", "Lost")


class Stage(models.Model):
    """One step of a pipeline. Won and lost stages are final: a deal there no longer moves.

    A pipeline has its open stages first, then one won stage (100%) and one lost stage (0%).
    kehu.sales.pipelines keeps that order and the rules the constraints below cannot express.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Stages belong to their pipeline and go with it.
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(_("name"), max_length=40)
    position = models.PositiveIntegerField(_("position"))
    # Percent, 0-100.
    win_probability = models.PositiveSmallIntegerField(
        _("win probability"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    kind = models.CharField(_("kind"), max_length=10, choices=StageKind.choices)

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["pipeline", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["pipeline", "position"], name="sales_stage_unique_position"
            ),
            models.UniqueConstraint(fields=["pipeline", "name"], name="sales_stage_unique_name"),
            models.UniqueConstraint(
                fields=["pipeline", "kind"],
                condition=~models.Q(kind="open"),
                name="sales_stage_one_won_one_lost",
            ),
            models.CheckConstraint(
                condition=models.Q(win_probability__lte=100), name="sales_stage_probability"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="open")
                | models.Q(kind="won", win_probability=100)
                | models.Q(kind="lost", win_probability=0),
                name="sales_stage_final_probability",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_final(self) -> bool:
        return self.kind != StageKind.OPEN


class Deal(models.Model):
    """A sales opportunity (商机) with one customer, moving through its pipeline's stages."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # A deal is part of its customer's record and goes with it.
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="deals",
    )
    name = models.CharField(_("deal name"), max_length=200)
    amount = models.DecimalField(
        _("amount"),
        max_digits=money.MONEY_DIGITS,
        decimal_places=money.MONEY_PLACES,
        default=Decimal("0.00"),
    )
    expected_close_on = models.DateField(_("expected close date"), null=True, blank=True)
    # A pipeline or stage is removed only once no deal is in it (kehu.sales.pipelines).
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="deals"
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="deals"
    )
    lost_reason = models.CharField(_("lost reason"), max_length=500, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_deals",
    )
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("creator"),
        null=True,
        on_delete=models.PROTECT,
        related_name="created_deals",
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The deal's id in the system it was imported from, such as an opportunity id of another
    # CRM; importing the same file again finds deals by it instead of adding them twice.
    external_ref = models.CharField(_("ID in the previous system"), max_length=100, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="sales_deal_created"),
            models.Index(fields=["customer", "-created_at"], name="sales_deal_customer"),
            models.Index(fields=["stage", "-id"], name="sales_deal_stage"),
            models.Index(fields=["expected_close_on", "id"], name="sales_deal_close"),
            models.Index(
                fields=["external_ref"],
                name="sales_deal_external_ref",
                condition=~models.Q(external_ref=""),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("web:deal_detail", args=[self.public_id])


class DealLine(models.Model):
    """A product on a deal, with the quantity and the unit price agreed for this deal."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="lines")
    # Products on deals are retired, never deleted.
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    unit_price = models.DecimalField(
        _("unit price"), max_digits=money.MONEY_DIGITS, decimal_places=money.MONEY_PLACES
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("deal line")
        verbose_name_plural = _("deal lines")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.product_id} x {self.quantity}"

    @property
    def total(self) -> Decimal:
        return money.line_total(self.quantity, self.unit_price)


class StageChange(models.Model):
    """One move of a deal between stages; the deal's stage history.

    The stage names are recorded as they were at the move, so the history reads the same after
    a stage is renamed or removed. The first change of a deal, its creation, has no from-stage.
    """

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    # Removing a stage keeps the history rows that name it, with their names.
    from_stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_name = models.CharField(max_length=40, blank=True)
    to_name = models.CharField(max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_name} → {self.to_name}"
