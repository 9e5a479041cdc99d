from decimal import Decimal

from invoice import line_total, paginate, summarize

LINES = [f"line {n}" for n in range(1, 6)]


def test_smoke_line_total_rounds_half_up():
    assert line_total(3, "0.815") == Decimal("2.45")


def test_smoke_first_page_starts_at_line_one():
    assert paginate(LINES, page=1, per_page=2) == ["line 1", "line 2"]


def test_smoke_summary_has_tax():
    invoice = {"lines": [{"qty": 2, "unit_price": "5.00"}], "tax_rate": "0.2", "currency": "EUR"}
    assert summarize(invoice)["tax"] == Decimal("2.00")
