"""Build a realistic bench data set in its own database (issue 7).

    .venv/bin/python bench/make_data.py [--websites 1000000 --subjects 300000 --isps 50
        --in-flight 100000] [--database-url URL] [--seed 1] [--force]

Default database: sqlite:///bench/.data/portal-<websites>.db, a fresh file (an existing
one is kept unless --force); postgresql://... URLs get their public schema dropped and
re-created (--force when tables exist). The schema comes from the project's migrations
and the instance (settings, signing key, bureau admin) from portal/setup_instance.py;
then approved records and applications in flight are bulk-loaded, consistent with what
the workflow writes (see bench/data_records.py and bench/data_inflight.py). Every
generated account's password is PASSWORD in bench/data_setup.py, hashed once.

Serve it with the printed DATABASE_URL and INSTANCE_PATH. Sample keys for the benches
(hits, misses, conflict proposals, logins) go to bench/.data/<name>.json, each checked
against the built database through the portal's own services. The data is the same for
the same seed and sizes (records are approved up to RECORDS_UNTIL, whatever the date);
only the timestamps of the applications in flight follow the build time.
"""
import argparse
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(BENCH.parent)]

from data_certs import CertificateQueue  # noqa: E402
from data_inflight import InFlightBuilder  # noqa: E402
from data_proposals import World  # noqa: E402
from data_records import Ids, RecordBuilder, approval_times, site_counts  # noqa: E402
from data_samples import collect, verify  # noqa: E402
from data_setup import (BYTES_PER_APP, BYTES_PER_CERTIFICATE, BYTES_PER_SUBJECT,  # noqa: E402
                        BYTES_PER_WEBSITE, PASSWORD, add_staff, build_instance, check_disk,
                        prepare_postgres, prepare_sqlite)
from data_sink import log, open_sink  # noqa: E402
from data_report import database_bytes, report, table_counts, write_samples  # noqa: E402
from data_tables import COLUMNS, Batch, check_columns  # noqa: E402
from portal.clock import utcnow  # noqa: E402

DATA = BENCH / ".data"
RECORDS_UNTIL = datetime(2026, 10, 31, 8, 0)     # records are approved up to here (UTC)
BATCH_SUBJECTS, BATCH_APPS, SAMPLE_SUBJECTS = 2000, 5000, 1000


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--websites", type=int, default=1_000_000,
                        help="approved websites (1 to 6 per subject)")
    parser.add_argument("--subjects", type=int, default=300_000, help="approved subjects")
    parser.add_argument("--isps", type=int, default=50, help="ISP organisations (max 125)")
    parser.add_argument("--in-flight", type=int, default=100_000,
                        help="applications submitted, in SMS verification, in review or returned")
    parser.add_argument("--seed", type=int, default=1, help="same seed, same data")
    parser.add_argument("--database-url", help="default: sqlite:///bench/.data/portal-<websites>.db")
    parser.add_argument("--instance", help="instance folder (default: next to the database)")
    parser.add_argument("--samples", help="sample keys file (default: next to the database)")
    parser.add_argument("--no-certificates", action="store_true",
                        help="skip the signed certificates (about a quarter of the time)")
    parser.add_argument("--force", action="store_true", help="replace an existing data set")
    parser.add_argument("--sign-inline", dest="sign_in_background", action="store_false",
                        help="sign certificates in this process (default: a helper process)")
    args = parser.parse_args(argv)
    if not 1 <= args.subjects <= args.websites <= 6 * args.subjects:
        parser.error("--websites must lie between --subjects and 6 x --subjects")
    if not 1 <= args.isps <= 125 or args.in_flight < 0:
        parser.error("--isps must lie between 1 and 125, --in-flight must not be negative")
    url = args.database_url or f"sqlite:///{DATA / f'portal-{args.websites}.db'}"
    if url.startswith("sqlite:///"):
        base = Path(url.split("sqlite:///", 1)[1]).resolve().with_suffix("")
    else:
        base = DATA / (urlparse(url).path.lstrip("/") or "portal")
    args.database_url = url
    args.instance = Path(args.instance or f"{base}.instance")
    args.samples = Path(args.samples or f"{base}.json")
    return args


def estimate_bytes(args) -> int:
    per_site = BYTES_PER_WEBSITE + (0 if args.no_certificates else BYTES_PER_CERTIFICATE)
    return int(args.websites * per_site + args.subjects * BYTES_PER_SUBJECT
               + args.in_flight * BYTES_PER_APP)


def prepare(args):
    """Check space, empty the target, migrate and initialise: the app."""
    needed, url = estimate_bytes(args), args.database_url
    if url.startswith("sqlite:///"):
        path = Path(url.split("sqlite:///", 1)[1])
        check_disk(int(needed * 1.3), path.parent, f"{args.websites:,} websites")
        prepare_sqlite(path, args.instance, args.force)
        return build_instance(url, args.instance)
    sink = open_sink(url)
    try:
        where = Path(sink.scalar("SHOW data_directory"))
    except Exception:                       # not allowed to read it: say so, go on
        sink.conn.rollback()
        where = None
    if where is not None and where.exists():
        check_disk(int(needed * 1.5), where, f"{args.websites:,} websites")
    else:
        log(f"disk: needs about {needed * 1.5 / 1e9:.1f} GB on the database server (unchecked)")
    prepare_postgres(sink, urlparse(url).path.lstrip("/"), args.instance, args.force)
    sink.conn.close()
    return build_instance(url, args.instance)


def certificate_queue(app, background: bool = True) -> CertificateQueue:
    """Signs with the instance's key (created by init_instance) in a helper process."""
    from portal import keys
    with app.app_context():
        key_id = keys.key_id(keys.public_key_pem())
        pem = Path(app.config["SIGNING_KEY_PATH"]).read_bytes()
    return CertificateQueue(pem, key_id, background)


class Progress:
    """Rows written so far, printed every `every` units of work."""

    def __init__(self, started: float):
        self.started, self.rows = started, {}

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def add(self, label: str, done: int, total: int, every: int, batch: Batch) -> None:
        for table, rows in batch.rows.items():
            self.rows[table] = self.rows.get(table, 0) + len(rows)
        if done == total or done % every == 0:
            count = sum(self.rows.values())
            log(f"  {label} {done:,}/{total:,}: {count:,} rows, "
                f"{count / self.elapsed():,.0f} rows/s, {self.elapsed():.0f} s")


def load_records(args, run, builder, queue) -> None:
    """Subject after subject, in batches; certificates signed one batch behind."""
    times = approval_times(run.world, args.subjects, run.world.until)
    for first in range(0, args.subjects, BATCH_SUBJECTS):
        batch, last = Batch(), min(first + BATCH_SUBJECTS, args.subjects)
        for index in range(first, last):
            builder.subject(index, times[index], run.counts[index], batch)
        if queue is not None:
            queue.put(builder.certificates)
            builder.certificates = []
            batch.extend("certificate", queue.ready())
        run.sink.write(batch)
        run.progress.add("subjects", last, args.subjects, 10 * BATCH_SUBJECTS, batch)
    if queue is not None:
        batch = Batch()
        batch.extend("certificate", queue.ready(keep=0))
        run.sink.write(batch)
        queue.close()


def load_in_flight(args, run, inflight) -> None:
    for first in range(0, args.in_flight, BATCH_APPS):
        batch, last = Batch(), min(first + BATCH_APPS, args.in_flight)
        for _ in range(first, last):
            inflight.application(batch)
        run.sink.write(batch)
        run.progress.add("in flight", last, args.in_flight, 10 * BATCH_APPS, batch)


class Run:
    """What one build shares: the app, the generator, the loader, the progress."""

    def __init__(self, args, app, started: float):
        from portal.services.accounts import hash_password
        self.app, self.progress = app, Progress(started)
        self.password_hash = hash_password(PASSWORD)
        self.isps, self.reviewers = add_staff(app, args.isps, self.password_hash, args.seed)
        until = min(RECORDS_UNTIL, utcnow().replace(microsecond=0) - timedelta(days=1))
        self.world = World(args.seed, self.isps, until)
        self.counts = site_counts(self.world, args.subjects, args.websites)
        # The signing helper forks before the loader opens its connection.
        self.queue = (None if args.no_certificates
                      else certificate_queue(app, args.sign_in_background))
        self.sink = open_sink(args.database_url)
        check_columns({t: self.sink.columns(t) for t in COLUMNS})
        self.ids = Ids({t: self.sink.scalar(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{t}"')
                        for t in ("account", "subject", "service", "application")})


def build(args) -> dict:
    started = time.perf_counter()
    run = Run(args, prepare(args), started)
    world = run.world
    sampled = set(range(0, args.subjects, max(1, args.subjects // SAMPLE_SUBJECTS)))
    changes = set(world.rng.sample(range(args.subjects),
                                   min(args.subjects, int(args.in_flight * 0.4))))
    builder = RecordBuilder(world, run.ids, run.queue is not None, run.password_hash,
                            run.reviewers, sampled | changes)
    log(f"loading {args.subjects:,} subjects, {args.websites:,} websites, "
        f"{args.in_flight:,} applications in flight into {args.database_url}")
    args.started = True          # from here on a failure leaves a useless file
    run.sink.start()
    load_records(args, run, builder, run.queue)
    kept = [builder.kept[i] for i in sorted(sampled)]
    inflight = InFlightBuilder(world, run.ids, run.password_hash, run.reviewers,
                               [builder.kept[i] for i in sorted(changes)],
                               conflict_targets(kept),
                               utcnow().replace(second=0, microsecond=0), args.subjects)
    load_in_flight(args, run, inflight)
    finish(run.sink, builder.numbers)
    loaded = run.progress.elapsed()
    log(f"loaded in {loaded:.0f} s; checking the sample keys through the portal's services")
    samples = collect(kept, world, builder.numbers, inflight.samples,
                      builder.cancelled_domains, args.seed)
    figures = verify(run.app, samples)
    return {"app": run.app, "samples": samples, "isps": run.isps, "loaded": loaded,
            "seconds": run.progress.elapsed(), "records": builder.counts,
            "in_flight": inflight.counts, **figures}


def conflict_targets(kept: list[dict]) -> list[dict]:
    """Organisations' live websites that a colliding first filing copies from."""
    return [{"domain": k["services"][0]["domains"][0], "name": k["subject"]["name"],
             "account_id": k["account_id"], "username": k["username"],
             "subject_id": k["subject_id"], "service_id": k["services"][0]["id"]}
            for k in kept if k["subject"]["nature"] != "个人"
            and k["services"][0]["status"] == "active"]


def finish(sink, numbers) -> None:
    batch = Batch()
    batch.extend("filing_counter", numbers.counters())
    sink.write(batch)
    sink.execute("UPDATE instance_settings SET numbers_issued = %s", (True,))
    log("creating indexes, ANALYZE")
    sink.finish()


def remove_partial(args) -> None:
    """A SQLite file loaded without a journal is useless once the load stopped."""
    if args.database_url.startswith("sqlite:///"):
        path = Path(args.database_url.split("sqlite:///", 1)[1])
        if path.exists() and getattr(args, "started", False):
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)
            log(f"build stopped: removed the partial {path}")


def main(argv=None) -> None:
    args = parse_args(argv)
    try:
        result = build(args)
    except BaseException:
        remove_partial(args)
        raise
    counts = table_counts(result["app"])
    size = database_bytes(result["app"], args.database_url)
    write_samples(args, result, counts, size)
    report(args, result, counts, size)


if __name__ == "__main__":
    main()
