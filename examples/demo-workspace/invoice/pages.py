"""Invoice lines shown a page at a time; pages are numbered from 1."""


def paginate(lines, page, per_page=10):
    """The lines on page `page` (1-based)."""
    if page < 1:
        raise ValueError(f"pages start at 1, not {page}")
    start = page * per_page
    return lines[start : start + per_page]


def page_count(lines, per_page=10):
    """How many pages the lines fill; an empty invoice still has one page."""
    return max(1, -(-len(lines) // per_page))
