"""The bureau's review queue (待管局审核): applications in review, filtered and sorted,
each with its deadline in working days; and the counts on the bureau's dashboard.

The page is one indexed query (Application joined to its filer, subject and filing
ISP); the ISPs each row names and the calendar overrides are two batched lookups,
whatever the page size. Pages are keyset-paginated (portal.pagination.seek): each sort
order has an index (state, <sort columns>, id), so page 500 of 100,000 applications
costs what the first page costs; the count shown is capped (COUNT_CAP), and left out
for a busy ISP's work (see isp_term).
"""
from dataclasses import dataclass
from datetime import datetime

from peewee import JOIN, SQL, fn

from portal.calendar import add_working_days, load_overrides, working_days_between
from portal.clock import local_midnight_utc, local_today
from portal.models import Account, Application, ApplicationIsp, AuditEvent, IspOrganisation, Subject
from portal.pagination import KeysetPage, capped_count, seek
from portal.states import Kind, State

SOON_DAYS = 2          # "due soon": at most this many working days left
NAMED_LIST_LIMIT = 2000  # an ISP named in more applications is "busy" (see isp_term)
SORTS = ("due", "submitted", "kind")
DUE_FILTERS = ("overdue", "soon")


@dataclass
class QueueFilters:
    """What the queue page asks for; unknown values are ignored (the whole queue)."""
    kind: str = ""
    isp: int | None = None
    conflict: str = ""     # yes | no | ""
    due: str = ""          # overdue | soon | ""
    sort: str = "due"

    @classmethod
    def from_args(cls, args) -> "QueueFilters":
        try:
            isp = int(args.get("isp") or 0) or None
        except ValueError:
            isp = None
        kind, conflict, due = args.get("kind"), args.get("conflict"), args.get("due")
        return cls(kind=kind if kind in {k.value for k in Kind} else "", isp=isp,
                   conflict=conflict if conflict in ("yes", "no") else "",
                   due=due if due in DUE_FILTERS else "",
                   sort=args.get("sort") if args.get("sort") in SORTS else "due")

    def to_args(self) -> dict:
        """The filters as query arguments (links keep them; defaults left out)."""
        args = {"kind": self.kind, "isp": self.isp or "", "conflict": self.conflict,
                "due": self.due, "sort": self.sort if self.sort != "due" else ""}
        return {k: v for k, v in args.items() if v}


@dataclass
class QueueRow:
    app: Application
    days_left: int | None
    overdue: bool
    isps: list             # names of the ISPs it names (and the one that filed it)


def in_review():
    return Application.select().where(Application.state == State.REVIEW)


def soon_limit(today=None, overrides=None):
    """The last date that is at most SOON_DAYS working days away."""
    today = today or local_today()
    return add_working_days(today, SOON_DAYS, load_overrides() if overrides is None else overrides)


def filter_terms(filters: QueueFilters, busy: bool | None = None) -> list:
    """The WHERE terms of `filters` (beyond "in review"); `busy`: see isp_term."""
    terms = []
    if filters.kind:
        terms.append(Application.kind == filters.kind)
    if filters.isp:
        terms.append(isp_term(filters.isp, is_busy_isp(filters.isp) if busy is None else busy))
    if filters.conflict:
        terms.append(Application.in_conflict == (filters.conflict == "yes"))
    today = local_today()
    if filters.due == "overdue":
        terms.append(Application.due_on < today)
    elif filters.due == "soon":
        terms += [Application.due_on >= today, Application.due_on <= soon_limit(today)]
    return terms


def is_busy_isp(isp_id: int) -> bool:
    """True when the ISP is named in NAMED_LIST_LIMIT applications or more (counted on
    the index up to that limit): its list spans every application it was ever named in."""
    named = ApplicationIsp.select(ApplicationIsp.id).where(ApplicationIsp.isp == isp_id)
    return named.limit(NAMED_LIST_LIMIT).count() >= NAMED_LIST_LIMIT


def isp_term(isp_id: int, busy: bool):
    """Filed by the ISP or naming it. A short named list is read whole (IN); a busy ISP's
    is probed row by row while the queue's sort index is walked (EXISTS): a page of its
    work is found after a few hundred rows, where reading its list would cost thousands."""
    if not busy:
        named = ApplicationIsp.select(ApplicationIsp.application).where(
            ApplicationIsp.isp == isp_id)
        return (Application.isp == isp_id) | Application.id.in_(named)
    probe = ApplicationIsp.select(SQL("1")).where(ApplicationIsp.isp == isp_id,
                                                 ApplicationIsp.application == Application.id)
    return fn.EXISTS(probe) | (Application.isp == isp_id)


def _filtered(query, filters: QueueFilters, terms: list | None = None):
    terms = filter_terms(filters) if terms is None else terms
    return query.where(*terms) if terms else query


ORDER = {
    "due": (Application.due_on, Application.id),
    "submitted": (Application.submitted_at, Application.id),
    "kind": (Application.kind, Application.due_on, Application.id),
}


def review_queue(filters: QueueFilters, terms: list | None = None):
    """Applications in bureau review matching `filters` (or its `filter_terms`, already
    built), with their filer, subject and filing ISP joined in (no query per row)."""
    query = (Application.select(Application, Account, Subject, IspOrganisation)
             .join(Account, on=(Application.account == Account.id))
             .switch(Application).join(Subject, JOIN.LEFT_OUTER,
                                       on=(Application.subject == Subject.id))
             .switch(Application).join(IspOrganisation, JOIN.LEFT_OUTER,
                                       on=(Application.isp == IspOrganisation.id))
             .where(Application.state == State.REVIEW))
    return _filtered(query, filters, terms).order_by(*ORDER[filters.sort])


def queue_page(filters: QueueFilters, after: str | None = None, before: str | None = None,
               per_page: int = 20) -> KeysetPage:
    """The page of the queue after the `after` token or before the `before` token (the
    first page without either), and the queue's count up to COUNT_CAP."""
    busy = bool(filters.isp) and is_busy_isp(filters.isp)
    terms = filter_terms(filters, busy)
    rows, next_after, prev_before = seek(review_queue(filters, terms), ORDER[filters.sort],
                                         filters.sort, after, before, per_page)
    # A busy ISP's count would probe the whole queue: its pages are shown without one.
    total, capped = (None, False) if busy else queue_count(filters, terms)
    return KeysetPage(rows, per_page, next_after, prev_before, total, capped)


def queue_count(filters: QueueFilters, terms: list | None = None) -> tuple[int, bool]:
    """(count, capped) of the applications the queue lists, counted on the index up to
    COUNT_CAP."""
    return capped_count(_filtered(in_review().select(Application.id), filters, terms))


def named_isps(app_ids: list[int]) -> dict[int, list[str]]:
    """ISP names per application, in one query."""
    found: dict[int, list[str]] = {}
    if not app_ids:
        return found
    rows = (ApplicationIsp.select(ApplicationIsp.application, IspOrganisation.name)
            .join(IspOrganisation).where(ApplicationIsp.application.in_(app_ids))
            .order_by(IspOrganisation.name).tuples())
    for app_id, name in rows:
        found.setdefault(app_id, []).append(name)
    return found


def deadline(app: Application, today, overrides) -> tuple[int | None, bool]:
    """(working days left, overdue) of an application in review."""
    if app.due_on is None or app.state != State.REVIEW:
        return None, False
    return working_days_between(today, app.due_on, overrides), app.due_on < today


def queue_rows(apps: list[Application]) -> list[QueueRow]:
    """Decorate a page of applications with their deadline and ISPs (two lookups)."""
    isps = named_isps([a.id for a in apps])
    overrides, today = load_overrides(), local_today()
    rows = []
    for app in apps:
        names = list(isps.get(app.id, []))
        if app.isp_id and app.isp.name not in names:
            names.insert(0, app.isp.name)
        rows.append(QueueRow(app, *deadline(app, today, overrides), names))
    return rows


def most_urgent(limit: int = 5) -> list[QueueRow]:
    """The first applications of the queue by due date, for the dashboard."""
    return queue_rows(list(review_queue(QueueFilters()).limit(limit)))


def isp_choices() -> list[tuple[int, str]]:
    """(id, name) of every ISP organisation, for the queue's filter."""
    return list(IspOrganisation.select(IspOrganisation.id, IspOrganisation.name)
                .order_by(IspOrganisation.name).tuples())


def start_of_today_utc() -> datetime:
    """Local midnight today as the naive UTC moment timestamps are stored in."""
    return local_midnight_utc(local_today())


def dashboard_counts() -> dict[str, int]:
    """In review, overdue, due soon, in conflict, and returned by the bureau today."""
    today = local_today()
    base = in_review()
    return {
        "review": base.count(),
        "overdue": base.where(Application.due_on < today).count(),
        "soon": base.where(Application.due_on >= today,
                           Application.due_on <= soon_limit(today)).count(),
        "conflict": base.where(Application.in_conflict == True).count(),  # noqa: E712
        "returned_today": AuditEvent.select().where(
            AuditEvent.action == "application.return",
            AuditEvent.at >= start_of_today_utc()).count(),
    }
