"""Crash safety: the portal runs as a real gunicorn server (two workers) on loopback while
ISP submissions (the ISP API) and bureau approvals (a logged-in reviewer's form posts)
are fired at it; the whole process group is SIGKILLed at random moments and restarted.
Afterwards every acknowledged operation is there, nothing is half-written (an approved
application has its numbers, certificates, lookup keys, audit events and email; a
submitted one its audit event), no number is issued twice, and the audit chain verifies.

The server needs no testing switch: the captcha of the bureau login is read from the
instance's own ephemeral store (the same limits.db file), as the server wrote it."""
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from portal import ROOT, sample_data
from portal.audit import verify_chain
from portal.db import db
from portal.models import (
    Application,
    AuditEvent,
    Certificate,
    FilingCounter,
    LookupKey,
    OutboxMessage,
    Service,
    Subject,
)
from portal.services import captcha
from portal.states import State
from tests.conftest import CAPTCHA_RE, CSRF_RE
from tests.factories import PASSWORD

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]

REVIEWS, CUSTOMERS = 16, 36
KILLS = ("worker", "worker", "server", "worker", "worker", "server", "worker")


class Server:
    """gunicorn in its own process group, so SIGKILL takes the master and its workers."""

    def __init__(self, env: dict, log: Path):
        self.env, self.log, self.process = env, log, None
        self.port = int(env["BIND"].rsplit(":", 1)[1])
        self.base = f"http://127.0.0.1:{self.port}"
        self.up = threading.Event()

    def start(self) -> None:
        with open(self.log, "a") as handle:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py",
                 "wsgi:app"], cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            try:
                if requests.get(self.base + "/api/v1/openapi.json", timeout=2).ok:
                    self.up.set()
                    return
            except requests.RequestException:
                time.sleep(0.1)
        raise AssertionError("gunicorn did not start:\n" + self.log.read_text()[-3000:])

    def kill(self) -> None:
        """The whole server: master and workers at once (a power cut)."""
        self.up.clear()
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def kill_worker(self) -> int:
        """One worker, in the middle of whatever it does; the master forks a new one."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        if children:
            os.kill(int(random.choice(children)), signal.SIGKILL)
        return len(children[:1])

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.kill()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Clients:
    """Threads firing operations; `acked` holds what the server acknowledged."""

    def __init__(self, server: Server, isp_id: int, token: dict, reviewer):
        self.server, self.isp_id, self.token, self.reviewer = server, isp_id, token, reviewer
        self.acked = {"submitted": {}, "approved": set()}
        self.tried = {"submit": 0, "approve": 0}
        self.stop, self.lock = threading.Event(), threading.Lock()

    def submit_all(self, customers: list) -> None:
        for n, customer_id in customers:
            if not self._wait():
                return
            self.tried["submit"] += 1
            body = {"kind": "first_filing", "customer_id": customer_id,
                    "proposed": sample_data.first_filing(n, [self.isp_id])}
            try:
                answer = requests.post(self.server.base + "/api/v1/isp/applications",
                                       json=body, headers=self.token, timeout=15)
            except requests.RequestException:
                continue                      # not acknowledged: may or may not be there
            assert answer.status_code == 201, answer.text
            with self.lock:
                self.acked["submitted"][customer_id] = answer.json()["id"]
            time.sleep(random.uniform(0.05, 0.2))

    def approve_all(self, reviews: list) -> None:
        session = requests.Session()
        for app_id, version in reviews:
            while self._wait() and not self._approve(session, app_id, version):
                pass
            time.sleep(random.uniform(0.05, 0.2))

    def _approve(self, session, app_id: int, version: int) -> bool:
        """One try; True when the approval was posted (acknowledged or not)."""
        base, posted = self.server.base, False
        try:
            if not getattr(session, "csrf", None):
                page = session.get(f"{base}/bureau/applications/{app_id}", timeout=15)
                if "/login" in page.url:
                    self._login(session)
                    return False
                session.csrf = _csrf(page.text)
            self.tried["approve"] += 1
            posted = True
            answer = session.post(f"{base}/bureau/applications/{app_id}/approve",
                                  data={"csrf_token": session.csrf, "version": version},
                                  timeout=15, allow_redirects=False)
            assert answer.status_code == 302, answer.text
            shown = session.get(base + answer.headers["Location"], timeout=15)
        except requests.RequestException:
            return posted                 # posted when killed: not acknowledged
        if "已审核通过" in shown.text:
            self.acked["approved"].add(app_id)
        return True

    def _login(self, session) -> None:
        html = session.get(self.server.base + "/bureau/login", timeout=15).text
        data = {"csrf_token": _csrf(html), "username": self.reviewer.username,
                "password": PASSWORD}
        shown = CAPTCHA_RE.search(html)
        if shown:     # the server's answer, from the instance's own ephemeral store
            data.update(captcha_id=shown.group(1), captcha=captcha.peek_answer(shown.group(1)))
        answer = session.post(self.server.base + "/bureau/login", data=data, timeout=15,
                              allow_redirects=False)
        assert answer.status_code == 302 and "/login" not in answer.headers["Location"]

    def _wait(self) -> bool:
        """Wait for the server to be up; False once the test is over."""
        while not self.stop.is_set():
            if self.server.up.wait(0.1):
                return True
        return False


def _csrf(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, html[:500]
    return match.group(1) or match.group(2)


@pytest.fixture
def world(app, make_account, make_application, reviewer, bearer, isp):
    """Applications waiting for the bureau, customers of an ISP with a token."""
    reviews = {a.id: a.version for a in (make_application(state=State.REVIEW)
                                         for _ in range(REVIEWS))}
    customers = [(7000 + i, make_account("public", created_by_org=isp.id,
                                         created_via="isp_behalf").id)
                 for i in range(CUSTOMERS)]
    return {"isp": isp, "token": bearer(), "reviews": reviews, "customers": customers,
            "reviewer": reviewer}


def test_acknowledged_work_survives_sigkill_and_nothing_is_half_written(app, world, tmp_path):
    db.close()
    db.obj.close_all()
    env = dict(os.environ, INSTANCE_PATH=str(tmp_path), DATABASE_URL=app.config["DATABASE_URL"],
               HUEY_URL=f"sqlite:///{tmp_path / 'huey.db'}", HUEY_IMMEDIATE="0",
               SECRET_KEY=app.config["SECRET_KEY"], PYTHONUNBUFFERED="1",
               SIGNING_KEY_PATH=app.config["SIGNING_KEY_PATH"], WEB_CONCURRENCY="2",
               BIND=f"127.0.0.1:{free_port()}")
    for name in ("TEST_DATABASE_URL", "TESTING", "FLASK_APP"):
        env.pop(name, None)
    server = Server(env, tmp_path / "gunicorn.log")
    clients = Clients(server, world["isp"].id, world["token"], world["reviewer"])
    customers, reviews = world["customers"], list(world["reviews"].items())
    threads = [threading.Thread(target=clients.submit_all, args=(customers[::2],)),
               threading.Thread(target=clients.submit_all, args=(customers[1::2],)),
               threading.Thread(target=clients.approve_all, args=(reviews[::2],)),
               threading.Thread(target=clients.approve_all, args=(reviews[1::2],))]
    workers_killed = 0
    try:
        server.start()
        for thread in threads:
            thread.start()
        for kill in KILLS:
            time.sleep(random.uniform(0.3, 1.2))
            if kill == "worker":
                workers_killed += server.kill_worker()
            else:
                server.kill()
                server.start()
        time.sleep(0.5)
        server.kill()                         # the last one too: nothing runs after it
    finally:
        clients.stop.set()
        for thread in threads:
            thread.join(30)
        server.stop()
    acked = clients.acked
    print(f"tried {clients.tried}, acknowledged {len(acked['submitted'])} submissions, "
          f"{len(acked['approved'])} approvals")
    assert acked["submitted"] and acked["approved"] and workers_killed
    db.connect(reuse_if_open=True)
    check_everything(acked, world)


def check_everything(acked: dict, world: dict) -> None:
    for customer_id, app_id in acked["submitted"].items():
        app = Application.get_by_id(app_id)
        assert (app.account_id, app.state) == (customer_id, State.SUBMITTED)
    customers = [customer_id for _n, customer_id in world["customers"]]
    filed = [app.account_id for app in Application.select().where(
        Application.account.in_(customers))]
    assert len(filed) == len(set(filed))                # no customer filed twice
    assert not Application.select().where(Application.state == State.DRAFT).exists()
    for app_id in acked["approved"]:
        assert Application.get_by_id(app_id).state == State.APPROVED
    for app in Application.select():
        events = {e.action for e in AuditEvent.select().where(
            AuditEvent.object_type == "application", AuditEvent.object_id == str(app.id))}
        if app.state in (State.SUBMITTED, State.SMS, State.REVIEW, State.APPROVED):
            assert "application.submit" in events, app.id
        if app.state == State.APPROVED:
            assert "application.approve" in events, app.id
            check_approved_records(app)
    for model in (Subject, Service):
        numbers = [row.filing_number for row in model.select()]
        assert len(numbers) == len(set(numbers)) and all(numbers)
    serials = [int(re.search(r"\d{4}(\d+)号", s.filing_number).group(1)) for s in Subject.select()]
    assert max(serials) <= max(c.value for c in FilingCounter.select())
    report = verify_chain()
    assert report.ok, report


def check_approved_records(app: Application) -> None:
    subject = Subject.get_by_id(app.subject_id)
    assert subject.filing_number
    services = list(Service.select().where(Service.subject == subject))
    assert services and all(service.filing_number for service in services)
    for service in services:
        assert LookupKey.select().where(LookupKey.service == service).exists()
        if service.kind == "website":
            assert Certificate.select().where(Certificate.service == service,
                                              Certificate.voided_at.is_null()).count() == 1
    assert AuditEvent.select().where(AuditEvent.object_type == "subject",
                                     AuditEvent.object_id == str(subject.id)).exists()
    assert OutboxMessage.select().where(OutboxMessage.channel == "email",
                                        OutboxMessage.subject.contains(app.reference)).exists()
