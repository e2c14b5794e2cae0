"""Exact decimal money: amounts in yuan with two decimal places, rounded half up.

Money is never a float. Stored amounts are DecimalField(max_digits=MONEY_DIGITS,
decimal_places=2); every computed amount passes through `quantize` before it is stored or shown.
"""

import dataclasses
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
MONEY_DIGITS = 17
MONEY_PLACES = 2
# Amounts stay below 10^13 yuan: with two decimal places that is at most 15 significant digits,
# what SQLite's floating-point storage keeps exactly (kehu.fields.values.MAX_NUMBER).
MAX_AMOUNT = Decimal(10) ** 13


def quantize(amount: Decimal) -> Decimal:
    """Round `amount` to whole fen (0.01 yuan), halves away from zero as Chinese invoices do."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def line_total(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """Return quantity x unit price, rounded once at the end to whole fen."""
    return quantize(quantity * unit_price)


def too_large(amounts: list[Decimal]) -> bool:
    """Return whether any amount, or their sum, reaches MAX_AMOUNT."""
    whole = sum(amounts, Decimal(0))
    return any(abs(amount) >= MAX_AMOUNT for amount in amounts) or abs(whole) >= MAX_AMOUNT


def total(amounts: list[Decimal]) -> Decimal:
    """Return the sum of amounts already in fen; an empty list sums to 0.00."""
    return quantize(sum(amounts, Decimal(0)))


HUNDRED = Decimal(100)


@dataclasses.dataclass(frozen=True)
class LineAmounts:
    """The amounts of one priced line, each in whole fen."""

    subtotal: Decimal  # quantity x unit price
    discount: Decimal  # the discount taken off the subtotal
    net: Decimal  # subtotal - discount
    tax: Decimal  # the tax on the net amount
    total: Decimal  # net + tax


def quote_line(
    quantity: Decimal, unit_price: Decimal, discount_percent: Decimal, tax_percent: Decimal
) -> LineAmounts:
    """Return a line's amounts: each step rounded to fen before the next uses it.

    Rounding each printed amount, as an invoice shows it, keeps subtotal - discount = net and
    net + tax = total true to the fen on the printed quote.
    """
    subtotal = line_total(quantity, unit_price)
    discount = quantize(subtotal * discount_percent / HUNDRED)
    net = subtotal - discount
    tax = quantize(net * tax_percent / HUNDRED)
    return LineAmounts(subtotal, discount, net, tax, net + tax)


def quantity_text(quantity: Decimal) -> str:
    """Return a quantity without trailing zeros and never in exponent form: 100.000 -> "100"."""
    return format(quantity.normalize(), "f")
