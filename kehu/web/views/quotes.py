"""Quote pages: the printable quote with its versions, its PDF, the create and revise forms.

The page, the print and the PDF show a `QuoteSheet` (kehu.web.quote_sheet), which applies the
field policy once for all three.
"""

import logging
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kehu.core.money import quantity_text
from kehu.customers.models import Customer
from kehu.fields.models import FieldTarget
from kehu.org.models import User
from kehu.org.policy import policy_for
from kehu.sales import quotes, services
from kehu.sales.models import Deal, Quote, QuoteStatus
from kehu.sales.queries import visible_deals, visible_products, visible_quotes
from kehu.web.deal_display import customer_name, shown_value
from kehu.web.quote_pdf import PdfFontError, pdf_response
from kehu.web.quote_sheet import quote_sheet, quote_version, requested_version
from kehu.web.views.common import error_dict, load_customer, signed_in_user

logger = logging.getLogger(__name__)

LINE_FIELDS = (
    "product",
    "description",
    "quantity",
    "unit_price",
    "discount_percent",
    "tax_percent",
)
# Empty rows the form offers below the filled ones.
BLANK_LINES = 3


def load_quote(user: User, public_id: uuid.UUID) -> Quote:
    """Return a quote the user may see; anything else is a 404, the same as a missing one."""
    queryset = visible_quotes(user).select_related("customer", "deal", "creator")
    return get_object_or_404(queryset, public_id=public_id)


@login_required
@require_GET
def quote_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Show a quote, its current version or the one named by ?version=, ready to print."""
    user = signed_in_user(request)
    quote = load_quote(user, public_id)
    version = quote_version(quote, requested_version(request.GET.get("version", "")))
    policy = policy_for(user)

    sheet = quote_sheet(user, quote, version)
    writable = quotes.may_write_quotes(user, quote.customer) and not quote.is_final
    deal_name = (
        shown_value(policy, FieldTarget.DEAL, "name", quote.deal.name) if quote.deal else None
    )
    context = {
        "quote": quote,
        "sheet": sheet,
        "version": version,
        "deal_name": deal_name,
        "customer_name": sheet.customer_name,
        "versions": list(quote.versions.values_list("number", flat=True)),
        "can_write": writable,
        "next_statuses": [
            (status.value, status.label)
            for status in quotes.TRANSITIONS.get(QuoteStatus(quote.status), ())
        ]
        if writable
        else [],
        "status_errors": request.session.pop("quote_status_errors", []),
    }
    return render(request, "web/quotes/detail.html", context)


@login_required
@require_GET
def quote_pdf(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Download a quote version as PDF: the printable page's content, on A4 with a letterhead."""
    user = signed_in_user(request)
    quote = load_quote(user, public_id)
    version = quote_version(quote, requested_version(request.GET.get("version", "")))

    sheet = quote_sheet(user, quote, version)
    try:
        return pdf_response(sheet)
    except PdfFontError as error:
        logger.error("Quote PDF %s failed: %s", quote.public_id, error, exc_info=True)
        context = {"message": str(error), "back_url": quote.get_absolute_url()}
        return render(request, "web/quotes/pdf_failed.html", context, status=503)


@login_required
@require_POST
def quote_status(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = signed_in_user(request)
    services.check_deal_role(user)
    quote = load_quote(user, public_id)
    try:
        quotes.set_quote_status(user, quote, request.POST.get("status", ""))
    except ValidationError as error:
        request.session["quote_status_errors"] = [
            message for messages in error_dict(error).values() for message in messages
        ]
    return HttpResponseRedirect(quote.get_absolute_url())


def _posted_lines(post: QueryDict) -> list[dict[str, str]]:
    """Return the filled line rows of the form, in order; empty rows are left out.

    The form shows the lines again in this order, so the service's "lines.<n>" errors name the
    row the form shows as line n.
    """
    count = int(post.get("rows", "0")) if post.get("rows", "").isdigit() else 0
    lines: list[dict[str, str]] = []
    for number in range(1, min(count, quotes.MAX_LINES + BLANK_LINES) + 1):
        line = {key: post.get(f"{key}_{number}", "").strip() for key in LINE_FIELDS}
        if any(line.values()):
            lines.append({key: value for key, value in line.items() if value})
    return lines


def _rows(
    lines: Sequence[Mapping[str, Any]], errors: Mapping[int, list[str]]
) -> list[dict[str, Any]]:
    rows = [
        {"number": number, **{key: line.get(key, "") for key in LINE_FIELDS}}
        for number, line in enumerate(lines, start=1)
    ]
    for number in range(len(rows) + 1, len(rows) + BLANK_LINES + 1):
        rows.append({"number": number, **dict.fromkeys(LINE_FIELDS, "")})
    for row in rows:
        row["errors"] = errors.get(row["number"], [])
    return rows


def _split_errors(
    errors: Mapping[str, list[str]],
) -> tuple[dict[str, list[str]], dict[int, list[str]]]:
    """Split service errors into those of the quote's fields and those of each line."""
    fields: dict[str, list[str]] = {}
    rows: dict[int, list[str]] = {}
    for key, messages in errors.items():
        parts = key.split(".")
        if parts[0] == "lines" and len(parts) == 3 and parts[1].isdigit():
            rows.setdefault(int(parts[1]), []).extend(messages)
        else:
            fields.setdefault(key, []).extend(messages)
    return fields, rows


def _form(
    request: HttpRequest,
    user: User,
    customer: Customer,
    values: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
    errors: Mapping[str, list[str]],
    row_errors: Mapping[int, list[str]],
    *,
    heading: str,
    cancel_url: str,
) -> HttpResponse:
    policy = policy_for(user)
    products = [
        (str(product.public_id), f"{product.code} {product.name}")
        for product in visible_products(user).filter(is_active=True)
    ]
    rows = _rows(lines, row_errors)
    context = {
        "heading": heading,
        "customer_name": customer_name(policy, customer),
        "values": values,
        "errors": errors,
        "rows": rows,
        "row_count": len(rows),
        "products": products,
        "cancel_url": cancel_url,
    }
    status = 400 if errors or row_errors else 200
    return render(request, "web/quotes/form.html", context, status=status)


def _deal_lines(deal: Deal) -> list[dict[str, Any]]:
    return [
        {
            "product": str(line.product.public_id),
            "description": line.product.name,
            "quantity": quantity_text(line.quantity),
            "unit_price": line.unit_price,
        }
        for line in deal.lines.select_related("product")
    ]


@login_required
@require_http_methods(["GET", "POST"])
def quote_create(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Create a quote for a customer; ?deal= links it to a deal and starts from its products."""
    user = signed_in_user(request)
    services.check_deal_role(user)
    customer = load_customer(user, public_id)
    quotes.check_quote_writer(user, customer)
    deal = None
    deal_id = request.GET.get("deal", "")
    if deal_id:
        try:
            deal = visible_deals(user).filter(customer=customer, public_id=deal_id).first()
        except ValidationError:
            deal = None
        if deal is None:
            raise Http404
    cancel_url = deal.get_absolute_url() if deal else customer.get_absolute_url()
    heading = str(Quote._meta.verbose_name)

    if request.method == "GET":
        values = {"title": deal.name if deal else ""}
        lines = _deal_lines(deal) if deal else []
        return _form(
            request, user, customer, values, lines, {}, {}, heading=heading, cancel_url=cancel_url
        )

    values = {key: request.POST.get(key, "") for key in ("title", "valid_until", "notes")}
    lines = _posted_lines(request.POST)
    try:
        quote = quotes.create_quote(user, customer, values, lines, deal=deal)
    except ValidationError as error:
        fields, rows = _split_errors(error_dict(error))
        return _form(
            request,
            user,
            customer,
            values,
            lines,
            fields,
            rows,
            heading=heading,
            cancel_url=cancel_url,
        )
    return HttpResponseRedirect(quote.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def quote_revise(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Revise a quote: the form starts from the current version and saves a new one."""
    user = signed_in_user(request)
    services.check_deal_role(user)
    quote = load_quote(user, public_id)
    quotes.check_quote_writer(user, quote.customer)
    version = quotes.current_version(quote)
    heading = str(quote)

    if request.method == "GET":
        values = {
            "title": version.title,
            "valid_until": version.valid_until.isoformat() if version.valid_until else "",
            "notes": version.notes,
        }
        current_lines: list[dict[str, Any]] = [
            {
                "product": str(line.product.public_id) if line.product else "",
                "description": line.description,
                "quantity": quantity_text(line.quantity),
                "unit_price": line.unit_price,
                "discount_percent": line.discount_percent,
                "tax_percent": line.tax_percent,
            }
            for line in version.lines.select_related("product")
        ]
        return _form(
            request,
            user,
            quote.customer,
            values,
            current_lines,
            {},
            {},
            heading=heading,
            cancel_url=quote.get_absolute_url(),
        )

    values = {key: request.POST.get(key, "") for key in ("title", "valid_until", "notes")}
    lines = _posted_lines(request.POST)
    try:
        quotes.revise_quote(user, quote, values, lines)
    except ValidationError as error:
        fields, rows = _split_errors(error_dict(error))
        return _form(
            request,
            user,
            quote.customer,
            values,
            lines,
            fields,
            rows,
            heading=heading,
            cancel_url=quote.get_absolute_url(),
        )
    return HttpResponseRedirect(quote.get_absolute_url())
