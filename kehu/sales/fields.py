"""Built-in product, deal and deal-line fields, as the field registry describes them.

The field policy keys them "product.cost", "deal.amount", "deal_line.unit_price" and so on. A
line's total follows the access of its unit price, because quantity and total give the price.
"""

from django.utils.translation import gettext_lazy as _

from kehu.fields.models import FieldType
from kehu.fields.registry import FieldSpec


def product_fields() -> list[FieldSpec]:
    return [
        FieldSpec("name", _("Product name"), FieldType.TEXT, "name", required=True),
        FieldSpec("code", _("Product code"), FieldType.TEXT, "code", required=True),
        FieldSpec("unit", _("Unit"), FieldType.TEXT, "unit"),
        FieldSpec("list_price", _("List price"), FieldType.MONEY, "list_price", is_money=True),
        FieldSpec("cost", _("Cost"), FieldType.MONEY, "cost", is_money=True),
        FieldSpec("is_active", _("Active"), FieldType.BOOLEAN, "is_active"),
    ]


def deal_fields() -> list[FieldSpec]:
    return [
        FieldSpec("name", _("Deal name"), FieldType.TEXT, "name", required=True),
        FieldSpec("amount", _("Amount"), FieldType.MONEY, "amount", is_money=True),
        FieldSpec(
            "expected_close_on", _("Expected close date"), FieldType.DATE, "expected_close_on"
        ),
        FieldSpec("stage", _("Stage"), FieldType.CHOICE, "stage_id", required=True),
        FieldSpec("owner", _("Owner"), FieldType.USER, "owner_id"),
        FieldSpec("lost_reason", _("Lost reason"), FieldType.LONG_TEXT, "lost_reason"),
        FieldSpec("created_at", _("Created at"), FieldType.DATETIME, "created_at"),
        FieldSpec("closed_at", _("Closed at"), FieldType.DATETIME, "closed_at"),
    ]


def deal_line_fields() -> list[FieldSpec]:
    return [
        FieldSpec("product", _("Product"), FieldType.TEXT, "product__name", required=True),
        FieldSpec("quantity", _("Quantity"), FieldType.NUMBER, "quantity", required=True),
        FieldSpec("unit_price", _("Unit price"), FieldType.MONEY, "unit_price", is_money=True),
    ]
