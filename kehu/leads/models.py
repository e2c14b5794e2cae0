"""Leads (线索): people who showed interest, kept apart from customers until converted.

A lead without an owner is in the lead pool. Campaigns are the public web forms leads arrive
through; intake keys let other systems post leads to the API. See docs/decisions/0017-leads.md.
"""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.customers.choices import Industry, LeadSource
from kehu.timeline.models import FollowUpKind


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    CONVERTED = "converted", _("Converted")
    CLOSED = "closed", _("Invalid or closed")


class LeadChannel(models.TextChoices):
    """The channel through which a lead entered Kehu."""

    USER = "user", _("Entered by a user")
    FORM = "form", _("Web form")
    API = "api", _("Intake API")


# The values a web form or the intake API may carry, in the order a form shows them. A campaign
# picks its fields from these; every other key of a submission is ignored.
FORM_FIELDS = (
    "name",
    "company",
    "title",
    "mobile",
    "phone",
    "email",
    "wechat",
    "province",
    "city",
    "industry",
    "message",
)


def form_field_labels() -> dict[str, str]:
    """Return the label of each form field, in the active language."""
    return {
        # A person's name (姓名), where other pages name a record (名称).
        "name": str(pgettext_lazy("person", "Name")),
        "company": str(_("Company")),
        "title": str(_("Job title")),
        "mobile": str(_("Mobile")),
        "phone": str(_("Phone")),
        "email": str(_("Email")),
        "wechat": str(_("WeChat ID")),
        "province": str(_("Province")),
        "city": str(_("City")),
        "industry": str(_("Industry")),
        "message": str(_("Message")),
    }


class Campaign(models.Model):
    """A public web form for one event, trade show or page, reached at /f/<token>/."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100)
    # Random and unguessable, so inactive or unpublished forms cannot be found by counting.
    token = models.CharField(_("link token"), max_length=40, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    fields = models.JSONField(_("form fields"), default=list)
    required_fields = models.JSONField(_("required fields"), default=list)
    consent_text = models.TextField(_("consent text"), blank=True)
    source = models.CharField(
        _("lead source"), max_length=20, choices=LeadSource.choices, default=LeadSource.WEBSITE
    )
    thank_you_text = models.TextField(_("thank-you text"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("web:lead_form", args=[self.token])


class Lead(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=60)
    company = models.CharField(_("company"), max_length=200, blank=True)
    title = models.CharField(_("job title"), max_length=60, blank=True)
    # Stored like a contact's mobile: 11 digits for the mainland, E.164 for other countries.
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    wechat = models.CharField(_("WeChat ID"), max_length=40, blank=True)
    # GB/T 2260 division codes, as on customers.
    province_code = models.CharField(_("province"), max_length=2, blank=True)
    city_code = models.CharField(_("city"), max_length=4, blank=True)
    industry = models.CharField(_("industry"), max_length=30, choices=Industry.choices, blank=True)
    message = models.TextField(_("message"), blank=True)
    source = models.CharField(
        _("lead source"), max_length=20, choices=LeadSource.choices, blank=True
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=LeadChannel.choices, default=LeadChannel.USER
    )
    # A lead keeps its campaign's name in its history, so the campaign is never deleted.
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )
    consent_given = models.BooleanField(_("consent given"), default=False)
    # The consent text exactly as the form showed it, with when and from where it was given.
    consent_text = models.TextField(_("consent text"), blank=True)
    consent_at = models.DateTimeField(_("consent time"), null=True, blank=True)
    consent_address = models.GenericIPAddressField(_("consent address"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=LeadStatus.choices, default=LeadStatus.NEW
    )
    # No owner: the lead is in the lead pool. Users are deactivated, never deleted.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_leads",
    )
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("creator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="created_leads",
    )
    # The customer made from this lead; removing that customer leaves the lead converted.
    converted_customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("converted to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="source_leads",
    )
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    # The stored lead or customer this lead repeats, found when a user confirmed creating it.
    duplicate_of_lead = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    duplicate_of_customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("duplicate of customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicate_leads",
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["owner", "-created_at", "-id"], name="leads_lead_owner"),
            models.Index(fields=["-created_at", "-id"], name="leads_lead_created"),
            models.Index(fields=["mobile"], name="leads_lead_mobile"),
            models.Index(fields=["email"], name="leads_lead_email"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("web:lead_detail", args=[self.public_id])

    @property
    def in_pool(self) -> bool:
        return self.owner_id is None


class LeadNote(models.Model):
    """A note or follow-up logged on a lead; it becomes a follow-up of the converted customer."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(
        _("type"), max_length=20, choices=FollowUpKind.choices, default=FollowUpKind.NOTE
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    content = models.TextField(_("content"))
    occurred_at = models.DateTimeField(_("time"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("lead note")
        verbose_name_plural = _("lead notes")
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.lead_id}:{self.pk}"


class LeadEventKind(models.TextChoices):
    CREATED = "created", _("Lead created")
    SUBMITTED_AGAIN = "submitted_again", _("Submitted again")
    CLAIMED = "claimed", _("Claimed from the lead pool")
    ASSIGNED = "assigned", _("Assigned")
    STATUS_CHANGED = "status_changed", _("Status changed")
    CONVERTED = "converted", _("Converted to a customer")


class LeadEvent(models.Model):
    """A system event in a lead's history; `data` keeps what the history shows."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=LeadEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    occurred_at = models.DateTimeField()
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return self.get_kind_display()


class IntakeKey(models.Model):
    """A key that lets one integration create leads through the intake API, and nothing else.

    The key reads `kehu_lead_<prefix>_<secret>`. Only the SHA-256 digest of the secret is stored,
    and the whole key is shown once, when it is created.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    # The campaign whose fields and consent text the key's leads follow; none allows every
    # form field.
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="intake_keys",
    )
    source = models.CharField(
        _("lead source"), max_length=20, choices=LeadSource.choices, default=LeadSource.WEBSITE
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("intake key")
        verbose_name_plural = _("intake keys")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"
