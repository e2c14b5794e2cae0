"""The public pool (公海): customers without an owner that colleagues may claim.

A customer is in at most one pool (PoolEntry is one-to-one with Customer). The company pool
has no department. A department's pool takes the customers reclaimed from, or returned by,
the members of that department and of the departments below it without a pool of their own.
The rules of the pool that governs an owner (see kehu.pool.membership) decide when that owner's
customers go back, how many customers the owner may hold and lock, and how many the owner may
claim a day. Every rule has its own switch, and all are off until an administrator turns them
on.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def default_days_by_grade() -> dict[str, int]:
    return {"A": 15, "C": 60}


class Pool(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=60, unique=True)
    # Empty for the company pool, which is the only pool without a department.
    department = models.OneToOneField(
        "org.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pool",
    )
    # Every user who may own customers is a member, beside the members listed.
    open_to_everyone = models.BooleanField(_("every salesperson is a member"), default=False)
    # Field policy keys ("contact.mobile") shown masked to members until they claim.
    masked_fields = models.JSONField(_("fields masked until claimed"), default=list, blank=True)

    open_limit_on = models.BooleanField(_("limit customers opened per day"), default=False)
    open_limit = models.PositiveIntegerField(_("customers a member may open per day"), default=50)

    no_follow_up_on = models.BooleanField(_("reclaim without follow-up"), default=False)
    no_follow_up_days = models.PositiveIntegerField(_("days without a follow-up"), default=30)
    # Days by grade ("A": 15) that replace no_follow_up_days for customers of that grade.
    no_follow_up_days_by_grade = models.JSONField(
        _("days without a follow-up by grade"), default=default_days_by_grade, blank=True
    )
    no_win_on = models.BooleanField(_("reclaim without a won deal"), default=False)
    no_win_days = models.PositiveIntegerField(_("days without a won deal"), default=90)
    contract_ended_on = models.BooleanField(_("reclaim after the contract ended"), default=False)
    contract_ended_days = models.PositiveIntegerField(
        _("days after the last contract ended"), default=90
    )
    # Count the reclaim rules' days as working days of the Chinese calendar.
    working_days = models.BooleanField(_("count working days only"), default=False)
    warning_on = models.BooleanField(_("warn before reclaiming"), default=False)
    warning_days = models.PositiveIntegerField(_("days of warning"), default=3)
    lock_on = models.BooleanField(_("owners may lock customers"), default=False)
    lock_limit = models.PositiveIntegerField(_("customers an owner may lock"), default=10)
    capacity_on = models.BooleanField(_("limit customers per owner"), default=False)
    capacity = models.PositiveIntegerField(_("customers an owner may hold"), default=200)
    claim_limit_on = models.BooleanField(_("limit claims per day"), default=False)
    claim_limit = models.PositiveIntegerField(_("claims per member per day"), default=10)
    cooldown_on = models.BooleanField(_("keep the previous owner waiting"), default=False)
    cooldown_days = models.PositiveIntegerField(
        _("days before the previous owner may claim again"), default=30
    )

    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("pool")
        verbose_name_plural = _("pools")
        constraints = [
            # Unique keys let NULLs repeat, so the company pool's empty department counts as 0.
            models.UniqueConstraint(
                Coalesce("department", models.Value(0)), name="pool_one_company_pool"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_company_pool(self) -> bool:
        return self.department_id is None


class PoolMember(models.Model):
    """A user, a department (and those below it) or a role that belongs to a pool.

    Members read the pool and claim from it; administrators also assign its customers and see
    what the next sweep would do.
    """

    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="members")
    is_admin = models.BooleanField(_("administrator"), default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    department = models.ForeignKey(
        "org.Department", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    role = models.ForeignKey(
        "org.Role", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("pool member")
        verbose_name_plural = _("pool members")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(user__isnull=False, department__isnull=True, role__isnull=True)
                    | models.Q(user__isnull=True, department__isnull=False, role__isnull=True)
                    | models.Q(user__isnull=True, department__isnull=True, role__isnull=False)
                ),
                name="pool_member_one_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pool_id}: {self.user_id or self.department_id or self.role_id}"


class ReturnReason(models.Model):
    """A reason an owner may pick when returning a customer to the pool."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("return reason")
        verbose_name_plural = _("return reasons")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class EntryCause(models.TextChoices):
    RETURNED = "returned", _("Returned by the owner")
    NO_FOLLOW_UP = "no_follow_up", _("Reclaimed: no follow-up")
    NO_WIN = "no_win", _("Reclaimed: no won deal")
    CONTRACT_ENDED = "contract_ended", _("Reclaimed: contract ended without renewal")
    PLACED = "placed", _("Placed in the pool")
    MOVED = "moved", _("Moved from another pool")


class PoolEntry(models.Model):
    """A customer's stay in a pool, from the moment it entered until someone claims it."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="pool_entry"
    )
    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="entries")
    entered_at = models.DateTimeField(_("entered the pool"))
    cause = models.CharField(_("cause"), max_length=20, choices=EntryCause.choices)
    previous_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("previous owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.ForeignKey(
        ReturnReason,
        verbose_name=_("reason"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("pool entry")
        verbose_name_plural = _("pool entries")
        indexes = [
            models.Index(fields=["pool", "-entered_at", "-id"], name="pool_entry_list"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} in {self.pool_id}"


class Claim(models.Model):
    """A customer taken from a pool; counts against the daily claim limit."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="pool_claims"
    )
    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="claims")
    claimed_at = models.DateTimeField()
    # The Asia/Shanghai date of claimed_at, the day the limit counts.
    day = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["user", "pool", "day"], name="pool_claim_user_day")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.customer_id} {self.day}"


class PoolOpen(models.Model):
    """A member opened a pool customer on a day; counts against the daily open limit."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "customer", "day"], name="pool_open_once"),
        ]
        indexes = [models.Index(fields=["user", "pool", "day"], name="pool_open_user_day")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.customer_id} {self.day}"


class CustomerLock(models.Model):
    """An owner's lock, which keeps a customer out of every reclaim rule."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="pool_lock"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    locked_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user"], name="pool_lock_user")]

    def __str__(self) -> str:
        return f"{self.customer_id} locked by {self.user_id}"


class ReclaimWarning(models.Model):
    """A notice to an owner that a rule will reclaim one of their customers on `due_on`.

    The sweep records one per customer, owner, rule and due date, so an owner gets one warning
    per due date. A follow-up that moves the due date leads to a new warning when the new date
    comes near.
    """

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="reclaim_warnings"
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="+")
    cause = models.CharField(_("rule"), max_length=20, choices=EntryCause.choices)
    due_on = models.DateField(pgettext_lazy("reclaim", "due date"))
    created_at = models.DateTimeField(_("warned at"))

    class Meta:
        verbose_name = _("reclaim warning")
        verbose_name_plural = _("reclaim warnings")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "owner", "cause", "due_on"], name="pool_warning_once"
            ),
        ]
        indexes = [models.Index(fields=["owner", "due_on"], name="pool_warning_owner_due")]

    def __str__(self) -> str:
        return f"{self.customer_id} due {self.due_on} ({self.cause})"
