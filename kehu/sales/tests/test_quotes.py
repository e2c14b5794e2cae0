"""Quotes: exact money per line and per version, versions, status changes and who may write."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kehu.audit.models import AuditAction, AuditEntry
from kehu.conftest import Personas
from kehu.core import money
from kehu.sales import quotes, services
from kehu.sales.models import Quote, QuoteStatus
from kehu.sales.queries import visible_quotes
from kehu.sales.tests.conftest import Shop
from kehu.timeline.models import Event, EventKind

D = Decimal


@pytest.mark.parametrize(
    ("quantity", "price", "discount", "tax", "expected"),
    [
        # 3 x 120.50 = 361.50; 5 % off is 18.075 -> 18.08; 13 % of 343.42 is 44.6446 -> 44.64.
        ("3", "120.50", "5", "13", ("361.50", "18.08", "343.42", "44.64", "388.06")),
        # A third of a unit: 0.333 x 10.00 = 3.33; no discount; 6 % of 3.33 is 0.1998 -> 0.20.
        ("0.333", "10.00", "0", "6", ("3.33", "0.00", "3.33", "0.20", "3.53")),
        # Halves round away from zero: 0.5 x 0.01 = 0.005 -> 0.01.
        ("0.5", "0.01", "0", "0", ("0.01", "0.00", "0.01", "0.00", "0.01")),
        ("1", "100.00", "100", "13", ("100.00", "100.00", "0.00", "0.00", "0.00")),
    ],
)
def test_line_amounts_are_exact(
    quantity: str, price: str, discount: str, tax: str, expected: tuple[str, ...]
) -> None:
    amounts = money.quote_line(D(quantity), D(price), D(discount), D(tax))

    assert (amounts.subtotal, amounts.discount, amounts.net, amounts.tax, amounts.total) == tuple(
        D(value) for value in expected
    )


def _lines(shop: Shop) -> list[dict[str, object]]:
    return [
        {
            "product": str(shop.valve.public_id),
            "quantity": "3",
            "unit_price": "120.50",
            "discount_percent": "5",
            "tax_percent": "13",
        },
        {"description": "安装调试", "quantity": "1", "unit_price": "500", "tax_percent": "6"},
    ]


def test_create_quote_totals_and_number(personas: Personas, shop: Shop) -> None:
    deal = services.create_deal(personas.rep, shop.customer, {"name": "阀门改造"})

    quote = quotes.create_quote(
        personas.rep, shop.customer, {"title": "阀门报价"}, _lines(shop), deal=deal
    )

    version = quotes.current_version(quote)
    assert quote.number == f"BJ{quote.created_at.year}{quote.pk:06d}"
    assert quote.status == QuoteStatus.DRAFT
    assert quote.deal == deal
    # Line 1: 361.50 - 18.08 + 44.64 = 388.06. Line 2: 500.00 + 30.00 tax = 530.00.
    assert (version.subtotal, version.discount, version.tax, version.total) == (
        D("861.50"),
        D("18.08"),
        D("74.64"),
        D("918.06"),
    )
    assert [line.description for line in version.lines.all()] == ["球阀 DN50", "安装调试"]
    event = Event.objects.get(kind=EventKind.QUOTE_CREATED)
    assert event.data["amount"] == "918.06"
    assert AuditEntry.objects.filter(action=AuditAction.QUOTE_CREATED).count() == 1


def test_revision_keeps_earlier_versions(personas: Personas, shop: Shop) -> None:
    quote = quotes.create_quote(personas.rep, shop.customer, {"title": "阀门报价"}, _lines(shop))
    quotes.set_quote_status(personas.rep, quote, QuoteStatus.SENT)

    revised = quotes.revise_quote(
        personas.rep,
        quote,
        {"title": "阀门报价（优惠）", "valid_until": "2027-01-31"},
        [{"description": "球阀 DN50", "quantity": "3", "unit_price": "110"}],
    )

    assert revised.current_version == 2
    assert revised.status == QuoteStatus.DRAFT
    first, second = revised.versions.order_by("number")
    assert (first.title, first.total) == ("阀门报价", D("918.06"))
    assert (second.title, second.total, str(second.valid_until)) == (
        "阀门报价（优惠）",
        D("330.00"),
        "2027-01-31",
    )
    assert first.lines.count() == 2


def test_status_flow_and_final_states(personas: Personas, shop: Shop) -> None:
    quote = quotes.create_quote(personas.rep, shop.customer, {"title": "阀门报价"}, _lines(shop))

    with pytest.raises(ValidationError):
        quotes.set_quote_status(personas.rep, quote, QuoteStatus.ACCEPTED)
    quotes.set_quote_status(personas.rep, quote, QuoteStatus.SENT)
    accepted = quotes.set_quote_status(personas.rep, quote, QuoteStatus.ACCEPTED)

    assert accepted.status == QuoteStatus.ACCEPTED
    with pytest.raises(ValidationError):
        quotes.set_quote_status(personas.rep, quote, QuoteStatus.REJECTED)
    with pytest.raises(ValidationError):
        quotes.revise_quote(personas.rep, quote, {"title": "改"}, _lines(shop))
    assert Quote.objects.get().current_version == 1


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"description": "x", "quantity": "0", "unit_price": "1"}, "lines.1.quantity"),
        ({"description": "x", "quantity": "1", "unit_price": "1.001"}, "lines.1.unit_price"),
        ({"description": "x", "quantity": "1", "unit_price": "-1"}, "lines.1.unit_price"),
        (
            {"description": "x", "quantity": "1", "unit_price": "1", "discount_percent": "101"},
            "lines.1.discount_percent",
        ),
        (
            {"description": "x", "quantity": "1", "unit_price": "1", "tax_percent": "abc"},
            "lines.1.tax_percent",
        ),
        ({"quantity": "1", "unit_price": "1"}, "lines.1.description"),
        ({"product": "not-an-id", "quantity": "1", "unit_price": "1"}, "lines.1.product"),
        ({"description": "x", "quantity": "1", "unit_price": "1", "cost": "1"}, "lines.1.cost"),
    ],
)
def test_invalid_lines_rejected(
    personas: Personas, shop: Shop, line: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        quotes.create_quote(personas.rep, shop.customer, {"title": "报价"}, [line])

    assert field in caught.value.message_dict
    assert not Quote.objects.exists()


def test_who_may_write_quotes(personas: Personas, shop: Shop) -> None:
    for user in (personas.agent, personas.rep2, personas.other_rep):
        with pytest.raises(PermissionDenied):
            quotes.create_quote(user, shop.customer, {"title": "报价"}, _lines(shop))
    other_deal = services.create_deal(personas.other_rep, shop.other_customer, {"name": "电缆"})
    with pytest.raises(ValidationError) as caught:
        quotes.create_quote(
            personas.rep, shop.customer, {"title": "报价"}, _lines(shop), deal=other_deal
        )

    assert "deal" in caught.value.message_dict
    assert not Quote.objects.exists()


def test_quotes_visible_with_their_customer(personas: Personas, shop: Shop) -> None:
    quote = quotes.create_quote(personas.rep, shop.customer, {"title": "报价"}, _lines(shop))

    assert list(visible_quotes(personas.rep)) == [quote]
    assert list(visible_quotes(personas.agent)) == [quote]
    assert list(visible_quotes(personas.boss)) == [quote]
    assert list(visible_quotes(personas.other_rep)) == []


@pytest.mark.parametrize(
    ("quantity", "text"),
    [("100.000", "100"), ("2.500", "2.5"), ("0.001", "0.001"), ("1E+3", "1000")],
)
def test_quantity_text_has_no_exponent(quantity: str, text: str) -> None:
    assert money.quantity_text(D(quantity)) == text
