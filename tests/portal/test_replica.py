"""The read replica (DATABASE_REPLICA_URL): public lookups read from it, nothing writes to it.

The primary and the replica are two SQLite files with distinct data: record A is live on
the primary only, record B on the replica only. Lookups must answer B and never A; a
run of writes through the app (logins, an ISP filing, throttled attempts) must leave
the replica untouched, and the replica's connections refuse writes outright.
"""
import hashlib
import shutil
import sqlite3

import pytest
from peewee import OperationalError

from portal import create_app, ephemeral, sample_data
from portal.db import db, has_replica, reading, replica
from portal.models import Application, Service, Subject
from portal.queue import huey
from portal.services.lookup import lookup
from portal.states import State
from tests.conftest import HUEY_URL, PG_URL
from tests.factories import PASSWORD, next_n

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="two SQLite files stand for the pair")


@pytest.fixture
def app(template_db, tmp_path):
    """The portal on a primary and a replica, both copies of the migrated template."""
    primary, second = tmp_path / "portal.db", tmp_path / "replica.db"
    shutil.copy(template_db["path"], primary)
    shutil.copy(template_db["path"], second)
    application = create_app({
        "TESTING": True, "SECRET_KEY": "test-secret-key-0123456789abcdef",
        "DATABASE_URL": f"sqlite:///{primary}", "DATABASE_REPLICA_URL": f"sqlite:///{second}",
        "HUEY_URL": HUEY_URL, "HUEY_IMMEDIATE": True, "INSTANCE_PATH": str(tmp_path),
        "SIGNING_KEY_PATH": str(template_db["key"])})
    application.config.update(PRIMARY_PATH=primary, REPLICA_PATH=second)
    ephemeral.store().clear()
    huey.flush()
    db.connect(reuse_if_open=True)
    yield application
    if not db.is_closed():
        db.close()
    db.obj.close_all()
    replica.obj.close_all()


def _retire(path, subject_id: int) -> None:
    """Make a subject and its services not live in one file (as if revoked there)."""
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE service SET status = 'revoked' WHERE subject_id = ?", (subject_id,))
        conn.execute("UPDATE subject SET status = 'revoked' WHERE id = ?", (subject_id,))
        conn.execute("DELETE FROM lookup_key WHERE subject_id = ? OR service_id IN "
                     "(SELECT id FROM service WHERE subject_id = ?)", (subject_id, subject_id))
    conn.close()


@pytest.fixture
def pair(app, make_application, isp):
    """(A, B): services live on the primary only (A) and on the replica only (B)."""
    services = []
    for _ in range(2):
        approved = make_application(state=State.APPROVED,
                                    proposal=sample_data.first_filing(next_n(), [isp.id]))
        services.append(Service.get(Service.subject == approved.subject_id))
    a, b = services
    db.close()
    db.obj.close_all()
    source = sqlite3.connect(app.config["PRIMARY_PATH"])
    target = sqlite3.connect(app.config["REPLICA_PATH"])
    source.backup(target)             # the replica catches up with the primary...
    source.close()
    target.close()
    _retire(app.config["PRIMARY_PATH"], b.subject_id)    # ...then each side diverges
    _retire(app.config["REPLICA_PATH"], a.subject_id)
    db.connect(reuse_if_open=True)
    return a, b


def _snapshot(path) -> str:
    """A digest of every row of the replica, and of its files' bytes."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    rows = "\n".join(conn.iterdump())
    conn.close()
    digest = hashlib.sha256(rows.encode())
    for file in (path, path.with_name(path.name + "-wal")):
        if file.exists():
            digest.update(file.read_bytes())
    return digest.hexdigest()


@pytest.fixture
def replica_statements():
    """Every statement run on a replica connection opened from now on."""
    seen = []
    original = replica.obj._initialize_connection

    def initialize(conn):
        original(conn)
        conn.set_trace_callback(seen.append)
    replica.obj.close_all()
    replica.obj._initialize_connection = initialize
    yield seen
    replica.obj._initialize_connection = original


def test_the_replica_is_configured_read_only(app):
    assert has_replica() and replica.obj is not db.obj
    assert Service._meta.database is db          # the models stay on the primary
    with reading() as database:
        assert database is replica.obj
        assert database.execute_sql("PRAGMA query_only").fetchone()[0] == 1


def test_the_lookup_service_reads_the_replica(pair):
    a, b = pair
    assert Service.get_by_id(a.id).status == "active"       # the primary has A...
    assert Service.get_by_id(b.id).status == "revoked"      # ...and not B
    assert [r["service_filing_number"] for r in lookup(b.details["domains"][0]).results
            ] == [b.filing_number]
    assert lookup(a.details["domains"][0]).total == 0
    assert lookup(b.filing_number).total == 1
    assert lookup(a.filing_number).total == 0
    b_subject, a_subject = Subject.get_by_id(b.subject_id), Subject.get_by_id(a.subject_id)
    assert b.filing_number in [r["service_filing_number"]
                               for r in lookup(b_subject.name, "subject").results]
    assert lookup(a_subject.name, "subject").total == 0


def test_the_lookup_api_and_page_answer_from_the_replica(client, pair):
    a, b = pair
    for q, type_ in ((b.details["domains"][0], "domain"), (b.filing_number, "number")):
        body = client.get("/api/v1/lookup", query_string={"q": q, "type": type_}).get_json()
        assert [r["service_filing_number"] for r in body["results"]] == [b.filing_number]
    for q in (a.details["domains"][0], a.filing_number):
        assert client.get("/api/v1/lookup", query_string={"q": q}).get_json()["total"] == 0
    page = client.get("/lookup", query_string={"q": b.details["domains"][0]})
    assert b.filing_number in page.get_data(as_text=True)
    page = client.get("/lookup", query_string={"q": a.details["domains"][0]})
    assert a.filing_number not in page.get_data(as_text=True)


def test_no_write_reaches_the_replica(app, client, pair, login, make_filer, make_account, isp,
                                      bearer, replica_statements):
    a, b = pair
    before = _snapshot(app.config["REPLICA_PATH"])
    applications = Application.select().count()
    filer = make_filer()
    assert login(filer.username).status_code == 302                   # a login
    client.post("/logout", data={"csrf_token": _token(client)})
    login(filer.username, password="wrong " + PASSWORD)                # a refused one
    customer = make_account("public", created_by_org=isp, created_via="isp_behalf")
    filed = client.post("/api/v1/isp/applications", headers=bearer(), json={   # a submission
        "kind": "first_filing", "customer_id": customer.id,
        "proposed": sample_data.first_filing(next_n(), [isp.id])})
    assert filed.status_code == 201, filed.get_data(as_text=True)
    for q in (a.details["domains"][0], b.details["domains"][0], b.filing_number):
        assert client.get("/api/v1/lookup", query_string={"q": q}).status_code == 200
        assert client.get("/lookup", query_string={"q": q}).status_code == 200
    assert Application.select().count() == applications + 1          # the primary took them
    assert _snapshot(app.config["REPLICA_PATH"]) == before
    heads = {s.lstrip().split(None, 1)[0].upper() for s in replica_statements}
    assert "SELECT" in heads                                          # the replica was read
    assert heads <= {"SELECT", "PRAGMA"}, replica_statements          # and only read


def _token(client) -> str:
    from tests.conftest import csrf_token
    return csrf_token(client, "/home")


def test_the_replica_refuses_writes(app, pair):
    a, _ = pair
    with reading() as database:
        with pytest.raises(OperationalError, match="readonly|read-only|read only"):
            database.execute_sql("UPDATE service SET name = 'x' WHERE id = ?", (a.id,))
        with pytest.raises(OperationalError), database.atomic():
            Service.update(name="x").where(Service.id == a.id).bind(database).execute()
