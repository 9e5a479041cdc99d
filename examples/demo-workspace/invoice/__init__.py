"""Invoice helpers: money, pages of invoice lines and totals."""

from .money import format_money, line_total, to_money
from .pages import page_count, paginate
from .summary import summarize

__all__ = ["format_money", "line_total", "to_money", "page_count", "paginate", "summarize"]
