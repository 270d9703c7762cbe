"""Conflict check of a 10-domain application against the 1 M set.

    .venv/bin/python bench/conflict.py                     # the 1 M SQLite set (bench/make_data.py)
    .venv/bin/python bench/conflict.py --proposals 500 --database-url postgresql://...

Builds --proposals first filings of 10 domains each (--hits of them taken from live
records, the rest new; a new subject name and certificate number; the homepage on the
first domain) and times `find_conflicts` for each, in process, after one warm-up pass:
median and p95. Baseline, same run: one indexed point lookup of a LookupKey (key,
value) per call, median over the same number of calls. For comparison, a few calls of
the row-value `(key, value) IN ((?, ?), ...)` query the check used before (SQLite scans
the whole table for it; --before 0 skips it).
"""
import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import DATA, print_table  # noqa: E402

DEFAULT_DB = DATA / "portal-1000000.db"
TARGET_MS = 5.0
DOMAINS = 10


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=f"sqlite:///{DEFAULT_DB}")
    parser.add_argument("--samples", help="sample keys (JSON); default: next to the database")
    parser.add_argument("--proposals", type=int, default=200)
    parser.add_argument("--hits", type=int, default=3, help="existing domains per proposal")
    parser.add_argument("--before", type=int, default=3,
                        help="calls of the old row-value query (slow on SQLite)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-results", action="store_true", help="don't log results.jsonl")
    return parser.parse_args(argv)


def live_domains(args, count: int) -> list[str]:
    """Domains of live records: from the sample file, else from the database."""
    path = Path(args.samples) if args.samples else None
    if path is None and args.database_url.startswith("sqlite:///"):
        path = Path(args.database_url.split("sqlite:///", 1)[1]).with_suffix(".json")
    if path is not None and path.exists():
        data = json.loads(path.read_text())
        data = data.get("samples", data)
        found = data.get("domains") or data.get("domain") or []
        if len(found) >= 50:
            return list(found)
    from portal.models import LookupKey
    top = LookupKey.select(LookupKey.id).order_by(LookupKey.id.desc()).limit(1).scalar() or 0
    ids = random.Random(args.seed).sample(range(1, top + 1), min(top, count * 4))
    return [v for (v,) in LookupKey.select(LookupKey.value).where(
        LookupKey.id.in_(ids), LookupKey.key == "domain",
        LookupKey.application.is_null()).tuples()][:count]


def proposals(args, domains: list[str]) -> list[dict]:
    rnd = random.Random(args.seed)
    built = []
    for n in range(args.proposals):
        mine = [f"bench-new-{n}-{i}.example.cn" for i in range(DOMAINS - args.hits)]
        chosen = rnd.sample(domains, args.hits) + mine
        rnd.shuffle(chosen)
        built.append({"subject": {"name": f"基准测试新主体{n}有限公司",
                                  "cert_number": f"91BENCH{n:011d}"},
                      "services": [{"name": f"基准测试网站{n}", "domains": chosen,
                                    "homepage": f"http://{chosen[0]}/"}]})
    return built


def time_calls(calls) -> list[float]:
    times = []
    for call in calls:
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return sorted(times)


def p95(times: list[float]) -> float:
    return times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]


def old_query(account_id: int, proposal: dict):
    """The check as it was: a row-value IN over (key, value)."""
    from peewee import Tuple

    from portal.models import Account, LookupKey
    from portal.services.lookup_keys import CONFLICT_KEYS, proposal_keys
    pairs = [(k, v) for k, v in proposal_keys(proposal) if k in CONFLICT_KEYS]
    return list(LookupKey.select(LookupKey.key, LookupKey.value, Account.username)
                .join(Account, on=(LookupKey.account == Account.id))
                .where(Tuple(LookupKey.key, LookupKey.value).in_(pairs),
                       LookupKey.account != account_id).order_by(LookupKey.id).dicts())


def measure(args) -> list[dict]:
    from portal.models import LookupKey
    from portal.services.conflicts import find_conflicts
    domains = live_domains(args, max(1000, args.proposals * args.hits))
    if len(domains) < args.hits:
        sys.exit("no live domains in the data set")
    built = proposals(args, domains)
    account_id = 0                                    # no one: every held key is a hit
    found = [find_conflicts(account_id, p) for p in built]          # warm-up
    hits = [sum(1 for c in f if c["key"] == "domain") for f in found]
    print(f"  {len(built)} proposals of {DOMAINS} domains ({args.hits} held by live records):"
          f" {min(hits)}..{max(hits)} domain hits each")
    times = time_calls([lambda p=p: find_conflicts(account_id, p) for p in built])
    probe = [lambda d=d: LookupKey.select(LookupKey.id).where(
        LookupKey.key == "domain", LookupKey.value == d).limit(1).scalar()
        for d in (domains * 2)[:len(built)]]
    time_calls(probe)                                                # warm-up
    base = statistics.median(time_calls(probe))
    median = statistics.median(times)
    print(f"  find_conflicts: median {median:.2f} ms, p95 {p95(times):.2f} ms, "
          f"max {times[-1]:.2f} ms; point lookup {base:.3f} ms")
    rows = [{"figure": "conflict check, 10 domains, median", "target": f"<= {TARGET_MS:.0f} ms",
             "measured": median, "unit": "ms", "baseline": base, "ratio": median / base,
             "ok": median <= TARGET_MS},
            {"figure": "conflict check, 10 domains, p95", "target": "-", "measured": p95(times),
             "unit": "ms", "baseline": base, "ratio": p95(times) / base, "ok": None}]
    if args.before:
        old = statistics.median(time_calls([lambda p=p: old_query(account_id, p)
                                            for p in built[:args.before]]))
        print(f"  (before) row-value IN: median {old:.1f} ms over {args.before} calls")
        rows.append({"figure": "(before) row-value IN, median", "target": "-", "measured": old,
                     "unit": "ms", "baseline": base, "ratio": old / base, "ok": None})
    return rows


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.hits > DOMAINS:
        sys.exit(f"--hits is at most {DOMAINS}")
    if args.database_url.startswith("sqlite:///"):
        path = Path(args.database_url.split("sqlite:///", 1)[1])
        if not path.exists():
            sys.exit(f"{path} does not exist: build it with bench/make_data.py")
    from portal import create_app
    from portal.db import db
    print(f"conflict check on {args.database_url}")
    with tempfile.TemporaryDirectory(prefix="bench-conflict-") as instance:
        app = create_app({"DATABASE_URL": args.database_url, "INSTANCE_PATH": instance,
                          "SECRET_KEY": "bench-secret-key-0123456789abcdef",
                          "HUEY_URL": "memory://"})
        with app.app_context(), db.connection_context():
            rows = measure(args)
    print()
    print_table(rows, script="conflict", results=not args.no_results)
    return 0 if all(r["ok"] is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
