"""A page of a list: what every paginated list (pages and API) hands to its template.

`Page` is numbered (OFFSET): fine for short lists. `KeysetPage` seeks (keyset
pagination): each link carries the sort key of the row it continues from, so page
500 of a long list costs what the first page costs, whatever the number of rows.
"""
import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime

from peewee import DateField, DateTimeField, IntegerField, Tuple

COUNT_CAP = 10_000      # a keyset list counts at most this many rows ("10 000+")


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


@dataclass
class KeysetPage:
    """One page of a seek-paginated list. `next_after` / `prev_before` are the opaque
    tokens of the links (None: no such page); `total` is exact unless `total_capped`
    (more than that), None when it was not counted."""
    items: list
    per_page: int
    next_after: str | None
    prev_before: str | None
    total: int | None
    total_capped: bool = False

    @property
    def has_next(self) -> bool:
        return self.next_after is not None

    @property
    def has_prev(self) -> bool:
        return self.prev_before is not None


# -- tokens -----------------------------------------------------------------

def _encode_value(value):
    if isinstance(value, (date, datetime)):
        return str(value)
    return value


def _decode_value(field, value):
    """The value of `field` a token carries; ValueError when it cannot be one."""
    if isinstance(field, DateTimeField):
        return datetime.fromisoformat(value)
    if isinstance(field, DateField):
        return date.fromisoformat(value)
    if isinstance(field, IntegerField) or field.field_type == "AUTO":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(value)
        return value
    if not isinstance(value, str):
        raise ValueError(value)
    return value


def encode_key(tag: str, values) -> str | None:
    """The token of a row's sort key; None when a value is missing (no link: NULLs sort
    differently on SQLite and PostgreSQL, and rows on a keyset list have their keys)."""
    if any(v is None for v in values):
        return None
    raw = json.dumps([tag, [_encode_value(v) for v in values]], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_key(token: str | None, tag: str, fields) -> tuple | None:
    """The sort key a token carries, or None (first page) for a missing, malformed or
    foreign one (another sort order's link): a bad link never errors."""
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        got_tag, values = json.loads(raw)
        if got_tag != tag or len(values) != len(fields):
            return None
        return tuple(_decode_value(f, v) for f, v in zip(fields, values))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return None


# -- seeking ----------------------------------------------------------------

def _key_of(row, fields) -> tuple:
    return tuple(getattr(row, f.name) for f in fields)


def _row_value(fields, key: tuple) -> Tuple:
    """The key as the database stores it (a bare Tuple would skip the fields' converters)."""
    return Tuple(*[field.db_value(value) for field, value in zip(fields, key)])


def seek(query, fields, tag: str, after: str | None = None, before: str | None = None,
         per_page: int = 20) -> tuple[list, str | None, str | None]:
    """(rows, next token, previous token) of the page after `after` or before `before`
    (neither: the first page). `fields` is the query's ascending sort order, ending with
    a unique column; one index whose columns are the query's equality filters followed
    by `fields` makes each page one index seek (rows compared as row values)."""
    back_key = decode_key(before, tag, fields) if before else None
    key = None if back_key is not None else decode_key(after, tag, fields)
    if back_key is not None:
        query = query.where(Tuple(*fields) < _row_value(fields, back_key)).order_by(
            *[f.desc() for f in fields])
    else:
        if key is not None:
            query = query.where(Tuple(*fields) > _row_value(fields, key))
        query = query.order_by(*fields)
    rows = list(query.limit(per_page + 1))
    more = len(rows) > per_page
    rows = rows[:per_page]
    if back_key is not None:
        rows.reverse()
    has_next = back_key is not None or more
    has_prev = key is not None or (back_key is not None and more)
    return (rows,
            encode_key(tag, _key_of(rows[-1], fields)) if rows and has_next else None,
            encode_key(tag, _key_of(rows[0], fields)) if rows and has_prev else None)


def capped_count(query, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, capped): the rows of `query` counted up to `cap`, so a long list costs a
    bounded index scan; capped True means "more than cap"."""
    found = query.order_by().limit(cap + 1).count()
    return min(found, cap), found > cap
