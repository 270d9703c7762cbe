"""A fresh database in the middle of a test, for property-based tests whose every
example needs one (hypothesis runs many examples inside one test and its `app`):
the SQLite file copied again from the migrated template, or on PostgreSQL the
truncate-and-restore that tests/conftest.py runs before each test. Also a fingerprint
of every row, to prove that a refused action changed nothing."""
import hashlib
import os
import shutil

from peewee import OperationalError

from portal import ephemeral
from portal.db import db, is_sqlite
from portal.models import ALL_MODELS
from portal.queue import huey


def reset_database(app, template_db) -> None:
    """Back to the initialised instance: tables, the audit head file, the ephemeral
    store (codes, throttles) and the queue."""
    if is_sqlite():
        _copy_template(template_db["path"])
    else:
        _truncate_pg(template_db["snapshot"])
    head = app.config["AUDIT_HEAD_PATH"]
    if os.path.exists(head):
        os.remove(head)
    ephemeral.store().clear()
    huey.flush()


def _truncate_pg(snapshot) -> None:
    """TRUNCATE every table and put the initialised instance back. Not the faster
    DELETE of tests/conftest.py: under the whole suite the state machine then met rows
    of its previous example now and then (a subject left for a reused account id), which
    it never does with TRUNCATE. Outside any transaction, so nothing can roll it back."""
    if db.in_transaction():
        raise RuntimeError("a fresh database between examples, not inside a transaction")
    tables = ", ".join(f'"{m._meta.table_name}"' for m in ALL_MODELS)
    db.execute_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    for model, rows in snapshot.items():
        if rows:
            model.insert_many(rows).execute()
    for model in ALL_MODELS:
        pk = model._meta.primary_key
        if getattr(pk, "field_type", "") == "AUTO":
            table, column = model._meta.table_name, pk.column_name
            db.execute_sql(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), "
                           f"COALESCE((SELECT MAX({column}) FROM \"{table}\"), 0) + 1, false)")


def _copy_template(template, tries: int = 3) -> None:
    """The files replaced under a closed pool. Now and then (one run in several, under
    load) the first connection after it fails with "disk I/O error": the copy is then
    made again."""
    path = db.obj.database
    if not db.is_closed():
        db.close()
    db.obj.close_all()
    for suffix in ("-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    shutil.copy(template, path)
    try:
        db.connect(reuse_if_open=True)
    except OperationalError:
        if tries <= 1:
            raise
        _copy_template(template, tries - 1)


def fingerprint() -> str:
    """A digest of every row of every table."""
    if not is_sqlite():
        return _pg_fingerprint()
    digest = hashlib.sha256()
    for model in ALL_MODELS:
        for row in model.select().order_by(*_order(model)).tuples():
            digest.update(repr(row).encode())
    return digest.hexdigest()


def _order(model):
    pk = model._meta.primary_key
    return [pk] if pk is not None and not isinstance(pk, bool) else list(
        model._meta.sorted_fields)


def _pg_fingerprint() -> str:
    """The same on PostgreSQL in one round trip: an md5 of each table's rows as text."""
    parts = [f"(SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
             f'FROM "{model._meta.table_name}" t)' for model in ALL_MODELS]
    row = db.execute_sql("SELECT " + ", ".join(parts)).fetchone()
    return hashlib.sha256("".join(row).encode()).hexdigest()
