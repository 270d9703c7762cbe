"""Database wiring: one deferred proxy, bound in the factory from DATABASE_URL.

SQLite runs in WAL mode with foreign keys, a busy timeout and
``lock_type='IMMEDIATE'`` so every transaction takes the write lock up front
(a deferred read-then-write transaction fails with "database is locked" under
several workers), and writers take it in turn through a lock file (`portal.write_gate`).
Connections are pooled on both engines.

The optional read replica (DATABASE_REPLICA_URL) serves the public lookups only
(`reading()`). Its connections are read-only at the database itself, SQLite's
``query_only`` or PostgreSQL's ``default_transaction_read_only``, so no code path can
write to it; the models stay bound to the primary and each lookup query runs on the
replica explicitly, which is safe with any number of threads.
"""
import threading
from contextlib import contextmanager
from urllib.parse import urlparse

from peewee import DatabaseProxy
from playhouse.pool import PooledPostgresqlDatabase, PooledSqliteDatabase

from portal.write_gate import GatedSqliteDatabase

db = DatabaseProxy()
replica = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10000,
    "synchronous": "normal",
    "cache_size": -32000,
}


# A replica is only read: no journal-mode change (that would write its file), and every
# connection refuses writes.
REPLICA_PRAGMAS = {"foreign_keys": 1, "busy_timeout": 10000, "cache_size": -32000,
                   "query_only": 1}


def make_database(url: str, read_only: bool = False):
    """Build a pooled peewee database for a sqlite:/// or postgresql:// URL;
    `read_only` connections refuse every write (the replica)."""
    parsed = urlparse(url)
    scheme = parsed.scheme.split("+")[0]
    if scheme == "sqlite":
        path = parsed.path[1:] if parsed.path.startswith("//") else parsed.path
        path = url.split("sqlite:///", 1)[1] if url.startswith("sqlite:///") else path
        engine = PooledSqliteDatabase if read_only else GatedSqliteDatabase
        return engine(
            path, pragmas=REPLICA_PRAGMAS if read_only else SQLITE_PRAGMAS,
            lock_type="DEFERRED" if read_only else "IMMEDIATE",
            max_connections=32, stale_timeout=300, timeout=10,
            check_same_thread=False)
    if scheme in ("postgres", "postgresql"):
        extra = {"options": "-c default_transaction_read_only=on"} if read_only else {}
        return PooledPostgresqlDatabase(
            parsed.path.lstrip("/"), user=parsed.username, password=parsed.password,
            host=parsed.hostname, port=parsed.port or 5432,
            max_connections=32, stale_timeout=300, **extra)
    raise ValueError(f"unsupported DATABASE_URL scheme: {parsed.scheme}")


def bind_database(url: str, replica_url: str | None = None):
    """Point the proxies at real databases (called by the factory and CLI)."""
    database = make_database(url)
    db.initialize(database)
    replica.initialize(make_database(replica_url, read_only=True) if replica_url
                       else database)
    return database


def has_replica() -> bool:
    return replica.obj is not None and replica.obj is not db.obj


@contextmanager
def reading():
    """The database a public lookup reads from, for the duration of the block: the
    replica when one is configured (a pooled read-only connection, returned after the
    block), else the primary on the request's own connection."""
    if not has_replica():
        yield db.obj
        return
    with replica.obj.connection_context():
        yield replica.obj


def is_sqlite() -> bool:
    return isinstance(db.obj, PooledSqliteDatabase)


_local = threading.local()


@contextmanager
def transaction():
    """One unit of work. Callbacks queued with `after_commit` run once the
    outermost transaction has committed, never on rollback, so a task is
    never enqueued for a change that did not happen."""
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    stack.append([])
    try:
        with db.atomic():
            yield
    except BaseException:
        stack.pop()
        raise
    callbacks = stack.pop()
    if stack:
        stack[-1].extend(callbacks)
        return
    for callback in callbacks:
        callback()


def after_commit(callback):
    """Run `callback` after the current transaction commits (now if none)."""
    stack = getattr(_local, "stack", None)
    if stack:
        stack[-1].append(callback)
    else:
        callback()
