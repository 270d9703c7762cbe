"""The public lookup (是否备案): approved services that are neither cancelled nor
revoked, found by domain, filing number, subject name or service name.

It is the portal's hottest path, so each query shape is compiled to SQL once per
database engine (`_Plan`) and run with fresh parameters, selecting only the columns the
answer shows. The count query runs only when the page alone cannot tell the total (a
full page, or a page past the end). Lookups read from the replica when
DATABASE_REPLICA_URL is set (`portal.db.reading`)."""
import hashlib
import json
import re
import threading
import weakref
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from peewee import DatabaseError, PostgresqlDatabase, fn

from portal.clock import to_local
from portal.db import reading
from portal.errors import ValidationError
from portal.masking import mask_name
from portal.models import ACTIVE, LookupKey, Service, Subject
from portal.pagination import Page
from portal.validators import (format_service_number, is_filing_number_like, normalise_domain,
                               normalise_name, parse_filing_number, to_half_width)

__all__ = ["KINDS", "TYPES", "LookupResult", "guess_type", "lookup", "mask_name"]

TYPES = ("domain", "number", "subject", "service")
KINDS = ("website", "app", "miniprogram", "quickapp")
MAX_PER_PAGE = 50


@dataclass
class LookupResult:
    query: str
    type: str
    results: list
    page: int
    total: int
    per_page: int

    @property
    def pager(self):
        return Page(self.results, self.page, self.per_page, self.total)


DOT_LIKE = str.maketrans({"。": ".", "｡": ".", "．": "."})


def guess_type(q: str) -> str:
    if is_filing_number_like(q):
        return "number"
    text = to_half_width(q).translate(DOT_LIKE).strip()
    if "." in text and " " not in text:
        return "domain"
    return "subject"


def prefix_range(prefix: str) -> tuple[str, str]:
    """[prefix, successor): every string that starts with prefix, for an indexed range scan."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


# A plain ASCII host name (letters, digits, inner hyphens, no "--" in positions 3-4 as in
# xn-- labels, a TLD not all digits): its normal form is its lower case, and the IDNA
# machinery of normalise_domain can be skipped.
_PLAIN_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def _normal_domain(q: str) -> str:
    """normalise_domain(q), short-cut for the common plain ASCII spelling."""
    if len(q) <= 253 and q.isascii():
        labels = q.lower().removesuffix(".").split(".")
        if (len(labels) >= 2 and not labels[-1].isdigit()
                and all(_PLAIN_LABEL.fullmatch(label) and label[2:4] != "--"
                        for label in labels)):
            return ".".join(labels)
    return normalise_domain(q)


def _domain_candidates(q: str) -> list[str]:
    """The domain and its parents (www.a.example.cn → a.example.cn → example.cn)."""
    domain = _normal_domain(q)
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


# -- the query shapes -------------------------------------------------------------

def _unindexed(field, empty):
    """`field` as an expression no index serves. The status and application columns
    match most rows, but a planner without statistics (a SQLite database never
    ANALYZEd) takes their indexes for selective ones and scans every live record;
    hidden, the lookup keys always drive the query."""
    return fn.COALESCE(field, empty)


def _filter(type_: str, args: list):
    """The WHERE condition of a lookup of `type_`, on `args` (values or slots)."""
    live = _unindexed(LookupKey.application, 0) == 0       # ids start at 1
    if type_ == "domain":
        keys = LookupKey.select(LookupKey.service).where(
            LookupKey.key.in_(["domain", "host"]), LookupKey.value.in_(args),
            LookupKey.service.is_null(False), live)
        return Service.id.in_(keys)
    if type_ == "service":
        keys = LookupKey.select(LookupKey.service).where(
            LookupKey.key == "service_name", LookupKey.value >= args[0],
            LookupKey.value < args[1], LookupKey.service.is_null(False), live)
        return Service.id.in_(keys)
    if type_ == "subject":
        subjects = LookupKey.select(LookupKey.subject).where(
            LookupKey.key == "subject_name", LookupKey.value >= args[0],
            LookupKey.value < args[1], live)
        return Subject.id.in_(subjects)
    if type_ == "service_number":
        return Service.filing_number == args[0]
    return Subject.filing_number == args[0]          # subject_number


COLUMNS = (Service.filing_number, Service.name, Service.kind, Service.homepage,
           Service.details, Service.restricted, Service.violation, Service.approved_at,
           Subject.filing_number, Subject.name, Subject.nature)


def _query(type_: str, args: list, kind, count: bool):
    """The page query (or its count) for a shape; `kind` is a slot or None."""
    columns = [fn.COUNT(Service.id)] if count else list(COLUMNS)
    query = (Service.select(*columns).join(Subject)
             .where(_unindexed(Service.status, "") == ACTIVE,
                    _unindexed(Subject.status, "") == ACTIVE, _filter(type_, args)))
    if kind is not None:
        query = query.where(Service.kind == kind)
    return query


class _Plan:
    """SQL compiled once for a query shape; `params(values)` fills in the slots.

    The shape is built with placeholder strings ("slots") where the values go; the
    parameters peewee produces are either a slot (replaced by the value of that index)
    or a constant of the shape (such as 'active').

    On PostgreSQL the plan is also a named prepared statement: planning these queries
    costs the server several times what running them does (psycopg2 sends each query as
    text, planned afresh), so each pooled connection prepares a shape once and then only
    EXECUTEs it. SQLite's driver keeps its own cache of prepared statements."""

    def __init__(self, query, slots: list[str]):
        self.sql, params = query.sql()
        index = {slot: i for i, slot in enumerate(slots)}
        self.fill = [(index[p], None) if isinstance(p, str) and p in index else (None, p)
                     for p in params]
        if sorted(i for i, _ in self.fill if i is not None) != list(range(len(slots))):
            raise RuntimeError(f"a lookup slot is not a parameter of: {self.sql}")
        self.name = self.prepare = self.execute = None
        if isinstance(query._database, PostgresqlDatabase):
            self._prepare_statement()

    def _prepare_statement(self):
        """PREPARE text with the shape's constants written in (the planner then knows
        the key is 'domain' and the status 'active'), the slots as $n."""
        pieces, fill, args = self.sql.split("%s"), [], []
        text = pieces[0]
        for piece, (index, constant) in zip(pieces[1:], self.fill):
            if index is None and _is_plain_constant(constant):
                text += _literal(constant) + piece
            else:
                fill.append((index, constant))
                args.append("%s")
                text += f"${len(args)}" + piece
        digest = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]
        self.name = f"portal_lookup_{digest}"
        self.prepare = f"PREPARE {self.name} AS {text}"
        self.execute = f"EXECUTE {self.name} ({', '.join(args)})"
        self.fill = fill

    def params(self, values: list) -> list:
        return [value if i is None else values[i] for i, value in self.fill]


def _is_plain_constant(value) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, str) and re.fullmatch(r"[a-z_]*", value) is not None)


def _literal(value) -> str:
    return str(value) if isinstance(value, int) else f"'{value}'"


_prepared = weakref.WeakKeyDictionary()     # PostgreSQL connection -> names prepared on it
INVALID_STATEMENT_NAME = "26000"


def _execute(database, plan: _Plan, values: list):
    """Run a plan on `database` (the connection of this thread); a cursor."""
    params = plan.params(values)
    if plan.prepare is None:
        return database.execute_sql(plan.sql, params)
    for attempt in (1, 2):
        connection = database.connection()
        names = _prepared.get(connection)
        if names is None:
            # Plans made for the parameters at hand would be planned on every EXECUTE,
            # which is the cost preparing saves; the generic plans of these shapes all
            # start from the lookup-key or filing-number index. (Only named prepared
            # statements follow this setting, and only the lookup makes any.)
            database.execute_sql("SET plan_cache_mode = force_generic_plan")
            names = _prepared[connection] = set()
        if plan.name not in names:
            database.execute_sql(plan.prepare)
            names.add(plan.name)
        try:
            return database.execute_sql(plan.execute, params)
        except DatabaseError as exc:       # the session was reset (DISCARD ALL): once more
            original = getattr(exc, "orig", None)     # the driver's exception
            if attempt == 2 or getattr(original, "pgcode", None) != INVALID_STATEMENT_NAME:
                raise
            del _prepared[connection]


_plans: dict = {}
_plans_lock = threading.Lock()


def _slots(n: int) -> list[str]:
    return [f"\x00slot{i}\x00" for i in range(n)]


def _plan(database, type_: str, n_args: int, has_kind: bool, count: bool) -> _Plan:
    key = (type(database), database.param, type_, n_args, has_kind, count)
    plan = _plans.get(key)
    if plan is None:
        slots = _slots(n_args + has_kind + (0 if count else 2))
        args, rest = slots[:n_args], slots[n_args:]
        kind = rest.pop(0) if has_kind else None
        query = _query(type_, args, kind, count)
        if not count:
            query = query.order_by(Service.id).limit(rest[0]).offset(rest[1])
        plan = _Plan(query.bind(database), slots)
        with _plans_lock:
            _plans[key] = plan
    return plan


def _shape(type_: str, q: str) -> tuple[str, list]:
    """(shape, argument values) of a validated query."""
    if type_ == "domain":
        return "domain", _domain_candidates(q)
    if type_ == "number":
        parsed = parse_filing_number(q)
        if parsed.service_index:
            return "service_number", [format_service_number(
                parsed.subject_number, parsed.service_index, parsed.kind)]
        return "subject_number", [parsed.subject_number]
    return type_, list(prefix_range(normalise_name(q)))


# -- the answer -------------------------------------------------------------------

_approved_at = Service.approved_at.python_value
_local_dates: dict = {}


def _approved_on(raw) -> str:
    """The local date of an approval time (memoised: a worker sees few distinct ones)."""
    day = _local_dates.get(raw)
    if day is None:
        day = to_local(_approved_at(raw)).date().isoformat()
        if len(_local_dates) > 100_000:
            _local_dates.clear()
        _local_dates[raw] = day
    return day


def to_public(row) -> dict:
    """The public fields of one (service, subject) row; individuals' names masked."""
    (number, name, kind, homepage, details, restricted, violation, approved_at,
     subject_number, subject_name, nature) = row
    details = json.loads(details) if isinstance(details, str) else (details or {})
    return {
        "subject_filing_number": subject_number,
        "service_filing_number": number,
        "subject_name": mask_name(subject_name) if nature == "个人" else subject_name,
        "subject_nature": nature, "service_name": name,
        "service_kind": kind, "homepage": homepage,
        "domains": details.get("domains", []),
        "pre_approvals": [{"category": p["category"], "document_number": p["document_number"]}
                          for p in details.get("pre_approvals", [])],
        "restricted": bool(restricted),
        "violation": bool(violation),
        "approved_on": _approved_on(approved_at),
    }


def _run(database, type_: str, values: list, kind, page: int, per_page: int):
    """(rows, total) of one page; the count query only when the page cannot tell."""
    extra = [kind] if kind else []
    plan = _plan(database, type_, len(values), bool(kind), count=False)
    rows = _execute(database, plan, values + extra + [per_page, (page - 1) * per_page]).fetchall()
    if len(rows) < per_page and (rows or page == 1):
        return rows, (page - 1) * per_page + len(rows)
    plan = _plan(database, type_, len(values), bool(kind), count=True)
    total = _execute(database, plan, values + extra).fetchone()[0]
    return rows, total


def lookup(q: str, type_: str | None = None, kind: str | None = None, page: int = 1,
           per_page: int = 20) -> LookupResult:
    """Search the public records; raises ValidationError for a malformed query."""
    q = (q or "").strip()
    if not q or len(q) > 253:
        raise ValidationError(_l("请输入域名、备案号、主办单位名称或网站名称"), field="q")
    type_ = type_ or guess_type(q)
    if type_ not in TYPES or (kind and kind not in KINDS):
        raise ValidationError(_l("查询类型不正确"), field="type")
    page, per_page = max(int(page), 1), min(max(int(per_page), 1), MAX_PER_PAGE)
    shape, values = _shape(type_, q)
    with reading() as database:
        rows, total = _run(database, shape, values, kind, page, per_page)
    return LookupResult(q, type_, [to_public(row) for row in rows], page, total, per_page)
