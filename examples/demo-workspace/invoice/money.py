"""Money amounts as Decimal, rounded to cents the way invoices are: half up."""

from decimal import ROUND_HALF_EVEN, Decimal

CENT = Decimal("0.01")


def to_money(value):
    """An amount rounded to whole cents."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_EVEN)


def line_total(quantity, unit_price):
    """Quantity times unit price, rounded once at the end."""
    return to_money(Decimal(str(quantity)) * Decimal(str(unit_price)))


def format_money(amount, currency="EUR"):
    """`1234.5` -> `1,234.50 EUR`."""
    return f"{to_money(amount):,.2f} {currency}"
