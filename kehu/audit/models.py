import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    REVEAL = "reveal", _("Revealed a masked value")
    USER_CREATED = "user_created", _("Created a user")
    USER_CHANGED = "user_changed", _("Changed a user")
    USER_DEACTIVATED = "user_deactivated", _("Deactivated a user")
    USER_REACTIVATED = "user_reactivated", _("Reactivated a user")
    # Only the undo of an import deletes users, and only users nothing refers to.
    USER_DELETED = "user_deleted", _("Deleted a user")
    PASSWORD_CHANGED = "password_changed", _("Changed own password")
    PASSWORD_SET = "password_set", _("Set a user's password")
    ROLE_CREATED = "role_created", _("Created a role")
    ROLE_CHANGED = "role_changed", _("Changed a role")
    DEPARTMENT_CHANGED = "department_changed", _("Changed a department")
    SHARE_ADDED = "share_added", _("Shared a customer")
    SHARE_REMOVED = "share_removed", _("Stopped sharing a customer")
    AGENT_ASSIGNED = "agent_assigned", _("Assigned a customer to an outside agent")
    AGENT_REMOVED = "agent_removed", _("Removed an outside agent from a customer")
    PRODUCT_CREATED = "product_created", _("Created a product")
    PRODUCT_CHANGED = "product_changed", _("Changed a product")
    DEAL_CREATED = "deal_created", _("Created a deal")
    DEAL_CHANGED = "deal_changed", _("Changed a deal")
    DEAL_LINES_SET = "deal_lines_set", _("Changed a deal's products")
    DEAL_STAGE_MOVED = "deal_stage_moved", _("Moved a deal to another stage")
    PIPELINE_CREATED = "pipeline_created", _("Created a pipeline")
    PIPELINE_CHANGED = "pipeline_changed", _("Changed a pipeline or its stages")
    PIPELINE_DELETED = "pipeline_deleted", _("Deleted a pipeline")
    QUOTE_CREATED = "quote_created", _("Created a quote")
    QUOTE_REVISED = "quote_revised", _("Revised a quote")
    QUOTE_STATUS_CHANGED = "quote_status_changed", _("Changed a quote's status")
    CONTRACT_CREATED = "contract_created", _("Created a contract")
    CONTRACT_CHANGED = "contract_changed", _("Changed a contract")
    CONTRACT_VERSION_ADDED = "contract_version_added", _("Added a contract version")
    CONTRACT_SUBMITTED = "contract_submitted", _("Submitted a contract for approval")
    CONTRACT_APPROVED = "contract_approved", _("Approved a contract")
    CONTRACT_REJECTED = "contract_rejected", _("Rejected a contract")
    CONTRACT_RENEWED = "contract_renewed", _("Renewed a contract")
    PAYMENT_PLANS_SET = "payment_plans_set", _("Changed a contract's payment plan")
    RECEIPT_RECORDED = "receipt_recorded", _("Recorded a payment received")
    RECEIPT_VOIDED = "receipt_voided", _("Voided a payment received")
    TICKET_CREATED = "ticket_created", _("Opened a ticket")
    TICKET_CHANGED = "ticket_changed", _("Changed a ticket")
    TICKET_REPLIED = "ticket_replied", _("Replied to a ticket")
    POOL_CREATED = "pool_created", _("Created a public pool")
    POOL_CHANGED = "pool_changed", _("Changed a public pool or its rules")
    POOL_DELETED = "pool_deleted", _("Deleted a public pool")
    POOL_PLACED = "pool_placed", _("Placed customers in a public pool")
    POOL_RETURNED = "pool_returned", _("Returned a customer to a public pool")
    POOL_RECLAIMED = "pool_reclaimed", _("Reclaimed customers to the public pools")
    POOL_CLAIMED = "pool_claimed", _("Claimed a customer from a public pool")
    POOL_ASSIGNED = "pool_assigned", _("Assigned a customer from a public pool")
    CUSTOMER_LOCKED = "customer_locked", _("Locked a customer against reclaiming")
    CUSTOMER_UNLOCKED = "customer_unlocked", _("Unlocked a customer")
    RETURN_REASONS_CHANGED = "return_reasons_changed", _("Changed the return reasons")
    OFFBOARDING_STARTED = "offboarding_started", _("Started a user's offboarding")
    OFFBOARDING_CANCELLED = "offboarding_cancelled", _("Cancelled a user's offboarding")
    HANDOVER_PLANNED = "handover_planned", _("Planned a handover")
    HANDOVER_EXECUTED = "handover_executed", _("Executed a handover")
    ASSIGNMENT_RULES_CHANGED = "assignment_rules_changed", _("Changed the assignment rules")
    LEAD_CREATED = "lead_created", _("Created a lead")
    LEAD_CHANGED = "lead_changed", _("Changed a lead")
    LEAD_CLAIMED = "lead_claimed", _("Claimed a lead")
    LEAD_ASSIGNED = "lead_assigned", _("Assigned a lead")
    LEAD_CONVERTED = "lead_converted", _("Converted a lead")
    CAMPAIGN_CREATED = "campaign_created", _("Created a campaign")
    CAMPAIGN_CHANGED = "campaign_changed", _("Changed a campaign")
    INTAKE_KEY_CREATED = "intake_key_created", _("Created an intake key")
    INTAKE_KEY_CHANGED = "intake_key_changed", _("Turned an intake key on or off")


class AuditEntry(models.Model):
    """One recorded action. Entries are only ever added, never changed or deleted.

    `target_type` and `target_id` name the record acted on ("customer" and its public id, for
    example); `detail` records what the action changed, such as the field of a reveal.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    occurred_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=30, choices=AuditAction.choices)
    target_type = models.CharField(_("record type"), max_length=30)
    target_id = models.CharField(_("record"), max_length=64)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_entry_target"),
            models.Index(fields=["actor", "-occurred_at"], name="audit_entry_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type} {self.target_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise ValueError("audit entries are never changed")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("audit entries are never deleted")
