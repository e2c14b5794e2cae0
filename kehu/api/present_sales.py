"""Turn products and deals into API bodies, as the caller's field policy lets them see them.

Callers load deals through kehu.sales.queries, select the customer, pipeline, stage and owner,
and prefetch the lines with their products.
"""

from decimal import Decimal
from typing import Any

from pydantic import MISSING

from kehu.api import schemas_sales as schemas
from kehu.api.present import Viewer, user_ref
from kehu.core.money import quantity_text
from kehu.fields.models import FieldTarget
from kehu.sales.models import Deal, DealLine, Product, Quote, QuoteLine, QuoteVersion


def _text(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def governed(viewer: Viewer, target: str, values: dict[str, Any]) -> dict[str, Any]:
    """Return `values` as the viewer may see them, hidden fields left out."""
    shown = {}
    for key, value in values.items():
        result = viewer.shown(target, key, _text(value))
        if result is not MISSING:
            shown[key] = result
    return shown


def product(viewer: Viewer, record: Product) -> schemas.ProductOut:
    values = {
        "name": record.name,
        "code": record.code,
        "unit": record.unit,
        "list_price": record.list_price,
        "cost": record.cost,
        "is_active": record.is_active,
    }
    return schemas.ProductOut(id=record.public_id, **governed(viewer, FieldTarget.PRODUCT, values))


def _line(viewer: Viewer, line: DealLine) -> schemas.DealLineOut:
    values = governed(
        viewer,
        FieldTarget.DEAL_LINE,
        {"quantity": quantity_text(line.quantity), "unit_price": line.unit_price},
    )
    if "unit_price" in values:
        # The total gives the price away, so it is shown exactly as the price is.
        total = viewer.shown(FieldTarget.DEAL_LINE, "unit_price", str(line.total))
        values["total"] = total
    return schemas.DealLineOut(
        id=line.public_id,
        product=schemas.ProductRef(
            id=line.product.public_id, code=line.product.code, name=line.product.name
        ),
        **values,
    )


def deal(viewer: Viewer, record: Deal) -> schemas.DealOut:
    customer_values = governed(viewer, FieldTarget.CUSTOMER, {"name": record.customer.name})
    stage = schemas.StageOut(
        id=record.stage.public_id,
        name=record.stage.name,
        kind=record.stage.kind,
        win_probability=record.stage.win_probability,
    )
    values = governed(
        viewer,
        FieldTarget.DEAL,
        {
            "name": record.name,
            "amount": record.amount,
            "expected_close_on": record.expected_close_on,
            "stage": stage,
            "lost_reason": record.lost_reason,
            "owner": user_ref(record.owner),
            "created_at": record.created_at,
            "closed_at": record.closed_at,
        },
    )
    # The pipeline reveals as much as the stage does, so it is shown as the stage is.
    pipeline = viewer.shown(
        FieldTarget.DEAL,
        "stage",
        schemas.PipelineRef(id=record.pipeline.public_id, name=record.pipeline.name),
    )
    if pipeline is not MISSING:
        values["pipeline"] = pipeline
    return schemas.DealOut(
        id=record.public_id,
        customer=schemas.CustomerRef(id=record.customer.public_id, **customer_values),
        creator=user_ref(record.creator),
        updated_at=viewer.shown(FieldTarget.DEAL, "created_at", record.updated_at),
        version=record.version,
        lines=[_line(viewer, line) for line in record.lines.all()],
        **values,
    )


def _quote_line(viewer: Viewer, line: QuoteLine) -> schemas.QuoteLineOut:
    amounts = line.amounts
    money = {
        key: viewer.shown(FieldTarget.DEAL_LINE, "unit_price", str(value))
        for key, value in (
            ("unit_price", line.unit_price),
            ("subtotal", amounts.subtotal),
            ("discount", amounts.discount),
            ("tax", amounts.tax),
            ("total", amounts.total),
        )
    }
    product = line.product
    return schemas.QuoteLineOut(
        product=schemas.ProductRef(id=product.public_id, code=product.code, name=product.name)
        if product
        else None,
        description=line.description,
        quantity=quantity_text(line.quantity),
        discount_percent=str(line.discount_percent),
        tax_percent=str(line.tax_percent),
        **money,
    )


def _quote_version(viewer: Viewer, version: QuoteVersion) -> schemas.QuoteVersionOut:
    totals = {
        key: viewer.shown(FieldTarget.DEAL, "amount", str(value))
        for key, value in (
            ("subtotal", version.subtotal),
            ("discount", version.discount),
            ("tax", version.tax),
            ("total", version.total),
        )
    }
    return schemas.QuoteVersionOut(
        number=version.number,
        title=version.title,
        valid_until=version.valid_until,
        notes=version.notes,
        created_at=version.created_at,
        lines=[_quote_line(viewer, line) for line in version.lines.all()],
        **totals,
    )


def quote(viewer: Viewer, record: Quote) -> schemas.QuoteOut:
    """Return a quote with every version; callers prefetch versions__lines__product."""
    customer_values = governed(viewer, FieldTarget.CUSTOMER, {"name": record.customer.name})
    return schemas.QuoteOut(
        id=record.public_id,
        number=record.number,
        customer=schemas.CustomerRef(id=record.customer.public_id, **customer_values),
        deal=record.deal.public_id if record.deal else None,
        status=record.status,
        current_version=record.current_version,
        creator=user_ref(record.creator),
        created_at=record.created_at,
        updated_at=record.updated_at,
        versions=[_quote_version(viewer, version) for version in record.versions.all()],
    )
