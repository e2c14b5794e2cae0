import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.customers.choices import (
    CompanySize,
    CustomerKind,
    CustomerStatus,
    DecisionRole,
    Grade,
    Industry,
    LeadSource,
)


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# Columns carried at the end of the default-order indexes (see Customer.Meta.indexes).
INDEXED_FILTERS = ("grade", "status", "province_code", "city_code")


class Customer(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(
        _("customer type"),
        max_length=20,
        choices=CustomerKind.choices,
        default=CustomerKind.COMPANY,
    )
    name = models.CharField(_("name"), max_length=200)
    # Dedup keys derived from `name` by kehu.customers.normalize; never edited directly.
    name_key = models.CharField(max_length=200, editable=False)
    name_core = models.CharField(max_length=200, editable=False)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    industry = models.CharField(_("industry"), max_length=30, choices=Industry.choices, blank=True)
    size = models.CharField(
        _("company size"), max_length=20, choices=CompanySize.choices, blank=True
    )
    # GB/T 2260 division codes: 2-digit province, 4-digit city and 6-digit district.
    province_code = models.CharField(_("province"), max_length=2, blank=True)
    city_code = models.CharField(_("city"), max_length=4, blank=True)
    district_code = models.CharField(_("district"), max_length=6, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, blank=True)
    source = models.CharField(
        pgettext_lazy("customer", "lead source"),
        max_length=20,
        choices=LeadSource.choices,
        blank=True,
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="customers")
    status = models.CharField(
        pgettext_lazy("customer", "status"),
        max_length=20,
        choices=CustomerStatus.choices,
        default=CustomerStatus.LEAD,
    )
    # Deactivated users keep their customers until they are handed over, so owners are
    # protected; an unassigned customer has no owner. The indexes of Meta that start with the
    # owner serve lookups by owner, so the key has no index of its own: one index fewer to
    # write for every customer an import adds.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_customers",
        db_index=False,
    )
    # When the current owner received the customer; empty for customers that have kept the
    # owner they were created with, whose creation time counts instead (see kehu.pool).
    owner_since = models.DateTimeField(_("owner since"), null=True, blank=True)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("creator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="created_customers",
    )
    agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("outside agents"),
        blank=True,
        related_name="assigned_customers",
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    last_follow_up_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)
    next_follow_up_on = models.DateField(_("next follow-up"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    # Incremented by every service write, so an import undo can tell whether a row was touched
    # after the import.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["name_key"], name="customers_customer_name_key"),
            models.Index(fields=["name_core"], name="customers_customer_name_core"),
            models.Index(fields=["credit_code"], name="customers_customer_credit"),
            models.Index(fields=["owner", "-id"], name="customers_customer_owner_id"),
            # The list's default order. The trailing columns are the filters people use most,
            # so a filtered first page reads only the index, not a table row per candidate.
            models.Index(
                fields=["-created_at", "-id", *INDEXED_FILTERS], name="customers_created_filters"
            ),
            models.Index(
                fields=["owner", "-created_at", "-id", *INDEXED_FILTERS],
                name="customers_own_created_filters",
            ),
            models.Index(fields=["last_follow_up_at", "id"], name="customers_customer_last_fu"),
            models.Index(fields=["next_follow_up_on", "id"], name="customers_customer_next_fu"),
            # List sorts at a million customers; see migration 0004 for the measurements.
            models.Index(fields=["name", "id"], name="customers_customer_name"),
            models.Index(fields=["owner", "name", "id"], name="customers_customer_own_name"),
            models.Index(
                fields=["owner", "last_follow_up_at", "id"], name="customers_customer_own_last_fu"
            ),
            models.Index(
                fields=["owner", "next_follow_up_on", "id"], name="customers_customer_own_next_fu"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("web:customer_detail", args=[self.public_id])


class ShareAccess(models.TextChoices):
    READ = "read", _("Read-only")
    WRITE = "write", _("Read and write")


class CustomerShare(models.Model):
    """A customer shared with a colleague outside the owner's reach, optionally until a date.

    The share ends after `until` (inclusive, Asia/Shanghai dates); a share never makes the
    colleague the owner.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shared with"),
        on_delete=models.CASCADE,
        related_name="customer_shares",
    )
    access = models.CharField(
        _("access"), max_length=10, choices=ShareAccess.choices, default=ShareAccess.READ
    )
    until = models.DateField(_("until"), null=True, blank=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shared by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("shared at"))

    class Meta:
        verbose_name = _("share")
        verbose_name_plural = _("shares")
        constraints = [
            models.UniqueConstraint(fields=["customer", "user"], name="customers_share_unique"),
        ]
        indexes = [models.Index(fields=["user", "customer"], name="customers_share_user")]

    def __str__(self) -> str:
        return f"{self.customer_id} → {self.user_id}"


class Contact(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=60)
    title = models.CharField(_("job title"), max_length=60, blank=True)
    decision_role = models.CharField(
        _("role in the decision"), max_length=20, choices=DecisionRole.choices, blank=True
    )
    # Mainland mobiles are stored as 11 digits; other countries in E.164 with a leading "+".
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    wechat = models.CharField(_("WeChat ID"), max_length=40, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "id"]
        indexes = [
            models.Index(fields=["mobile"], name="customers_contact_mobile"),
            models.Index(fields=["email"], name="customers_contact_email"),
            models.Index(fields=["wechat"], name="customers_contact_wechat"),
        ]

    def __str__(self) -> str:
        return self.name


class SearchKey(models.Model):
    """One whole searchable value of a customer, for prefix and short-query search.

    Trigram indexes need three characters, but most Chinese personal names have two, so names,
    pinyin, initials and phone numbers are also kept whole here and matched by prefix.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="search_keys")
    value = models.CharField(max_length=200)

    class Meta:
        indexes = [models.Index(fields=["value", "customer"], name="customers_searchkey_value")]

    def __str__(self) -> str:
        return self.value


class SearchDocument(models.Model):
    """All searchable text of a customer in one string, indexed by trigrams for fragments."""

    customer = models.OneToOneField(
        Customer, primary_key=True, on_delete=models.CASCADE, related_name="search_document"
    )
    text = models.TextField()

    def __str__(self) -> str:
        return self.text[:50]
