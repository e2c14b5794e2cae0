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


class Preset(models.TextChoices):
    """The roles a new company starts with; each one is a Role row that can be edited."""

    BOSS = "boss", _("Boss")
    MANAGER = "manager", _("Sales manager")
    REP = "rep", _("Sales rep")
    AGENT = "agent", _("Outside agent")


class DataScope(models.TextChoices):
    """The customers a role reaches, chosen by their owner."""

    OWN = "own", _("Own customers")
    SUBORDINATES = "subordinates", _("Own and subordinates' customers")
    DEPARTMENT = "department", _("Own department's customers")
    DEPARTMENT_TREE = "department_tree", _("Own department and sub-departments")
    COMPANY = "company", _("Whole company")
    ASSIGNED = "assigned", _("Only customers explicitly assigned")


class Capability(models.TextChoices):
    CREATE = "create", _("Create customers")
    EDIT = "edit", _("Edit customers and contacts")
    DELETE = "delete", _("Delete to the recycle bin")
    FOLLOW_UP = "follow_up", _("Add follow-ups")
    IMPORT = "import", _("Import")
    EXPORT = "export", _("Export")
    ASSIGN = "assign", _("Assign and transfer")
    RECLAIM = "reclaim", _("Reclaim")
    MANAGE_POOLS = "manage_pools", _("Manage pools")
    VIEW_REPORTS = "view_reports", _("View reports")
    VIEW_AUDIT = "view_audit", _("View the audit log")
    MANAGE_USERS = "manage_users", _("Manage users and roles")
    MANAGE_FIELDS = "manage_fields", _("Manage fields")
    REVEAL = "reveal", _("Reveal masked values")


# Capabilities a user loses from the start of their offboarding (User.leaving_on), whatever
# their role grants.
WITHHELD_WHILE_LEAVING = frozenset({Capability.EXPORT})


class FieldAccess(models.TextChoices):
    """The access a role has to one field, listed from most to least open."""

    EDITABLE = "editable", _("Editable")
    READ_ONLY = "read_only", _("Read-only")
    MASKED = "masked", _("Masked")
    HIDDEN = "hidden", _("Hidden")


class Role(models.Model):
    """A data scope, a set of capabilities and a field policy, shared by the users who hold it.

    `field_policy` maps "<target>.<field key>" (such as "contact.mobile") to a FieldAccess value.
    A field without an entry takes `money_access` for money, `sensitive_access` when the
    registry marks it sensitive (phones), and is editable otherwise.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=50, unique=True)
    preset = models.CharField(
        _("preset"), max_length=20, choices=Preset.choices, blank=True, editable=False
    )
    data_scope = models.CharField(
        _("data scope"), max_length=20, choices=DataScope.choices, default=DataScope.OWN
    )
    capabilities = models.JSONField(_("capabilities"), default=list, blank=True)
    field_policy = models.JSONField(_("field policy"), default=dict, blank=True)
    money_access = models.CharField(
        _("money fields"), max_length=20, choices=FieldAccess.choices, default=FieldAccess.EDITABLE
    )
    sensitive_access = models.CharField(
        _("sensitive fields"),
        max_length=20,
        choices=FieldAccess.choices,
        default=FieldAccess.EDITABLE,
    )

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(
                fields=["preset"], condition=~models.Q(preset=""), name="org_role_unique_preset"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def allows(self, capability: str) -> bool:
        return capability in self.capabilities


class User(AbstractUser):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    # A user without a role reaches no customers and may do nothing but sign in.
    role = models.ForeignKey(
        Role,
        verbose_name=_("role"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
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
    # The last working day of a user whose offboarding has started (kehu.handover), empty
    # otherwise. While it is set the user may not export, claim pool customers, receive
    # customers from others or be chosen by the assignment rules.
    leaving_on = models.DateField(_("last working day"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def label(self) -> str:
        return str(self)

    @property
    def is_leaving(self) -> bool:
        """Whether an offboarding of this user has started and not been cancelled."""
        return self.leaving_on is not None

    def has_capability(self, capability: str) -> bool:
        """Return whether the user may do `capability`.

        Deactivated users may do nothing, and leaving users lose WITHHELD_WHILE_LEAVING.
        """
        if not self.is_active:
            return False
        if self.leaving_on is not None and capability in WITHHELD_WHILE_LEAVING:
            return False
        if self.is_superuser:
            return True
        return self.role is not None and self.role.allows(capability)
