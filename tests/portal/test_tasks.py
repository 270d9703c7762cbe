"""Outbox delivery and the tasks around it: after commit only, idempotent, retried."""
import pytest

from portal import delivery, tasks
from portal.db import after_commit, transaction
from portal.models import OutboxMessage
from portal.notifications import email
from portal.states import State


class FailingAdapter:
    name = "failing"

    def send(self, message):
        raise ConnectionRefusedError("smtp refused")


class CountingAdapter:
    name = "counting"

    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append(message.message_id)


@pytest.fixture
def counting(app):
    adapter = CountingAdapter()
    saved = dict(delivery.ADAPTERS)
    delivery.set_adapter("email", adapter)
    yield adapter
    delivery.ADAPTERS.update(saved)


def test_message_is_delivered_after_commit_with_a_stable_id(counting):
    with transaction():
        message = email("a@mail.example", "s", "b")
        assert counting.sent == []          # nothing leaves before commit
    assert counting.sent == [message.message_id]
    assert OutboxMessage.get_by_id(message.id).status == "sent"


def test_a_rolled_back_transaction_enqueues_nothing(counting):
    with pytest.raises(RuntimeError):
        with transaction():
            email("a@mail.example", "s", "b")
            raise RuntimeError("boom")
    assert counting.sent == [] and OutboxMessage.select().count() == 0


def test_delivering_twice_sends_once(counting):
    with transaction():
        message = email("a@mail.example", "s", "b")
    assert delivery.deliver_message(message.id) is False
    assert counting.sent == [message.message_id]


def test_a_failing_adapter_records_the_error_and_raises(app):
    saved = dict(delivery.ADAPTERS)
    delivery.set_adapter("email", FailingAdapter())
    try:
        message = OutboxMessage.create(message_id="m1@x", channel="email", recipient="a@x",
                                       subject="s", body="b")
        with pytest.raises(ConnectionRefusedError):
            delivery.deliver_message(message.id)
    finally:
        delivery.ADAPTERS.update(saved)
    row = OutboxMessage.get_by_id(message.id)
    assert row.status == "failed" and row.attempts == 1 and "refused" in row.last_error


def test_nested_transactions_run_callbacks_once_after_the_outer_commit(app):
    calls = []
    with transaction():
        with transaction():
            after_commit(lambda: calls.append("inner"))
        assert calls == []
    assert calls == ["inner"]


def test_sweep_requeues_pending_rows(counting):
    from datetime import timedelta

    from portal import clock
    message = OutboxMessage.create(message_id="stuck@x", channel="email", recipient="a@x",
                                   created_at=clock.utcnow() - timedelta(minutes=10))
    assert tasks.sweep_outbox.call_local() == 1
    assert counting.sent == ["stuck@x"] and OutboxMessage.get_by_id(message.id).status == "sent"


def test_expire_task_returns_timed_out_sms_verifications(make_application):
    from datetime import timedelta

    from portal import clock
    app = make_application(state=State.SMS)
    clock.freeze(clock.utcnow() + timedelta(hours=25))
    try:
        assert tasks.expire_sms_verifications.call_local() == 1
        assert tasks.expire_sms_verifications.call_local() == 0
    finally:
        clock.freeze(None)
    from portal.workflow import load_application
    assert load_application(app.id).state == State.RETURNED


def test_sweep_sends_webhook_rows_to_the_webhook_task(app, monkeypatch):
    from datetime import timedelta

    from portal import clock, notifications
    calls = []
    monkeypatch.setattr(notifications, "enqueue_delivery",
                        lambda pk, channel="email": calls.append(channel))
    for channel in ("email", "webhook"):
        OutboxMessage.create(message_id=f"{channel}@x", channel=channel, recipient="r",
                             created_at=clock.utcnow() - timedelta(minutes=10))
    assert tasks.sweep_outbox.call_local() == 2 and sorted(calls) == ["email", "webhook"]
