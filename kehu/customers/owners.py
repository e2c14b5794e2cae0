"""The rules on who may own a customer, shared by every write that sets an owner."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from kehu.org.models import Capability, User
from kehu.org.visibility import may_own_customers, reaches_owner


def check_owner(actor: User, owner: User | None) -> None:
    """Raise unless `actor` may make `owner` the owner of a customer (None: unassigned).

    Outside agents never own customers, and a user who is leaving (User.leaving_on) receives
    none, not even by creating one. Anyone else who may create customers may own them. Giving a
    customer to someone else, or leaving it unassigned, needs the assign capability, and the
    new owner must be inside the actor's reach (the whole company for the boss, the department
    tree for a manager).
    """
    if owner is None:
        if actor.has_capability(Capability.ASSIGN):
            return
        raise PermissionDenied(_("Only a manager may leave a customer unassigned."))
    check_may_own(owner)
    if owner.is_leaving:
        raise ValidationError(
            {"owner": [_("%(user)s is leaving and cannot receive customers.") % {"user": owner}]}
        )
    if owner.pk == actor.pk:
        return
    if actor.has_capability(Capability.ASSIGN) and reaches_owner(actor, owner):
        return
    raise PermissionDenied(_("You may not give customers to %(user)s.") % {"user": owner})


def check_may_own(owner: User) -> None:
    """Raise ValidationError on "owner" when `owner` is deactivated or an outside agent."""
    if not owner.is_active:
        raise ValidationError({"owner": [_("A deactivated user cannot own customers.")]})
    if not may_own_customers(owner):
        raise ValidationError({"owner": [_("An outside agent cannot own customers.")]})
