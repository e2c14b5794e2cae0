"""Offboardings and handovers: moving everything a user owns to successors, previewed first.

An Offboarding marks a user as leaving (User.leaving_on) until it is completed or cancelled. A
Handover is a plan, stored row by row (HandoverItem), of which record goes to whom; executing it
applies exactly the previewed rows, once.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OffboardingStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("offboarding", "In progress")
    COMPLETED = "completed", pgettext_lazy("offboarding", "Completed")
    CANCELLED = "cancelled", pgettext_lazy("offboarding", "Cancelled")


class Offboarding(models.Model):
    """A user's departure, from the day a manager starts it until nothing they own is left."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Users are deactivated, never deleted.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="offboardings",
    )
    last_day = models.DateField(_("last working day"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=OffboardingStatus.choices,
        default=OffboardingStatus.OPEN,
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("offboarding")
        verbose_name_plural = _("offboardings")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="open"),
                name="handover_offboarding_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.last_day}"


class SuccessorMode(models.TextChoices):
    """The way a handover chooses each customer's successor, before per-customer choices."""

    USERS = "users", _("One person, or several in turn")
    RULES = "rules", _("By the assignment rules")
    POOL = "pool", pgettext_lazy("successor", "Back to the public pool")


class HandoverStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("handover status", "Planned")
    EXECUTED = "executed", _("Executed")
    DISCARDED = "discarded", _("Discarded")


class Handover(models.Model):
    """A plan to move a user's records to successors.

    `execute_handover` runs it at most once: it locks the row and changes nothing unless the
    status is PLANNED.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    predecessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handed over by"),
        on_delete=models.PROTECT,
        related_name="handovers_given",
    )
    # Empty for an on-job transfer of some customers.
    offboarding = models.ForeignKey(
        Offboarding,
        verbose_name=_("offboarding"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handovers",
    )
    mode = models.CharField(_("successors"), max_length=20, choices=SuccessorMode.choices)
    # The last day the predecessor may still read the customers handed over (Asia/Shanghai).
    read_only_until = models.DateField(_("read-only access until"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=HandoverStatus.choices,
        default=HandoverStatus.PLANNED,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("planned by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("planned at"))
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("executed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    executed_at = models.DateTimeField(_("executed at"), null=True, blank=True)
    # What the execution moved: {"totals": {record type: count}, "skipped": count}.
    result = models.JSONField(_("result"), default=dict, blank=True)

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        indexes = [
            models.Index(fields=["predecessor", "-created_at"], name="handover_predecessor"),
        ]

    def __str__(self) -> str:
        return str(self.public_id)


class ItemKind(models.TextChoices):
    """The records a handover moves one by one; contacts, quotes, payment plans, follow-up dates
    and locks go with their customer."""

    CUSTOMER = "customer", _("Customer")
    DEAL = "deal", _("Deal")
    CONTRACT = "contract", _("Contract")
    TICKET = "ticket", _("Ticket")
    SHARE = "share", _("Share received")


class HandoverItem(models.Model):
    """One record of a handover and the user who receives it (no one: the public pool)."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=20, choices=ItemKind.choices)
    # The record's primary key in its own table, chosen by `kind`.
    object_id = models.PositiveBigIntegerField()
    # The customer the record belongs to; a customer removed later takes its items with it.
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    successor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("successor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    label = models.CharField(max_length=200)
    moved = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["handover", "kind", "object_id"], name="handover_item_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"
