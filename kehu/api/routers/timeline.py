"""Follow-ups of a customer (list, add, edit) and the customer's timeline."""

import uuid

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from kehu.api import lookups, present, schemas
from kehu.api.auth import request_user
from kehu.api.routers.common import ERRORS
from kehu.timeline import services
from kehu.timeline.models import FollowUpKind
from kehu.timeline.queries import timeline, visible_follow_ups

router = Router(tags=["follow-ups"])

MAX_PAGE_SIZE = 200
MAX_TIMELINE_ENTRIES = 500
TIMELINE_EVENTS = "events"


def _page_size(value: int, limit: int, field: str) -> int:
    if not 1 <= value <= limit:
        raise ValidationError(
            {
                field: [
                    _("Use a number from 1 to %(limit)d, not %(value)d.")
                    % {"limit": limit, "value": value}
                ]
            }
        )
    return value


@router.get(
    "/customers/{customer_id}/follow-ups",
    response={200: schemas.FollowUpPage, **ERRORS},
    summary="List a customer's follow-ups",
)
def list_(
    request: HttpRequest,
    customer_id: uuid.UUID,
    cursor: uuid.UUID | None = None,
    page_size: int = 50,
) -> schemas.FollowUpPage:
    """List follow-ups newest first. Pass `next_cursor` back as `cursor` for the next page."""
    user = request_user(request)
    customer = lookups.customer(user, customer_id)
    size = _page_size(page_size, MAX_PAGE_SIZE, "page_size")

    rows = (
        visible_follow_ups(user)
        .filter(customer=customer)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("-occurred_at", "-id")
    )
    if cursor is not None:
        last = rows.filter(public_id=cursor).values("occurred_at", "id").first()
        if last is None:
            raise ValidationError(
                {"cursor": [_("The cursor is not a follow-up of this customer.")]}
            )
        rows = rows.filter(
            Q(occurred_at__lt=last["occurred_at"])
            | Q(occurred_at=last["occurred_at"], id__lt=last["id"])
        )
    # Fetching one row beyond the page shows whether another page follows.
    found = list(rows[: size + 1])

    page = found[:size]
    has_more = len(found) > size
    viewer = present.viewer_for(user)
    return schemas.FollowUpPage(
        items=[present.follow_up(viewer, row) for row in page],
        next_cursor=str(page[-1].public_id) if has_more else None,
    )


@router.post(
    "/customers/{customer_id}/follow-ups",
    response={201: schemas.FollowUpOut, **ERRORS},
    summary="Add a follow-up",
)
def create(
    request: HttpRequest, customer_id: uuid.UUID, payload: schemas.FollowUpIn
) -> Status[schemas.FollowUpOut]:
    """Record an interaction. Outside agents may do this on the customers assigned to them."""
    user = request_user(request)
    customer = lookups.customer(user, customer_id)

    created = services.add_follow_up(user, customer, payload.model_dump(exclude_unset=True))

    created = lookups.follow_up(user, customer, created.public_id)
    return Status(201, present.follow_up(present.viewer_for(user), created))


@router.patch(
    "/customers/{customer_id}/follow-ups/{follow_up_id}",
    response={200: schemas.FollowUpOut, **ERRORS},
    summary="Edit a follow-up",
)
def update(
    request: HttpRequest,
    customer_id: uuid.UUID,
    follow_up_id: uuid.UUID,
    payload: schemas.FollowUpPatch,
) -> schemas.FollowUpOut:
    """Change only the fields sent. The earlier text is kept as a revision.

    Only the author, a manager or the boss may edit a follow-up.
    """
    user = request_user(request)
    customer = lookups.customer(user, customer_id)
    follow_up = lookups.follow_up(user, customer, follow_up_id)

    services.edit_follow_up(user, follow_up, payload.model_dump(exclude_unset=True))

    changed = lookups.follow_up(user, customer, follow_up_id)
    return present.follow_up(present.viewer_for(user), changed)


@router.get(
    "/customers/{customer_id}/timeline",
    response={200: list[schemas.TimelineEntryOut], **ERRORS},
    summary="Read a customer's timeline",
)
def customer_timeline(
    request: HttpRequest,
    customer_id: uuid.UUID,
    kinds: str | None = None,
    limit: int = 100,
) -> list[schemas.TimelineEntryOut]:
    """List follow-ups and system events together, newest first.

    Events leave out the field changes your role may not read and mask the masked ones. An
    event that only changed hidden fields is left out, so the list may contain fewer than
    `limit` entries. `kinds` narrows the list to a comma-separated selection of follow-up
    types (call, wechat, email, visit, meeting, sms, note) and "events".
    """
    user = request_user(request)
    customer = lookups.customer(user, customer_id)
    size = _page_size(limit, MAX_TIMELINE_ENTRIES, "limit")
    selected = [kind.strip() for kind in (kinds or "").split(",") if kind.strip()] or None
    if selected is not None:
        allowed = {*FollowUpKind.values, TIMELINE_EVENTS}
        unknown = [kind for kind in selected if kind not in allowed]
        if unknown:
            raise ValidationError(
                {
                    "kinds": [
                        _("“%(value)s” is not a follow-up type or “events”.")
                        % {"value": unknown[0]}
                    ]
                }
            )

    # NOTE: the timeline has no cursor yet; a customer with more entries than `limit` shows
    # only the newest ones.
    entries = timeline(customer, kinds=selected, limit=size)

    viewer = present.viewer_for(user)
    shown = [present.timeline_entry(viewer, entry) for entry in entries]
    return [entry for entry in shown if entry is not None]
