"""After-sales tickets (工单) with their replies, and the counter behind ticket numbers.

A ticket belongs to one customer and optionally to one of its contacts. Complaints are tickets of
the category COMPLAINT, so reports count them with the other categories
(docs/decisions/0013-tickets.md).
"""

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TicketCategory(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation")
    REPAIR = "repair", _("Fault or repair")
    INSTALLATION = "installation", _("Installation")
    RETURN = "return", _("Return or exchange")
    COMPLAINT = "complaint", _("Complaint")
    OTHER = "other", _("Other")


class TicketPriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class TicketStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING = "waiting", _("Waiting for customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# Statuses of a ticket that still needs work; the others need a resolution.
ACTIVE_STATUSES = (TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.WAITING)
DONE_STATUSES = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


class Ticket(models.Model):
    """One after-sales request or complaint of a customer, worked until resolved and closed."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # GD, the opening day in Asia/Shanghai and that day's sequence: GD-20261205-0001.
    number = models.CharField(_("ticket number"), max_length=40, unique=True)
    # A ticket is part of its customer's record and goes with it.
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="tickets",
    )
    # A removed contact leaves the ticket without one rather than removing the ticket.
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    category = models.CharField(_("category"), max_length=20, choices=TicketCategory.choices)
    priority = models.CharField(
        _("priority"),
        max_length=10,
        choices=TicketPriority.choices,
        default=TicketPriority.NORMAL,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=TicketStatus.choices, default=TicketStatus.OPEN
    )
    # Users are deactivated, never deleted.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_tickets",
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(pgettext_lazy("ticket", "description"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    # The first reply meant for the customer (not an internal note).
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    # Set when the ticket becomes resolved (or closed without being resolved first).
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="created_tickets",
    )
    updated_at = models.DateTimeField(_("updated at"))
    # Raised by every change, for the optimistic check of concurrent edits.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["customer", "-opened_at"], name="service_ticket_customer"),
            models.Index(fields=["status", "-opened_at"], name="service_ticket_status"),
            models.Index(fields=["assignee", "status"], name="service_ticket_assignee"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("web:ticket_detail", args=[self.public_id])

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class TicketReply(models.Model):
    """A reply on a ticket. An internal note is for colleagues, not for the customer."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.PROTECT,
        related_name="ticket_replies",
    )
    body = models.TextField(_("reply"))
    is_internal = models.BooleanField(_("internal note"), default=False)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("ticket reply")
        verbose_name_plural = _("ticket replies")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.pk}"


class TicketCounter(models.Model):
    """The last ticket number given out on one day, locked while the next one is taken."""

    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}:{self.last}"


def format_number(day: dt.date, sequence: int) -> str:
    """Return the ticket number of the `sequence`-th ticket opened on `day`."""
    return f"GD-{day:%Y%m%d}-{sequence:04d}"
