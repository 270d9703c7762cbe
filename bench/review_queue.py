"""The bureau's review queue: the first page and page 500 (keyset pagination).

    .venv/bin/python bench/review_queue.py                 # the 1 M SQLite set (bench/make_data.py)
    .venv/bin/python bench/review_queue.py --database-url sqlite:///other.db --runs 9

Times, in process on the given database, for each sort order (and one filtered queue):
the service call (`queue_page` plus the rows' deadlines and ISPs: what the view runs)
and the whole HTML page through the Flask test client with a logged-in reviewer
(session set as the login form sets it), for the first page and page 500 (a filtered
queue shorter than that: its last full page). "Page 500"
is the page after the sort key of row 9,980: the key is computed once with OFFSET and
checked against the next-links followed 499 times. Medians of --runs runs after one
warm-up. Baseline, same run: a trivial indexed `SELECT id ... WHERE state = 'review'
ORDER BY due_on, id LIMIT 20`; for comparison the old OFFSET page plus full count.

Applies pending migrations (the queue's indexes, 0007) to the database first, as
`flask migrate` does, and adds one bureau reviewer account if the database has none.
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import DATA, print_table  # noqa: E402

DEFAULT_DB = DATA / "portal-1000000.db"
TARGET_MS = 50.0
PAGE = 500


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=f"sqlite:///{DEFAULT_DB}")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per figure (median)")
    parser.add_argument("--page", type=int, default=PAGE, help="the far page to time")
    parser.add_argument("--per-page", type=int, default=20)
    parser.add_argument("--walk", action="store_true",
                        help="follow the next-links to the far page for every sort order "
                             "(default: only for the first, as a check of the computed key)")
    parser.add_argument("--no-results", action="store_true", help="don't log results.jsonl")
    return parser.parse_args(argv)


def make_app(args, instance: str):
    from portal import create_app
    return create_app({"DATABASE_URL": args.database_url, "INSTANCE_PATH": instance,
                       "SECRET_KEY": "bench-secret-key-0123456789abcdef",
                       "HUEY_URL": "memory://", "PAGE_SIZE": args.per_page})


def prepare_database() -> None:
    from portal.migrate import apply_migrations, pending_migrations
    pending = pending_migrations()
    if pending:
        print(f"  applying pending migrations: {', '.join(pending)}", flush=True)
        apply_migrations()


def reviewer_session_token() -> str:
    """The session token of a bureau reviewer (created if the data set has none)."""
    from portal.models import Account
    account = (Account.select().where(Account.tenant == "bureau", Account.role == "reviewer",
                                      Account.is_active == True,  # noqa: E712
                                      Account.must_change_password == False)  # noqa: E712
               .order_by(Account.id).first())
    if account is None:
        account = Account.create(username="bench-reviewer", tenant="bureau", role="reviewer",
                                 display_name="bench", created_via="cli")
        print("  added bureau account bench-reviewer (no password: session only)")
    return account.get_id()


def median_ms(action, runs: int) -> float:
    action()                                   # warm-up: page cache, statement cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


# --------------------------------------------------------------------------- keys

def far_token(filters, page: int, per_page: int) -> str:
    """The `after` token of page `page`: the sort key of the last row of page - 1."""
    from portal.pagination import encode_key
    from portal.services.review_queue import ORDER, review_queue
    fields = ORDER[filters.sort]
    [row] = review_queue(filters).offset((page - 1) * per_page - 1).limit(1)
    return encode_key(filters.sort, tuple(getattr(row, f.name) for f in fields))


def walked_token(filters, page: int, per_page: int) -> str:
    """The same token, by following the next-links page - 1 times."""
    from portal.services.review_queue import queue_page
    after = None
    for _ in range(page - 1):
        after = queue_page(filters, after=after, per_page=per_page).next_after
    return after


# --------------------------------------------------------------------------- runs

def service_call(filters, after, per_page):
    from portal.db import db
    from portal.services.review_queue import queue_page, queue_rows
    db.connect(reuse_if_open=True)        # a request's first step (the pool hands one over)
    page = queue_page(filters, after=after, per_page=per_page)
    rows = queue_rows(page.items)
    assert len(rows) == per_page, f"page of {len(rows)} rows (queue too short?)"
    return page


def http_page(client, query: str):
    response = client.get(f"/bureau/queue?{query}")
    assert response.status_code == 200, response.status_code
    return response


def baseline_query(per_page: int):
    from portal.models import Application
    from portal.states import State
    from portal.db import db
    return lambda: db.connect(reuse_if_open=True) or list(Application.select(Application.id)
                        .where(Application.state == State.REVIEW)
                        .order_by(Application.due_on, Application.id).limit(per_page).tuples())


def offset_page(filters, page: int, per_page: int):
    """What the queue did before: OFFSET and the full count."""
    from portal.services.review_queue import review_queue
    from portal.db import db
    query = review_queue(filters)
    return lambda: (db.connect(reuse_if_open=True), list(query.paginate(page, per_page)),
                    query.count())


def cases():
    from peewee import SQL, fn

    from portal.models import ApplicationIsp
    from portal.services.review_queue import QueueFilters
    by_size = [isp for isp, _ in ApplicationIsp.select(ApplicationIsp.isp, fn.COUNT(SQL("*")))
               .group_by(ApplicationIsp.isp).order_by(fn.COUNT(SQL("*")).desc()).tuples()]
    isps = [(f"isp={by_size[0]} (most named)", QueueFilters(isp=by_size[0])),
            (f"isp={by_size[-1]} (least named)", QueueFilters(isp=by_size[-1]))] if by_size else []
    return [("sort=due", QueueFilters()), ("sort=submitted", QueueFilters(sort="submitted")),
            ("sort=kind", QueueFilters(sort="kind")),
            ("first_filing by submission", QueueFilters(kind="first_filing", sort="submitted")),
            *isps, ("conflict=yes", QueueFilters(conflict="yes")),
            ("due=overdue", QueueFilters(due="overdue"))]


def figure_rows(name: str, label: str, service: float, page: float, baseline: float):
    return [{"figure": f"review queue {name}, {label}, {kind}", "target": f"<= {TARGET_MS:.0f} ms",
             "measured": value, "unit": "ms", "baseline": baseline, "ratio": value / baseline,
             "ok": value <= TARGET_MS}
            for kind, value in (("service", service), ("HTTP page", page))]


def measure_case(args, client, name, filters, walk: bool, baseline: float) -> list[dict]:
    """First page and the far page of one queue: service call and HTTP page."""
    from urllib.parse import urlencode

    from portal.db import db
    from portal.services.review_queue import queue_count
    db.connect(reuse_if_open=True)
    total, capped = queue_count(filters)
    far_page = min(args.page, total // args.per_page)      # a short queue: its last page
    if far_page < 2:
        print(f"  {name}: {total} in the queue, less than two pages: skipped")
        return []
    start = time.perf_counter()
    far = far_token(filters, far_page, args.per_page)
    if walk:
        assert walked_token(filters, far_page, args.per_page) == far
        print(f"  {name}: followed {far_page - 1} next-links in "
              f"{time.perf_counter() - start:.1f} s, same key as computed")
    rows = []
    for label, after in (("first page", None), (f"page {far_page}", far)):
        service = median_ms(lambda: service_call(filters, after, args.per_page), args.runs)
        url = urlencode({**filters.to_args(), **({"after": after} if after else {})})
        page = median_ms(lambda: http_page(client, url), args.runs)
        shown = service_call(filters, after, args.per_page).total
        count = "not counted" if shown is None else f"{total}{'+' if capped else ''} in queue"
        print(f"  {name}, {label} ({count}): service "
              f"{service:.1f} ms, HTTP page {page:.1f} ms", flush=True)
        rows += figure_rows(name, label, service, page, baseline)
    return rows


def measure(args, app) -> list[dict]:
    from portal.db import db
    client = app.test_client()
    with app.app_context():
        db.connect(reuse_if_open=True)       # the test client's requests close it again
        prepare_database()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = reviewer_session_token(), True
        baseline = median_ms(baseline_query(args.per_page), args.runs)
        print(f"  baseline (indexed SELECT id ... LIMIT {args.per_page}): {baseline:.2f} ms")
        rows = []
        for number, (name, filters) in enumerate(cases()):
            rows += measure_case(args, client, name, filters, number == 0 or args.walk,
                                 baseline)
        db.connect(reuse_if_open=True)
        old = median_ms(offset_page(cases()[0][1], args.page, args.per_page),
                        max(3, args.runs // 2))
        rows.append({"figure": f"(before) OFFSET page {args.page} + full count, sort=due",
                     "target": "-", "measured": old, "unit": "ms", "baseline": baseline,
                     "ratio": old / baseline, "ok": None})
    return rows


def main(argv=None) -> int:
    args = parse_args(argv)
    db_path = (Path(args.database_url.split("sqlite:///", 1)[1])
               if args.database_url.startswith("sqlite:///") else None)
    if db_path is not None and not db_path.exists():
        sys.exit(f"{db_path} does not exist: build it with bench/make_data.py")
    print(f"review queue on {args.database_url}: {args.runs} runs per figure (median)")
    with tempfile.TemporaryDirectory(prefix="bench-queue-") as instance:
        rows = measure(args, make_app(args, instance))
    print()
    print_table(rows, script="review_queue", results=not args.no_results)
    return 0 if all(r["ok"] is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
