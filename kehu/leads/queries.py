"""Reads of leads. Every read a request can reach starts here.

A user reads the leads whose owner their role reaches (`kehu.org.visibility.reach`) and the
leads of the lead pool (no owner). The boss and roles of company scope read every lead; outside
agents and users without a role read none. Shares of customers do not extend to leads.

Values leave through `LeadPolicies`. A lead's phones, email and WeChat ID follow the contact
field policy. In the lead pool they are also masked until someone claims the lead, except for
roles that manage pools, as the customer pool masks its listed fields.
"""

from django.db.models import Q, QuerySet

from kehu.fields.models import FieldTarget
from kehu.fields.registry import FieldSpec
from kehu.leads.models import Lead, LeadEvent, LeadNote
from kehu.org.models import Capability, DataScope, FieldAccess, User
from kehu.org.policy import FieldPolicy, policy_for
from kehu.org.visibility import reach, reaches_owner

NONE = Q(pk__in=[])


def may_work_leads(user: User) -> bool:
    """Return whether `user` may see leads at all: active, with a role, not an outside agent."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.role is not None and user.role.data_scope != DataScope.ASSIGNED


def _owned_filter(user: User) -> Q:
    """Return the filter of the leads with an owner inside the user's role reach."""
    role_reach = reach(user)
    if role_reach.everything:
        return Q(owner__isnull=False)
    parts = Q(owner_id__in=role_reach.owner_ids) if role_reach.owner_ids else NONE
    if role_reach.department_ids:
        parts |= Q(owner__department_id__in=role_reach.department_ids)
    return parts


def visible_leads(user: User) -> QuerySet[Lead]:
    """Return the leads `user` may read: those of owners in reach, and the lead pool."""
    if not may_work_leads(user):
        return Lead.objects.none()
    return Lead.objects.filter(_owned_filter(user) | Q(owner__isnull=True))


def writable_leads(user: User) -> QuerySet[Lead]:
    """Return the leads `user` may log notes on, change and convert.

    A pool lead is written by whoever claims it; roles that may assign write pool leads too,
    because they hand them out.
    """
    if not may_work_leads(user):
        return Lead.objects.none()
    scope = _owned_filter(user)
    if user.has_capability(Capability.ASSIGN):
        scope |= Q(owner__isnull=True)
    return Lead.objects.filter(scope)


def is_writable(user: User, lead: Lead) -> bool:
    return writable_leads(user).filter(pk=lead.pk).exists()


def owner_in_reach(user: User, owner: User) -> bool:
    """Return whether leads of `owner` fall inside `user`'s reach."""
    return may_work_leads(user) and reaches_owner(user, owner)


def lead_history(user: User, lead: Lead) -> tuple[QuerySet[LeadNote], QuerySet[LeadEvent]]:
    """Return the notes and events of `lead`, oldest first, if `user` may read the lead."""
    shown = visible_leads(user).filter(pk=lead.pk).values("pk")
    notes = LeadNote.objects.filter(lead__in=shown).select_related("author")
    lead_events = LeadEvent.objects.filter(lead__in=shown).select_related("actor")
    return notes, lead_events


# The lead values that reach the person, shown under the contact field policy.
CONTACT_KEYS = ("mobile", "phone", "email", "wechat")


def administers_leads(user: User) -> bool:
    """Return whether `user` reads lead pool leads whole: roles that manage pools, campaigns
    and intake keys."""
    return user.has_capability(Capability.MANAGE_POOLS)


class LeadPoolPolicy(FieldPolicy):
    """The field policy of a viewer reading a lead in the lead pool: contact values masked.

    A field the viewer's role hides stays hidden. The values show whole once the lead has an
    owner, to that owner and to the users whose reach includes them.
    """

    def access(self, target: str, spec: FieldSpec) -> str:
        access = super().access(target, spec)
        contact_value = target == FieldTarget.CONTACT and spec.key in CONTACT_KEYS
        if contact_value and access != FieldAccess.HIDDEN:
            return FieldAccess.MASKED
        return access


class LeadPolicies:
    """The field policies of one viewer for leads, one for owned leads, one for pool leads."""

    def __init__(self, user: User) -> None:
        self.owned = policy_for(user)
        self.pool = self.owned if administers_leads(user) else LeadPoolPolicy(user)

    def for_lead(self, lead: Lead) -> FieldPolicy:
        return self.pool if lead.owner_id is None else self.owned
