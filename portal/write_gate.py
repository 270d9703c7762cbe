"""One writer at a time on SQLite, handed over within a millisecond of each commit.

SQLite lets one transaction write at a time. A second `BEGIN IMMEDIATE` waits in
SQLite's busy handler, which sleeps and retries with growing pauses (up to 100 ms), so
under several workers the write lock sits idle between a commit and the next waiter's
wake-up, and latency piles up. Taking an exclusive `flock` on a file beside the
database before `BEGIN IMMEDIATE`, retried every few hundred microseconds, hands the
lock to the next writer within about a millisecond of the commit. The busy timeout
stays as the fallback for writers that don't pass through here (the sqlite3 shell, a
backup).

Each hold opens its own descriptor: flock locks belong to an open file description, so
two threads of one process sharing a descriptor would not exclude each other.
"""
import fcntl
import os
import threading
import time

from peewee import OperationalError
from playhouse.pool import PooledSqliteDatabase


class WriteGate:
    """An inter-process exclusive lock on `path`, held at most once per thread.

    A waiter retries every 0.25 to 2 ms (not SQLite's 25 to 100 ms) and gives up after
    `timeout` seconds with the same "database is locked" error SQLite would raise, so a
    stuck writer cannot hang every other one. The descriptor is opened for each hold and
    closed at release (closing drops the lock), so a process that binds many databases
    keeps no descriptors open."""

    def __init__(self, path: str, timeout: float = 10.0):
        self.path, self.timeout = path, timeout
        self._local = threading.local()

    def acquire(self) -> None:
        if getattr(self._local, "fd", None) is not None:
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            self._wait(fd)
        except BaseException:
            os.close(fd)
            raise
        self._local.fd = fd

    def _wait(self, fd: int) -> None:
        deadline, pause = time.monotonic() + self.timeout, 0.00025
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise OperationalError("database is locked (write gate)") from None
                time.sleep(pause)
                pause = min(pause * 2, 0.002)

    def release(self) -> None:
        fd = getattr(self._local, "fd", None)
        if fd is not None:
            self._local.fd = None
            os.close(fd)


class GatedSqliteDatabase(PooledSqliteDatabase):
    """A pooled SQLite database whose transactions pass through a `WriteGate`."""

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        timeout = kwargs.get("timeout", 10)
        self.gate = (WriteGate(f"{database}-writer", timeout) if database != ":memory:"
                     else None)

    def begin(self, lock_type=None):
        if self.gate is None:
            return super().begin(lock_type)
        self.gate.acquire()
        try:
            super().begin(lock_type)
        except BaseException:
            self.gate.release()
            raise

    def commit(self):
        self._then_release(super().commit)

    def rollback(self):
        self._then_release(super().rollback)

    def _then_release(self, end) -> None:
        """End the transaction; the gate opens whether or not that succeeded."""
        try:
            end()
        finally:
            if self.gate is not None:
                self.gate.release()
