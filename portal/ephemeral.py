"""Short-lived shared state kept out of the main database's write path: token buckets
(rate limits, login throttles) and single-use values (captchas). One SQLite file in
the instance folder on the embedded default, Redis when LIMITS_URL names one. Every
worker process sees the same state."""
import os
import sqlite3
import threading
import time

_state = {"store": None}
_inherited: list = []     # connections a forked child must neither use nor close


# One statement takes a token atomically (an UPSERT writes at its start, so it never
# meets a stale snapshot): the bucket refills at `rate` up to `burst`; `ok` says whether
# `cost` tokens were there; `full_at` is when it will be full again, which is when it is
# the same as no bucket at all and may be purged.
_AVAIL = "MIN(:burst, tokens + (:now - stamp) * :rate)"
_OK = f"({_AVAIL} >= :cost)"
_LEFT = f"({_AVAIL} - {_OK} * :cost)"
TAKE_SQL = f"""
INSERT INTO token_bucket (key, ok, tokens, stamp, full_at)
VALUES (:key, :burst >= :cost, :burst - (:burst >= :cost) * :cost, :now,
        :now + (:burst >= :cost) * :cost / :rate)
ON CONFLICT (key) DO UPDATE SET ok = {_OK}, tokens = {_LEFT}, stamp = :now,
                                full_at = :now + (:burst - {_LEFT}) / :rate
RETURNING ok, tokens"""  # nosec B608 - constant fragments; values are bound
# Seconds between purges of full buckets and expired values, per process. A purge scans
# the table (an index on full_at would cost every take more than the scans cost).
PURGE_EVERY = 60.0


class SqliteStore:
    """Connections are per thread and per process: one made before gunicorn forks its
    workers (preload_app) is never used by them (SQLite connections must not cross a
    fork), and the one creating the tables is closed at once."""

    def __init__(self, path: str):
        self.path = path
        self.local = threading.local()
        self.next_purge = 0.0
        conn = self._open()
        try:
            conn.execute("CREATE TABLE IF NOT EXISTS token_bucket (key TEXT PRIMARY KEY, "
                         "ok INTEGER NOT NULL, tokens REAL NOT NULL, stamp REAL NOT NULL, "
                         "full_at REAL NOT NULL) WITHOUT ROWID")
            conn.execute("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT, "
                         "expires REAL NOT NULL)")
        finally:
            conn.close()

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA journal_mode=wal")
        conn.execute("PRAGMA synchronous=normal")
        return conn

    def _connect(self) -> sqlite3.Connection:
        conn = getattr(self.local, "conn", None)
        if conn is None or self.local.pid != os.getpid():
            if conn is not None:        # inherited through fork: left alone, never closed here
                _inherited.append(conn)
            conn = self.local.conn = self._open()
            self.local.pid = os.getpid()
        return conn

    def _immediate(self, work):
        conn = self._connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = work(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result

    def take(self, key: str, rate: float, burst: int, cost: float = 1.0) -> tuple[bool, float]:
        now = time.time()
        conn = self._connect()
        ok, tokens = conn.execute(TAKE_SQL, {"key": key, "rate": rate, "burst": burst,
                                             "cost": cost, "now": now}).fetchone()
        if now >= self.next_purge:
            self.purge(now)
        return bool(ok), 0.0 if ok else (cost - tokens) / rate

    def purge(self, now: float | None = None) -> None:
        """Forget full buckets (the same as none) and expired values."""
        now = time.time() if now is None else now
        self.next_purge = now + PURGE_EVERY
        self._immediate(lambda c: (
            c.execute("DELETE FROM token_bucket WHERE full_at <= ?", (now,)),
            c.execute("DELETE FROM kv WHERE expires < ?", (now,))))

    def tokens(self, key: str, rate: float, burst: int) -> float:
        """Tokens available now, without taking any."""
        row = self._connect().execute("SELECT tokens, stamp FROM token_bucket WHERE key=?",
                                      (key,)).fetchone()
        return burst if row is None else min(burst, row[0] + (time.time() - row[1]) * rate)

    def put(self, key: str, value: str, ttl: float) -> None:
        self._immediate(lambda c: c.execute("INSERT OR REPLACE INTO kv VALUES (?, ?, ?)",
                                            (key, value, time.time() + ttl)))

    def pop(self, key: str) -> str | None:
        def work(conn):
            row = conn.execute("SELECT value, expires FROM kv WHERE key=?", (key,)).fetchone()
            conn.execute("DELETE FROM kv WHERE key=? OR expires < ?", (key, time.time()))
            return row[0] if row and row[1] >= time.time() else None
        return self._immediate(work)

    def peek(self, key: str) -> str | None:
        row = self._connect().execute("SELECT value, expires FROM kv WHERE key=?",
                                      (key,)).fetchone()
        return row[0] if row and row[1] >= time.time() else None

    def clear(self) -> None:
        self._immediate(lambda c: (c.execute("DELETE FROM token_bucket"),
                                   c.execute("DELETE FROM kv")))


TAKE_SCRIPT = """
local data = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local rate, burst, cost, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local tokens = burst
if data[1] then tokens = math.min(burst, tonumber(data[1]) + (now - tonumber(data[2])) * rate) end
local allowed = 0
if tokens >= cost then tokens = tokens - cost; allowed = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 1)
return {allowed, tostring(tokens)}
"""


class RedisStore:
    def __init__(self, url: str, prefix: str = "portal:"):
        import redis
        self.redis = redis.Redis.from_url(url)
        self.prefix = prefix
        self.script = self.redis.register_script(TAKE_SCRIPT)

    def take(self, key, rate, burst, cost=1.0):
        allowed, tokens = self.script(keys=[self.prefix + "b:" + key],
                                      args=[rate, burst, cost, time.time()])
        return bool(allowed), 0.0 if allowed else (cost - float(tokens)) / rate

    def tokens(self, key, rate, burst):
        data = self.redis.hmget(self.prefix + "b:" + key, "tokens", "stamp")
        if data[0] is None:
            return burst
        return min(burst, float(data[0]) + (time.time() - float(data[1])) * rate)

    def put(self, key, value, ttl):
        self.redis.set(self.prefix + "kv:" + key, value, px=int(ttl * 1000))

    def pop(self, key):
        value = self.redis.getdel(self.prefix + "kv:" + key)
        return value.decode() if value is not None else None

    def peek(self, key):
        value = self.redis.get(self.prefix + "kv:" + key)
        return value.decode() if value is not None else None

    def clear(self):
        for key in self.redis.scan_iter(self.prefix + "*"):
            self.redis.delete(key)


def configure(url_or_path: str) -> None:
    if url_or_path.startswith(("redis://", "rediss://")):
        _state["store"] = RedisStore(url_or_path)
    else:
        _state["store"] = SqliteStore(url_or_path)


def store():
    return _state["store"]
