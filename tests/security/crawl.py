"""The crawl's machinery: which requests a case makes (as whom, with whose ids, expecting
what), how one is sent, and the database fingerprint that proves a refusal changed
nothing."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from portal.db import db
from portal.models import ALL_MODELS, AuditEvent
from tests.security.cases import CASES, Case, L
from tests.security.cases_staff import API_CASES, BUREAU_CASES, ISP_CASES

ALL_CASES = {**CASES, **ISP_CASES, **API_CASES, **BUREAU_CASES}
PARTY = {"filer_a": "A", "isp_a_admin": "A", "isp_a_op": "A", "isp_a_ro": "A", "tok_a": "A",
         "tok_a_read": "A", "filer_b": "B", "isp_b_admin": "B", "isp_b_op": "B", "tok_b": "B"}
OTHER = {"A": "B", "B": "A"}
ISP_ACTOR = {"admin": "admin", "operator": "op", "readonly": "ro"}
LOGIN = {"filer": "/login", "isp": "/isp/login", "bureau": "/bureau/login"}
# Audit events a refused request may append: they log the call itself (every API call
# with a valid token is audited before the view runs; see portal/web/api_auth.py), or
# the refusal (ASVS 16.3.2/V8 logging of failed authorisation).
LOGGING_ACTIONS = ("api.call",)
# Columns a refused call may touch: a token's last use is bookkeeping of the call (shown to
# the ISP admin next to each token), and the audit head follows the audit log (checked
# event by event above).
IGNORED = {"api_token": ("last_used_at",), "audit_head": "*"}


def cases_of(kind: str, method: str = "GET") -> list[str]:
    return sorted(k for k, c in ALL_CASES.items() if c.kind == kind and k.startswith(method + " "))


def rightful(case: Case, method: str = "GET") -> list[Probe]:
    """The case's positive controls: its rightful actors with their own ids."""
    return [p for p in probes(case, method) if p.expect == "ok"]


CONVERTER_ARGS = re.compile(r"<([a-z]+)\([^)]*\):")


def route_keys(app) -> set:
    """Every route as "METHOD rule", converter arguments left out
    (`<int(max=2147483647):app_id>` is `<int:app_id>`)."""
    return {m + " " + CONVERTER_ARGS.sub(r"<\1:", r.rule)
            for r in app.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"}}


# H2's second-factor routes, listed ahead of time: skipped while not in the URL map
PENDING = {f"{m} {p}" for m in ("GET", "POST") for p in (
    "/isp/two-factor", "/bureau/two-factor", "/isp/login/code", "/bureau/login/code")}


@dataclass(frozen=True)
class Probe:
    actor: str          # a key of conftest.ACTORS, or tok_a / tok_a_read / tok_b / tok_none
    party: str          # whose ids fill the request: A or B
    expect: object      # "ok", "login", "hidden", "mixed", or a status code
    mixed: bool = False  # path ids of the actor's own party, query/body ids of the other


def _role_actors(case: Case, party: str) -> tuple[list, list]:
    """(rightful, wrong-role) actors of an ISP or bureau case."""
    if case.kind == "isp":
        p = party.lower()
        every = [f"isp_{p}_{ISP_ACTOR[r]}" for r in ("admin", "operator", "readonly")
                 if p == "a" or r != "readonly"]
        right = [a for a in every if a.rsplit("_", 1)[1] in {ISP_ACTOR[r] for r in case.roles}]
    else:
        every = ["reviewer", "auditor", "admin"]
        right = [a for a in every if a in case.roles]
    return right, [a for a in every if a not in right]


def probes(case: Case, method: str) -> list[Probe]:
    """Refusals first (each must leave the database as it was), then the positive controls."""
    if case.kind == "public":
        actors = ["anon", "filer_a", "isp_a_op", "reviewer"] if method == "GET" else ["anon"]
        return [Probe(a, "A", "ok") for a in actors]
    if case.kind == "open_api":
        return [Probe("anon", "A", "ok")]
    if case.kind == "api":
        found = [Probe("tok_none", "A", 401), Probe("filer_a", "A", 401)]
        if case.roles == ("write",):
            found.append(Probe("tok_a_read", "A", 403))
        if case.owned:
            found.append(Probe("tok_b", "A", 404 if case.path else "hidden"))
        controls = [Probe("tok_a", "A", "ok"), Probe("tok_b", "B", "ok")]
        return found + controls[:2 if method == "GET" else 1]
    tenant = case.kind
    strangers = {"filer": ["isp_a_admin", "reviewer"], "isp": ["filer_a", "reviewer"],
                 "bureau": ["filer_a", "isp_a_admin"]}[tenant]
    found = [Probe("anon", "A", "login")] + [Probe(a, "A", 404) for a in strangers]
    if tenant == "filer":
        right, wrong, cross = ["filer_a"], [], "filer_b"
        mirror = ["filer_b"]
    else:
        right, wrong = _role_actors(case, "A")
        mirror, _ = _role_actors(case, "B") if tenant == "isp" else ([], [])
        cross = mirror[0] if mirror else None
    found += [Probe(a, "A", 403) for a in wrong]
    if tenant != "bureau" and case.owned:
        expect = 404 if case.cross == "404" and case.path else "hidden"
        found.append(Probe(cross, "A", expect))
        if case.path and (case.query or case.form or case.json):
            found.append(Probe(mirror[0], "B", "mixed", mixed=True))
    if method == "GET":
        return found + [Probe(a, "A", "ok") for a in right] + [Probe(a, "B", "ok") for a in mirror]
    return found + [Probe(right[0], "A", "ok")]


def resolve(value, party: str, ids: dict):
    if isinstance(value, L):
        return value.value
    if "." in value:
        scope, key = value.split(".", 1)
        return ids[scope][key]
    return ids[party][key_check(value, ids[party])]


def key_check(key, found):
    assert key in found, f"the world has no {key!r}"
    return key


def build(case: Case, rule: str, probe: Probe, ids: dict) -> tuple[str, dict, dict | None]:
    """(url, form, json) for the probe: the party's ids in path, query and body."""
    body_party = OTHER[probe.party] if probe.mixed else probe.party
    url = rule
    for name, value in case.path.items():
        url = re.sub(rf"<(?:[a-z]+:)?{name}>", str(resolve(value, probe.party, ids)), url)
    assert "<" not in url, f"unfilled path variable in {rule}"
    if case.query:
        url += "?" + urlencode({k: resolve(v, body_party, ids) for k, v in case.query.items()})
    form = {k: resolve(v, body_party, ids) for k, v in case.form.items()}
    payload = None
    if case.json is not None:
        payload = {k: resolve(v, body_party, ids) for k, v in case.json.items()}
    return url, form, payload


def send(world, case: Case, key: str, probe: Probe):
    method, rule = key.split(" ", 1)
    url, form, payload = build(case, rule, probe, world.ids)
    headers = {}
    if probe.actor.startswith("tok_"):
        client = world.client("anon")
        token = {"tok_a": ("A", "all"), "tok_a_read": ("A", "read"), "tok_b": ("B", "all")}
        if probe.actor in token:
            party, kind = token[probe.actor]
            headers["Authorization"] = f"Bearer {world.ids[party]['tokens'][kind]}"
    else:
        client = world.client(probe.actor)
        if method != "GET" and not rule.startswith("/api/"):
            form = {**form, "csrf_token": world.csrf(probe.actor)}
    if payload is not None:
        return client.open(url, method=method, json=payload, headers=headers)
    return client.open(url, method=method, data=form or None, headers=headers)


def markers_of(world, party: str) -> list[str]:
    return world.ids["markers"][party]


def login_redirect(response, case: Case) -> bool:
    location = urlsplit(response.headers.get("Location", "")).path
    return response.status_code in (302, 303) and location == LOGIN[case.kind]


# -- the fingerprint ------------------------------------------------------------------------

def fingerprint() -> dict:
    """A digest of every table's rows; the audit log as its last seq and a digest up to it."""
    found = {}
    for model in ALL_MODELS:
        table, pk = model._meta.table_name, model._meta.primary_key
        if IGNORED.get(table) == "*":
            continue
        columns = ", ".join(f'"{f.column_name}"' for f in model._meta.sorted_fields
                            if f.column_name not in IGNORED.get(table, ()))
        order = pk.column_name if pk else "1"
        rows = db.execute_sql(f'SELECT {columns} FROM "{table}" ORDER BY {order}').fetchall()
        found[table] = hashlib.sha256(repr(rows).encode()).hexdigest()
    last = AuditEvent.select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).first()
    found["_audit_seq"] = last.seq if last else 0
    return found


def changes_since(before: dict, allowed=()) -> list[str]:
    """What changed since `before`, less audit events that only log the call (and the
    `allowed` actions)."""
    after = fingerprint()
    audit = AuditEvent._meta.table_name
    changed = [t for t in before if not t.startswith("_") and t != audit
               and before[t] != after[t]]
    new = list(AuditEvent.select(AuditEvent.seq, AuditEvent.action)
               .where(AuditEvent.seq > before["_audit_seq"]).tuples())
    older = db.execute_sql(f'SELECT * FROM "{audit}" WHERE seq <= {before["_audit_seq"]} '
                           "ORDER BY seq").fetchall()
    if _digest_upto(older) != before["_audit_upto"]:
        changed.append("audit_event (rewritten)")
    quiet = LOGGING_ACTIONS + tuple(allowed)
    changed += [f"audit {action}" for _, action in new if action not in quiet]
    return changed


def _digest_upto(rows) -> str:
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def baseline() -> dict:
    found = fingerprint()
    audit = AuditEvent._meta.table_name
    rows = db.execute_sql(f'SELECT * FROM "{audit}" WHERE seq <= {found["_audit_seq"]} '
                          "ORDER BY seq").fetchall()
    found["_audit_upto"] = _digest_upto(rows)
    return found
