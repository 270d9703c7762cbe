"""SQLite writers take turns through a lock file beside the database (portal/write_gate.py)."""
import fcntl
import os
import threading
import time

import pytest
from peewee import OperationalError

from portal.db import make_database
from portal.write_gate import GatedSqliteDatabase, WriteGate

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def database(tmp_path):
    database = make_database(f"sqlite:///{tmp_path / 'gate.db'}")
    database.execute_sql("CREATE TABLE t (n INTEGER)")
    yield database
    database.close_all()


def gate_is_free(database) -> bool:
    """Probe the gate from a descriptor of our own, without waiting."""
    fd = os.open(database.gate.path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def test_the_primary_is_gated_and_the_replica_is_not(tmp_path):
    primary = make_database(f"sqlite:///{tmp_path / 'p.db'}")
    replica = make_database(f"sqlite:///{tmp_path / 'p.db'}", read_only=True)
    assert isinstance(primary, GatedSqliteDatabase)
    assert primary.gate.path == f"{tmp_path / 'p.db'}-writer"
    assert not isinstance(replica, GatedSqliteDatabase)


def test_a_transaction_holds_the_gate_until_commit(database):
    with database.atomic():
        database.execute_sql("INSERT INTO t VALUES (1)")
        assert not gate_is_free(database)
        with database.atomic():            # a savepoint takes nothing more
            database.execute_sql("INSERT INTO t VALUES (2)")
        assert not gate_is_free(database)
    assert gate_is_free(database)


def test_a_rolled_back_transaction_frees_the_gate(database):
    with pytest.raises(RuntimeError), database.atomic():
        database.execute_sql("INSERT INTO t VALUES (1)")
        raise RuntimeError("refused")
    assert gate_is_free(database)
    assert database.execute_sql("SELECT COUNT(*) FROM t").fetchone() == (0,)


def test_a_failed_begin_frees_the_gate(database):
    database.connect(reuse_if_open=True)
    database.execute_sql("BEGIN")                # a transaction is already open
    with pytest.raises(OperationalError):
        database.begin()
    database.execute_sql("ROLLBACK")
    assert gate_is_free(database)


def test_a_second_writer_waits_for_the_first_to_commit(database):
    """Two threads, two descriptors: the second BEGIN starts only after the first
    COMMIT, and both rows land."""
    order, holding = [], threading.Event()

    def first():
        with database.atomic():
            database.execute_sql("INSERT INTO t VALUES (1)")
            holding.set()
            time.sleep(0.3)
            order.append("first commits")

    def second():
        holding.wait()
        with database.atomic():
            order.append("second begins")
            database.execute_sql("INSERT INTO t VALUES (2)")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert order == ["first commits", "second begins"]
    assert database.execute_sql("SELECT COUNT(*) FROM t").fetchone() == (2,)


def test_a_writer_gives_up_after_the_timeout_as_sqlite_would(tmp_path):
    """A stuck holder cannot hang every other writer: "database is locked" after the
    timeout, and the waiter holds nothing afterwards."""
    path = str(tmp_path / "gate")
    holder, waiter = WriteGate(path), WriteGate(path, timeout=0.2)
    holder.acquire()
    started = time.monotonic()
    result = {}

    def wait():
        try:
            waiter.acquire()
        except OperationalError as exc:
            result["error"] = str(exc)

    thread = threading.Thread(target=wait)
    thread.start()
    thread.join(timeout=10)
    assert "database is locked" in result["error"]
    assert 0.2 <= time.monotonic() - started < 5
    holder.release()
    waiter.acquire()                     # free now
    waiter.release()
