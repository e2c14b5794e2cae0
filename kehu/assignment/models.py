"""Assignment rules: which user receives a new customer or lead that nobody chose an owner for.

Rules are tried in `position` order and the first active rule whose conditions all hold wins.
An empty condition matches anything. The rule's route then picks the user; kehu.assignment.routing
holds the algorithm. When no rule picks anyone, the routing default of the record type names the
owner, or the record goes to the pool.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleTarget(models.TextChoices):
    CUSTOMER = "customer", _("Customers")
    LEAD = "lead", _("Leads")
    BOTH = "both", _("Customers and leads")


class RouteKind(models.TextChoices):
    USER = "user", _("One user")
    ROUND_ROBIN = "round_robin", _("Round-robin")
    LEAST_LOADED = "least_loaded", _("Least loaded")


class AssignmentRule(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=60, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    applies_to = models.CharField(
        _("applies to"), max_length=20, choices=RuleTarget.choices, default=RuleTarget.BOTH
    )

    # Conditions. Each is a list of accepted values; an empty list accepts any value.
    # Province (2-digit) and city (4-digit) codes of GB/T 2260; a record matches when its
    # province or its city is listed.
    regions = models.JSONField(_("regions"), default=list, blank=True)
    industries = models.JSONField(_("industries"), default=list, blank=True)
    sources = models.JSONField(_("lead sources"), default=list, blank=True)
    grades = models.JSONField(_("grades"), default=list, blank=True)
    # A list of {"field": custom field key without the "cf_" prefix, "values": [text, ...]}; the
    # record's value of each field must be one of the listed values.
    custom_conditions = models.JSONField(_("custom field conditions"), default=list, blank=True)

    route = models.CharField(
        _("route to"), max_length=20, choices=RouteKind.choices, default=RouteKind.USER
    )
    # The owner of a USER route. Users are deactivated, never deleted, so users are protected.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The candidates of a round-robin or least-loaded route: these users, or the members of
    # `department` and of the departments below it.
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("users"), blank=True, related_name="+"
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The id of the user a round-robin route gave the last record to; the next record goes to
    # the candidate with the next higher id, wrapping around.
    cursor = models.PositiveIntegerField(null=True, blank=True, editable=False)

    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    def applies(self, target: str) -> bool:
        """Return whether the rule routes records of `target` ("customer" or "lead")."""
        return self.applies_to in (RuleTarget.BOTH, target)


class RoutingDefault(models.Model):
    """The owner of the records of one type that no rule routes; without it they go to the pool."""

    # "customer" or "lead"; never "both".
    target = models.CharField(max_length=20, choices=RuleTarget.choices, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("default owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("routing default")
        verbose_name_plural = _("routing defaults")

    def __str__(self) -> str:
        return f"{self.target}: {self.owner_id}"
