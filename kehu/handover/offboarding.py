"""Starting and cancelling a user's offboarding, and the users whose records wait for a handover.

Starting an offboarding sets User.leaving_on, which at once withholds export, claims from the
public pool, transfers to the user and the assignment rules' choice of the user
(kehu.org.models.WITHHELD_WHILE_LEAVING, kehu.pool.services.may_claim,
kehu.customers.owners.check_owner, kehu.assignment.routing). A rule that named only this user
then gives its records to the rule list's default owner, or to the pool.
"""

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from kehu.audit import services as audit
from kehu.audit.models import AuditAction
from kehu.core import clock
from kehu.customers.models import Customer
from kehu.handover.models import Offboarding, OffboardingStatus
from kehu.leads.models import Lead, LeadStatus
from kehu.org.escalation import check_role_grant
from kehu.org.models import Capability, User
from kehu.org.visibility import owners_in_reach, reach, reaches_owner, subordinate_ids
from kehu.sales.models import Contract, Deal
from kehu.service.models import ACTIVE_STATUSES, Ticket

logger = logging.getLogger(__name__)


def may_hand_over(actor: User) -> bool:
    """Return whether the actor's role may start offboardings and plan and run handovers."""
    return actor.has_capability(Capability.ASSIGN)


def check_handover_actor(actor: User, user: User) -> None:
    """Raise PermissionDenied unless the actor may hand over `user`'s records.

    The actor needs the assign capability, and `user`'s records must fall inside the actor's
    reach (the whole company for the boss, the department tree for a manager). A user never
    hands over their own records, nor those of a manager above them or of a user whose role has
    more rights than theirs. Otherwise a team lead could mark their manager as leaving and take
    the manager's customers.
    """
    if not may_hand_over(actor):
        raise PermissionDenied(_("Your role may not hand over customers."))
    if user.pk == actor.pk:
        raise PermissionDenied(_("You cannot hand over your own customers."))
    if not reaches_owner(actor, user):
        raise PermissionDenied(_("%(user)s is outside your reach.") % {"user": user})
    if actor.pk in subordinate_ids(user):
        raise PermissionDenied(
            _("%(user)s is your manager, so you cannot hand over their customers.") % {"user": user}
        )
    if user.role is not None:
        try:
            check_role_grant(actor, None, user.role)
        except PermissionDenied:
            raise PermissionDenied(
                _(
                    "The role of %(user)s holds more than yours, so you cannot hand over "
                    "their customers."
                )
                % {"user": user}
            ) from None


def open_offboarding(user: User) -> Offboarding | None:
    return Offboarding.objects.filter(user=user, status=OffboardingStatus.OPEN).first()


def start_offboarding(actor: User, user: User, last_day: dt.date) -> Offboarding:
    """Mark `user` as leaving with `last_day` as the last working day.

    From now on the user may not export, claim pool customers, receive customers or be chosen
    by the assignment rules. Raises PermissionDenied as `check_handover_actor` does, and
    ValidationError for a deactivated user, one already leaving, or a last day before today.
    Records an audit entry.
    """
    check_handover_actor(actor, user)
    if not user.is_active:
        raise ValidationError(
            {
                "user": [
                    _("%(user)s is deactivated; hand over their customers instead.")
                    % {"user": user}
                ]
            }
        )
    if last_day < clock.today():
        raise ValidationError({"last_day": [_("The last working day cannot be in the past.")]})

    now = clock.now()
    try:
        with transaction.atomic():
            locked = User.objects.select_for_update().get(pk=user.pk)
            if locked.leaving_on is not None:
                raise ValidationError(
                    {
                        "user": [
                            _("The offboarding of %(user)s has already started.") % {"user": user}
                        ]
                    }
                )
            locked.leaving_on = last_day
            locked.save(update_fields=["leaving_on"])
            offboarding = Offboarding.objects.create(
                user=locked, last_day=last_day, started_by=actor, started_at=now
            )
            audit.record(
                actor,
                AuditAction.OFFBOARDING_STARTED,
                "user",
                locked.public_id,
                {"last_day": last_day.isoformat()},
            )
    except IntegrityError:
        raise ValidationError(
            {"user": [_("The offboarding of %(user)s has already started.") % {"user": user}]}
        ) from None
    user.leaving_on = last_day
    logger.info("offboarding of user %s started by user %s", user.pk, actor.pk)
    return offboarding


def cancel_offboarding(actor: User, offboarding: Offboarding) -> Offboarding:
    """Cancel an open offboarding: the user may export, claim and receive customers again.

    Records already handed over stay with their successors. Cancelling a cancelled or completed
    offboarding changes nothing.
    """
    user = offboarding.user
    check_handover_actor(actor, user)
    with transaction.atomic():
        locked = Offboarding.objects.select_for_update().get(pk=offboarding.pk)
        if locked.status != OffboardingStatus.OPEN:
            return locked
        locked.status = OffboardingStatus.CANCELLED
        locked.ended_at = clock.now()
        locked.save(update_fields=["status", "ended_at"])
        User.objects.filter(pk=user.pk).update(leaving_on=None)
        audit.record(actor, AuditAction.OFFBOARDING_CANCELLED, "user", user.public_id)
    return locked


# NOTE: a handover plan does not move leads yet. Open leads keep an offboarding open and their
# owner on the pending list, until a manager assigns each lead to someone else.
OPEN_LEAD_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED)


def owns_anything(user_id: int) -> bool:
    """Return whether the user still owns a customer, deal, contract or open lead, or has an
    active ticket."""
    return (
        Customer.objects.filter(owner_id=user_id).exists()
        or Deal.objects.filter(owner_id=user_id).exists()
        or Contract.objects.filter(owner_id=user_id).exists()
        or Ticket.objects.filter(assignee_id=user_id, status__in=ACTIVE_STATUSES).exists()
        or Lead.objects.filter(owner_id=user_id, status__in=OPEN_LEAD_STATUSES).exists()
    )


def pending_handovers(actor: User) -> QuerySet[User]:
    """Return the users in the actor's reach who are leaving or deactivated and still own records.

    Deactivating a user keeps everything they own with them, visible to their managers, until a
    handover moves it; this list is where those records wait.
    """
    if not may_hand_over(actor):
        return User.objects.none()
    role_reach = reach(actor)
    people = User.objects.filter(Q(is_active=False) | Q(leaving_on__isnull=False))
    if not role_reach.everything:
        people = people.filter(
            Q(pk__in=role_reach.owner_ids) | Q(department_id__in=role_reach.department_ids)
        )
    owning = (
        Q(Exists(Customer.objects.filter(owner_id=OuterRef("pk"))))
        | Q(Exists(Deal.objects.filter(owner_id=OuterRef("pk"))))
        | Q(Exists(Contract.objects.filter(owner_id=OuterRef("pk"))))
        | Q(Exists(Ticket.objects.filter(assignee_id=OuterRef("pk"), status__in=ACTIVE_STATUSES)))
        | Q(Exists(Lead.objects.filter(owner_id=OuterRef("pk"), status__in=OPEN_LEAD_STATUSES)))
    )
    return (
        people.filter(owning)
        .exclude(pk=actor.pk)
        .select_related("department")
        .order_by("is_active", "display_name", "username")
    )


def successor_choices(actor: User, predecessor: User) -> QuerySet[User]:
    """Return the users the actor may give `predecessor`'s records to."""
    return (
        owners_in_reach(actor)
        .filter(leaving_on__isnull=True)
        .exclude(pk=predecessor.pk)
        .order_by("display_name", "username")
    )
