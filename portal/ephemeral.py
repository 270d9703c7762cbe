"""Short-lived shared state kept out of the main database's write path: token buckets
(rate limits, login throttles) and single-use values (captchas). One SQLite file in
the instance folder on the embedded default, Redis when LIMITS_URL names one. Every
worker process sees the same state."""
import sqlite3
import threading
import time

_state = {"store": None}


class SqliteStore:
    def __init__(self, path: str):
        self.path = path
        self.local = threading.local()
        with self._connect() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS bucket (key TEXT PRIMARY KEY, "
                         "tokens REAL NOT NULL, stamp REAL NOT NULL)")
            conn.execute("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT, "
                         "expires REAL NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA journal_mode=wal")
            conn.execute("PRAGMA synchronous=normal")
            self.local.conn = conn
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
        def work(conn):
            now = time.time()
            row = conn.execute("SELECT tokens, stamp FROM bucket WHERE key=?", (key,)).fetchone()
            tokens = burst if row is None else min(burst, row[0] + (now - row[1]) * rate)
            allowed = tokens >= cost
            if allowed:
                tokens -= cost
            conn.execute("INSERT OR REPLACE INTO bucket VALUES (?, ?, ?)", (key, tokens, now))
            return allowed, 0.0 if allowed else (cost - tokens) / rate
        return self._immediate(work)

    def tokens(self, key: str, rate: float, burst: int) -> float:
        """Tokens available now, without taking any."""
        row = self._connect().execute("SELECT tokens, stamp FROM bucket WHERE key=?",
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
        self._immediate(lambda c: (c.execute("DELETE FROM bucket"), c.execute("DELETE FROM kv")))


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
