"""Sharing customers with colleagues and assigning them to outside agents.

The owner of a customer may share it. A user with the assign capability may share it and assign
outside agents to it when their role reaches the customer. A share of the customer does not
count as reach. Sharing never makes the colleague the owner, and outside agents get customers only
through assignment. Every write records a timeline event and an audit entry.
"""

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from kehu.audit.models import AuditAction
from kehu.audit.services import record
from kehu.core import clock
from kehu.customers.models import Customer, CustomerShare, ShareAccess
from kehu.customers.queries import in_role_reach, is_visible
from kehu.org.models import Capability, DataScope, User
from kehu.timeline import events


def is_outside_agent(user: User) -> bool:
    """Return whether the user's role reaches only customers explicitly assigned to them."""
    return user.role is not None and user.role.data_scope == DataScope.ASSIGNED


def _reaches_customer(actor: User, customer: Customer) -> bool:
    """Return whether the actor's role, without shares, reaches `customer`."""
    return in_role_reach(actor, customer)


def may_assign(actor: User, customer: Customer) -> bool:
    """Return whether `actor` may assign outside agents to `customer` and manage its shares."""
    return actor.has_capability(Capability.ASSIGN) and _reaches_customer(actor, customer)


def may_share(actor: User, customer: Customer) -> bool:
    """Return whether `actor` may share `customer` and end its shares."""
    if not actor.is_active:
        return False
    return customer.owner_id == actor.pk or may_assign(actor, customer)


def _require_visible(actor: User, customer: Customer) -> None:
    # A customer the actor cannot see raises the same error as a missing one.
    if not is_visible(actor, customer):
        raise Http404


def check_share_right(actor: User, customer: Customer) -> None:
    """Raise Http404 unless the actor can read `customer`, PermissionDenied unless they may
    share it."""
    _require_visible(actor, customer)
    if not may_share(actor, customer):
        raise PermissionDenied(_("Only the owner or a manager may share this customer."))


def check_assign_right(actor: User, customer: Customer) -> None:
    """Raise Http404 unless the actor can read `customer`, PermissionDenied unless they may assign
    outside agents to it."""
    _require_visible(actor, customer)
    if not may_assign(actor, customer):
        raise PermissionDenied(_("Your role may not assign outside agents to this customer."))


def is_active_share(share: CustomerShare) -> bool:
    return share.until is None or share.until >= clock.today()


def shares_of(actor: User, customer: Customer) -> QuerySet[CustomerShare]:
    """Return the shares of a customer, ended ones included, for someone who may manage them."""
    check_share_right(actor, customer)
    return customer.shares.select_related("user", "shared_by").order_by("created_at", "pk")


def agents_of(actor: User, customer: Customer) -> QuerySet[User]:
    """Return the outside agents assigned to a customer, for someone who may share it."""
    check_share_right(actor, customer)
    return customer.agents.order_by("display_name", "username")


def find_colleague(
    actor: User, customer: Customer, public_id: uuid.UUID, field: str = "user"
) -> User:
    """Return the user with `public_id` as someone the actor could share `customer` with.

    Checks the actor's right to share first (see `check_share_right`). A missing user, a
    deactivated one, one without a role, and an outside agent when the actor may not assign
    agents get the same ValidationError on `field`: the sharing panel offers none of them, so
    the response reveals nothing the panel does not show.
    """
    check_share_right(actor, customer)
    found = (
        User.objects.select_related("role")
        .filter(public_id=public_id, is_active=True, role__isnull=False)
        .first()
    )
    if found is not None and is_outside_agent(found) and not may_assign(actor, customer):
        found = None
    if found is None:
        raise ValidationError({field: [_("No colleague you may share with has this id.")]})
    return found


def find_agent(actor: User, customer: Customer, public_id: uuid.UUID, field: str = "agent") -> User:
    """Return the active outside agent, or the agent assigned to `customer`, with `public_id`.

    Checks the actor's right to assign agents first (see `check_assign_right`). Any other id,
    missing or not, gets the same ValidationError on `field`.
    """
    check_assign_right(actor, customer)
    agents = User.objects.filter(role__data_scope=DataScope.ASSIGNED)
    found = (
        agents.filter(public_id=public_id)
        .filter(Q(is_active=True) | Q(pk__in=customer.agents.values("pk")))
        .first()
    )
    if found is None:
        raise ValidationError({field: [_("No outside agent you may assign has this id.")]})
    return found


def _check_recipient(customer: Customer, user: User, actor: User) -> None:
    message = ""
    if not user.is_active:
        message = _("%(user)s is deactivated.") % {"user": user}
    elif user.pk == actor.pk:
        message = _("You cannot share a customer with yourself.")
    elif user.pk == customer.owner_id:
        message = _("%(user)s owns this customer already.") % {"user": user}
    elif is_outside_agent(user):
        message = _(
            "%(user)s is an outside agent. Outside agents get customers by assignment, "
            "not by sharing."
        ) % {"user": user}
    elif user.role is None:
        message = _("%(user)s has no role, so a share would show them nothing.") % {"user": user}
    if message:
        raise ValidationError({"user": [message]})


def share_customer(
    actor: User, customer: Customer, user: User, access: str, until: dt.date | None
) -> CustomerShare:
    """Share a customer with a colleague, read-only or read-write, until a date or for good.

    `until` is the last day of the share (Asia/Shanghai), today at the earliest. Sharing with
    someone who already has a share changes its access and end date. Raises Http404 when the
    actor cannot see the customer, PermissionDenied unless the actor is its owner or may assign
    it, and ValidationError on "user", "access" or "until".
    """
    check_share_right(actor, customer)
    _check_recipient(customer, user, actor)
    if access not in ShareAccess.values:
        raise ValidationError(
            {"access": [_("“%(value)s” is not a share access.") % {"value": access}]}
        )
    if until is not None and until < clock.today():
        raise ValidationError(
            {
                "until": [
                    _("The end date %(date)s has passed; choose today or a later day.")
                    % {"date": until.isoformat()}
                ]
            }
        )

    with transaction.atomic():
        share = (
            CustomerShare.objects.select_for_update().filter(customer=customer, user=user).first()
        )
        if share is not None and (share.access, share.until) == (access, until):
            return share
        if share is None:
            share = CustomerShare.objects.create(
                customer=customer,
                user=user,
                access=access,
                until=until,
                shared_by=actor,
                created_at=clock.now(),
            )
        else:
            share.access = access
            share.until = until
            share.shared_by = actor
            share.save(update_fields=["access", "until", "shared_by"])
        events.customer_shared(customer.pk, actor, user, access, until).save()
        record(
            actor,
            AuditAction.SHARE_ADDED,
            "customer",
            customer.public_id,
            {
                "user": str(user.public_id),
                "access": access,
                "until": until.isoformat() if until else None,
            },
        )
    return share


def unshare(actor: User, share: CustomerShare) -> None:
    """End a share at once, ended or not; the same people who may share may end it."""
    customer = share.customer
    check_share_right(actor, customer)

    with transaction.atomic():
        deleted, _rows = CustomerShare.objects.filter(pk=share.pk).delete()
        if not deleted:
            return
        events.share_ended(customer.pk, actor, share.user).save()
        record(
            actor,
            AuditAction.SHARE_REMOVED,
            "customer",
            customer.public_id,
            {"user": str(share.user.public_id)},
        )


def assign_agent(actor: User, customer: Customer, agent: User) -> None:
    """Let an outside agent see a customer and add follow-ups to it.

    Needs the assign capability and a role that reaches the customer. Assigning an agent twice
    changes nothing. Raises ValidationError on "agent" for users who are not active outside
    agents.
    """
    check_assign_right(actor, customer)
    if not agent.is_active:
        raise ValidationError({"agent": [_("%(user)s is deactivated.") % {"user": agent}]})
    if not is_outside_agent(agent):
        raise ValidationError(
            {
                "agent": [
                    _("%(user)s is not an outside agent; share the customer with them instead.")
                    % {"user": agent}
                ]
            }
        )

    with transaction.atomic():
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        if customer.agents.filter(pk=agent.pk).exists():
            return
        customer.agents.add(agent)
        events.agent_assigned(customer.pk, actor, agent).save()
        record(
            actor,
            AuditAction.AGENT_ASSIGNED,
            "customer",
            customer.public_id,
            {"agent": str(agent.public_id)},
        )


def unassign_agent(actor: User, customer: Customer, agent: User) -> None:
    """Take a customer away from an outside agent; an agent not assigned changes nothing."""
    check_assign_right(actor, customer)

    with transaction.atomic():
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        if not customer.agents.filter(pk=agent.pk).exists():
            return
        customer.agents.remove(agent)
        events.agent_removed(customer.pk, actor, agent).save()
        record(
            actor,
            AuditAction.AGENT_REMOVED,
            "customer",
            customer.public_id,
            {"agent": str(agent.public_id)},
        )
