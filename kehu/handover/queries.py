"""Reads of offboardings and handovers. Every read a request can reach starts here.

A user reads the offboardings and handovers of the users whose records their role reaches, if
the role may hand over customers (the assign capability). A user never reads their own.
"""

from django.db.models import Q, QuerySet

from kehu.handover.models import Handover, Offboarding
from kehu.handover.offboarding import may_hand_over
from kehu.org.models import User
from kehu.org.visibility import reach


def _people_filter(actor: User, field: str) -> Q | None:
    """Return a filter on `field` (a user) for the users the actor reaches, or None for none."""
    if not may_hand_over(actor):
        return None
    role_reach = reach(actor)
    if role_reach.everything:
        return ~Q(**{field: actor.pk})
    reached = Q(**{f"{field}__in": role_reach.owner_ids}) | Q(
        **{f"{field}__department_id__in": role_reach.department_ids}
    )
    return reached & ~Q(**{field: actor.pk})


def visible_handovers(actor: User) -> QuerySet[Handover]:
    """Return the handovers of the users whose records the actor may hand over."""
    people = _people_filter(actor, "predecessor")
    if people is None:
        return Handover.objects.none()
    return Handover.objects.filter(people)


def visible_offboardings(actor: User) -> QuerySet[Offboarding]:
    """Return the offboardings of the users whose records the actor may hand over."""
    people = _people_filter(actor, "user")
    if people is None:
        return Offboarding.objects.none()
    return Offboarding.objects.filter(people)


def reachable_users(actor: User) -> QuerySet[User]:
    """Return the users whose records the actor may hand over, deactivated ones included."""
    if not may_hand_over(actor):
        return User.objects.none()
    role_reach = reach(actor)
    people = User.objects.exclude(pk=actor.pk)
    if role_reach.everything:
        return people
    return people.filter(
        Q(pk__in=role_reach.owner_ids) | Q(department_id__in=role_reach.department_ids)
    )
