import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100)
    # A department is never deleted while it has sub-departments.
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="org_department_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def subtree_ids(self) -> list[int]:
        """Return the ids of this department and every department below it."""
        ids = [self.pk]
        frontier = [self.pk]
        while frontier:
            frontier = list(
                Department.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
            )
            ids.extend(frontier)
        return ids


class Role(models.TextChoices):
    BOSS = "boss", _("Boss")
    MANAGER = "manager", _("Sales manager")
    REP = "rep", _("Sales rep")
    AGENT = "agent", _("Outside agent")


class User(AbstractUser):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.REP)
    # Users leave departments through reassignment, not by deleting the department.
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    manager = models.ForeignKey(
        "self",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def label(self) -> str:
        return str(self)
