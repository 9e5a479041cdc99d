"""The totals block at the bottom of an invoice."""

from decimal import Decimal

from .money import line_total, to_money


def summarize(invoice):
    """Subtotal, tax and total of an invoice: {"lines": [{"qty", "unit_price"}], "tax_rate", "currency"}."""
    subtotal = sum((line_total(l["qty"], l["unit_price"]) for l in invoice["lines"]), Decimal("0"))
    tax = to_money(subtotal * Decimal(str(invoice.get("tax_rate", 0))))
    return {
        "currency": invoice.get("currency", "EUR"),
        "subtotal": subtotal,
        "total": to_money(subtotal + tax),
    }
