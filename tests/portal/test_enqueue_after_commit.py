"""Nothing is enqueued before its transaction commits (portal.db.after_commit).

The queue runs in its ordinary, non-immediate mode here, so what a request enqueued can
be read back from it. A request that writes outbox messages (and schedules their
delivery) and then fails leaves no task queued and no message; the same request
committed queues exactly one delivery per message it wrote."""
import pytest

from portal import notifications
from portal.db import transaction
from portal.models import Application, OutboxMessage
from portal.queue import huey
from portal.services import sms_checks
from portal.states import State


@pytest.fixture
def queue(app, monkeypatch):
    """The app's queue, holding tasks instead of running them inline."""
    monkeypatch.setattr(huey, "_immediate", False)
    huey.flush()
    yield huey
    huey.flush()


def queued(queue) -> list[tuple[str, tuple]]:
    return sorted((task.name, task.args) for task in queue.pending())


def deliveries_of(messages) -> list[tuple[str, tuple]]:
    return sorted(("deliver_outbox_message", (m.id,)) for m in messages)


def new_messages(since: int) -> list:
    return list(OutboxMessage.select().where(OutboxMessage.id > since))


def last_message_id() -> int:
    last = OutboxMessage.select().order_by(OutboxMessage.id.desc()).first()
    return last.id if last else 0


class Crash(Exception):
    """A fault after the transaction has written and scheduled its messages."""


@pytest.fixture
def submitted(make_application, queue):
    """An application waiting for its ISP's verification, and nothing queued yet."""
    app = make_application(state=State.SUBMITTED)
    queue.flush()
    return app


def verify(client, bearer, app):
    return client.post(f"/api/v1/isp/applications/{app.id}/verify",
                       json={"version": app.version}, headers=bearer())


def test_a_request_rolled_back_after_scheduling_queues_nothing(app, client, bearer, submitted,
                                                               queue, monkeypatch):
    start_checks, seen = sms_checks.start_checks, []

    def send_codes_then_crash(application, proposal):
        seen.append(start_checks(application, proposal))   # SMS codes written and scheduled
        raise Crash()
    monkeypatch.setattr(sms_checks, "start_checks", send_codes_then_crash)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    before = last_message_id()
    assert verify(client, bearer, submitted).status_code == 500
    assert seen and seen[0] > 0, "the request did reach the point where it enqueues"
    assert queued(queue) == []
    assert new_messages(before) == []
    assert Application.get_by_id(submitted.id).state == State.SUBMITTED


def test_the_same_request_committed_queues_exactly_its_deliveries(client, bearer, submitted,
                                                                  queue):
    before = last_message_id()
    assert verify(client, bearer, submitted).status_code == 200
    messages = new_messages(before)
    assert {m.channel for m in messages} == {"sms", "email"}     # codes and the filer's email
    assert queued(queue) == deliveries_of(messages)


def test_a_rolled_back_service_call_queues_nothing_and_a_committed_one_queues_once(app, queue):
    before = last_message_id()
    with pytest.raises(Crash), transaction():
        notifications.email("filer@mail.example", "主题", "正文")
        with transaction():                     # a nested unit of work: a savepoint
            notifications.sms("13900000000", "核验码为 123456")
        raise Crash()
    assert queued(queue) == [] and new_messages(before) == []
    with transaction():
        notifications.email("filer@mail.example", "主题", "正文")
        with transaction():
            notifications.sms("13900000000", "核验码为 123456")
        assert queued(queue) == [], "enqueued before the outer transaction committed"
    assert queued(queue) == deliveries_of(new_messages(before))


def test_a_failed_savepoint_drops_its_tasks_and_keeps_the_outer_ones(app, queue):
    before = last_message_id()
    with transaction():
        kept = notifications.email("filer@mail.example", "主题", "正文")
        with pytest.raises(Crash), transaction():
            notifications.sms("13900000000", "核验码为 123456")
            raise Crash()
    assert new_messages(before) == [kept]
    assert queued(queue) == deliveries_of([kept])
