"""Mixed load: write transactions (submissions, verifications, approvals) beside the full
public lookup load, on the embedded default (SQLite in WAL mode, SqliteHuey).

    .venv/bin/python bench/mixed.py                 # a copy of the 1 M set, 4 workers, 60 s

gunicorn runs 4 sync workers and the task consumer (`flask worker`) runs beside it, on a
copy of the data set (the original is left as it was). Three kinds of write go through
the real routes, each one write transaction with its audit entry and outgoing messages:

- submission: an ISP files a first filing for its customer (POST /api/v1/isp/applications);
- verification: the ISP verifies a submitted application (POST .../applications/<id>/verify);
- approval: a reviewer approves an application in review (POST /bureau/applications/<id>/approve).

Writes run closed-loop (8 in flight, as fast as they commit) while the lookup load runs
closed-loop at full speed, both sized to last about --seconds. A write counts only when the database shows its effect afterwards (an answer
alone could be a polite refusal), so the figure is committed write transactions per
second. Every 5xx answer and every "database is locked" line in the server or consumer
logs is counted. The baseline is the write rate the same routes reach with no lookup load.
"""
import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (DATA, closed_loop, print_table,  # noqa: E402
                           request, serve, start_consumer, stop_process)

DEFAULT_DB = DATA / "portal-1000000.db"
SECRET = "bench-secret-key-0123456789abcdef"
TARGET_WPS = 300


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(DEFAULT_DB), help="SQLite data set to copy")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=TARGET_WPS,
                        help="writes prepared per second of the run (an upper bound)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--lookup-concurrency", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the copy and the logs")
    parser.add_argument("--no-results", action="store_true")
    return parser.parse_args(argv)


# --------------------------------------------------------------------------- setup

def copy_data(source: Path, folder: Path) -> Path:
    """A private copy of the data set (WAL checkpointed first, so one file is enough)."""
    import sqlite3
    with sqlite3.connect(source) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    target = folder / "portal.db"
    shutil.copyfile(source, target)
    return target


def portal_env(folder: Path) -> dict:
    return {"DATABASE_URL": f"sqlite:///{folder / 'portal.db'}",
            "HUEY_URL": f"sqlite:///{folder / 'huey.db'}", "INSTANCE_PATH": str(folder),
            "SIGNING_KEY_PATH": str(folder / "signing_key.pem"), "SECRET_KEY": SECRET,
            "TRUSTED_PROXIES": "1", "FLASK_APP": "wsgi"}


def prepare(folder: Path, writes_each: int) -> dict:
    """In-process: a signing key, write tokens, customers, a reviewer session; returns the
    prebuilt request bytes of each write kind and what the database held before."""
    env = portal_env(folder)
    os.environ.update(env)
    from portal import create_app
    from portal.db import db
    app = create_app({"DATABASE_URL": env["DATABASE_URL"], "HUEY_URL": env["HUEY_URL"],
                      "INSTANCE_PATH": str(folder), "SECRET_KEY": SECRET,
                      "SIGNING_KEY_PATH": env["SIGNING_KEY_PATH"]})
    from bench.mixed_setup import build_writes
    with app.app_context():
        db.connect(reuse_if_open=True)
        try:
            plan = build_writes(app, writes_each)
        finally:
            db.close()
    db.obj.close_all()
    return plan


# --------------------------------------------------------------------------- run

def lookup_requests(folder: Path, count: int = 400, copies: int = 20) -> list[bytes]:
    """Each request from its own client address (as behind a load balancer), so the
    per-address rate limit does its work without refusing the load."""
    from bench.mixed_setup import lookup_paths
    paths = lookup_paths(folder / "portal.db", count) * copies
    return [request(path, headers={"X-Forwarded-For": f"10.{i // 62500}.{i // 250 % 250}."
                                                      f"{i % 250 + 1}"})
            for i, path in enumerate(paths)]


def run_mixed(server, writes, lookups, seconds, concurrency, write_rate):
    """Writes closed-loop (as fast as they commit) in one thread, lookups closed-loop
    in another, both sized from probes to last about `seconds`."""
    probe = closed_loop(server, lookups, total=600, concurrency=concurrency)
    lookup_total = max(int(probe.rps * seconds), 1000)
    writes = writes[:max(int(write_rate * seconds), 300)]
    results = {}

    def lookups_thread():
        results["lookups"] = closed_loop(server, lookups, total=lookup_total,
                                         concurrency=concurrency)
    thread = threading.Thread(target=lookups_thread)
    thread.start()
    results["writes"] = closed_loop(server, writes, total=len(writes), concurrency=8)
    thread.join()
    return results["writes"], results["lookups"]


def count_locked(*paths: Path) -> int:
    pattern = re.compile(r"database is locked")
    return sum(len(pattern.findall(p.read_text(errors="replace"))) for p in paths if p.exists())


def five_xx(run) -> int:
    return sum(n for status, n in run.statuses.items() if isinstance(status, int) and status >= 500)


def main(argv=None) -> int:
    args = parse_args(argv)
    source = Path(args.data)
    if not source.exists():
        print(f"no data set at {source}: run bench/make_data.py first", file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="bench-mixed-"))
    try:
        return measure(args, source, folder)
    finally:
        if args.keep:
            print(f"kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def measure(args, source: Path, folder: Path) -> int:
    from bench.mixed_setup import committed_writes
    started = time.monotonic()
    copy_data(source, folder)
    total = int(args.rate * args.seconds)
    baseline_total = 600
    plan = prepare(folder, (total + baseline_total) // 3 + 1)
    writes = plan["requests"]
    base_writes, mixed_writes = writes[:baseline_total], writes[baseline_total:][:total]
    lookups = lookup_requests(folder)
    print(f"setup {time.monotonic() - started:.0f} s: up to {len(mixed_writes)} writes beside "
          f"lookups, {args.workers} workers + consumer", flush=True)
    server_log, consumer_log = folder / "gunicorn.log", folder / "consumer.log"
    with open(consumer_log, "w") as log:
        consumer = start_consumer({**os.environ, **portal_env(folder)}, log)
        try:
            options = {"errorlog": str(server_log), "capture_output": True, "max_requests": 0}
            with serve("wsgi:app", workers=args.workers, env=portal_env(folder),
                       options=options) as server:
                before = committed_writes(folder / "portal.db", plan)
                base = closed_loop(server, base_writes, total=len(base_writes), concurrency=8)
                middle = committed_writes(folder / "portal.db", plan)
                base_wps = (middle - before) / base.duration
                write_run, lookup_run = run_mixed(server, mixed_writes, lookups, args.seconds,
                                                  args.lookup_concurrency, base_wps)
                after = committed_writes(folder / "portal.db", plan)
        finally:
            stop_process(consumer, timeout=60)   # SIGINT: running tasks finish
    mixed_wps = (after - middle) / write_run.duration
    locked = count_locked(server_log, consumer_log)
    errors = five_xx(write_run) + five_xx(lookup_run) + five_xx(base)
    print(f"writes: sent {write_run.count} in {write_run.duration:.1f} s, committed "
          f"{after - middle}; statuses {dict(write_run.statuses)}; p95 {write_run.p95_ms:.1f} ms")
    print(f"lookups beside them: {lookup_run.rps:.0f}/s, statuses {dict(lookup_run.statuses)}")
    print(f"writes alone (baseline): {base_wps:.0f}/s committed, statuses {dict(base.statuses)}")
    rows = [
        {"figure": "mixed: committed writes/s beside full lookup load", "target": ">= 300/s",
         "measured": mixed_wps, "baseline": base_wps,
         "ratio": mixed_wps / base_wps if base_wps else None, "ok": mixed_wps >= TARGET_WPS},
        {"figure": "mixed: 'database is locked' (server + consumer logs)", "target": "0",
         "measured": locked, "baseline": None, "ratio": None, "ok": locked == 0},
        {"figure": "mixed: 5xx answers", "target": "0", "measured": errors, "baseline": None,
         "ratio": None, "ok": errors == 0},
        {"figure": "mixed: lookups/s beside the writes", "target": "-",
         "measured": lookup_run.rps, "baseline": None, "ratio": None, "ok": None},
    ]
    print_table(rows, script="mixed", results=not args.no_results)
    if args.keep:
        print(json.dumps({"server_log": str(server_log), "consumer_log": str(consumer_log)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
