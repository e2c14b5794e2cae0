"""Turn products and deals into API bodies, as the caller's field policy lets them see them.

Callers load deals through kehu.sales.queries and select the customer, stage and owner, and
prefetch the lines with their products.
"""

from decimal import Decimal
from typing import Any

from pydantic import MISSING

from kehu.api import schemas_sales as schemas
from kehu.api.present import Viewer, user_ref
from kehu.fields.models import FieldTarget
from kehu.sales.models import Deal, DealLine, Product


def _text(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _governed(viewer: Viewer, target: str, values: dict[str, Any]) -> dict[str, Any]:
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
    return schemas.ProductOut(id=record.public_id, **_governed(viewer, FieldTarget.PRODUCT, values))


def _line(viewer: Viewer, line: DealLine) -> schemas.DealLineOut:
    values = _governed(
        viewer,
        FieldTarget.DEAL_LINE,
        {"quantity": line.quantity.normalize(), "unit_price": line.unit_price},
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
    customer_values = _governed(viewer, FieldTarget.CUSTOMER, {"name": record.customer.name})
    stage = schemas.StageOut(
        id=record.stage.public_id,
        name=record.stage.name,
        kind=record.stage.kind,
        win_probability=record.stage.win_probability,
    )
    values = _governed(
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
    return schemas.DealOut(
        id=record.public_id,
        customer=schemas.CustomerRef(id=record.customer.public_id, **customer_values),
        creator=user_ref(record.creator),
        updated_at=record.updated_at,
        version=record.version,
        lines=[_line(viewer, line) for line in record.lines.all()],
        **values,
    )
