import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedView(models.Model):
    """A customer-list query (search, filters, sort, columns) that a user named and kept."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Saved views are personal settings, so they go with their user.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="saved_views",
    )
    name = models.CharField(_("name"), max_length=60)
    # The list page's query string without the cursor, e.g. "q=%E7%8E%8B&sort=name".
    query = models.CharField(_("query"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="web_savedview_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class ListPreference(models.Model):
    """The columns a user picked for the customer list."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="list_preference",
    )
    # Field-registry keys in display order; keys of removed custom fields are skipped on read.
    columns = models.JSONField(default=list)

    class Meta:
        verbose_name = _("list preference")
        verbose_name_plural = _("list preferences")

    def __str__(self) -> str:
        return str(self.user)
