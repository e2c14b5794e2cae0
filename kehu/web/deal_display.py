"""Deal and product values as a viewer's field policy lets them see them, for the pages.

Amounts, prices and costs are money fields: hidden for the outside agent preset, and masked to
MASK alone for a role that masks money. A line's total follows its unit price's access.
"""

import dataclasses
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from kehu.core.money import quantity_text
from kehu.customers.models import Customer
from kehu.fields.models import FieldTarget
from kehu.fields.registry import FieldSpec, field_map
from kehu.org.models import FieldAccess
from kehu.org.policy import FieldPolicy, masked_text
from kehu.sales.models import Deal, DealLine, Product
from kehu.web.display import format_money, record_name


def shown_value(policy: FieldPolicy, target: str, key: str, value: Any) -> str | None:
    """Return the text of field `key` of `target`: whole, masked, "" when empty, None if hidden."""
    spec: FieldSpec = field_map(target)[key]
    access = policy.access(target, spec)
    if access == FieldAccess.HIDDEN:
        return None
    if value is None or value == "":
        return ""
    if access == FieldAccess.MASKED:
        return masked_text(spec, value)
    if isinstance(value, Decimal) and spec.is_money:
        return format_money(value)
    return str(value)


def customer_name(policy: FieldPolicy, customer: Customer) -> str:
    return record_name(policy, FieldTarget.CUSTOMER, field_map(FieldTarget.CUSTOMER), customer)


@dataclasses.dataclass(frozen=True)
class DealRow:
    """One deal as a list row or a board card shows it; a None text is a hidden field."""

    deal: Deal
    name: str
    customer_name: str
    stage: str | None
    owner: str | None
    amount: str | None
    expected_close_on: str | None


def deal_row(policy: FieldPolicy, deal: Deal) -> DealRow:
    target = FieldTarget.DEAL
    return DealRow(
        deal=deal,
        name=shown_value(policy, target, "name", deal.name) or "",
        customer_name=customer_name(policy, deal.customer),
        stage=shown_value(policy, target, "stage", deal.stage.name),
        owner=shown_value(policy, target, "owner", str(deal.owner)),
        amount=shown_value(policy, target, "amount", deal.amount),
        expected_close_on=shown_value(policy, target, "expected_close_on", deal.expected_close_on),
    )


def deal_rows(policy: FieldPolicy, deals: Iterable[Deal]) -> list[DealRow]:
    return [deal_row(policy, deal) for deal in deals]


@dataclasses.dataclass(frozen=True)
class LineRow:
    line: DealLine
    product: str
    quantity: str | None
    unit_price: str | None
    total: str | None


def line_rows(policy: FieldPolicy, lines: Iterable[DealLine]) -> list[LineRow]:
    target = FieldTarget.DEAL_LINE
    rows = []
    for line in lines:
        unit_price = shown_value(policy, target, "unit_price", line.unit_price)
        total = (
            unit_price
            if unit_price is None
            else shown_value(policy, target, "unit_price", line.total)
        )
        rows.append(
            LineRow(
                line=line,
                product=shown_value(policy, target, "product", line.product.name) or "",
                quantity=shown_value(policy, target, "quantity", quantity_text(line.quantity)),
                unit_price=unit_price,
                total=total,
            )
        )
    return rows


@dataclasses.dataclass(frozen=True)
class ProductRow:
    product: Product
    name: str
    code: str
    unit: str
    list_price: str | None
    cost: str | None


def product_rows(policy: FieldPolicy, products: Iterable[Product]) -> list[ProductRow]:
    target = FieldTarget.PRODUCT
    return [
        ProductRow(
            product=product,
            name=shown_value(policy, target, "name", product.name) or "",
            code=shown_value(policy, target, "code", product.code) or "",
            unit=shown_value(policy, target, "unit", product.unit) or "",
            list_price=shown_value(policy, target, "list_price", product.list_price),
            cost=shown_value(policy, target, "cost", product.cost),
        )
        for product in products
    ]
