"""The nightly site check of every approved website (DESIGN §3 "Site display").

Each website is checked with `portal.services.site_check.check_website` (for every
domain: the footer link and its number, and /cert/bazs.cert), through the outbound
guard, with a time limit per request and at most `WORKERS` websites at once. The
result is one `SiteCheckFinding` per website, replacing the one of the previous run,
so running the sweep twice leaves the same rows. The bureau reads them on
/bureau/site-checks, the filer in the task list (`findings_for_account`).
"""
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

from peewee import chunked

from portal import outbound
from portal.audit import record_event
from portal.clock import utcnow
from portal.db import transaction
from portal.errors import Refused
from portal.models import ACTIVE, Service, SiteCheckFinding, Subject
from portal.queue import task_connection
from portal.services.site_check import check_website

log = logging.getLogger(__name__)

WORKERS = 4           # websites checked at once
TIMEOUT = 10          # seconds per request (connect and read)
BATCH = 100           # websites per transaction of findings


@dataclass(frozen=True)
class SweepResult:
    checked: int
    with_problems: int


def approved_websites():
    """Active websites of active subjects, by id."""
    return (Service.select(Service.id).join(Subject)
            .where(Service.kind == "website", Service.status == ACTIVE,
                   Subject.status == ACTIVE)
            .order_by(Service.id))


def check_one(service_id: int, *, allow_loopback: bool = False, fetcher=None) -> dict:
    """Check one website in a worker thread (its own database connection) and return
    the finding's fields; a failure of the check itself is a problem, not a crash."""
    fetcher = fetcher or partial(outbound.fetch, timeout=TIMEOUT)
    with task_connection():
        service = Service.get_by_id(service_id)
        domains = (service.details or {}).get("domains") or []
        try:
            results = check_website(service, allow_loopback=allow_loopback, fetcher=fetcher)
            problems = [{"domain": f.domain, "check": f.check, "message": str(f.message)}
                        for f in results if not f.ok]
        except Refused as exc:
            problems = [{"domain": "", "check": "fetch", "message": str(exc.message)}]
        except Exception:   # one website's bug must not end the night's run
            log.exception("site check of service %s failed", service_id)
            problems = [{"domain": "", "check": "fetch",
                         "message": "检查时出错，将在下次检查时重试"}]
    return {"service": service_id, "domain": domains[0] if domains else "",
            "ok": not problems, "problems": problems}


def check_websites(*, allow_loopback: bool = False, fetcher=None) -> SweepResult:
    """Check every approved website and store one finding each (the previous replaced)."""
    checked_at, checked, failing = utcnow(), 0, 0
    run = partial(check_one, allow_loopback=allow_loopback, fetcher=fetcher)
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="site-check") as pool:
        for batch in chunked([row.id for row in approved_websites()], BATCH):
            rows = list(pool.map(run, batch))
            store_findings(rows, checked_at)
            checked += len(rows)
            failing += sum(1 for row in rows if not row["ok"])
    _forget_ended(checked_at)
    log.info("site check: %d websites checked, %d with problems", checked, failing)
    return SweepResult(checked, failing)


def store_findings(rows: list[dict], checked_at) -> None:
    """Replace the findings of these websites; one audit event for the batch names the
    websites checked and those with problems."""
    with transaction():
        ids = [row["service"] for row in rows]
        SiteCheckFinding.delete().where(SiteCheckFinding.service.in_(ids)).execute()
        SiteCheckFinding.insert_many([{**row, "checked_at": checked_at} for row in rows]
                                     ).execute()
        record_event("site_check.store", object_type="site_check",
                     object_id=checked_at.isoformat(timespec="seconds"),
                     after={"services": ids,
                            "with_problems": [r["service"] for r in rows if not r["ok"]]})


def _forget_ended(checked_at) -> None:
    """Drop findings of websites no longer approved (cancelled or revoked since)."""
    with transaction():
        ended = [row.service_id for row in SiteCheckFinding.select(SiteCheckFinding.service)
                 .where(SiteCheckFinding.checked_at < checked_at,
                        SiteCheckFinding.service.not_in(approved_websites()))]
        if ended:
            SiteCheckFinding.delete().where(SiteCheckFinding.service.in_(ended)).execute()
            record_event("site_check.forget", object_type="site_check",
                         object_id=checked_at.isoformat(timespec="seconds"),
                         after={"services": ended})


# -- reading ----------------------------------------------------------------

def latest_findings(problems_only: bool = False):
    """Every website's latest finding, problems first, then by filing number."""
    query = (SiteCheckFinding.select(SiteCheckFinding, Service, Subject)
             .join(Service).join(Subject))
    if problems_only:
        query = query.where(SiteCheckFinding.ok == False)
    return query.order_by(SiteCheckFinding.ok, Service.filing_number, SiteCheckFinding.id)


def findings_for_account(account_id: int) -> list[SiteCheckFinding]:
    """The latest findings of a filer's websites, problems first (for the task list)."""
    return list(latest_findings().where(Subject.account == account_id))
