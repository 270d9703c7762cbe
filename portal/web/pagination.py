"""Pagination for every list: page number from the query string, bounded size."""
from dataclasses import dataclass

from flask import current_app, request


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def page_number() -> int:
    try:
        return max(int(request.args.get("page", 1)), 1)
    except ValueError:
        return 1


def paginate(query, per_page: int | None = None) -> Page:
    per_page = per_page or current_app.config["PAGE_SIZE"]
    page = page_number()
    return Page(list(query.paginate(page, per_page)), page, per_page, query.count())
