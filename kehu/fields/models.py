import uuid

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    MONEY = "money", _("Money")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    MULTI_CHOICE = "multi_choice", _("Multiple choice")
    # Kinds used by built-in fields only; admins create the six kinds above.
    BOOLEAN = "boolean", _("Yes/no")
    DATETIME = "datetime", _("Date and time")
    USER = "user", _("User")
    REGION = "region", _("Region")
    TAGS = "tags", _("Tags")
    LONG_TEXT = "long_text", _("Long text")


CUSTOM_FIELD_TYPES = [
    FieldType.TEXT,
    FieldType.NUMBER,
    FieldType.MONEY,
    FieldType.DATE,
    FieldType.CHOICE,
    FieldType.MULTI_CHOICE,
]


class FieldTarget(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    CONTACT = "contact", _("Contact")
    PRODUCT = "product", _("Product")
    DEAL = "deal", _("Deal")
    DEAL_LINE = "deal_line", _("Deal line")
    CONTRACT = "contract", _("Contract")
    PAYMENT = "payment", _("Payment collection")
    TICKET = "ticket", _("Ticket")


# Record types an administrator may add custom fields to. Products and deals have built-in
# fields only, so the field policy covers them without a `custom` column on their tables.
CUSTOM_FIELD_TARGETS = [FieldTarget.CUSTOMER, FieldTarget.CONTACT]


class CustomField(models.Model):
    """A field an administrator added from the UI; values live in the record's `custom` JSON."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    target = models.CharField(
        _("record type"),
        max_length=20,
        choices=[(t.value, t.label) for t in CUSTOM_FIELD_TARGETS],
    )
    key = models.CharField(
        _("key"),
        max_length=40,
        validators=[
            RegexValidator(
                r"^[a-z][a-z0-9_]{1,39}$",
                _("Use 2-40 lowercase letters, digits and underscores, starting with a letter."),
            )
        ],
    )
    label = models.CharField(_("label (Chinese)"), max_length=60)
    label_en = models.CharField(_("label (English)"), max_length=60, blank=True)
    field_type = models.CharField(
        _("type"), max_length=20, choices=[(t.value, t.label) for t in CUSTOM_FIELD_TYPES]
    )
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["target", "key"], name="fields_customfield_unique_key"),
        ]

    def __str__(self) -> str:
        return self.label
