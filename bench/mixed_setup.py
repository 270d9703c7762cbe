"""Setup for bench/mixed.py, run in-process on the copy of the data set: the signing key,
one write token per ISP, customers to file for, a reviewer's session, and the prebuilt
write requests; plus the read-only counts that say how many writes committed."""
import itertools
import json
import sqlite3
from pathlib import Path

from bench.harness import request

CUSTOMER_BASE = 7_000_000     # sample_data index of generated filings: far from the data set's


def build_writes(app, each: int) -> dict:
    """Requests for `each` submissions, verifications and approvals, interleaved."""
    from portal.db import transaction
    _install_key(app)
    with transaction():
        tokens = _tokens()
        submits, max_id = _submissions(tokens, each)
        verifies, verify_ids = _verifications(tokens, each)
    approves, approve_ids = _approvals(app, each)
    mixed = [r for trio in itertools.zip_longest(submits, verifies, approves)
             for r in trio if r is not None]
    return {"requests": mixed, "max_app_id": max_id, "verify_ids": verify_ids,
            "approve_ids": approve_ids}


def _install_key(app) -> None:
    """A fresh signing key for this copy, its public half in the instance settings."""
    from portal import keys
    from portal.db import transaction
    from portal.models import InstanceSettings
    keys.create_signing_key(app.config["SIGNING_KEY_PATH"])
    with transaction():
        InstanceSettings.update(public_key_pem=keys.public_key_pem()).execute()


def _tokens() -> dict:
    """{isp_id: bearer value} for every ISP with an admin account."""
    from portal.models import Account, IspOrganisation
    from portal.services.api_tokens import create_token
    tokens = {}
    for isp in IspOrganisation.select().order_by(IspOrganisation.id):
        admin = (Account.select().where(Account.organisation == isp.id, Account.role == "admin")
                 .first())
        if admin is not None:
            tokens[isp.id] = create_token(isp.id, admin, "mixed-bench", ["read", "write"])[1]
    return tokens


def _api(path: str, token: str, payload: dict) -> bytes:
    return request(path, method="POST", body=json.dumps(payload, ensure_ascii=False).encode(),
                   headers={"Authorization": f"Bearer {token}",
                            "Content-Type": "application/json"})


def _submissions(tokens: dict, each: int):
    """`each` new customers (created by their ISP, as an on-behalf filing does) and a
    first filing for each."""
    from portal import sample_data
    from portal.models import Account, Application
    from portal.services.accounts import hash_password
    isps = list(tokens)
    password = hash_password("Bench-pass-2026")
    rows = [{"username": f"mixed{n}", "tenant": "public", "role": "filer",
             "password_hash": password, "created_by_org": isps[n % len(isps)],
             "created_via": "isp_behalf", "mobile_verified": True, "email_verified": True, "identity_verified": True,
             "mobile": f"139{n:08d}"[-11:], "email": f"mixed{n}@bench.example"}
            for n in range(each)]
    for start in range(0, len(rows), 500):
        Account.insert_many(rows[start:start + 500]).execute()
    ids = {a.username: a.id for a in Account.select(Account.id, Account.username)
           .where(Account.username.startswith("mixed"))}
    requests = []
    for n, row in enumerate(rows):
        isp = row["created_by_org"]
        proposed = sample_data.first_filing(CUSTOMER_BASE + n, [isp])
        requests.append(_api("/api/v1/isp/applications", tokens[isp],
                             {"kind": "first_filing", "customer_id": ids[row["username"]],
                              "proposed": proposed}))
    max_id = Application.select(Application.id).order_by(Application.id.desc()).scalar() or 0
    return requests, max_id


def _verifications(tokens: dict, each: int):
    """Submitted applications, each verified by an ISP it names."""
    from portal.models import Application, ApplicationIsp
    query = (Application.select(Application.id, Application.version, ApplicationIsp.isp)
             .join(ApplicationIsp, on=(ApplicationIsp.application == Application.id))
             .where(Application.state == "submitted").order_by(Application.id).limit(each * 2)
             .tuples())
    requests, ids = [], []
    for app_id, version, isp in query:
        if app_id in ids or isp not in tokens:
            continue
        requests.append(_api(f"/api/v1/isp/applications/{app_id}/verify", tokens[isp],
                             {"version": version}))
        ids.append(app_id)
        if len(ids) == each:
            break
    return requests, ids


def _approvals(app, each: int):
    """Applications in review without a conflict, approved by one reviewer through the
    bureau's form (a signed session cookie and CSRF token made here, as a login would)."""
    from portal.models import Account, Application
    reviewer = Account.select().where(Account.tenant == "bureau", Account.role == "reviewer",
                                      Account.is_active == True).first()   # noqa: E712
    cookie, csrf = _session(app, reviewer)
    rows = (Application.select(Application.id, Application.version)
            .where(Application.state == "bureau_review", Application.in_conflict == False)  # noqa: E712
            .order_by(Application.id).limit(each).tuples())
    requests, ids = [], []
    for app_id, version in rows:
        body = f"csrf_token={csrf}&version={version}".encode()
        requests.append(request(f"/bureau/applications/{app_id}/approve", method="POST",
                                body=body, headers={
                                    "Cookie": f"session={cookie}",
                                    "Content-Type": "application/x-www-form-urlencoded"}))
        ids.append(app_id)
    return requests, ids


def _session(app, account) -> tuple[str, str]:
    from flask import session
    from flask_login import login_user
    from flask_wtf.csrf import generate_csrf
    with app.test_request_context("/bureau/", environ_base={"REMOTE_ADDR": "127.0.0.1"},
                                  headers={"User-Agent": "portal-bench"}):
        login_user(account)
        csrf = generate_csrf()
        cookie = app.session_interface.get_signing_serializer(app).dumps(dict(session))
    return cookie, csrf


# --------------------------------------------------------------------------- reading

def committed_writes(db_path: Path, plan: dict) -> int:
    """How many of the planned writes the database shows as done."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        done = conn.execute("SELECT count(*) FROM application WHERE id > ?",
                            (plan["max_app_id"],)).fetchone()[0]
        done += _count_in(conn, "state != 'submitted'", plan["verify_ids"])
        done += _count_in(conn, "state = 'approved'", plan["approve_ids"])
        return done
    finally:
        conn.close()


def _count_in(conn, condition: str, ids: list[int]) -> int:
    total = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        total += conn.execute(f"SELECT count(*) FROM application WHERE {condition} "
                              f"AND id IN ({marks})", chunk).fetchone()[0]
    return total


def lookup_paths(db_path: Path, count: int) -> list[str]:
    """Lookup API and page paths for existing domains, numbers and subject names."""
    from urllib.parse import quote
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        keys = conn.execute("SELECT key, value FROM lookup_key WHERE application IS NULL "
                            "AND key IN ('domain', 'subject_name') AND id % 997 = 0 "
                            "LIMIT ?", (count,)).fetchall()
    finally:
        conn.close()
    paths = []
    for n, (key, value) in enumerate(keys):
        q = quote(value)
        paths.append(f"/api/v1/lookup?q={q}" if n % 4 else f"/lookup?q={q}")
    return paths
