"""The guard that fails any portal write outside BEGIN IMMEDIATE (tests/write_guard.py)
catches what it must and only that. Code 'in the portal' is compiled under a file name
inside portal/ so the guard attributes it as it would a real module."""
import os
import sqlite3

import pytest

from portal.db import db
from tests.write_guard import ROOT, WriteGuard

PORTAL_FILE = os.path.join(ROOT, "portal", "guard_probe.py")


def portal_code(source: str) -> dict:
    namespace = {}
    exec(compile(source, PORTAL_FILE, "exec"), namespace)
    return namespace


def _conn(tmp_path):
    conn = sqlite3.connect(tmp_path / "g.db", isolation_level=None)
    conn.execute("CREATE TABLE t (x INTEGER)")
    return conn


RUN = portal_code("def run(conn, *sql):\n    for s in sql:\n        conn.execute(s)\n")["run"]


def test_autocommit_write_is_caught(tmp_path):
    conn, guard = _conn(tmp_path), WriteGuard()
    guard.watch(conn)
    RUN(conn, "INSERT INTO t VALUES (1)")
    assert [v[0] for v in guard.violations] == ["autocommit"]
    assert guard.violations[0][2].startswith("portal/guard_probe.py:")


def test_deferred_transaction_write_is_caught(tmp_path):
    conn, guard = _conn(tmp_path), WriteGuard()
    guard.watch(conn)
    RUN(conn, "BEGIN", "SELECT * FROM t", "UPDATE t SET x = 2", "COMMIT")
    assert [v[0] for v in guard.violations] == ["BEGIN"]


def test_immediate_transaction_and_savepoints_pass(tmp_path):
    conn, guard = _conn(tmp_path), WriteGuard()
    guard.watch(conn)
    RUN(conn, "BEGIN IMMEDIATE", "SAVEPOINT a", "INSERT INTO t VALUES (1)",
        "ROLLBACK TO SAVEPOINT a", "DELETE FROM t", "RELEASE SAVEPOINT a", "COMMIT")
    RUN(conn, "SELECT * FROM t")
    assert guard.violations == []
    RUN(conn, "DELETE FROM t")   # after COMMIT the connection is back in autocommit
    assert len(guard.violations) == 1


def test_writes_by_test_code_are_not_the_portals(tmp_path):
    conn, guard = _conn(tmp_path), WriteGuard()
    guard.watch(conn)
    conn.execute("INSERT INTO t VALUES (1)")
    assert guard.violations == []


@pytest.mark.sqlite_only
def test_installed_on_the_apps_database(app):
    guard = WriteGuard().install(db.obj)
    probe = portal_code(
        "def write(db, atomic):\n"
        "    if atomic:\n"
        "        with db.atomic():\n"
        "            db.execute_sql('UPDATE instance_settings SET id = id')\n"
        "    else:\n"
        "        db.execute_sql('UPDATE instance_settings SET id = id')\n")["write"]
    db.close()
    with db.connection_context():
        probe(db, True)
        assert guard.violations == []
        probe(db, False)
    assert len(guard.violations) == 1
