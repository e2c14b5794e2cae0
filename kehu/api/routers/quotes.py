"""Quotes: list a customer's, read one with every version or as PDF, create, revise, set status."""

import logging
import uuid

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Router, Status
from ninja.errors import HttpError

from kehu.api import present, present_sales
from kehu.api import schemas_sales as schemas
from kehu.api.auth import request_user
from kehu.api.errors import rows_from_zero
from kehu.api.routers.common import ERRORS
from kehu.api.schemas import ErrorOut
from kehu.customers.queries import visible_customers
from kehu.org.models import User
from kehu.sales import quotes, services
from kehu.sales.models import Quote
from kehu.sales.queries import visible_deals, visible_quotes
from kehu.web.quote_pdf import PdfFontError, pdf_response
from kehu.web.quote_sheet import quote_sheet, quote_version

logger = logging.getLogger(__name__)
router = Router(tags=["quotes"])


def _quote(user: User, public_id: uuid.UUID) -> Quote:
    found = (
        visible_quotes(user)
        .select_related("customer", "deal", "creator")
        .prefetch_related("versions__lines__product")
        .filter(public_id=public_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _out(user: User, quote: Quote) -> schemas.QuoteOut:
    return present_sales.quote(present.viewer_for(user), _quote(user, quote.public_id))


def _lines(payload: list[schemas.QuoteLineIn]) -> list[dict[str, object]]:
    return [line.model_dump(exclude_none=True) for line in payload]


@router.get(
    "/customers/{customer_id}/quotes",
    response={200: list[schemas.QuoteOut], **ERRORS},
    summary="List a customer's quotes",
)
def customer_quotes(request: HttpRequest, customer_id: uuid.UUID) -> list[schemas.QuoteOut]:
    """Return the customer's quotes, newest first, each with every version."""
    user = request_user(request)
    customer = visible_customers(user).filter(public_id=customer_id).first()
    if customer is None:
        raise Http404
    viewer = present.viewer_for(user)
    records = (
        visible_quotes(user)
        .filter(customer=customer)
        .select_related("customer", "deal", "creator")
        .prefetch_related("versions__lines__product")
        .order_by("-created_at", "-pk")
    )
    return [present_sales.quote(viewer, record) for record in records]


@router.post("/quotes", response={201: schemas.QuoteOut, **ERRORS}, summary="Create a quote")
def create_quote(request: HttpRequest, payload: schemas.QuoteIn) -> Status[schemas.QuoteOut]:
    """Create a draft quote, version 1, for a customer you may change and optionally a deal."""
    user = request_user(request)
    # Refused roles get 403 before the customer is looked up, for any customer id.
    services.check_deal_role(user)
    customer = visible_customers(user).filter(public_id=payload.customer).first()
    if customer is None:
        raise Http404
    deal = None
    if payload.deal is not None:
        deal = visible_deals(user).filter(public_id=payload.deal).first()
        if deal is None:
            raise Http404
    values = payload.model_dump(exclude_none=True, exclude={"customer", "deal", "lines"})

    with rows_from_zero("lines"):
        created = quotes.create_quote(user, customer, values, _lines(payload.lines), deal=deal)

    return Status(201, _out(user, created))


@router.get(
    "/quotes/{quote_id}", response={200: schemas.QuoteOut, **ERRORS}, summary="Read a quote"
)
def quote_detail(request: HttpRequest, quote_id: uuid.UUID) -> schemas.QuoteOut:
    user = request_user(request)
    return present_sales.quote(present.viewer_for(user), _quote(user, quote_id))


@router.get(
    "/quotes/{quote_id}/pdf",
    response={**ERRORS, 503: ErrorOut},
    summary="Download a quote as PDF",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The quote version as a PDF document",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def quote_pdf(
    request: HttpRequest, quote_id: uuid.UUID, version: int | None = None
) -> HttpResponse:
    """Return the current version, or the numbered one, as the quote page's PDF shows it.

    Amounts follow the same field policy as the page. A server without a usable font is 503.
    """
    user = request_user(request)
    record = _quote(user, quote_id)
    chosen = quote_version(record, version)

    sheet = quote_sheet(user, record, chosen)
    try:
        return pdf_response(sheet)
    except PdfFontError as error:
        logger.error("Quote PDF %s failed: %s", record.public_id, error, exc_info=True)
        raise HttpError(503, str(error)) from error


@router.post(
    "/quotes/{quote_id}/versions",
    response={201: schemas.QuoteOut, **ERRORS},
    summary="Revise a quote",
)
def revise_quote(
    request: HttpRequest, quote_id: uuid.UUID, payload: schemas.QuoteRevisionIn
) -> Status[schemas.QuoteOut]:
    """Add a version with these values and lines; the quote goes back to draft."""
    user = request_user(request)
    record = _quote(user, quote_id)
    values = payload.model_dump(exclude_none=True, exclude={"lines"})

    with rows_from_zero("lines"):
        revised = quotes.revise_quote(user, record, values, _lines(payload.lines))

    return Status(201, _out(user, revised))


@router.post(
    "/quotes/{quote_id}/status",
    response={200: schemas.QuoteOut, **ERRORS},
    summary="Change a quote's status",
)
def quote_status(
    request: HttpRequest, quote_id: uuid.UUID, payload: schemas.QuoteStatusIn
) -> schemas.QuoteOut:
    """Draft to sent; sent to accepted, rejected or back to draft. Final statuses are 422."""
    user = request_user(request)
    record = _quote(user, quote_id)

    changed = quotes.set_quote_status(user, record, payload.status)

    return _out(user, changed)
