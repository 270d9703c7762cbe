"""Many rows in few statements, for bulk work inside one transaction (the ISP import).

peewee's `insert_many` renders every value into the SQL text (about 0.1 ms a row), which
would be most of the cost of 100,000 filings. Here the statement is built once and rows
already in database form (JSON as text, see `json_text`) go through the driver:
`executemany` of one prepared statement on SQLite, `execute_values` (one multi-row
statement per page) on PostgreSQL.
"""
import json
from collections.abc import Sequence

import peewee
from peewee import SQL

from portal.db import db, is_sqlite

PAGE = 1000


def json_text(value) -> str | None:
    """What the models' JSONField stores for `value` (portal.models.base.JSONField)."""
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def existing_values(model, field: str, values: Sequence, **equal) -> set:
    """Those of `values` that `field` of some row of `model` holds, among the rows whose
    other fields equal `equal` (e.g. key="domain"): one IN query per PAGE values, its
    SQL written once (peewee would render every value, the most of such a query)."""
    meta = model._meta
    column = meta.fields[field].column_name
    where = "".join(f' AND "{meta.fields[name].column_name}" = {db.param}' for name in equal)
    found = set()
    for page in pages(sorted(set(values))):
        marks = ", ".join([db.param] * len(page))
        # Names come from the model's metadata; every value is a bound parameter.
        sql = f'SELECT "{column}" FROM "{meta.table_name}" WHERE "{column}" IN ({marks}){where}'  # nosec B608 - as said above
        found.update(value for (value,) in db.execute_sql(sql, (*page, *equal.values())))
    return found


def in_list(values: Sequence) -> SQL:
    """The right side of `column.in_(...)` for up to PAGE values as one node: peewee
    renders a list value by value (about 10 µs each), this is one placeholder each."""
    if not values:
        raise ValueError("in_list needs at least one value")
    return SQL("(" + ", ".join([db.param] * len(values)) + ")", list(values))


def pages(values: Sequence, size: int = PAGE):
    """`values` in slices of `size`."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def reserve_ids(model, count: int) -> list[int]:
    """`count` new primary keys of `model`, ascending, for rows inserted with explicit ids
    (so rows of other tables can point at them before they exist).

    SQLite: the ones after the largest; safe because the caller's transaction holds the
    write lock (BEGIN IMMEDIATE), and the same ids SQLite would have chosen. PostgreSQL:
    taken from the table's sequence, so concurrent inserts never collide."""
    if count <= 0:
        return []
    if not db.in_transaction():
        raise RuntimeError("reserve_ids needs the caller's transaction")
    table, pk = model._meta.table_name, model._meta.primary_key.column_name
    if is_sqlite():
        (top,) = db.execute_sql(f'SELECT MAX("{pk}") FROM "{table}"').fetchone()  # nosec B608 - model names
        start = (top or 0) + 1
        return list(range(start, start + count))
    cursor = db.execute_sql("SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                            "FROM generate_series(1, %s)", (f'"{table}"', pk, count))
    return sorted(value for (value,) in cursor.fetchall())


def insert_rows(model, columns: Sequence[str], rows: Sequence[tuple]) -> int:
    """Insert `rows` (tuples in the order of `columns`, database column names) into
    `model`'s table. Returns the number of rows."""
    if not rows:
        return 0
    table = model._meta.table_name
    names = ", ".join(f'"{name}"' for name in columns)
    cursor = db.cursor()
    with _driver_errors:   # as peewee's own IntegrityError etc., like execute_sql raises
        if is_sqlite():
            marks = ", ".join("?" * len(columns))
            cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)  # nosec B608 - model names, bound values
        else:
            from psycopg2.extras import execute_values
            execute_values(cursor, f'INSERT INTO "{table}" ({names}) VALUES %s', rows,  # nosec B608 - model names, bound values
                           page_size=PAGE)
    return len(rows)


_driver_errors = peewee.__exception_wrapper__


def column_names(model, fields: Sequence[str]) -> tuple[str, ...]:
    """The database column names of `model`'s fields (`account` → `account_id`)."""
    return tuple(model._meta.fields[name].column_name for name in fields)
