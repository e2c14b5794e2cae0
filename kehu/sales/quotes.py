"""Every write to quotes: create, revise (a new version) and change the status.

A quote belongs to a customer and optionally to one of its deals. A user who may change the
customer's deals and set line prices may write its quotes (`check_quote_writer`). Money follows
the deal field policy: line prices that of "deal_line.unit_price", and totals that of "deal.amount"
(docs/decisions/0011-quotes.md). Each write records a timeline event and an audit entry.
"""

import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kehu.audit import services as audit
from kehu.audit.models import AuditAction
from kehu.core import clock, money
from kehu.customers.models import Customer
from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.org.models import User
from kehu.org.policy import policy_for
from kehu.sales import cleaning
from kehu.sales.models import Deal, Quote, QuoteLine, QuoteStatus, QuoteVersion
from kehu.sales.queries import visible_deals, visible_products
from kehu.sales.services import check_deal_creator, too_large_message
from kehu.timeline import events

MAX_LINES = 200
# Status changes a quote allows; accepted and rejected are final.
TRANSITIONS = {
    QuoteStatus.DRAFT: (QuoteStatus.SENT,),
    QuoteStatus.SENT: (QuoteStatus.ACCEPTED, QuoteStatus.REJECTED, QuoteStatus.DRAFT),
}


def clean_lines(actor: User, lines: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Clean quote lines; errors are keyed "lines.<n>.<field>", counting from 1.

    A line names a product by its public id or gives a description, or both; without a
    description it takes the product's name.
    """
    if not lines:
        raise ValidationError({"lines": [_("Add at least one line.")]})
    if len(lines) > MAX_LINES:
        raise ValidationError(
            {"lines": [_("A quote has at most %(count)d lines.") % {"count": MAX_LINES}]}
        )
    wanted = [str(line["product"]) for line in lines if _is_uuid(line.get("product"))]
    products = visible_products(actor).in_bulk(wanted, field_name="public_id")
    cleaned: list[dict[str, Any]] = []
    errors: dict[str, list[str]] = {}
    for number, raw in enumerate(lines, start=1):
        prefix = f"lines.{number}."
        product_id = raw.get("product")
        product = products.get(uuid.UUID(str(product_id))) if _is_uuid(product_id) else None
        if product_id and product is None:
            errors[prefix + "product"] = [_("No product has this id.")]
        values = {key: value for key, value in raw.items() if key != "product"}
        try:
            line = cleaning.clean_quote_line(values, prefix)
        except ValidationError as error:
            errors.update(error.message_dict)
            continue
        if not line.get("description"):
            if product is None:
                if not product_id:
                    errors[prefix + "description"] = [_("Name a product or describe the line.")]
                continue
            line["description"] = product.name
        cleaned.append({**line, "product": product, "position": number})
    if errors:
        raise ValidationError(errors)
    totals = [
        money.quote_line(
            line["quantity"], line["unit_price"], line["discount_percent"], line["tax_percent"]
        ).subtotal
        for line in cleaned
    ]
    # The subtotals are the largest amounts of a quote: a discount lowers them, and a tax of
    # up to 100 % at most doubles them, which the doubled sum covers.
    if money.too_large([*totals, sum(totals, Decimal(0)) * 2]):
        raise ValidationError({"lines": [too_large_message()]})
    return cleaned


def _is_uuid(value: Any) -> bool:
    if not value:
        return False
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def check_quote_writer(actor: User, customer: Customer) -> None:
    """Raise PermissionDenied unless `actor` may write `customer`'s quotes.

    That needs the right to change the customer's deals and to set line prices, because a quote
    consists of priced lines. The forms call this before they show anything.
    """
    check_deal_creator(actor, customer)
    spec = field_map(FieldTarget.DEAL_LINE)["unit_price"]
    if not policy_for(actor).can_write(FieldTarget.DEAL_LINE, spec):
        raise PermissionDenied(_("Your role may not set prices, so it may not write quotes."))


def _add_version(
    quote: Quote, number: int, actor: User, values: dict[str, Any], lines: list[dict[str, Any]]
) -> QuoteVersion:
    amounts = [
        money.quote_line(
            line["quantity"], line["unit_price"], line["discount_percent"], line["tax_percent"]
        )
        for line in lines
    ]
    version = QuoteVersion.objects.create(
        quote=quote,
        number=number,
        title=values["title"],
        valid_until=values.get("valid_until"),
        notes=values.get("notes", ""),
        subtotal=money.total([a.subtotal for a in amounts]),
        discount=money.total([a.discount for a in amounts]),
        tax=money.total([a.tax for a in amounts]),
        total=money.total([a.total for a in amounts]),
        author=actor,
        created_at=clock.now(),
    )
    QuoteLine.objects.bulk_create(QuoteLine(version=version, **line) for line in lines)
    return version


def _event_data(quote: Quote, version: QuoteVersion, **values: Any) -> dict[str, Any]:
    return {
        "quote": str(quote.public_id),
        "number": quote.number,
        "version": version.number,
        "amount": str(version.total),
        **values,
    }


def create_quote(
    actor: User,
    customer: Customer,
    values: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
    *,
    deal: Deal | None = None,
) -> Quote:
    """Create a draft quote for a customer, optionally for one of its deals, as version 1."""
    check_quote_writer(actor, customer)
    if deal is not None and (
        deal.customer_id != customer.pk or not visible_deals(actor).filter(pk=deal.pk).exists()
    ):
        raise ValidationError({"deal": [_("The deal must be one of this customer's deals.")]})
    cleaned = cleaning.clean_quote(values)
    cleaned_lines = clean_lines(actor, lines)

    now = clock.now()
    with transaction.atomic():
        public_id = uuid.uuid4()
        quote = Quote.objects.create(
            public_id=public_id,
            number=public_id.hex,
            customer=customer,
            deal=deal,
            creator=actor,
            created_at=now,
            updated_at=now,
        )
        quote.number = f"BJ{now.year}{quote.pk:06d}"
        quote.save(update_fields=["number"])
        version = _add_version(quote, 1, actor, cleaned, cleaned_lines)
        events.quote_created(customer.pk, actor, _event_data(quote, version)).save()
        audit.record(
            actor,
            AuditAction.QUOTE_CREATED,
            "quote",
            quote.public_id,
            {"customer": str(customer.public_id), "total": str(version.total)},
        )
    return quote


def _lock(actor: User, quote: Quote) -> Quote:
    check_quote_writer(actor, quote.customer)
    locked = Quote.objects.select_for_update().get(pk=quote.pk)
    if locked.is_final:
        raise ValidationError(
            {"status": [_("This quote is accepted or rejected and can no longer change.")]}
        )
    return locked


def revise_quote(
    actor: User, quote: Quote, values: Mapping[str, Any], lines: Sequence[Mapping[str, Any]]
) -> Quote:
    """Add a new version with these values and lines; the quote goes back to draft."""
    check_quote_writer(actor, quote.customer)
    cleaned = cleaning.clean_quote(values)
    cleaned_lines = clean_lines(actor, lines)
    with transaction.atomic():
        locked = _lock(actor, quote)
        locked.current_version += 1
        locked.status = QuoteStatus.DRAFT
        locked.updated_at = clock.now()
        locked.save(update_fields=["current_version", "status", "updated_at"])
        version = _add_version(locked, locked.current_version, actor, cleaned, cleaned_lines)
        events.quote_revised(locked.customer_id, actor, _event_data(locked, version)).save()
        audit.record(
            actor,
            AuditAction.QUOTE_REVISED,
            "quote",
            locked.public_id,
            {"version": version.number, "total": str(version.total)},
        )
    return locked


def set_quote_status(actor: User, quote: Quote, status: str) -> Quote:
    """Move a quote to `status`: draft to sent, sent to accepted, rejected or back to draft."""
    with transaction.atomic():
        locked = _lock(actor, quote)
        allowed = TRANSITIONS.get(QuoteStatus(locked.status), ())
        if status not in allowed:
            label = QuoteStatus(status).label if status in QuoteStatus.values else status
            raise ValidationError(
                {
                    "status": [
                        _("A quote cannot go from “%(old)s” to “%(new)s”.")
                        % {"old": locked.get_status_display(), "new": label}
                    ]
                }
            )
        old = locked.status
        locked.status = status
        locked.updated_at = clock.now()
        locked.save(update_fields=["status", "updated_at"])
        version = locked.versions.get(number=locked.current_version)
        data = _event_data(locked, version, status=status, previous=old)
        events.quote_status_changed(locked.customer_id, actor, data).save()
        audit.record(
            actor,
            AuditAction.QUOTE_STATUS_CHANGED,
            "quote",
            locked.public_id,
            {"from": old, "to": status},
        )
    return locked


def current_version(quote: Quote) -> QuoteVersion:
    return quote.versions.get(number=quote.current_version)


def may_write_quotes(actor: User, customer: Customer) -> bool:
    try:
        check_quote_writer(actor, customer)
    except PermissionDenied:
        return False
    return True
