"""A live portal on loopback and headless Chromium (Debian's, driven by Playwright)."""
import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from portal import create_app
from portal.db import db
from tests.conftest import _config

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
ARTIFACTS = os.path.join(os.path.dirname(__file__), "..", "..", "test-artifacts")


@pytest.fixture
def live_server(template_db, tmp_path):
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("browser tests run once, on SQLite")
    shutil.copy(template_db["path"], tmp_path / "portal.db")
    app = create_app(_config(tmp_path, f"sqlite:///{tmp_path / 'portal.db'}", template_db["key"]))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()
    db.obj.close_all()


@pytest.fixture
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/browser.sh")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def shoot(request):
    """shoot(page, name): save a screenshot under test-artifacts/<test name>/."""
    folder = os.path.join(ARTIFACTS, request.node.name)
    os.makedirs(folder, exist_ok=True)

    def take(page, name):
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)
    return take
