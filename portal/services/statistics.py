"""Statistics for the bureau's dashboard: counts and times over a period of local dates.

Every number comes from a narrow query. SQL groups and counts where the same SQL runs on
SQLite and PostgreSQL (GROUP BY, CASE, UNION); where a database would need its own
functions (percentiles, JSON inside audit events) only the columns needed are fetched as
tuples and Python finishes. No model object is built per row, so 100k applications stay
cheap. Periods are local dates (Asia/Shanghai); stored times are UTC.

What each number counts (the page says the same):
- by state and kind: applications opened (created) in the period, by their state now;
- approvals per week: applications approved in the period, by local week (Monday first);
- time to decision: from entering bureau review to the bureau's decision (approval or
  return) made in the period, in hours; the latest decision of each application counts;
- overdue: in bureau review now, past the due date (local today);
- per ISP: applications opened in the period that the ISP filed or that name it;
- return fields: field notes of returns (bureau and ISP) made in the period.
"""
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from peewee import SQL, Case, fn

from portal.clock import local_today, utc_bounds
from portal.db import db
from portal.errors import ValidationError
from portal.models import Application, ApplicationIsp, AuditEvent, IspOrganisation
from portal.states import KIND_LABELS, STATE_LABELS, Kind, State

DEFAULT_WEEKS = 12
MAX_DAYS = 731          # two years: at most 105 weekly buckets in one query
ONE_DAY = timedelta(days=1)
ONE_WEEK = timedelta(days=7)
RETURN_ACTIONS = {"application.return": "bureau", "application.isp_return": "isp"}
DECIDED = (State.APPROVED, State.RETURNED)


# -- the period ---------------------------------------------------------------

def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Period:
    start: date     # local, inclusive
    end: date       # local, inclusive

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return utc_bounds(self.start, self.end)

    def weeks(self) -> list[date]:
        """The Mondays of every week the period touches."""
        first, last = week_start(self.start), week_start(self.end)
        return [first + ONE_WEEK * i for i in range((last - first).days // 7 + 1)]

    def week_bounds(self) -> list[tuple[datetime, datetime]]:
        """Each week's UTC range, clipped to the period."""
        return [utc_bounds(max(monday, self.start), min(monday + ONE_WEEK - ONE_DAY, self.end))
                for monday in self.weeks()]


def resolve_period(start: date | None = None, end: date | None = None,
                   today: date | None = None) -> Period:
    """The period asked for; by default the last 12 weeks (this one included)."""
    end = end or today or local_today()
    start = start or week_start(end) - ONE_WEEK * (DEFAULT_WEEKS - 1)
    if start > end:
        raise ValidationError(_l("起始日期不能晚于结束日期"), field="start")
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationError(_l("统计期间最长 %(days)d 天", days=MAX_DAYS), field="start")
    return Period(start, end)


# -- percentiles --------------------------------------------------------------

def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (as PostgreSQL's percentile_cont)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def hours(since: datetime, until: datetime) -> float:
    return (until - since).total_seconds() / 3600


@dataclass
class Times:
    count: int = 0
    median: float | None = None
    p90: float | None = None

    @classmethod
    def of(cls, values: list[float]) -> "Times":
        return cls(len(values), percentile(values, 50), percentile(values, 90))


# -- the queries ----------------------------------------------------------------

def _opened_in(period: Period):
    since, until = period.bounds
    return (Application.created_at >= since) & (Application.created_at < until)


def _has_decision():
    """Approved or returned by the bureau after entering review (an ISP's return or a
    failed SMS check leaves review_started_at empty)."""
    return (Application.state.in_(DECIDED) & Application.review_started_at.is_null(False)
            & (Application.decided_at >= Application.review_started_at))


def _decided_in(period: Period):
    since, until = period.bounds
    return _has_decision() & (Application.decided_at >= since) & (Application.decided_at < until)


def _as_time(value) -> datetime:
    """A raw timestamp: ISO text from SQLite, a datetime from PostgreSQL."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _hours_by(query) -> dict:
    """{key: [hours]} from (key, review_started_at, decided_at) rows, read from the raw
    cursor: tens of thousands of rows, no per-row conversion by the ORM."""
    found = defaultdict(list)
    for key, started, decided in db.execute(query):
        found[key].append(hours(_as_time(started), _as_time(decided)))
    return found


def count_by_state_kind(period: Period) -> dict[tuple[str, str], int]:
    query = (Application.select(Application.kind, Application.state, fn.COUNT(Application.id))
             .where(_opened_in(period)).group_by(Application.kind, Application.state).tuples())
    return {(kind, state): n for kind, state, n in query}


def approvals_by_week(period: Period) -> list[tuple[date, int]]:
    """Approvals per local week: a CASE maps each decision time to its week's index."""
    since, until = period.bounds
    bucket = Case(None, [((Application.decided_at >= lo) & (Application.decided_at < hi), i)
                         for i, (lo, hi) in enumerate(period.week_bounds())])
    inner = (Application.select(bucket.alias("week"))
             .where(Application.state == State.APPROVED, Application.decided_at >= since,
                    Application.decided_at < until).alias("w"))
    counts = dict(inner.select_from(inner.c.week, fn.COUNT(SQL("*")))
                  .group_by(inner.c.week).tuples())
    return [(monday, counts.get(i, 0)) for i, monday in enumerate(period.weeks())]


def decision_times(period: Period) -> tuple[Times, dict[str, Times]]:
    """Overall and per kind: only kind and two timestamps per decided application."""
    by_kind = _hours_by(Application.select(Application.kind, Application.review_started_at,
                                           Application.decided_at).where(_decided_in(period)))
    overall = [value for values in by_kind.values() for value in values]
    return Times.of(overall), {kind: Times.of(values) for kind, values in by_kind.items()}


def overdue_count(today: date | None = None) -> int:
    return (Application.select().where(Application.state == State.REVIEW,
                                       Application.due_on < (today or local_today())).count())


def _isp_pairs(period: Period):
    """One row per (application, ISP) for every ISP that filed an application opened in
    the period or that it names, with what the counts need (UNION drops duplicates)."""
    columns = (Application.state, Application.review_started_at, Application.decided_at)
    filed = (Application.select(Application.id.alias("application_id"),
                                Application.isp.alias("isp_id"), *columns)
             .where(Application.isp.is_null(False), _opened_in(period)))
    named = (ApplicationIsp.select(ApplicationIsp.application.alias("application_id"),
                                   ApplicationIsp.isp.alias("isp_id"), *columns)
             .join(Application).where(_opened_in(period)))
    return (filed | named).alias("p")


@dataclass
class IspRow:
    isp_id: int
    name: str
    applications: int
    approved: int
    returned: int
    times: Times = field(default_factory=Times)


def per_isp(period: Period) -> list[IspRow]:
    pairs = _isp_pairs(period)
    count_state = [fn.SUM(Case(None, [(pairs.c.state == state, 1)], 0))
                   for state in (State.APPROVED, State.RETURNED)]
    counts = (pairs.select_from(pairs.c.isp_id, fn.COUNT(SQL("*")), *count_state)
              .group_by(pairs.c.isp_id).tuples())
    rows = {isp_id: IspRow(isp_id, "", n, approved or 0, returned or 0)
            for isp_id, n, approved, returned in counts}
    names = IspOrganisation.select(IspOrganisation.id, IspOrganisation.name).where(
        IspOrganisation.id.in_(list(rows))).tuples() if rows else []
    for isp_id, name in names:
        rows[isp_id].name = name
    for isp_id, times in _isp_times(pairs).items():
        rows[isp_id].times = times
    return sorted(rows.values(), key=lambda row: (-row.applications, row.name))


def _isp_times(pairs) -> dict[int, Times]:
    started, decided = pairs.c.review_started_at, pairs.c.decided_at
    values = _hours_by(pairs.select_from(pairs.c.isp_id, started, decided)
                       .where(pairs.c.state.in_(DECIDED), started.is_null(False),
                              decided >= started))
    return {isp_id: Times.of(found) for isp_id, found in values.items()}


def return_fields(period: Period) -> list[tuple[str, int, int]]:
    """(field, bureau returns, ISP returns) naming it; events without notes are skipped.

    The notes live in the event's JSON text, which the two databases read differently,
    so only that column (and the action) is fetched and counted here."""
    since, until = period.bounds
    query = (AuditEvent.select(AuditEvent.action, AuditEvent.after)
             .where(AuditEvent.action.in_(list(RETURN_ACTIONS)), AuditEvent.at >= since,
                    AuditEvent.at < until))
    counts = {"bureau": Counter(), "isp": Counter()}
    for action, text in db.execute(query):
        after = json.loads(text) if text else None
        notes = after.get("notes") if isinstance(after, dict) else None
        fields = {str(note.get("field")) for note in notes or [] if isinstance(note, dict)
                  and note.get("field")}
        counts[RETURN_ACTIONS[action]].update(fields)
    names = set(counts["bureau"]) | set(counts["isp"])
    rows = [(name, counts["bureau"][name], counts["isp"][name]) for name in names]
    return sorted(rows, key=lambda row: (-(row[1] + row[2]), row[0]))


# -- the dashboard --------------------------------------------------------------

@dataclass
class Dashboard:
    period: Period
    by_state_kind: dict
    weekly: list
    times: Times
    times_by_kind: dict
    overdue: int
    isps: list
    fields: list

    @property
    def opened(self) -> int:
        return sum(self.by_state_kind.values())

    @property
    def approved(self) -> int:
        return sum(n for _, n in self.weekly)

    def state_totals(self) -> list[tuple[str, int]]:
        return [(state, sum(n for (_, s), n in self.by_state_kind.items() if s == state))
                for state in State]

    def kind_totals(self) -> list[tuple[str, int]]:
        return [(kind, sum(n for (k, _), n in self.by_state_kind.items() if k == kind))
                for kind in Kind]


def build_dashboard(period: Period, today: date | None = None) -> Dashboard:
    """Every number of the statistics page for `period` (a handful of queries)."""
    times, by_kind = decision_times(period)
    return Dashboard(period, count_by_state_kind(period), approvals_by_week(period), times,
                     by_kind, overdue_count(today), per_isp(period), return_fields(period))


# -- the same numbers as tables (the page and the CSV export) --------------------

@dataclass
class Table:
    name: str
    title: str
    header: list
    rows: list = field(default_factory=list)


def _hours(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def build_tables(board: Dashboard) -> dict[str, Table]:
    """Every table of the dashboard by its export name, rows already formatted."""
    states = list(State)
    matrix = Table("by_state_kind", _l("申请数：按类型和状态"),
                   [_l("类型"), *(STATE_LABELS[s] for s in states), _l("合计")])
    for kind, total in board.kind_totals():
        matrix.rows.append([KIND_LABELS[kind], *(board.by_state_kind.get((kind, s), 0)
                                                 for s in states), total])
    matrix.rows.append([_l("合计"), *(n for _, n in board.state_totals()), board.opened])
    weekly = Table("approvals_weekly", _l("每周审核通过数"), [_l("周（起始日）"), _l("审核通过")],
                   [[monday.isoformat(), n] for monday, n in board.weekly])
    times = Table("decision_times", _l("审核用时（小时）"),
                  [_l("类型"), _l("决定数"), _l("中位数"), _l("第 90 百分位")])
    for kind in Kind:
        if kind in board.times_by_kind:
            found = board.times_by_kind[kind]
            times.rows.append([KIND_LABELS[kind], found.count, _hours(found.median),
                               _hours(found.p90)])
    times.rows.append([_l("全部"), board.times.count, _hours(board.times.median),
                       _hours(board.times.p90)])
    isps = Table("per_isp", _l("按接入商"), [_l("接入商"), _l("申请数"), _l("审核通过"), _l("退回"),
                                         _l("用时中位数（小时）")],
                 [[row.name, row.applications, row.approved, row.returned,
                   _hours(row.times.median)] for row in board.isps])
    fields = Table("return_fields", _l("退回字段"), [_l("字段"), _l("管局退回"), _l("接入商退回"),
                                                 _l("合计")],
                   [[name, bureau, isp, bureau + isp] for name, bureau, isp in board.fields])
    return {table.name: table for table in (matrix, weekly, times, isps, fields)}


TABLE_NAMES = ("by_state_kind", "approvals_weekly", "per_isp", "return_fields",
               "decision_times")
