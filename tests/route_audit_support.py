"""What the route-audit cases (tests/route_audit_cases_*.py, run by
tests/tenants/test_route_audit.py) share: which tables hold domain objects, a snapshot
diff of the database around one request, and `check_request`, which sends one case's
request and asserts:

- the answer is 2xx/3xx;
- a domain object changed (or, for a route in NO_STATE_CHANGE, none did);
- every changed domain object has a new audit event naming it (or its parent, for the
  tables that are parts of one object, e.g. a service's IP addresses);
- (SQLite only) each such event was written in a transaction that also wrote the
  object's table, and every transaction that wrote a domain table wrote an audit event
  (the statements come from tests/route_audit_trace.py; tables, not rows: a transaction
  counts as writing a table when any statement in it does).
"""
import re
from dataclasses import dataclass

from portal.db import db
from portal.models import ALL_MODELS, AuditEvent
from tests.conftest import csrf_token
from tests.route_audit_forms import form_values

# -- which tables are domain objects ------------------------------------------------------
# table → the columns naming a parent object whose audit event also covers a changed row
# (a row of a part table such as service_ip belongs to its service). Every domain row may
# always be named itself, by its model name in lower case or its table name.
DOMAIN = {
    "instance_settings": (), "working_day_override": (), "enumeration": (),
    "isp_organisation": (), "account": (),
    "subject": (), "service": (),
    "service_ip": (("service_id", "service"),),
    "access_link": (("service_id", "service"),),
    "certificate": (("service_id", "service"),),
    "authorisation_code": (("service_id", "service"),),
    "record_flag": (("service_id", "service"), ("subject_id", "subject")),
    "blacklist_entry": (),
    "pre_approval_document": (("service_id", "service"),),
    "application": (),
    "application_isp": (("application_id", "application"),),
    "sms_verification": (("application_id", "application"),),
    "written_application": (),
    "announcement": (),
    "api_token": (), "webhook": (), "import_job": (),
}
# Derived or bookkeeping tables: rebuilt from, or written because of, a domain change that
# carries the audit event; changes here need no event of their own.
DERIVED = {
    "verification_code": "single-use codes sent by mail or SMS; expire on their own",
    "lookup_key": "normalised search keys rebuilt from the records on every change",
    "filing_counter": "the next filing number of a year (numbering bookkeeping)",
    "record_version": "a snapshot of the record written with each audited change",
    "outbox_message": "messages to send, written with the change that caused them",
    "site_check_finding": "observations of live sites, replaced by each check",
    "task_run": "when a periodic task last ran",
    "audit_event": "the audit log itself",
    "audit_head": "the audit log's head",
}
# Columns of domain tables that are bookkeeping: an UPDATE setting only these is no
# change of the object. An import job's progress and outcome are written by the job runner
# (portal/services/imports.py); the rows it creates carry their own events.
BOOKKEEPING = {
    "import_job": {"status", "done", "total", "finished_at", "errors"},
    # how many filing numbers were issued (numbering bookkeeping, as filing_counter)
    "instance_settings": {"numbers_issued"},
    # the number of the record's latest version (record_version bookkeeping): a change to
    # one service bumps it and is audited on the service
    "subject": {"version"},
    # when a token was last used (at most once a minute); each call has its api.call event
    "api_token": {"last_used_at"},
    # the last accepted second-factor time step (a replay guard); the login it completes
    # is audited
    "account": {"totp_last_step"},
}
# Rows of domain tables that are derived: shell flags are recomputed from the record on
# every change (portal.services.flags.refresh_shell_flags), like the lookup keys.
DERIVED_ROWS = {"record_flag": lambda row: row["kind"] == "shell"}
MODEL_BY_TABLE = {m._meta.table_name: m for m in ALL_MODELS}


def object_names(table: str, row: dict) -> set[tuple[str, str]]:
    """The (object_type, object_id) pairs of which one audit event must name this row."""
    model = MODEL_BY_TABLE[table]
    own = str(row[model._meta.primary_key.column_name])
    names = {(model.__name__.lower(), own), (table, own)}
    for column, parent in DOMAIN[table]:
        if row.get(column) is not None:
            names |= {(parent, str(row[column]))}
    return names


# -- snapshot and diff --------------------------------------------------------------------
def snapshot() -> dict:
    """Every row of every domain table: {table: {primary key: row dict}}."""
    out = {}
    for table in DOMAIN:
        model = MODEL_BY_TABLE[table]
        pk = model._meta.primary_key.column_name
        cursor = db.execute_sql(f'SELECT * FROM "{table}"')   # nosec B608 - model names
        columns = [c[0] for c in cursor.description]
        out[table] = {row[pk]: row for row in (dict(zip(columns, r)) for r in cursor)}
    return out


@dataclass
class Change:
    table: str
    key: object
    how: str           # inserted, updated or deleted
    row: dict
    old: dict | None = None

    def __str__(self):
        if self.how != "updated":
            return f"{self.how} {self.table} {self.key}"
        columns = sorted(k for k in self.row if self.row[k] != self.old.get(k))
        return f"updated {self.table} {self.key} ({', '.join(columns)})"


def diff(before: dict, after: dict) -> list[Change]:
    changes = []
    for table, rows in after.items():
        old = before[table]
        if table in DERIVED_ROWS:
            rows, old = _domain_rows(table, rows), _domain_rows(table, old)
        changes += [Change(table, k, "inserted", r) for k, r in rows.items() if k not in old]
        changes += [Change(table, k, "updated", r, old[k]) for k, r in rows.items()
                    if k in old and _domain_part(table, old[k]) != _domain_part(table, r)]
        changes += [Change(table, k, "deleted", r) for k, r in old.items() if k not in rows]
    return changes


def _domain_rows(table: str, rows: dict) -> dict:
    derived = DERIVED_ROWS[table]
    return {k: r for k, r in rows.items() if not derived(r)}


def _domain_part(table: str, row: dict) -> dict:
    skip = BOOKKEEPING.get(table, ())
    return {k: v for k, v in row.items() if k not in skip}


FLASH_RE = re.compile(r'<div class="flash [^"]*"[^>]*>([^<]*)</div>')


# -- one case -----------------------------------------------------------------------------
@dataclass
class Req:
    """The valid state-changing request a case sends."""
    url: str
    data: dict | None = None
    method: str = "POST"
    json: object = None
    headers: dict | None = None
    content_type: str | None = None


def case_registry():
    """(CASES, case): `@case(rule)` registers a case function for a URL rule."""
    cases = {}

    def case(rule):
        def register(func):
            cases[rule] = func
            return func
        return register
    return cases, case


class World:
    """What a case gets: the client, `login`, any fixture by name, and form helpers."""

    def __init__(self, request, client, login):
        self.request, self.client, self._login = request, client, login

    def __getattr__(self, name):
        return self.request.getfixturevalue(name)

    def login(self, account, tenant=None):
        tenant = tenant or account.tenant
        response = self._login(account.username, tenant=tenant)
        if response.status_code != 302:
            said = FLASH_RE.findall(response.get_data(as_text=True))
            raise AssertionError(f"login of {account.username} failed: {said}")
        return account

    def form(self, page: str, action: str | None = None, **overrides) -> dict:
        """The form on `page` that posts to `action` (default: the page), as a browser
        would send it, with `overrides` (a value None removes the field)."""
        html = self.client.get(page).get_data(as_text=True)
        values = form_values(html, page, action or page)
        for name, value in overrides.items():
            name = name.replace("__", "-")
            if value is None:
                values.pop(name, None)
            else:
                values[name] = value
        return values

    def csrf(self, page: str) -> dict:
        return {"csrf_token": csrf_token(self.client, page)}


def send(client, req: Req):
    kwargs = {"headers": req.headers or {}}
    if req.json is not None:
        kwargs["json"] = req.json
    elif req.data is not None:
        kwargs["data"] = req.data
    if req.content_type:
        kwargs["content_type"] = req.content_type
    return client.open(req.url, method=req.method, **kwargs)


def last_seq() -> int:
    return AuditEvent.select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).scalar() or 0


def check_request(client, recorder, req: Req, no_change_reason: str | None):
    """Send `req` and assert the route audits what it changes (see the module docstring)."""
    before, seq0 = snapshot(), last_seq()
    if recorder:
        recorder.recording, recorder.transactions = True, []
    try:
        response = send(client, req)
    finally:
        if recorder:
            recorder.recording = False
    status = response.status_code
    response.close()
    assert status < 400, f"{req.method} {req.url} answered {status}"
    changes = diff(before, snapshot())
    if no_change_reason:
        assert not changes, f"listed as changing nothing ({no_change_reason}), but: {changes}"
        return
    assert changes, "the request changed no domain object: the case proves nothing"
    events = list(AuditEvent.select().where(AuditEvent.seq > seq0).order_by(AuditEvent.seq))
    matched = _match_events(changes, events)
    if recorder:
        _check_transactions(recorder.transactions, matched, seq0)


def _match_events(changes, events) -> list[tuple[Change, list]]:
    """Each change with the new events naming it; fails on a change that has none."""
    named = {}
    for event in events:
        named.setdefault((event.object_type, event.object_id), []).append(event)
    matched, missing = [], []
    for change in changes:
        found = [e for n in object_names(change.table, change.row) for e in named.get(n, [])]
        if found:
            matched.append((change, found))
        else:
            missing.append(str(change))
    assert not missing, ("changed without an audit event naming it: " + ", ".join(missing)
                         + f"; events: {[(e.action, e.object_type, e.object_id) for e in events]}")
    return matched


def _check_transactions(transactions, matched, seq0):
    """Each transaction that wrote a domain table wrote an audit event; each change has an
    event naming it in a transaction that wrote the changed table."""
    for tx in transactions:
        domain = tx.tables & set(DOMAIN)
        assert not domain or "audit_event" in tx.tables, (
            f"a transaction ({tx.begin}) wrote {sorted(domain)} without an audit event")
    spans, low = [], seq0
    for tx in transactions:
        if tx.head_seq is not None:
            spans.append((low, tx.head_seq, tx))
            low = tx.head_seq
    for change, events in matched:
        tables = [t.tables for e in events for lo, hi, t in spans if lo < e.seq <= hi]
        assert any(change.table in written for written in tables), (
            f"{change} and its events {[e.action for e in events]} were written in "
            f"different transactions")


# -- routes that change no domain object ----------------------------------------------------
# Each still has a case: its request must succeed and leave every domain table unchanged.
NO_STATE_CHANGE = {
    "/cert-check": "checks an uploaded or pasted certificate; reads only",
    "/statement/verify": "checks a pasted record statement; reads only",
    "/verify/resend": "new identity codes and their messages (derived tables) only",
    "/password/forgot": "a reset code and its email (derived tables) only",
    "/username/forgot": "an email with the username (outbox) only",
    "/record/services/<int:service_id>/check-site":
        "fetches the live site and stores what it found (derived findings) only",
    "/bureau/audit/verify": "runs the chain check; writes only its own audit event",
    "/bureau/annual/remind": "sends the reminders (outbox) and audits the run",
    "/bureau/mailbox/<int:message_id>/retry": "queues a failed message again (outbox), audited",
    "/api/v1/isp/webhooks/<int:webhook_id>/test": "queues a test event (outbox) and audits it",
    "/isp/webhooks/<int:webhook_id>/test": "queues a test event (outbox) and audits it",
    "/isp/webhooks/deliveries/<int:message_id>/retry":
        "queues a failed delivery again (outbox) and audits it",
}
