"""Offboardings and handovers: start an offboarding, plan a handover, read and execute it.

Every operation needs the assign capability (403 without it). A user or a handover outside your
reach is a 404, the same as a missing one.
"""

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from kehu.api import schemas
from kehu.api.auth import request_user
from kehu.api.routers.common import ERRORS
from kehu.customers.queries import role_reach_customers
from kehu.handover import offboarding as offboarding_services
from kehu.handover.execute import RECORD_TYPES, count_records, execute_handover
from kehu.handover.models import Handover
from kehu.handover.plan import PlanChoice, build_plan
from kehu.handover.queries import reachable_users, visible_handovers
from kehu.org.models import User

router = Router(tags=["handovers"])


class OffboardingIn(schemas.InputSchema):
    user: uuid.UUID = Field(description="The user who leaves.")
    last_day: dt.date = Field(description="The last working day, today or later.")


class OffboardingOut(Schema):
    id: uuid.UUID
    user: schemas.UserRef
    last_day: dt.date
    status: str = Field(description="open, completed or cancelled.")


class HandoverIn(schemas.InputSchema):
    user: uuid.UUID = Field(description="The user whose records move.")
    mode: str = Field(description="users (one person, or several in turn), rules or pool.")
    successors: list[uuid.UUID] = Field(
        default_factory=list, description="The successors of the users mode, in turn."
    )
    fallback: uuid.UUID | None = Field(
        None,
        description="Receives the deals, contracts, tickets and shares that do not follow a "
        "customer to a person; default: the first successor.",
    )
    customers: list[uuid.UUID] | None = Field(
        None, description="Only these customers (a transfer while the user stays); null: all."
    )
    read_only_until: dt.date | None = Field(
        None, description="The predecessor may read the moved customers until this day."
    )


class HandoverOut(Schema):
    id: uuid.UUID
    predecessor: schemas.UserRef
    mode: str
    status: str = Field(description="planned, executed or discarded.")
    read_only_until: dt.date | None
    counts: dict[str, int] = Field(
        description="Records per type that the plan moves, or, once executed, that moved."
    )
    skipped: int = Field(description="Records that changed after planning and stayed.")


def _user_ref(user: User) -> schemas.UserRef:
    return schemas.UserRef(id=user.public_id, name=str(user))


def _handover_out(handover: Handover) -> HandoverOut:
    totals = handover.result.get("totals") if handover.result else None
    counts = totals if totals is not None else count_records(handover)
    return HandoverOut(
        id=handover.public_id,
        predecessor=_user_ref(handover.predecessor),
        mode=handover.mode,
        status=handover.status,
        read_only_until=handover.read_only_until,
        counts={key: counts.get(key, 0) for key in RECORD_TYPES},
        skipped=handover.result.get("skipped", 0) if handover.result else 0,
    )


def _require_role(request: HttpRequest) -> User:
    user = request_user(request)
    if not offboarding_services.may_hand_over(user):
        raise PermissionDenied(_("Your role may not hand over customers."))
    return user


def _person(actor: User, public_id: uuid.UUID) -> User:
    return get_object_or_404(reachable_users(actor).select_related("role"), public_id=public_id)


@router.post(
    "/offboardings",
    response={201: OffboardingOut, **ERRORS},
    summary="Start an offboarding",
)
def start_offboarding(request: HttpRequest, payload: OffboardingIn) -> Status[OffboardingOut]:
    """Mark a user as leaving: from now on they cannot export, claim pool customers or receive
    customers, and the assignment rules skip them."""
    actor = _require_role(request)
    leaver = _person(actor, payload.user)

    offboarding = offboarding_services.start_offboarding(actor, leaver, payload.last_day)

    out = OffboardingOut(
        id=offboarding.public_id,
        user=_user_ref(leaver),
        last_day=offboarding.last_day,
        status=offboarding.status,
    )
    return Status(201, out)


@router.post("/handovers", response={201: HandoverOut, **ERRORS}, summary="Plan a handover")
def plan_handover(request: HttpRequest, payload: HandoverIn) -> Status[HandoverOut]:
    """Store a plan of which successor receives each record. Nothing moves until it is
    executed, and the counts are exactly what will move."""
    actor = _require_role(request)
    predecessor = _person(actor, payload.user)
    candidates = {
        user.public_id: user for user in offboarding_services.successor_choices(actor, predecessor)
    }
    named = [*payload.successors, *([payload.fallback] if payload.fallback else [])]
    if any(public_id not in candidates for public_id in named):
        raise ValidationError({"successors": [_("No user you may give customers to has this id.")]})
    customer_ids = None
    if payload.customers is not None:
        found = dict(
            role_reach_customers(actor)
            .filter(owner_id=predecessor.pk, public_id__in=payload.customers)
            .values_list("public_id", "pk")
        )
        if len(found) != len(set(payload.customers)):
            raise Http404
        customer_ids = list(found.values())
    choice = PlanChoice(
        mode=payload.mode,
        successors=[candidates[public_id] for public_id in payload.successors],
        fallback=candidates[payload.fallback] if payload.fallback else None,
        customer_ids=customer_ids,
        read_only_until=payload.read_only_until,
    )

    handover = build_plan(actor, predecessor, choice)

    return Status(201, _handover_out(handover))


@router.get(
    "/handovers/{handover_id}", response={200: HandoverOut, **ERRORS}, summary="Read a handover"
)
def get_handover(request: HttpRequest, handover_id: uuid.UUID) -> HandoverOut:
    """Return what a handover moves, or moved once executed."""
    actor = _require_role(request)
    handover = get_object_or_404(
        visible_handovers(actor).select_related("predecessor"), public_id=handover_id
    )

    return _handover_out(handover)


@router.post(
    "/handovers/{handover_id}/execute",
    response={200: HandoverOut, **ERRORS},
    summary="Execute a handover",
)
def execute_plan(request: HttpRequest, handover_id: uuid.UUID) -> HandoverOut:
    """Move every record of a planned handover in one transaction. Executing it again changes
    nothing."""
    actor = _require_role(request)
    handover = get_object_or_404(
        visible_handovers(actor).select_related("predecessor"), public_id=handover_id
    )

    execute_handover(actor, handover)

    handover.refresh_from_db()
    return _handover_out(handover)
