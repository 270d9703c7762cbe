"""Webhooks: signed events written with the change, delivered at least once through the
outbound guard to a receiver on loopback that checks every signature."""
import json
import time

import pytest

from portal import delivery, notifications, outbound, tasks, workflow
from portal.db import transaction
from portal.errors import NotFound, Refused, ValidationError
from portal.models import Application, AuditEvent, OutboxMessage, Webhook
from portal.services import webhooks
from portal.states import State
from tests.sites import PUBLIC_IP, resolver_to

PUBLIC = resolver_to(PUBLIC_IP)


@pytest.fixture
def enqueued(monkeypatch):
    """Deliveries scheduled after commit are recorded instead of run."""
    calls = []
    monkeypatch.setattr(notifications, "enqueue_delivery", lambda pk, channel="email": calls.append(
        (pk, channel)))
    return calls


def hook_for(isp, url="https://hooks.isp.example/icp", **kwargs):
    hook, _secret = webhooks.register_webhook(isp.id, isp.admin, url, resolver=PUBLIC, **kwargs)
    return hook


def webhook_rows():
    return list(OutboxMessage.select().where(OutboxMessage.channel == "webhook")
                .order_by(OutboxMessage.id))


# -- signatures -------------------------------------------------------------

def test_signed_headers_verify_and_any_change_fails():
    body = b'{"id":"evt_1"}'
    headers = webhooks.signed_headers("whsec_k", "evt_1", body)
    stamp, signature = headers["X-ICP-Timestamp"], headers["X-ICP-Signature"]
    assert headers["X-ICP-Event-Id"] == "evt_1" and signature.startswith("sha256=")
    assert webhooks.verify_signature("whsec_k", stamp, body, signature)
    assert webhooks.verify_signature("whsec_k", stamp, body.decode(), signature)
    assert not webhooks.verify_signature("whsec_other", stamp, body, signature)
    assert not webhooks.verify_signature("whsec_k", stamp, body + b" ", signature)
    assert not webhooks.verify_signature("whsec_k", str(int(stamp) + 1), body, signature)
    for bad in (None, "", "sha256=", "sha256=ü", signature.upper()):
        assert not webhooks.verify_signature("whsec_k", stamp, body, bad)
    for bad_stamp in (None, "", "-1", "1e9", "١٢٣"):
        assert not webhooks.verify_signature("whsec_k", bad_stamp, body, signature)


def test_an_old_timestamp_is_refused():
    body = b"{}"
    old = int(time.time()) - 301
    headers = webhooks.signed_headers("whsec_k", "evt_1", body, timestamp=old)
    assert not webhooks.verify_signature("whsec_k", str(old), body, headers["X-ICP-Signature"])
    assert webhooks.verify_signature("whsec_k", str(old), body, headers["X-ICP-Signature"],
                                     tolerance=600)


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body():
    import hashlib
    import hmac
    expected = hmac.new(b"s", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert webhooks.signed_headers("s", "e", b"{}", timestamp=1700000000)[
        "X-ICP-Signature"] == f"sha256={expected}"


# -- registration -----------------------------------------------------------

def test_register_returns_a_secret_once_and_audits_without_it(isp):
    hook, secret = webhooks.register_webhook(isp.id, isp.admin, " https://hooks.isp.example/a ",
                                             resolver=PUBLIC)
    assert secret.startswith("whsec_") and len(secret) > 40
    assert hook.url == "https://hooks.isp.example/a" and hook.is_active
    assert Webhook.get_by_id(hook.id).secret == secret
    event = AuditEvent.get(AuditEvent.action == "webhook.create")
    assert secret not in json.dumps(event.after)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/hook", "http://localhost:8080/", "http://[::1]/", "http://10.0.0.5/",
    "http://192.168.1.1/x", "http://169.254.169.254/latest", "http://[::ffff:127.0.0.1]/",
    "ftp://hooks.example/", "https://user:pw@hooks.example/", "", "https://" + "a" * 260])
def test_private_loopback_and_malformed_urls_are_refused(isp, url):
    with pytest.raises(ValidationError) as refused:
        webhooks.register_webhook(isp.id, isp.admin, url)
    assert refused.value.field == "url" and Webhook.select().count() == 0


def test_a_name_resolving_to_a_private_address_is_refused(isp):
    with pytest.raises(ValidationError, match="内网地址"):
        webhooks.register_webhook(isp.id, isp.admin, "https://hooks.isp.example/",
                                  resolver=resolver_to("10.1.2.3"))


def test_loopback_is_allowed_only_when_the_setting_says_so(isp, receiver):
    with pytest.raises(ValidationError, match="回环地址"):
        webhooks.register_webhook(isp.id, isp.admin, receiver.url("/hook"))
    hook, _secret = webhooks.register_webhook(isp.id, isp.admin, receiver.url("/hook"),
                                              allow_loopback=True)
    assert hook.url == receiver.url("/hook")


def test_an_isp_registers_at_most_ten(isp):
    for n in range(webhooks.MAX_WEBHOOKS):
        hook_for(isp, f"https://hooks.isp.example/{n}")
    with pytest.raises(ValidationError):
        hook_for(isp, "https://hooks.isp.example/11")


def test_another_isps_webhook_is_not_found(isp, make_isp):
    hook = hook_for(isp)
    other = make_isp()
    for operation in (lambda: webhooks.delete_webhook(other.id, other.admin, hook.id),
                      lambda: webhooks.send_test_event(other.id, other.admin, hook.id)):
        with pytest.raises(NotFound):
            operation()
    assert list(webhooks.list_webhooks(other.id)) == [] and Webhook.get_by_id(hook.id)


# -- events written with the change -----------------------------------------

def test_a_state_change_writes_one_event_per_active_webhook_of_the_isps_that_see_it(
        make_application, isp, make_isp, enqueued):
    app = make_application(state=State.SUBMITTED)
    first, second = hook_for(isp, "https://a.isp.example/"), hook_for(isp, "https://b.isp.example/")
    paused = hook_for(isp, "https://c.isp.example/")
    Webhook.update(is_active=False).where(Webhook.id == paused.id).execute()
    stranger = hook_for(make_isp(), "https://other.isp.example/")
    enqueued.clear()

    workflow.verify_application(app.id, isp.operator)

    rows = webhook_rows()
    assert sorted(r.payload["webhook_id"] for r in rows) == [first.id, second.id]
    assert stranger.id not in [r.payload["webhook_id"] for r in rows]
    assert sorted(pk for pk, channel in enqueued if channel == "webhook") == [r.id for r in rows]
    moved = Application.get_by_id(app.id)
    for row in rows:
        event = json.loads(row.body)
        assert event == row.payload["event"] and event["id"] == row.message_id
        assert event["type"] == row.subject == "application.verify"
        assert event["data"] == {"reference": moved.reference, "kind": moved.kind,
                                 "state": moved.state, "version": moved.version,
                                 "return_reason": "", "return_notes": []}
        assert event["created_at"].endswith("Z")


def test_a_returned_application_carries_the_reason_and_notes(make_application, isp, enqueued):
    app = make_application(state=State.SUBMITTED)
    hook_for(isp)
    workflow.isp_return_application(app.id, isp.operator, "资料不全",
                                    [{"field": "subject.name", "note": "请填写全称"}])
    (row,) = webhook_rows()
    data = row.payload["event"]["data"]
    assert row.subject == "application.isp_return"
    assert data["state"] == State.RETURNED and data["return_reason"] == "资料不全"
    assert data["return_notes"] == [{"field": "subject.name", "note": "请填写全称"}]


def test_the_filing_isp_sees_events_too(make_application, isp, make_isp, enqueued):
    app = make_application(state=State.SUBMITTED)
    filing = make_isp()
    hook = hook_for(filing)
    Application.update(isp=filing.id).where(Application.id == app.id).execute()
    with transaction():
        messages = webhooks.queue_application_event(Application.get_by_id(app.id), "test")
    assert [m.payload["webhook_id"] for m in messages] == [hook.id]


def test_a_refused_or_rolled_back_change_writes_no_event(make_application, isp, enqueued):
    app = make_application(state=State.SUBMITTED)
    hook_for(isp)
    with pytest.raises(Refused):
        workflow.approve_application(app.id, isp.operator)
    with pytest.raises(RuntimeError), transaction():
        webhooks.queue_application_event(Application.get_by_id(app.id), "verify")
        raise RuntimeError("rolled back")
    assert webhook_rows() == [] and not [c for c in enqueued if c[1] == "webhook"]


def test_webhook_messages_go_to_their_own_task_with_back_off(monkeypatch, isp):
    task_class = tasks.deliver_webhook_message.task_class
    assert (task_class.default_retries, task_class.default_retry_delay,
            task_class.default_retry_backoff) == (8, 30, 2)
    calls = []
    monkeypatch.setattr(tasks, "deliver_webhook_message", calls.append)
    message = webhooks.send_test_event(isp.id, isp.admin, hook_for(isp).id)
    assert calls == [message.id]


# -- delivery ---------------------------------------------------------------

def loopback_hook(isp, receiver):
    hook, secret = webhooks.register_webhook(isp.id, isp.admin, receiver.url("/hook"),
                                             allow_loopback=True)
    receiver.secret = secret
    return hook


def test_a_500_is_retried_with_the_same_event_id_and_a_valid_signature(
        app, isp, receiver, enqueued):
    app.config["ALLOW_LOOPBACK_OUTBOUND"] = True
    hook = loopback_hook(isp, receiver)
    message = webhooks.send_test_event(isp.id, isp.admin, hook.id)
    receiver.answers = [500]
    with app.app_context():
        with pytest.raises(outbound.FetchFailed, match="500"):
            delivery.deliver_message(message.id)
        failed = OutboxMessage.get_by_id(message.id)
        assert (failed.status, failed.attempts) == ("failed", 1) and "500" in failed.last_error
        assert delivery.deliver_message(message.id) is True
        assert delivery.deliver_message(message.id) is False     # sent: never twice
    sent = OutboxMessage.get_by_id(message.id)
    assert (sent.status, sent.attempts, sent.adapter) == ("sent", 2, "webhook")
    assert [p["event_id"] for p in receiver.posts] == [message.message_id] * 2
    assert all(p["valid"] for p in receiver.posts) and receiver.posts[0]["path"] == "/hook"
    assert receiver.posts[0]["body"] == receiver.posts[1]["body"] == message.body.encode()
    assert receiver.posts[0]["event"]["type"] == "webhook.test"
    assert receiver.posts[0]["content_type"].startswith("application/json")


def test_a_state_change_is_delivered_after_commit_end_to_end(
        app, make_application, isp, receiver):
    application = make_application(state=State.SUBMITTED)
    app.config["ALLOW_LOOPBACK_OUTBOUND"] = True
    loopback_hook(isp, receiver)
    with app.app_context():
        workflow.verify_application(application.id, isp.operator)
    (post,) = receiver.posts
    (row,) = webhook_rows()
    assert post["valid"] and post["event_id"] == row.message_id and row.status == "sent"
    assert post["event"]["data"]["reference"] == application.reference


def test_without_the_setting_loopback_is_refused_at_delivery(app, isp, receiver, enqueued):
    hook = loopback_hook(isp, receiver)
    message = webhooks.send_test_event(isp.id, isp.admin, hook.id)
    with pytest.raises(outbound.BlockedTarget):
        delivery.deliver_message(message.id)            # no app context: closed
    with app.app_context(), pytest.raises(outbound.BlockedTarget):
        delivery.deliver_message(message.id)            # the setting is off
    assert receiver.posts == [] and OutboxMessage.get_by_id(message.id).attempts == 2


@pytest.mark.parametrize("status", [301, 404, 410])
def test_a_non_2xx_answer_is_a_failure_and_redirects_are_not_followed(
        app, isp, receiver, enqueued, status):
    app.config["ALLOW_LOOPBACK_OUTBOUND"] = True
    hook = loopback_hook(isp, receiver)
    message = webhooks.send_test_event(isp.id, isp.admin, hook.id)
    receiver.answers = [status]
    with app.app_context(), pytest.raises(outbound.FetchFailed, match=str(status)):
        delivery.deliver_message(message.id)
    assert len(receiver.posts) == 1


@pytest.mark.parametrize("gone", ["deleted", "inactive"])
def test_a_deleted_or_inactive_webhook_is_never_sent_to(app, isp, receiver, enqueued, gone):
    app.config["ALLOW_LOOPBACK_OUTBOUND"] = True
    hook = loopback_hook(isp, receiver)
    message = webhooks.send_test_event(isp.id, isp.admin, hook.id)
    if gone == "deleted":
        webhooks.delete_webhook(isp.id, isp.admin, hook.id)
    else:
        Webhook.update(is_active=False).where(Webhook.id == hook.id).execute()
    with app.app_context():
        assert delivery.deliver_message(message.id) is False   # final: no retry
    row = OutboxMessage.get_by_id(message.id)
    assert row.status == "failed" and "已删除或已停用" in row.last_error
    assert receiver.posts == []
    with pytest.raises(Refused):
        webhooks.retry_delivery(isp.id, isp.admin, message.id)


def test_the_delivery_log_is_scoped_and_survives_deletion(isp, make_isp, enqueued):
    hook = hook_for(isp)
    other = make_isp()
    other_hook = hook_for(other)
    mine = webhooks.send_test_event(isp.id, isp.admin, hook.id)
    theirs = webhooks.send_test_event(other.id, other.admin, other_hook.id)
    webhooks.delete_webhook(isp.id, isp.admin, hook.id)
    assert [m.id for m in webhooks.deliveries(isp.id)] == [mine.id]
    with pytest.raises(NotFound):
        webhooks.retry_delivery(isp.id, isp.admin, theirs.id)


def test_retry_requeues_a_failed_message(isp, enqueued):
    hook = hook_for(isp)
    message = webhooks.send_test_event(isp.id, isp.admin, hook.id)
    with pytest.raises(Refused):                      # still pending: nothing to retry
        webhooks.retry_delivery(isp.id, isp.admin, message.id)
    OutboxMessage.update(status="failed").where(OutboxMessage.id == message.id).execute()
    enqueued.clear()
    webhooks.retry_delivery(isp.id, isp.admin, message.id)
    assert enqueued == [(message.id, "webhook")]
    assert OutboxMessage.get_by_id(message.id).status == "pending"
