from decimal import Decimal

from invoice import format_money, page_count, to_money


def test_smoke_format_money():
    assert format_money(1234.5) == "1,234.50 EUR"


def test_smoke_to_money_keeps_cents():
    assert to_money("19.99") == Decimal("19.99")


def test_smoke_page_count():
    assert page_count(list(range(25)), per_page=10) == 3
    assert page_count([], per_page=10) == 1
