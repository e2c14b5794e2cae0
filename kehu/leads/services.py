"""Every write to leads by a user: create, claim, assign, log a note and change the status.

Each function checks permission first, writes in one transaction, adds an event to the lead's
history and records an audit entry. Submissions from web forms and the intake API go through
kehu.leads.intake; conversion into a customer through kehu.leads.conversion.
"""

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from kehu.assignment import routing
from kehu.assignment.routing import Route
from kehu.audit import services as audit
from kehu.audit.models import AuditAction
from kehu.core import clock
from kehu.customers.dedup import Candidate, find_matches, serialize_duplicate_checks
from kehu.customers.models import Customer
from kehu.customers.owners import check_owner
from kehu.customers.services import OwnerDefault
from kehu.leads.cleaning import clean_lead
from kehu.leads.models import Lead, LeadEvent, LeadEventKind, LeadNote, LeadStatus
from kehu.leads.queries import is_writable, may_work_leads
from kehu.org.models import Capability, User
from kehu.org.visibility import may_own_customers, reaches_owner
from kehu.timeline.services import clean_follow_up

# Statuses a user may set by hand; a lead becomes converted only through conversion.
SETTABLE_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.CLOSED)


@dataclasses.dataclass(frozen=True)
class LeadMatch:
    """A stored lead or customer that an incoming lead repeats, by mobile or email."""

    lead: Lead | None
    customer: Customer | None
    reason: str  # "mobile" or "email"
    owner_label: str  # the owner's display name, or "" when there is none

    def message(self) -> str:
        """Return the message for people: what matched and the owner, nothing else."""
        values = {"owner": self.owner_label}
        if self.lead is not None:
            if not self.owner_label:
                return {
                    "mobile": _("A lead with the same mobile number is in the lead pool."),
                    "email": _("A lead with the same email address is in the lead pool."),
                }[self.reason]
            return {
                "mobile": _(
                    "A lead with the same mobile number already exists (owner: %(owner)s)."
                ),
                "email": _("A lead with the same email address already exists (owner: %(owner)s)."),
            }[self.reason] % values
        if not self.owner_label:
            return {
                "mobile": _("A customer with the same mobile number already exists (unassigned)."),
                "email": _("A customer with the same email address already exists (unassigned)."),
            }[self.reason]
        return {
            "mobile": _(
                "A customer with the same mobile number already exists (owner: %(owner)s)."
            ),
            "email": _("A customer with the same email address already exists (owner: %(owner)s)."),
        }[self.reason] % values


class DuplicateLead(Exception):
    """Raised when a user creates a lead that repeats a stored lead or customer.

    The user may confirm and retry with `allow_duplicate=True`; the new lead then links to the
    record it repeats.
    """

    def __init__(self, match: LeadMatch) -> None:
        self.match = match
        super().__init__(match.message())

    def messages(self) -> list[str]:
        return [self.match.message()]


def find_match(mobile: str, email: str, *, exclude: Lead | None = None) -> LeadMatch | None:
    """Return the stored lead, or else the customer, with this mobile or email; None if none.

    Open leads (not converted) come first, newest first. A converted lead's person is found
    through the customer's contacts. Values are normalised already (kehu.leads.cleaning).
    """
    for reason, value in (("mobile", mobile), ("email", email)):
        if not value:
            continue
        leads = Lead.objects.filter(**{reason: value}).exclude(status=LeadStatus.CONVERTED)
        if exclude is not None:
            leads = leads.exclude(pk=exclude.pk)
        lead = leads.select_related("owner").order_by("-created_at", "-pk").first()
        if lead is not None:
            return LeadMatch(lead, None, reason, str(lead.owner) if lead.owner else "")
    candidate = Candidate(mobiles=[mobile] if mobile else [], emails=[email] if email else [])
    matches = find_matches([candidate])[0]
    if not matches:
        return None
    first = matches[0]
    customer = Customer.objects.get(pk=first.customer_id)
    return LeadMatch(None, customer, first.reason, first.owner_label)


# Leads still being worked; converted and closed ones no longer load their owner.
OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED)


def open_leads_by_owner(user_ids: list[int]) -> dict[int, int]:
    """Return how many new or contacted leads each of the users owns: a salesperson's load."""
    rows = (
        Lead.objects.filter(owner_id__in=user_ids, status__in=OPEN_STATUSES)
        .values("owner_id")
        .annotate(count=Count("pk"))
        .values_list("owner_id", "count")
    )
    return dict(rows)


def route_lead(values: Mapping[str, Any]) -> Route:
    """Return the owner the assignment rules give a lead that arrived without a user (web form
    or intake API), or the lead pool (an owner of None). Call it in the transaction that writes
    the lead, so a failed write also undoes a round-robin turn."""
    return routing.route(values, target="lead", load=open_leads_by_owner)


def record_event(
    lead: Lead, kind: str, actor: User | None, data: dict[str, Any] | None = None
) -> LeadEvent:
    return LeadEvent.objects.create(
        lead=lead, kind=kind, actor=actor, occurred_at=clock.now(), data=data or {}
    )


def _user_name(user: User | None) -> str:
    return str(user) if user is not None else ""


def check_lead_role(actor: User) -> None:
    """Raise PermissionDenied unless the actor's role may work on leads at all."""
    if not may_work_leads(actor):
        raise PermissionDenied(_("Your role may not work on leads."))


def check_lead_creator(actor: User) -> None:
    """Raise PermissionDenied unless the actor may create and claim leads.

    A lead is a customer to be, so this needs the capability to create customers.
    """
    check_lead_role(actor)
    if not actor.has_capability(Capability.CREATE):
        raise PermissionDenied(_("Your role may not create or claim leads."))


def check_lead_writer(actor: User, lead: Lead) -> None:
    """Raise PermissionDenied unless the actor may log notes on, change and convert `lead`."""
    check_lead_role(actor)
    if not is_writable(actor, lead):
        raise PermissionDenied(_("You may not change this lead."))


def create_lead(
    actor: User,
    values: Mapping[str, Any],
    *,
    owner: User | OwnerDefault | None = OwnerDefault.ACTOR,
    allow_duplicate: bool = False,
) -> Lead:
    """Create a lead entered by a user, owned by the actor unless `owner` says otherwise.

    `owner` is a user, or None for the lead pool; giving a lead to someone
    else or to the pool needs what giving a customer does (kehu.customers.owners.check_owner).
    Raises DuplicateLead when the mobile or email belongs to a stored lead or customer, unless
    `allow_duplicate`; the new lead then links to that record.
    """
    check_lead_creator(actor)
    new_owner = actor if owner is OwnerDefault.ACTOR else owner
    check_owner(actor, new_owner)
    cleaned = clean_lead(values)

    now = clock.now()
    with transaction.atomic():
        serialize_duplicate_checks()
        match = find_match(cleaned.get("mobile", ""), cleaned.get("email", ""))
        if match is not None and not allow_duplicate:
            raise DuplicateLead(match)
        lead = Lead.objects.create(
            **cleaned,
            owner=new_owner,
            creator=actor,
            duplicate_of_lead=match.lead if match else None,
            duplicate_of_customer=match.customer if match else None,
            created_at=now,
            updated_at=now,
        )
        record_event(lead, LeadEventKind.CREATED, actor, {"owner": _user_name(new_owner)})
        audit.record(
            actor,
            AuditAction.LEAD_CREATED,
            "lead",
            lead.public_id,
            {"owner": str(new_owner.public_id) if new_owner else None},
        )
    return lead


def _lock(lead: Lead) -> Lead:
    # PostgreSQL cannot lock the nullable side of the owner join, so lock only the lead.
    return Lead.objects.select_for_update(of=("self",)).select_related("owner").get(pk=lead.pk)


def _check_open(lead: Lead) -> None:
    if lead.status == LeadStatus.CONVERTED:
        raise ValidationError(_("This lead has been converted to a customer already."))


def claim_lead(actor: User, lead: Lead) -> Lead:
    """Take a lead from the lead pool as its owner.

    Every lead-working role sees the lead pool, so the check that matters runs under the row
    lock: of many users claiming the same lead at once exactly one wins, and the others get
    ValidationError because the lead has an owner by then. Converted and closed leads cannot
    be claimed. A user whose offboarding has started (User.leaving_on) claims nothing more.
    """
    check_lead_creator(actor)
    if actor.is_leaving:
        raise PermissionDenied(_("Your offboarding has started, so you cannot claim leads."))
    if not may_own_customers(actor):
        raise PermissionDenied(_("Your role may not own leads."))

    with transaction.atomic():
        locked = _lock(lead)
        if locked.owner_id is not None:
            raise ValidationError(
                _("Someone else claimed this lead first; it is no longer in the lead pool.")
            )
        _check_open(locked)
        if locked.status == LeadStatus.CLOSED:
            raise ValidationError(_("A closed lead cannot be claimed. Reopen it first."))
        locked.owner = actor
        locked.updated_at = clock.now()
        locked.save(update_fields=["owner", "updated_at"])
        record_event(locked, LeadEventKind.CLAIMED, actor, {"to_name": _user_name(actor)})
        audit.record(actor, AuditAction.LEAD_CLAIMED, "lead", locked.public_id)
    return locked


def assign_lead(actor: User, lead: Lead, new_owner: User | None) -> Lead:
    """Give a lead to `new_owner`, or return it to the lead pool with None.

    Needs the assign capability, a lead in the pool or of an owner in the actor's reach, and a
    new owner the actor may give customers to.
    """
    check_lead_role(actor)
    if not actor.has_capability(Capability.ASSIGN):
        raise PermissionDenied(_("Your role may not assign leads."))
    check_lead_writer(actor, lead)
    check_owner(actor, new_owner)

    with transaction.atomic():
        locked = _lock(lead)
        _check_open(locked)
        old = locked.owner
        if old is not None and not reaches_owner(actor, old):
            raise PermissionDenied(_("You may not change this lead."))
        if old == new_owner:
            return locked
        locked.owner = new_owner
        locked.updated_at = clock.now()
        locked.save(update_fields=["owner", "updated_at"])
        data = {"from_name": _user_name(old), "to_name": _user_name(new_owner)}
        record_event(locked, LeadEventKind.ASSIGNED, actor, data)
        audit.record(
            actor,
            AuditAction.LEAD_ASSIGNED,
            "lead",
            locked.public_id,
            {
                "owner": str(new_owner.public_id) if new_owner else None,
                "previous": str(old.public_id) if old else None,
            },
        )
    return locked


def add_lead_note(actor: User, lead: Lead, values: Mapping[str, Any]) -> LeadNote:
    """Log a note or follow-up on a lead: "content", and optionally "kind" and "occurred_at".

    Needs the follow-up capability and a lead the actor may change. A converted lead takes no
    more notes, since its history lives on the customer now.
    """
    check_lead_writer(actor, lead)
    if not actor.has_capability(Capability.FOLLOW_UP):
        raise PermissionDenied(_("Your role may not add follow-ups."))
    cleaned = clean_follow_up({"kind": values.get("kind") or "note", **values})
    unknown = [key for key in cleaned if key not in ("kind", "content", "occurred_at")]
    if unknown:
        raise ValidationError({key: [_("Leads do not keep this field.")] for key in unknown})

    now = clock.now()
    with transaction.atomic():
        locked = _lock(lead)
        _check_open(locked)
        note = LeadNote.objects.create(
            lead=locked,
            author=actor,
            kind=cleaned["kind"],
            content=cleaned["content"],
            occurred_at=cleaned.get("occurred_at") or now,
            created_at=now,
        )
        locked.updated_at = now
        locked.save(update_fields=["updated_at"])
    return note


def set_lead_status(actor: User, lead: Lead, status: str) -> Lead:
    """Move a lead to new, contacted or closed; a converted lead keeps its status."""
    check_lead_writer(actor, lead)
    if status not in SETTABLE_STATUSES:
        labels = "、".join(str(LeadStatus(value).label) for value in SETTABLE_STATUSES)
        raise ValidationError(
            {
                "status": [
                    _("“%(value)s” is not a status you may set. Choose one of: %(choices)s.")
                    % {"value": status, "choices": labels}
                ]
            }
        )

    with transaction.atomic():
        locked = _lock(lead)
        _check_open(locked)
        old = locked.status
        if old == status:
            return locked
        locked.status = status
        locked.updated_at = clock.now()
        locked.save(update_fields=["status", "updated_at"])
        record_event(locked, LeadEventKind.STATUS_CHANGED, actor, {"from": old, "to": status})
        audit.record(
            actor, AuditAction.LEAD_CHANGED, "lead", locked.public_id, {"status": [old, status]}
        )
    return locked


def owner_choices(actor: User) -> Sequence[User]:
    """Return the users the actor may give leads to, by name."""
    from kehu.org.visibility import owners_in_reach

    if not actor.has_capability(Capability.ASSIGN):
        return [actor]
    return list(owners_in_reach(actor).order_by("display_name", "username"))
