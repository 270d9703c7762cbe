"""The security tests' world (tests/security/world.py): built once per session (per xdist
worker), then each test gets a copy: the SQLite file and the instance folder (uploads,
audit head) copied, or on PostgreSQL the world's rows restored after a truncate.

Every actor is logged in once, through the real login form, while the world is built;
its cookie and CSRF token are kept, so a test's client is ready without a login (the
copies hold the same accounts and session generations, so the cookies stay valid)."""
import shutil
from dataclasses import dataclass, field

import peewee
import pytest
from flask import Flask

from portal import create_app
from portal.db import db
from tests.conftest import (CSRF_RE, PG_URL, _config, _reset_pg, _snapshot,
                            form_tokens, fresh_database_url)
from tests.factories import PASSWORD
from tests.security.world import build_world
from tests.write_guard import WriteGuard

# actor → (tenant, where its account id is in the world)
ACTORS = {
    "anon": None,
    "filer_a": ("public", "A", "filer"), "filer_b": ("public", "B", "filer"),
    "isp_a_admin": ("isp", "A", "isp_admin"), "isp_a_op": ("isp", "A", "isp_op"),
    "isp_a_ro": ("isp", "A", "isp_ro"),
    "isp_b_admin": ("isp", "B", "isp_admin"), "isp_b_op": ("isp", "B", "isp_op"),
    "reviewer": ("bureau", "bureau", "reviewer"), "auditor": ("bureau", "bureau", "auditor"),
    "admin": ("bureau", "bureau", "admin"),
}
PREFIX = {"public": "", "isp": "/isp", "bureau": "/bureau"}
HOME = {"public": "/home", "isp": "/isp/", "bureau": "/bureau/"}


def _log_in(app: Flask, ids: dict, actor: str) -> dict:
    """Log `actor` in through its tenant's form; its session cookie and a CSRF token."""
    client = app.test_client()
    spec = ACTORS[actor]
    if spec is None:
        html = client.get("/login").get_data(as_text=True)
    else:
        tenant, party, key = spec
        from portal.models import Account
        username = Account.get_by_id(ids[party][key]).username
        prefix = PREFIX[tenant]
        data = form_tokens(client, f"{prefix}/login")
        data.update(username=username, password=PASSWORD)
        response = client.post(f"{prefix}/login", data=data)
        assert response.status_code == 302, (actor, response.status_code)
        html = client.get(HOME[tenant]).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token for {actor}"
    cookie = client.get_cookie("session")
    return {"cookie": cookie.value, "csrf": match.group(1) or match.group(2)}


@pytest.fixture(scope="session")
def world_template(template_db, tmp_path_factory):
    base = tmp_path_factory.mktemp("world")
    url = fresh_database_url(template_db, base)
    app = create_app(_config(base, url, template_db["key"]))
    db.connect(reuse_if_open=True)
    if PG_URL:
        _reset_pg(template_db["snapshot"])
    with app.app_context():
        ids = build_world()
    db.close()
    sessions = {actor: _log_in(app, ids, actor) for actor in ACTORS}
    db.connect(reuse_if_open=True)
    snapshot = _snapshot() if PG_URL else None
    digests = table_digests() if PG_URL else None
    db.close()
    db.obj.close_all()
    for leftover in base.glob("limits.db*"):
        leftover.unlink()
    return {"base": base, "url": url, "key": template_db["key"], "ids": ids,
            "sessions": sessions, "snapshot": snapshot, "digests": digests}


def table_digests() -> dict:
    """model → a digest of all its rows (PostgreSQL: which tables a test changed)."""
    from portal.models import ALL_MODELS
    found = {}
    for model in ALL_MODELS:
        pk = model._meta.primary_key
        order = pk.column_name if pk else "1"
        rows = db.execute_sql(f'SELECT * FROM "{model._meta.table_name}" ORDER BY {order}')
        found[model] = hash(repr(rows.fetchall()))
    return found


def _reset_changed_pg(world_template) -> None:
    """Put back only the tables the last world test changed: a TRUNCATE of every table
    (tests/conftest.py's _reset_pg) costs PostgreSQL a file sync per table. Foreign keys
    are not checked while the rows go back (replica role; the portal role is a superuser)
    since the other tables already hold the world's rows."""
    snapshot, digests = world_template["snapshot"], world_template["digests"]
    changed = [m for m, d in table_digests().items() if digests[m] != d]
    if not changed:
        return
    try:
        with db.atomic():
            db.execute_sql("SET LOCAL session_replication_role = replica")
            for model in changed:
                db.execute_sql(f'DELETE FROM "{model._meta.table_name}"')
                if snapshot[model]:
                    model.insert_many(snapshot[model]).execute()
    except peewee.DatabaseError:   # not a superuser: the slow way
        _reset_pg(snapshot)


@dataclass
class World:
    app: Flask
    ids: dict
    sessions: dict
    clients: dict = field(default_factory=dict)

    def client(self, actor: str):
        """A test client carrying `actor`'s session (one per actor and test)."""
        if actor not in self.clients:
            client = self.app.test_client()
            client.set_cookie("session", self.sessions[actor]["cookie"])
            self.clients[actor] = client
        return self.clients[actor]

    def csrf(self, actor: str) -> str:
        return self.sessions[actor]["csrf"]


_LIVE = {}   # the app of the last world test: reused while no other app was made since


def _restore(world_template, instance) -> None:
    """Put the world's database files, uploads and audit head back in `instance`."""
    base = world_template["base"]
    for path in instance.glob("portal.db*"):
        path.unlink()
    for path in base.glob("portal.db*"):
        shutil.copy(path, instance / path.name)
    shutil.rmtree(instance / "uploads", ignore_errors=True)
    shutil.copytree(base / "uploads", instance / "uploads")
    shutil.copy(base / "audit_head", instance / "audit_head")


def _live_app(world_template, tmp_path_factory):
    """The Flask app for this test: building one costs a fifth of a second (its URL map),
    so the last one is reused, its files restored, unless another test has made an app
    since (create_app rebinds the database, uploads, audit head and limits globally)."""
    if _LIVE and _LIVE["db"] is db.obj:
        _restore(world_template, _LIVE["instance"])
        _LIVE["reused"] = True
        if _LIVE["guard"]:
            _LIVE["guard"].violations.clear()
        return _LIVE["app"], _LIVE["guard"]
    instance = tmp_path_factory.mktemp("world-live")
    shutil.rmtree(instance)
    shutil.copytree(world_template["base"], instance)
    url = world_template["url"] if PG_URL else f"sqlite:///{instance / 'portal.db'}"
    application = create_app(_config(instance, url, world_template["key"]))
    guard = None if PG_URL else WriteGuard().install(db.obj)
    _LIVE.update(app=application, db=db.obj, instance=instance, guard=guard, reused=False)
    return application, guard


@pytest.fixture
def world(world_template, tmp_path_factory):
    application, guard = _live_app(world_template, tmp_path_factory)
    from portal import ephemeral
    from portal.queue import huey
    ephemeral.store().clear()
    huey.flush()
    db.connect(reuse_if_open=True)
    if PG_URL and _LIVE["reused"]:
        _reset_changed_pg(world_template)
    elif PG_URL:
        _reset_pg(world_template["snapshot"])
    yield World(application, world_template["ids"], world_template["sessions"])
    if not db.is_closed():
        db.close()
    db.obj.close_all()
    if guard and guard.violations:
        pytest.fail("writes outside BEGIN IMMEDIATE (tests/write_guard.py):\n"
                    + "\n".join(f"  {how}: {sql} at {where}"
                                for how, sql, where in guard.violations))
