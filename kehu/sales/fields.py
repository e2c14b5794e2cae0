"""Built-in product, deal, deal-line, contract and payment fields, as the registry describes them.

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


def contract_fields() -> list[FieldSpec]:
    return [
        FieldSpec("number", _("Contract number"), FieldType.TEXT, "number"),
        FieldSpec("title", _("Title"), FieldType.TEXT, "title", required=True),
        FieldSpec("amount", _("Contract amount"), FieldType.MONEY, "amount", is_money=True),
        FieldSpec("start_on", _("Start date"), FieldType.DATE, "start_on", required=True),
        FieldSpec("end_on", _("End date"), FieldType.DATE, "end_on"),
        FieldSpec("signed_on", _("Signing date"), FieldType.DATE, "signed_on"),
        FieldSpec("status", _("Status"), FieldType.TEXT, "status"),
        FieldSpec("owner", _("Owner"), FieldType.USER, "owner_id"),
        FieldSpec("notes", _("Notes"), FieldType.LONG_TEXT, "notes"),
    ]


def payment_fields() -> list[FieldSpec]:
    """Instalments and receipts of contracts. Collected and outstanding sums follow "received"."""
    return [
        FieldSpec("plan_amount", _("Planned amount"), FieldType.MONEY, "amount", is_money=True),
        FieldSpec("due_on", _("Due date"), FieldType.DATE, "due_on"),
        FieldSpec("received", _("Amount received"), FieldType.MONEY, "amount", is_money=True),
        FieldSpec("received_on", _("Date received"), FieldType.DATE, "received_on"),
        FieldSpec("method", _("Payment method"), FieldType.TEXT, "method"),
        FieldSpec("reference", _("Reference"), FieldType.TEXT, "reference"),
    ]
