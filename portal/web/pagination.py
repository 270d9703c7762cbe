"""Pagination for every list: page number from the query string, bounded size."""
from flask import current_app, request

from portal.pagination import Page


def page_number() -> int:
    try:
        return max(int(request.args.get("page", 1)), 1)
    except ValueError:
        return 1


def paginate(query, per_page: int | None = None) -> Page:
    per_page = per_page or current_app.config["PAGE_SIZE"]
    page = page_number()
    return Page(list(query.paginate(page, per_page)), page, per_page, query.count())
