"""The task consumer killed between sending an email and marking its outbox row sent:
a real `flask worker` (SqliteHuey, the embedded default) sends to an SMTP server that
records the message and holds back its final reply until the test has SIGKILLed the
consumer. Restarted, the consumer sends the message again with the same Message-ID, the
row ends sent, and the message queued behind it is delivered too."""
import asyncio
import email
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from portal import ROOT, tasks
from portal.db import db, transaction
from portal.mail_smtp import header_message_id
from portal.models import OutboxMessage
from portal.queue import configure_queue, huey
from tests.conftest import HUEY_URL
from tests.portal.test_delivery_smtp import free_port


class HoldingServer:
    """Records each message at DATA, then (while `hold` is set) delays its 250 reply
    until `release` is set: the sender has sent, and not yet heard it was accepted."""

    def __init__(self):
        self.messages, self.hold = [], True
        self.received, self.release = threading.Event(), threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        self.received.set()
        while self.hold and not self.release.is_set():
            await asyncio.sleep(0.05)
        return "250 OK"

    def ids(self) -> list[str]:
        return [message["Message-ID"] for message in self.messages]


def wait_for(predicate, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def outbox_row(database: Path, message_pk: int):
    with sqlite3.connect(database) as connection:
        row = connection.execute("SELECT status, attempts, adapter FROM outbox_message "
                                 "WHERE id = ?", (message_pk,)).fetchone()
    connection.close()
    return row


def outbox_rows(count: int, channel: str = "email") -> list[OutboxMessage]:
    with transaction():
        return [OutboxMessage.create(message_id=f"crash-{channel}-{n}@icp-portal",
                                     channel=channel, recipient=f"filer{n}@mail.example",
                                     subject=f"通知 {n}", body="您的备案申请状态已更新。")
                for n in range(count)]


def queue_emails(count: int) -> list[OutboxMessage]:
    """Outbox rows and their delivery tasks in the consumer's SqliteHuey file, as a web
    request leaves them after its commit."""
    rows = outbox_rows(count)
    for row in rows:
        huey.storage.enqueue(huey.serialize_task(tasks.deliver_outbox_message.s(row.id)), 0)
    return rows


def start_worker(env: dict, log: Path) -> subprocess.Popen:
    with open(log, "a") as handle:
        return subprocess.Popen([str(Path(sys.executable).parent / "flask"), "worker",
                                 "--workers", "1", "--no-periodic"], cwd=ROOT, env=env,
                                stdout=handle, stderr=subprocess.STDOUT)


@pytest.fixture
def smtp():
    server = HoldingServer()
    controller = Controller(server, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield server, controller.port
    server.release.set()
    controller.stop()


@pytest.mark.slow
@pytest.mark.sqlite_only   # the embedded default: SqliteHuey beside a SQLite database
def test_a_consumer_killed_after_sending_sends_again_with_the_same_message_id(app, tmp_path,
                                                                            smtp):
    server, port = smtp
    database = Path(app.config["DATABASE_URL"].split("sqlite:///", 1)[1])
    huey_url = f"sqlite:///{tmp_path / 'huey.db'}"
    configure_queue(huey_url)
    try:
        first, second = queue_emails(2)
    finally:
        configure_queue(HUEY_URL, immediate=True)
    db.close()
    db.obj.close_all()
    env = dict(os.environ, FLASK_APP="wsgi", INSTANCE_PATH=str(tmp_path),
               DATABASE_URL=app.config["DATABASE_URL"], HUEY_URL=huey_url, HUEY_IMMEDIATE="0",
               SECRET_KEY=app.config["SECRET_KEY"], PYTHONUNBUFFERED="1",
               SIGNING_KEY_PATH=app.config["SIGNING_KEY_PATH"],
               MAIL_URL=f"smtp://127.0.0.1:{port}?timeout=30", MAIL_FROM="icp@bureau.example")
    env.pop("TEST_DATABASE_URL", None)
    log = tmp_path / "worker.log"

    worker = start_worker(env, log)
    try:
        assert server.received.wait(30), log.read_text()
        assert outbox_row(database, first.id) == ("pending", 0, "")   # sent, not yet marked
        worker.kill()                                                # SIGKILL in the window
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert worker.returncode == -signal.SIGKILL
    server.hold = False
    server.release.set()
    assert outbox_row(database, first.id)[0] == "pending"

    worker = start_worker(env, log)
    try:
        assert wait_for(lambda: outbox_row(database, first.id)[0] == "sent"
                        and outbox_row(database, second.id)[0] == "sent", 30), log.read_text()
        worker.send_signal(signal.SIGINT)
        assert worker.wait(15) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    expected = header_message_id(first.message_id)
    assert server.ids().count(expected) == 2                     # delivered again, same id
    assert server.ids().count(header_message_id(second.message_id)) == 1
    assert outbox_row(database, first.id) == ("sent", 1, "smtp")
    assert "re-queued 1 outbox message(s)" in log.read_text()


def test_recovery_queues_exactly_the_rows_no_waiting_task_will_deliver(app, tmp_path):
    """Queued, scheduled (a retry) and batched rows are left alone; a pending row with no
    task (email or webhook) is queued again; a sent one is not; running it twice adds
    nothing."""
    configure_queue(f"sqlite:///{tmp_path / 'huey.db'}")
    try:
        queued, retrying, batched, lost_email, sent = outbox_rows(5)
        [lost_webhook] = outbox_rows(1, "webhook")
        with transaction():
            OutboxMessage.update(status="sent").where(OutboxMessage.id == sent.id).execute()
        tasks.deliver_outbox_message(queued.id)
        tasks.deliver_outbox_message.schedule((retrying.id,), delay=600)
        tasks.enqueue_deliveries([(batched.id, "email")])
        assert tasks.waiting_message_pks() == {queued.id, retrying.id, batched.id}
        assert tasks.recover_deliveries() == 2
        assert tasks.waiting_message_pks() == {queued.id, retrying.id, batched.id,
                                               lost_email.id, lost_webhook.id}
        names = {huey.serializer.deserialize(data).name.rsplit(".", 1)[-1]
                 for data in huey.storage.enqueued_items()}
        assert "deliver_webhook_message" in names
        assert tasks.recover_deliveries() == 0
    finally:
        configure_queue(HUEY_URL, immediate=True)
