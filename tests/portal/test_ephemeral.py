"""The SQLite ephemeral store: token buckets taken in one statement, full buckets and
expired values purged, connections never shared across a fork."""
import pytest

from portal import ephemeral


@pytest.fixture
def store(tmp_path, monkeypatch):
    clock = {"now": 1_000_000.0}
    monkeypatch.setattr(ephemeral.time, "time", lambda: clock["now"])
    made = ephemeral.SqliteStore(str(tmp_path / "limits.db"))
    made.clock = clock
    return made


def test_a_bucket_allows_its_burst_then_refills_at_its_rate(store):
    assert [store.take("k", rate=1.0, burst=3)[0] for _ in range(3)] == [True] * 3
    allowed, wait = store.take("k", rate=1.0, burst=3)
    assert not allowed and wait == pytest.approx(1.0)
    store.clock["now"] += 0.5
    allowed, wait = store.take("k", rate=1.0, burst=3)
    assert not allowed and wait == pytest.approx(0.5)
    store.clock["now"] += 0.5
    assert store.take("k", rate=1.0, burst=3)[0]
    assert store.tokens("k", rate=1.0, burst=3) == pytest.approx(0.0)
    store.clock["now"] += 100
    assert store.tokens("k", rate=1.0, burst=3) == 3       # never above the burst


def test_buckets_are_independent_and_cost_counts(store):
    assert store.take("a", rate=1.0, burst=5, cost=5.0) == (True, 0.0)
    assert not store.take("a", rate=1.0, burst=5)[0]
    assert store.take("b", rate=1.0, burst=5)[0]


def test_purge_forgets_full_buckets_and_expired_values_only(store):
    store.take("refilled", rate=1.0, burst=2)
    store.take("drained", rate=0.01, burst=2)
    store.take("drained", rate=0.01, burst=2)
    store.put("fresh", "1", ttl=600)
    store.put("stale", "2", ttl=1)
    store.clock["now"] += 5
    store.purge()
    conn = store._connect()
    assert [r[0] for r in conn.execute("SELECT key FROM token_bucket")] == ["drained"]
    assert [r[0] for r in conn.execute("SELECT key FROM kv")] == ["fresh"]
    assert not store.take("drained", rate=0.01, burst=2)[0]   # its state survived


def test_takes_purge_now_and_then(store):
    store.take("old", rate=1.0, burst=1)
    store.clock["now"] += ephemeral.PURGE_EVERY + 1
    store.take("new", rate=1.0, burst=1)
    keys = [r[0] for r in store._connect().execute("SELECT key FROM token_bucket")]
    assert keys == ["new"]


def test_a_forked_process_opens_its_own_connection(store):
    first = store._connect()
    store.local.pid = -1            # as if this thread-local state came through fork()
    second = store._connect()
    assert second is not first and first in ephemeral._inherited
    assert store.take("k", rate=1.0, burst=1)[0]
