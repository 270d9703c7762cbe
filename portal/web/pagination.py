"""Numbers from the query string (page numbers, ids), bounded, and pagination for every
list. An unbounded number would reach the database: SQLite raises OverflowError past
2**63 and PostgreSQL's integer columns stop at 2**31 - 1, both a 500."""
from flask import current_app, request

from portal.models.base import MAX_ID
from portal.pagination import Page

MAX_PAGE = 100_000


def int_arg(name: str, default: int | None = None, low: int = 0,
            high: int = MAX_ID) -> int | None:
    """The query argument `name` as an int in [low, high]; `default` if absent, not a
    number, or out of range."""
    text = request.args.get(name, "")
    if not text.isdecimal() or len(text) > len(str(high)):   # int() of 4300+ digits raises
        return default
    value = int(text)
    return value if low <= value <= high else default


def page_number(arg: str = "page") -> int:
    """1 to MAX_PAGE; a larger number is the last reachable page, anything else 1."""
    text = request.args.get(arg, "")
    if not text.isdecimal():
        return 1
    return max(1, min(int(text) if len(text) <= 7 else MAX_PAGE, MAX_PAGE))


def paginate(query, per_page: int | None = None, arg: str = "page") -> Page:
    per_page = per_page or current_app.config["PAGE_SIZE"]
    page = page_number(arg)
    return Page(list(query.paginate(page, per_page)), page, per_page, query.count())
