import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FollowUpKind(models.TextChoices):
    CALL = "call", _("Call")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("Email")
    VISIT = "visit", _("Visit")
    MEETING = "meeting", _("Meeting")
    SMS = "sms", _("SMS")
    NOTE = "note", _("Internal note")


class FollowUp(models.Model):
    """One interaction with a customer. Edits keep the earlier text as a FollowUpRevision."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="follow_ups",
    )
    kind = models.CharField(_("type"), max_length=20, choices=FollowUpKind.choices)
    occurred_at = models.DateTimeField(_("time"))
    # Authors who leave keep their follow-ups, so users are protected from deletion.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    content = models.TextField(_("content"))
    purpose = models.CharField(_("purpose of the visit"), max_length=200, blank=True)
    result = models.CharField(_("result"), max_length=500, blank=True)
    next_step = models.CharField(_("next step"), max_length=500, blank=True)
    next_follow_up_on = models.DateField(_("next follow-up"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            models.Index(fields=["customer", "-occurred_at", "-id"], name="timeline_followup_cust"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"


class FollowUpRevision(models.Model):
    """The text of a follow-up as it was before an edit."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    data = models.JSONField()
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    replaced_at = models.DateTimeField()

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["follow_up", "version"], name="timeline_followuprevision_unique_version"
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    # The stored name is generated; the uploaded name is kept only in `original_name`.
    return f"attachments/{instance.public_id.hex[:2]}/{instance.public_id.hex}"


class Attachment(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="attachments"
    )
    follow_up = models.ForeignKey(
        FollowUp, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class EventKind(models.TextChoices):
    CREATED = "created", _("Customer created")
    IMPORTED = "imported", _("Customer imported")
    FIELDS_CHANGED = "fields_changed", _("Fields changed")
    OWNER_CHANGED = "owner_changed", _("Owner changed")
    CONTACT_ADDED = "contact_added", _("Contact added")
    CONTACT_CHANGED = "contact_changed", _("Contact changed")
    FOLLOW_UP_EDITED = "follow_up_edited", _("Follow-up edited")
    ATTACHMENT_ADDED = "attachment_added", _("Attachment added")
    SHARED = "shared", _("Shared with a colleague")
    SHARE_ENDED = "share_ended", _("Sharing ended")
    AGENT_ASSIGNED = "agent_assigned", _("Outside agent assigned")
    AGENT_REMOVED = "agent_removed", _("Outside agent removed")
    DEAL_CREATED = "deal_created", _("Deal created")
    DEAL_STAGE_CHANGED = "deal_stage_changed", _("Deal stage changed")
    DEAL_WON = "deal_won", _("Deal won")
    DEAL_LOST = "deal_lost", _("Deal lost")
    QUOTE_CREATED = "quote_created", _("Quote created")
    QUOTE_REVISED = "quote_revised", _("Quote revised")
    QUOTE_STATUS_CHANGED = "quote_status_changed", _("Quote status changed")
    CONTRACT_CREATED = "contract_created", _("Contract created")
    CONTRACT_VERSION_ADDED = "contract_version_added", _("Contract version added")
    CONTRACT_SUBMITTED = "contract_submitted", _("Contract submitted for approval")
    CONTRACT_APPROVED = "contract_approved", _("Contract approved and signed")
    CONTRACT_REJECTED = "contract_rejected", _("Contract rejected")
    CONTRACT_RENEWED = "contract_renewed", _("Contract renewed")
    PAYMENT_PLANS_SET = "payment_plans_set", _("Payment plan changed")
    PAYMENT_RECEIVED = "payment_received", _("Payment received")
    PAYMENT_VOIDED = "payment_voided", _("Payment received voided")
    TICKET_OPENED = "ticket_opened", _("Ticket opened")
    TICKET_REPLIED = "ticket_replied", _("Ticket reply")
    TICKET_ASSIGNED = "ticket_assigned", _("Ticket assigned")
    TICKET_STATUS_CHANGED = "ticket_status_changed", _("Ticket status changed")
    TICKET_CHANGED = "ticket_changed", _("Ticket changed")
    POOL_PLACED = "pool_placed", _("Placed in the public pool")
    POOL_RETURNED = "pool_returned", _("Returned to the public pool")
    POOL_RECLAIMED = "pool_reclaimed", _("Reclaimed to the public pool")
    POOL_CLAIMED = "pool_claimed", _("Claimed from the public pool")
    POOL_ASSIGNED = "pool_assigned", _("Assigned from the public pool")
    CONVERTED_FROM_LEAD = "converted_from_lead", _("Converted from a lead")
    LEAD_SUBMITTED = "lead_submitted", _("Submitted a form again")


class Event(models.Model):
    """A system event on a customer's timeline; built only through kehu.timeline.events."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    occurred_at = models.DateTimeField()
    data = models.JSONField(default=dict)

    class Meta:
        indexes = [
            models.Index(fields=["customer", "-occurred_at", "-id"], name="timeline_event_cust"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()
