"""The statement recorder of the route-audit tests: on SQLite it follows every statement
of the portal's connections (the connection's trace callback, as tests/write_guard.py
does) and groups a request's writes by transaction, noting the audit head each
transaction leaves, so tests/route_audit_support.py can tell which transaction wrote
which audit events."""
import re
from dataclasses import dataclass, field

import pytest

from portal.db import db, is_sqlite
from tests.route_audit_support import BOOKKEEPING
from tests.write_guard import WRITES, portal_frame

WRITE_RE = re.compile(r'^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|'
                      r'UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
SET_RE = re.compile(r'\bSET\s+(.*?)\s+WHERE\b', re.IGNORECASE | re.DOTALL)
COLUMN_RE = re.compile(r'(?:^|,\s*)"(\w+)"\s*=')
HEAD_RE = re.compile(r'^\s*UPDATE\s+"audit_head"\s+SET\s+"seq"\s*=\s*(\d+)', re.IGNORECASE)


@dataclass
class Transaction:
    begin: str
    tables: set = field(default_factory=set)
    head_seq: int | None = None     # the audit head after this transaction's events


class Recorder:
    """Follows every statement on the portal's SQLite connections. While `recording`, it
    groups writes into transactions; always, like tests/write_guard.py (whose trace
    callback this one replaces on the connections it watches), it records portal writes
    outside BEGIN IMMEDIATE."""

    def __init__(self):
        self.recording, self.transactions, self.violations = False, [], []
        self._open = None

    def install(self, database):
        original = database._initialize_connection

        def initialize(conn):
            original(conn)
            conn.set_trace_callback(self._trace)
        database._initialize_connection = initialize
        if not db.is_closed():
            db.close()
        database.close_all()      # connections opened before are watched from now on
        return self

    def _trace(self, sql):
        words = sql.lstrip().split(None, 2)
        head = words[0].upper() if words else ""
        if head == "BEGIN":
            self._open = Transaction(" ".join(w.upper() for w in words[:2]))
        elif head in ("COMMIT", "END"):
            if self.recording and self._open is not None:
                self.transactions.append(self._open)
            self._open = None
        elif head == "ROLLBACK" and "TO" not in sql.upper():
            self._open = None
        elif head in WRITES:
            if self._open is None or self._open.begin != "BEGIN IMMEDIATE":
                where = portal_frame()   # called from here: the same frame depth as the guard's
                if where:
                    self.violations.append((sql[:120], where))
            self._see_write(sql)

    def _see_write(self, sql):
        if not self.recording:
            return
        match, seq = WRITE_RE.match(sql), HEAD_RE.match(sql)
        tx = self._open
        if tx is None:     # autocommit: a transaction of its own
            tx = Transaction("autocommit")
            self.transactions.append(tx)
        if match and not _bookkeeping_update(match.group(1), sql):
            tx.tables.add(match.group(1))
        if seq:
            tx.head_seq = int(seq.group(1))


def _bookkeeping_update(table: str, sql: str) -> bool:
    """An UPDATE that sets only bookkeeping columns of `table`."""
    found = SET_RE.search(sql) if sql.lstrip()[:6].upper() == "UPDATE" else None
    columns = set(COLUMN_RE.findall(found.group(1))) if found else set()
    return bool(columns) and columns <= BOOKKEEPING.get(table, set())


@pytest.fixture(name="recorder")
def recorder_fixture(app):
    """The statement recorder on SQLite (None on PostgreSQL); fails the test on a portal
    write outside BEGIN IMMEDIATE, as the write guard would."""
    if not is_sqlite():
        yield None
        return
    watching = Recorder().install(db.obj)
    yield watching
    if watching.violations:
        pytest.fail("writes outside BEGIN IMMEDIATE:\n" + "\n".join(
            f"  {sql} at {where}" for sql, where in watching.violations))
