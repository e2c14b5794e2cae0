"""Leads: list, read, create, claim and convert, for signed-in users and their API tokens.

The endpoints call the services the pages call (kehu.leads), so the permission checks are the
same. A lead outside the caller's reach is a 404 like a missing one.
"""

import uuid

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from kehu.api import schemas_leads as schemas
from kehu.api.auth import request_user
from kehu.api.present import user_ref
from kehu.api.routers.common import ERRORS
from kehu.api.schemas import DuplicateOut
from kehu.customers.queries import writable_customers
from kehu.customers.services import OwnerDefault, find_owner
from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.leads import conversion, services
from kehu.leads.models import Lead, LeadStatus
from kehu.leads.queries import LeadPolicies, visible_leads
from kehu.org.models import User

router = Router(tags=["leads"])
PAGE_SIZE = 50


def _lead(user: User, public_id: uuid.UUID) -> Lead:
    found = (
        visible_leads(user)
        .select_related("owner", "campaign", "converted_customer")
        .filter(public_id=public_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _out(user: User, lead: Lead, policies: LeadPolicies | None = None) -> schemas.LeadOut:
    policy = (policies or LeadPolicies(user)).for_lead(lead)
    specs = field_map(FieldTarget.CONTACT)
    private = {}
    for key in ("mobile", "phone", "email", "wechat"):
        value = policy.shown(FieldTarget.CONTACT, specs[key], getattr(lead, key))
        if value is not None:
            private[key] = str(value)
    return schemas.LeadOut(
        id=lead.public_id,
        name=lead.name,
        company=lead.company,
        title=lead.title,
        province_code=lead.province_code,
        city_code=lead.city_code,
        industry=lead.industry,
        message=lead.message,
        source=lead.source,
        channel=lead.channel,
        campaign=lead.campaign.name if lead.campaign else "",
        status=lead.status,
        owner=user_ref(lead.owner),
        consent_given=lead.consent_given,
        converted_customer=lead.converted_customer.public_id if lead.converted_customer else None,
        created_at=lead.created_at,
        updated_at=lead.updated_at,
        **private,
    )


@router.get("/leads", response={200: schemas.LeadPage, **ERRORS}, summary="List leads")
def list_leads(
    request: HttpRequest, status: str = "", pool: bool = False, page: int = 1
) -> schemas.LeadPage:
    """List the leads you can see, newest first; `pool` keeps those without an owner."""
    user = request_user(request)
    services.check_lead_role(user)
    leads = visible_leads(user).select_related("owner", "campaign", "converted_customer")
    if status:
        if status not in LeadStatus.values:
            message = _("“%(value)s” is not a lead status. Choose one of: %(choices)s.") % {
                "value": status,
                "choices": schemas.STATUSES,
            }
            raise ValidationError({"status": [message]})
        leads = leads.filter(status=status)
    if pool:
        leads = leads.filter(owner__isnull=True)

    found = Paginator(leads.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(page)

    policies = LeadPolicies(user)
    return schemas.LeadPage(
        items=[_out(user, lead, policies) for lead in found.object_list],
        page=found.number,
        pages=found.paginator.num_pages,
        count=found.paginator.count,
    )


@router.post("/leads", response={201: schemas.LeadOut, **ERRORS}, summary="Create a lead")
def create_lead(request: HttpRequest, payload: schemas.LeadIn) -> Status[schemas.LeadOut]:
    """Create a lead owned by you, by `owner`, or in the lead pool with `pool`.

    A lead whose mobile or email belongs to a stored lead or customer is refused with 409
    unless `allow_duplicate` is true.
    """
    user = request_user(request)
    services.check_lead_creator(user)
    values = payload.model_dump(exclude={"owner", "pool", "allow_duplicate"})
    values = {key: value for key, value in values.items() if value != ""}
    owner: User | OwnerDefault | None = OwnerDefault.ACTOR
    if payload.pool:
        owner = None
    elif payload.owner is not None:
        owner = find_owner(user, payload.owner)

    try:
        created = services.create_lead(
            user, values, owner=owner, allow_duplicate=payload.allow_duplicate
        )
    except services.DuplicateLead as duplicate:
        body = DuplicateOut(
            detail=_("The lead already exists."), messages=duplicate.messages(), blocking=False
        )
        return Status(409, body)  # type: ignore[arg-type]

    return Status(201, _out(user, _lead(user, created.public_id)))


@router.get("/leads/{lead_id}", response={200: schemas.LeadOut, **ERRORS}, summary="Read a lead")
def lead_detail(request: HttpRequest, lead_id: uuid.UUID) -> schemas.LeadOut:
    user = request_user(request)
    services.check_lead_role(user)
    return _out(user, _lead(user, lead_id))


@router.post(
    "/leads/{lead_id}/claim",
    response={200: schemas.LeadOut, **ERRORS},
    summary="Claim a lead from the lead pool",
)
def claim_lead(request: HttpRequest, lead_id: uuid.UUID) -> schemas.LeadOut:
    """Take the lead as its owner; of simultaneous claims exactly one succeeds, the rest get 422."""
    user = request_user(request)
    services.check_lead_creator(user)
    lead = _lead(user, lead_id)

    services.claim_lead(user, lead)

    return _out(user, _lead(user, lead_id))


@router.post(
    "/leads/{lead_id}/convert",
    response={201: schemas.ConvertOut, **ERRORS},
    summary="Convert a lead to a customer",
)
def convert_lead(
    request: HttpRequest, lead_id: uuid.UUID, payload: schemas.ConvertIn
) -> Status[schemas.ConvertOut]:
    """Create the customer with the person as its contact, and optionally a deal, in one step.

    The customer goes through the duplicate check: a match is a 409 as for a new customer. Name
    one of the matching customers as `existing_customer` to add the person to it instead.
    """
    user = request_user(request)
    services.check_lead_role(user)
    lead = _lead(user, lead_id)
    services.check_lead_writer(user, lead)
    existing = None
    if payload.existing_customer is not None:
        existing = writable_customers(user).filter(public_id=payload.existing_customer).first()
        if existing is None:
            raise Http404
    customer_values = conversion.customer_values(lead)
    if payload.customer_name:
        customer_values["name"] = payload.customer_name
    deal = payload.deal.model_dump() if payload.deal else None

    customer = conversion.convert_lead(
        user,
        lead,
        customer=customer_values,
        deal=deal,
        existing=existing,
        allow_similar=payload.allow_similar,
    )

    return Status(201, schemas.ConvertOut(lead=lead.public_id, customer=customer.public_id))
