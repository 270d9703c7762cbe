"""ISP bulk import of N filings (default 100,000) on SQLite, against plain executemany.

    .venv/bin/python bench/import_bench.py                 # 100,000 filings
    .venv/bin/python bench/import_bench.py --rows 20000 --no-verify

Builds a fresh instance in a temp folder through the app factory (migrated, one ISP
and its operator), writes N valid filings (one website each) as a CSV import file in
the documented format, and times `run_import`: the dry run (validation only) and the
import. Baseline, same run: the rows the import wrote (account, application,
lookup_key, application_isp, audit_event, outbox_message) copied out and inserted with
plain sqlite3 `executemany` into a copy of the database as it was before the import, in
one transaction, with the portal's pragmas.

All or nothing, before the import, on the same database: the file with a bad domain on
row N-1 (found by validation), and the file whose row N-1 username is taken by another
account between validation and writing (the unique index refuses it mid-write): every
table's row count must be unchanged.
"""
import argparse
import csv
import io
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import print_table

TARGET_RATE, TARGET_RATIO = 10_000, 0.20
TABLES = ("account", "application", "lookup_key", "application_isp", "audit_event",
          "outbox_message")
FIRST = 1_000_000        # the first generated customer number


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="filings in the file")
    parser.add_argument("--instance", help="instance folder (default: a new temp folder)")
    parser.add_argument("--no-verify", action="store_true",
                        help="skip walking the audit chain after the import")
    parser.add_argument("--no-results", action="store_true", help="don't log results.jsonl")
    return parser.parse_args(argv)


# -- the instance and the file ----------------------------------------------------

def make_instance(folder: Path):
    """A migrated instance with one ISP and its operator; returns (app, isp, operator)."""
    from portal import create_app
    from portal.db import db, transaction
    from portal.migrate import apply_migrations
    from portal.models import Account, IspOrganisation
    from portal.setup_instance import init_instance
    app = create_app({"INSTANCE_PATH": str(folder),
                      "DATABASE_URL": f"sqlite:///{folder / 'portal.db'}"})
    app.app_context().push()
    apply_migrations()
    db.connect(reuse_if_open=True)
    init_instance("山西", "晋", "山西省通信管理局", "admin", "Admin-pass-2026")
    with transaction():
        isp = IspOrganisation.create(name="基准测试接入商")
        operator = Account.create(username="bench-operator", tenant="isp", role="operator",
                                  organisation=isp, password_hash="unused")
    return app, isp, operator


def to_csv(rows: list[dict]) -> bytes:
    from portal.services.import_format import COLUMNS
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


# -- measuring ------------------------------------------------------------------------

def counts(path: Path) -> dict:
    with sqlite3.connect(path) as conn:
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in TABLES}


CPU = {}   # what timed() measured last, in CPU seconds of this process


def timed(call):
    """(result, wall seconds); the CPU seconds go to CPU["last"]."""
    started, cpu = time.perf_counter(), time.process_time()
    result = call()
    CPU["last"] = time.process_time() - cpu
    return result, time.perf_counter() - started


def snapshot(path: Path, copy: Path) -> None:
    """A consistent copy of the live database (WAL included)."""
    with sqlite3.connect(path) as source, sqlite3.connect(copy) as target:
        source.backup(target)


def written_rows(path: Path, before: dict) -> dict:
    """table → (columns, rows) of every row the import added."""
    found = {}
    with sqlite3.connect(path) as conn:
        for table in TABLES:
            cursor = conn.execute(f'SELECT * FROM "{table}" WHERE id > ? ORDER BY id',
                                  (before[table],))
            found[table] = ([d[0] for d in cursor.description], cursor.fetchall())
    return found


def top_ids(path: Path) -> dict:
    with sqlite3.connect(path) as conn:
        return {t: conn.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{t}"').fetchone()[0]
                for t in TABLES}


def executemany_baseline(copy: Path, rows: dict) -> float:
    """Seconds to insert `rows` with plain executemany, one transaction, portal pragmas."""
    from portal.db import SQLITE_PRAGMAS
    conn = sqlite3.connect(copy, isolation_level=None)
    for name, value in SQLITE_PRAGMAS.items():
        conn.execute(f"PRAGMA {name} = {value}")
    def insert():
        conn.execute("BEGIN IMMEDIATE")
        for table in TABLES:
            columns, values = rows[table]
            names = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" * len(columns))
            conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', values)
        conn.execute("COMMIT")

    _, elapsed = timed(insert)
    conn.close()
    return elapsed


# -- all or nothing ---------------------------------------------------------------------

def bad_domain_check(isp, operator, rows: list[dict], path: Path) -> tuple[bool, str]:
    """Row N-1 with an invalid domain: rejected, nothing written."""
    from portal.services import imports
    bad = list(rows)
    bad[-2] = {**bad[-2], "website_domains": "bad..example"}
    before = counts(path)
    report, seconds = timed(lambda: imports.run_import(isp.id, operator, to_csv(bad), "csv",
                                                       dry_run=False))
    where = sorted({(e["row"], e["field"]) for e in report.errors})
    same = counts(path) == before and report.created == 0
    return same, f"errors at {where[:3]}, rejected in {seconds:.1f} s"


def race_check(isp, operator, rows: list[dict], path: Path) -> tuple[bool, str]:
    """Row N-1's username taken by another account after validation: the account insert
    fails at that row (IntegrityError), everything before it is rolled back."""
    from portal.db import transaction
    from portal.models import Account
    from portal.services import imports
    username = rows[-2]["username"]
    real = imports.validate_rows

    def validate_then_race(*args, **kwargs):
        result = real(*args, **kwargs)
        with transaction():
            Account.create(username=username, tenant="public", password_hash="x")
        return result

    imports.validate_rows = validate_then_race
    try:
        before = counts(path)
        report, seconds = timed(lambda: imports.run_import(isp.id, operator, to_csv(rows),
                                                           "csv", dry_run=False))
        after = counts(path)
    finally:
        imports.validate_rows = real
        with transaction():
            Account.delete().where(Account.username == username).execute()
    before["account"] += 1                       # the racing account itself
    same = after == before and report.created == 0
    where = [(e["row"], e["field"]) for e in report.errors][:3]
    return same, f"errors {where}, rolled back in {seconds:.1f} s"


# -- the run ---------------------------------------------------------------------------

def main(argv=None) -> int:
    args = parse_args(argv)
    folder = Path(args.instance or tempfile.mkdtemp(prefix="import-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    _app, isp, operator = make_instance(folder)
    path, copy = folder / "portal.db", folder / "baseline.db"
    from portal.sample_data import import_row
    rows = [import_row(FIRST + i) for i in range(args.rows)]
    data = to_csv(rows)
    print(f"{args.rows} filings, {len(data) / 1e6:.1f} MB of CSV, instance {folder}")
    from portal.services import imports
    whole = bad_domain_check(isp, operator, rows, path)
    print(f"bad domain on row {args.rows - 1}: {'nothing written' if whole[0] else 'WRITTEN'}"
          f" ({whole[1]})")
    race = race_check(isp, operator, rows, path)
    print(f"username of row {args.rows - 1} taken meanwhile: "
          f"{'nothing written' if race[0] else 'WRITTEN'} ({race[1]})")
    dry, dry_seconds = timed(lambda: imports.run_import(isp.id, operator, data, "csv"))
    print(f"dry run: {dry_seconds:.1f} s (CPU {CPU['last']:.1f} s), {len(dry.errors)} errors")
    snapshot(path, copy)
    before = top_ids(path)
    report, seconds = timed(lambda: imports.run_import(isp.id, operator, data, "csv",
                                                       dry_run=False))
    if not report.ok or report.created != args.rows:
        print(f"import failed: {report.errors[:5]}")
        return 1
    import_cpu = CPU["last"]
    print(f"import: {seconds:.1f} s (CPU {import_cpu:.1f} s); peak memory "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if not args.no_verify:
        from portal.audit import verify_chain
        chain = verify_chain()
        print(f"audit chain: {'verifies' if chain.ok else chain.problem} ({chain.checked} events)")
    added = written_rows(path, before)
    print("rows written: " + ", ".join(f"{t} {len(added[t][1])}" for t in TABLES))
    base_seconds = executemany_baseline(copy, added)
    rate, base_rate = args.rows / seconds, args.rows / base_seconds
    print(f"executemany of the same rows: {base_seconds:.1f} s (CPU {CPU['last']:.1f} s); "
          f"CPU-time ratio {CPU['last'] / import_cpu:.2f}")
    print_table([
        {"figure": f"import of {args.rows:,} filings (SQLite), filings/s",
         "target": f">= {TARGET_RATE:,}/s", "measured": round(rate), "baseline": round(base_rate),
         "ratio": round(rate / base_rate, 3), "ok": rate >= TARGET_RATE},
        {"figure": "import vs plain executemany of its rows", "target": f">= {TARGET_RATIO:.0%}",
         "measured": round(rate), "baseline": round(base_rate),
         "ratio": round(rate / base_rate, 3), "ok": rate / base_rate >= TARGET_RATIO},
        {"figure": "dry run (validation only), filings/s", "target": "-",
         "measured": round(args.rows / dry_seconds), "baseline": round(base_rate),
         "ratio": round(args.rows / dry_seconds / base_rate, 3), "ok": None},
        {"figure": f"all or nothing: bad domain on row {args.rows - 1}",
         "target": "no row written", "measured": "none" if whole[0] else "some",
         "ok": whole[0]},
        {"figure": f"all or nothing: row {args.rows - 1}'s username taken mid-import",
         "target": "no row written", "measured": "none" if race[0] else "some", "ok": race[0]},
    ], script="import_bench", results=not args.no_results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
