"""Fixtures: an app per test on a fresh database (SQLite copy of a migrated template,
or a truncated PostgreSQL database when TEST_DATABASE_URL is set), and factories."""
import os
import re
import shutil

import pytest
from hypothesis import settings as hypothesis_settings

from portal import create_app
from portal.db import db
from tests.write_guard import WriteGuard

hypothesis_settings.register_profile("ci", max_examples=100, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
PG_URL = os.environ.get("TEST_DATABASE_URL")
if PG_URL and WORKER:   # each xdist worker gets its own database and Redis db
    PG_URL = f"{PG_URL}_{WORKER}"
HUEY_URL = os.environ.get("TEST_HUEY_URL", "memory://")
if HUEY_URL.startswith("redis") and WORKER:
    HUEY_URL = HUEY_URL.rsplit("/", 1)[0] + "/" + str(int(WORKER.lstrip("gw") or 0) + 1)


def _config(tmp, db_url, key_path):
    config = {"TESTING": True, "SECRET_KEY": "test-secret-key-0123456789abcdef",
              "DATABASE_URL": db_url, "HUEY_URL": HUEY_URL, "HUEY_IMMEDIATE": True,
              "INSTANCE_PATH": str(tmp), "SIGNING_KEY_PATH": str(key_path)}
    if HUEY_URL.startswith("redis"):   # the backend matrix: limits in Redis too
        config["LIMITS_URL"] = HUEY_URL
    return config


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """Migrate and initialise once; each test starts from a copy (SQLite) or a truncate."""
    from portal.migrate import apply_migrations
    from portal.setup_instance import init_instance
    base = tmp_path_factory.mktemp("template")
    key_path = base / "signing_key.pem"
    url = PG_URL or f"sqlite:///{base / 'template.db'}"
    app = create_app(_config(base, url, key_path))
    with app.app_context():
        if PG_URL:
            _drop_all_pg()
        apply_migrations()
        with db.connection_context():
            init_instance("山西", "晋", "山西省通信管理局", "admin", "Admin-pass-2026")
            snapshot = _snapshot() if PG_URL else None
    db.obj.close_all()
    return {"path": base / "template.db", "key": key_path, "snapshot": snapshot}


def _drop_all_pg():
    with db.connection_context():
        db.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")


def _snapshot():
    """Rows of the initialised instance, restored after each PostgreSQL truncate."""
    from portal.models import ALL_MODELS
    return {m: list(m.select().dicts()) for m in ALL_MODELS}


def _reset_pg(snapshot):
    """Empty every table and put the initialised instance back, in one transaction.
    DELETE with foreign-key triggers off (session_replication_role, the test role is a
    superuser) costs a fifth of a TRUNCATE of every table, which rewrites each file."""
    from portal.models import ALL_MODELS
    with db.atomic():
        db.execute_sql("SET LOCAL session_replication_role = replica")
        db.execute_sql("; ".join(f'DELETE FROM "{m._meta.table_name}"' for m in ALL_MODELS))
        for model, rows in snapshot.items():
            if rows:
                model.insert_many(rows).execute()
        serial = [(m._meta.table_name, m._meta.primary_key.column_name) for m in ALL_MODELS
                  if getattr(m._meta.primary_key, "field_type", "") == "AUTO"]
        db.execute_sql("SELECT " + ", ".join(
            f"setval(pg_get_serial_sequence('\"{table}\"', '{pk}'), "
            f"COALESCE((SELECT MAX({pk}) FROM \"{table}\"), 0) + 1, false)"
            for table, pk in serial))


def fresh_database_url(template_db, folder) -> str:
    """The database a test app binds: the shared PostgreSQL one, or a copy of the migrated
    SQLite template in `folder`."""
    if PG_URL:
        return PG_URL
    shutil.copy(template_db["path"], folder / "portal.db")
    return f"sqlite:///{folder / 'portal.db'}"


@pytest.fixture
def app(template_db, tmp_path):
    url = fresh_database_url(template_db, tmp_path)
    application = create_app(_config(tmp_path, url, template_db["key"]))
    guard = None if PG_URL else WriteGuard().install(db.obj)
    from portal import ephemeral
    from portal.queue import huey
    ephemeral.store().clear()
    huey.flush()   # a Redis queue outlives the test: no task or retry left from the last one
    # No app context is held open: each test-client request gets its own, as in
    # production (a shared one would carry g, the CSRF token and the locale across
    # requests). Direct database use reconnects on demand.
    db.connect(reuse_if_open=True)
    if PG_URL:
        _reset_pg(template_db["snapshot"])
    yield application
    if not db.is_closed():
        db.close()
    db.obj.close_all()
    if guard and guard.violations:
        pytest.fail("writes outside BEGIN IMMEDIATE (tests/write_guard.py):\n"
                    + "\n".join(f"  {how}: {sql} at {where}" for how, sql, where in guard.violations))


@pytest.fixture
def client(app):
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
CAPTCHA_RE = re.compile(r'name="captcha_id" type="hidden" value="([^"]+)"')


def csrf_token(client, url):
    html = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


def form_tokens(client, url) -> dict:
    """CSRF token and a solved captcha of the form at `url` (through the TESTING route)."""
    html = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(html)
    data = {"csrf_token": match.group(1) or match.group(2)}
    captcha = CAPTCHA_RE.search(html)
    if captcha:
        answer = client.get(f"/testing/captcha/{captcha.group(1)}").get_json()["answer"]
        data.update(captcha_id=captcha.group(1), captcha=answer)
    return data


@pytest.fixture
def login(client):
    """login(username, password, tenant) through the real login form."""
    def do_login(username, password=None, tenant="public"):
        prefix = {"public": "", "isp": "/isp", "bureau": "/bureau"}[tenant]
        data = form_tokens(client, f"{prefix}/login")
        data.update(username=username, password=password or PASSWORD)
        return client.post(f"{prefix}/login", data=data)
    return do_login


from tests.factories import PASSWORD  # noqa: E402
from tests.factories import *  # noqa: E402,F401,F403
