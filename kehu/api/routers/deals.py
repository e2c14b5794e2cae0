"""Deals: list, read, create, change, set products and move between stages."""

import uuid

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from kehu.api import present, present_sales
from kehu.api import schemas_sales as schemas
from kehu.api.auth import request_user
from kehu.api.errors import rows_from_zero
from kehu.api.routers.common import ERRORS
from kehu.customers.queries import visible_customers
from kehu.org.models import User
from kehu.sales import services
from kehu.sales.listing import list_deals, params_from_query
from kehu.sales.models import Deal, Product
from kehu.sales.queries import visible_deals

router = Router(tags=["deals"])


def _deal(user: User, public_id: uuid.UUID) -> Deal:
    found = (
        visible_deals(user)
        .select_related("customer", "pipeline", "stage", "owner", "creator")
        .prefetch_related("lines__product")
        .filter(public_id=public_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _out(user: User, deal: Deal) -> schemas.DealOut:
    return present_sales.deal(present.viewer_for(user), _deal(user, deal.public_id))


@router.get("/deals", response={200: schemas.DealPage, **ERRORS}, summary="List deals")
def list_deals_(
    request: HttpRequest,
    pipeline: uuid.UUID | None = None,
    stage: uuid.UUID | None = None,
    owner: uuid.UUID | None = None,
    close_from: str = "",
    close_to: str = "",
    amount_min: str = "",
    amount_max: str = "",
    sort: str = "-created_at",
    cursor: str = "",
    page_size: int = 50,
) -> schemas.DealPage:
    """List the deals of the customers you can see, newest first unless sorted.

    `sort` is -created_at, expected_close_on, -expected_close_on, amount or -amount. Filters
    and sorts on a field your role does not see whole (the amount, for outside agents) are
    rejected with 422. Pass `next_cursor` back as `cursor` for the next page.
    """
    # The parameters above only document the query string; the listing module reads it whole.
    user = request_user(request)
    params = params_from_query(request.GET.dict())

    page = list_deals(user, params)

    viewer = present.viewer_for(user)
    rows = (
        visible_deals(user)
        .filter(pk__in=[row.pk for row in page.rows])
        .select_related("customer", "pipeline", "stage", "owner", "creator")
        .prefetch_related("lines__product")
        .in_bulk()
    )
    items = [present_sales.deal(viewer, rows[row.pk]) for row in page.rows if row.pk in rows]
    return schemas.DealPage(items=items, next_cursor=page.next_cursor)


@router.post("/deals", response={201: schemas.DealOut, **ERRORS}, summary="Create a deal")
def create_deal(request: HttpRequest, payload: schemas.DealIn) -> Status[schemas.DealOut]:
    """Add a deal to a customer you may change.

    The deal goes into `pipeline`, else the pipeline of `stage`, else the default pipeline. It
    starts in `stage`, an open stage of that pipeline, or in the pipeline's first open stage.
    """
    user = request_user(request)
    # Refused roles get 403 before the customer is looked up, for any customer id.
    services.check_deal_role(user)
    customer = visible_customers(user).filter(public_id=payload.customer).first()
    if customer is None:
        raise Http404
    data = payload.model_dump(exclude_unset=True)
    data.pop("customer")
    pipeline_id = data.pop("pipeline", None)
    stage_id = data.pop("stage", None)
    owner_id = data.pop("owner", None)
    services.check_deal_creator(user, customer)
    pipeline, stage = services.new_deal_stage(pipeline_id, stage_id)
    owner = services.find_deal_owner(user, owner_id) if owner_id else None

    created = services.create_deal(
        user, customer, data, owner=owner, pipeline=pipeline, stage=stage
    )

    return Status(201, _out(user, created))


@router.get("/deals/{deal_id}", response={200: schemas.DealOut, **ERRORS}, summary="Read a deal")
def deal_detail(request: HttpRequest, deal_id: uuid.UUID) -> schemas.DealOut:
    user = request_user(request)
    record = _deal(user, deal_id)
    return present_sales.deal(present.viewer_for(user), record)


@router.patch(
    "/deals/{deal_id}", response={200: schemas.DealOut, **ERRORS}, summary="Change a deal"
)
def update_deal(
    request: HttpRequest, deal_id: uuid.UUID, payload: schemas.DealPatch
) -> schemas.DealOut:
    """Change only the fields sent of an open deal.

    Send the `version` you read as `expected_version`. If someone saved the deal in between,
    the update is rejected with 422 on "version".
    """
    user = request_user(request)
    record = _deal(user, deal_id)
    data = payload.model_dump(exclude_unset=True)
    expected_version = data.pop("expected_version", None)
    owner_id = data.pop("owner", None)
    services.check_deal_editor(user, record)
    owner = services.find_deal_owner(user, owner_id) if owner_id else None

    changed = services.update_deal(
        user, record, data, owner=owner, expected_version=expected_version
    )

    return _out(user, changed)


@router.put(
    "/deals/{deal_id}/lines",
    response={200: schemas.DealOut, **ERRORS},
    summary="Set a deal's products",
)
def set_lines(
    request: HttpRequest, deal_id: uuid.UUID, payload: schemas.DealLinesIn
) -> schemas.DealOut:
    """Replace the deal's lines; with at least one line the amount becomes their total."""
    user = request_user(request)
    record = _deal(user, deal_id)
    services.check_deal_editor(user, record)
    products = Product.objects.in_bulk(
        [line.product for line in payload.lines], field_name="public_id"
    )
    lines = []
    for index, line in enumerate(payload.lines):
        found = products.get(line.product)
        if found is None:
            raise ValidationError({f"lines.{index}.product": [_("No product has this id.")]})
        values: dict[str, object] = {"product": found, "quantity": line.quantity}
        if line.unit_price is not None:
            values["unit_price"] = line.unit_price
        lines.append(values)

    with rows_from_zero("lines"):
        changed = services.set_deal_lines(
            user, record, lines, expected_version=payload.expected_version
        )

    return _out(user, changed)


@router.post(
    "/deals/{deal_id}/stage",
    response={200: schemas.DealOut, **ERRORS},
    summary="Move a deal to another stage",
)
def move_stage(
    request: HttpRequest, deal_id: uuid.UUID, payload: schemas.StageMoveIn
) -> schemas.DealOut:
    """Move an open deal. Won and lost stages are final; a lost stage needs `lost_reason`."""
    user = request_user(request)
    record = _deal(user, deal_id)
    services.check_deal_editor(user, record)
    stage = services.stage_for(record, payload.stage)

    moved = services.move_deal_stage(
        user,
        record,
        stage,
        lost_reason=payload.lost_reason,
        expected_version=payload.expected_version,
    )

    return _out(user, moved)
