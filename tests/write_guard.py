"""A guard on every SQLite connection of the portal during a test: any INSERT, UPDATE,
DELETE or REPLACE issued by portal code outside a `BEGIN IMMEDIATE` transaction is
recorded, and the test that caused it fails.

Why: under several workers a deferred transaction that reads and then writes fails with
"database is locked", and an autocommit write slips past the transaction that should
carry its audit entry. The portal begins every transaction IMMEDIATE (portal/db.py);
this guard proves no code path writes outside one.

It uses the connection's trace callback (called for each statement as it runs, cached
statements included) to follow BEGIN/COMMIT/ROLLBACK. Writes made directly by test
code (factories preparing data) are not the portal's and are ignored: the innermost
frame of this project decides who wrote.
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(ROOT, "tests") + os.sep
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class WriteGuard:
    def __init__(self):
        self.violations = []

    def watch(self, conn):
        """Install the trace callback on one sqlite3 connection."""
        state = {"begin": None}

        def trace(sql):
            word = sql.lstrip().split(None, 2)
            head = word[0].upper() if word else ""
            if head == "BEGIN":
                state["begin"] = " ".join(w.upper() for w in word[:2])
            elif head in ("COMMIT", "END") or (head == "ROLLBACK" and "TO" not in sql.upper()):
                state["begin"] = None
            elif head in WRITES and state["begin"] != "BEGIN IMMEDIATE":
                where = portal_frame()
                if where:
                    self.violations.append((state["begin"] or "autocommit", sql[:120], where))
        conn.set_trace_callback(trace)

    def install(self, database):
        """Watch every connection `database` (a peewee SqliteDatabase) hands out."""
        original = database._initialize_connection

        def initialize(conn):
            original(conn)
            self.watch(conn)
        database._initialize_connection = initialize
        return self


def portal_frame() -> str | None:
    """'file:line' of the innermost frame in this project outside tests/, or None when the
    write comes from test code (or from a library alone)."""
    frame = sys._getframe(2)
    while frame is not None:
        path = frame.f_code.co_filename
        if path.startswith(ROOT) and ".venv" not in path:
            if path.startswith(TESTS):
                return None
            return f"{os.path.relpath(path, ROOT)}:{frame.f_lineno}"
        frame = frame.f_back
    return None
