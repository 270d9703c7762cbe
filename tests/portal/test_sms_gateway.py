"""The SMS gateway contract, against a receiver on loopback that checks the JSON body and
the X-Signature header: 2xx delivered, 4xx final, 5xx and timeouts retried, and the
text (it carries codes) never logged."""
import hashlib
import hmac
import json
import logging
import time

import pytest

from portal import delivery, outbound, sms_gateway, tasks
from portal.models import OutboxMessage
from tests.sites import LocalSite

KEY = "sms-key-0123456789"
TEXT = "【通信管理局】您的备案核验码为 834201，10分钟内有效。"


class SmsReceiver(LocalSite):
    """Records every POST with whether its signature verifies under KEY; answers the
    statuses in `answers` in turn (a number, or "slow" to time out), then 200."""

    def __init__(self):
        super().__init__()
        self.answers, self.posts = [], []
        receiver = self

        class PostHandler(self.server.RequestHandlerClass):
            def do_POST(self):  # the name http.server calls
                receiver.receive(self)

        self.server.RequestHandlerClass = PostHandler

    def receive(self, handler):
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        expected = hmac.new(KEY.encode(), body, hashlib.sha256).hexdigest()
        self.posts.append({"path": handler.path, "data": json.loads(body),
                           "content_type": handler.headers.get("Content-Type"),
                           "valid": hmac.compare_digest(
                               expected, handler.headers.get("X-Signature") or "")})
        answer = self.answers.pop(0) if self.answers else 200
        if answer == "slow":
            time.sleep(1.5)
            answer = 200
        handler.send_response(answer)
        handler.send_header("Content-Length", "0")
        handler.end_headers()


@pytest.fixture
def gateway(app):
    """A receiver on loopback installed as the SMS adapter, inside an app context that
    allows loopback (as tests do); the adapters are restored afterwards."""
    saved = dict(delivery.ADAPTERS)
    server = SmsReceiver()
    app.config["ALLOW_LOOPBACK_OUTBOUND"] = True
    delivery.set_adapter("sms", sms_gateway.SmsGatewayAdapter(server.url("/send"), KEY,
                                                              timeout=1))
    with app.app_context():
        yield server
    server.close()
    delivery.ADAPTERS.update(saved)


@pytest.fixture
def sms_row(app):
    return OutboxMessage.create(message_id="sms-1@icp-portal", channel="sms",
                                recipient="13912345678", body=TEXT)


def row(message):
    return OutboxMessage.get_by_id(message.id)


def test_the_body_is_signed_json_with_to_text_id_and_ts(gateway, sms_row):
    before = int(time.time())
    assert delivery.deliver_message(sms_row.id) is True
    [post] = gateway.posts
    assert post["valid"] and post["path"] == "/send"
    assert post["content_type"].startswith("application/json")
    data = post["data"]
    assert set(data) == {"to", "text", "id", "ts"}
    assert (data["to"], data["text"], data["id"]) == ("13912345678", TEXT, "sms-1@icp-portal")
    assert before - 1 <= data["ts"] <= int(time.time()) + 1
    assert row(sms_row).status == "sent" and row(sms_row).adapter == "sms-gateway"


def test_the_signature_is_the_hex_hmac_of_the_exact_body():
    body = '{"to":"1","text":"码","id":"x","ts":1}'.encode()
    assert sms_gateway.sign("k", body) == hmac.new(b"k", body, hashlib.sha256).hexdigest()
    assert sms_gateway.sign("k", body) != sms_gateway.sign("k", body + b" ")


def test_a_500_is_retried_then_delivered(gateway, sms_row):
    gateway.answers = [500]
    with pytest.raises(sms_gateway.GatewayError):
        delivery.deliver_message(sms_row.id, last_try=False)
    first = row(sms_row)
    assert first.status == "pending" and first.attempts == 1 and "500" in first.last_error
    assert delivery.deliver_message(sms_row.id, last_try=False) is True
    assert row(sms_row).status == "sent" and row(sms_row).attempts == 2
    assert [p["data"]["id"] for p in gateway.posts] == ["sms-1@icp-portal"] * 2
    assert all(p["valid"] for p in gateway.posts)
    assert delivery.deliver_message(sms_row.id) is False and len(gateway.posts) == 2


def test_a_400_is_final_and_not_retried(gateway, sms_row):
    gateway.answers = [400]
    assert delivery.deliver_message(sms_row.id, last_try=False) is False
    failed = row(sms_row)
    assert failed.status == "failed" and failed.attempts == 1 and "400" in failed.last_error


def test_the_task_does_not_retry_a_400(gateway, sms_row):
    from portal.queue import huey
    gateway.answers = [400]
    huey.execute(tasks.deliver_outbox_message.s(sms_row.id))
    assert huey.scheduled() == [] and row(sms_row).status == "failed"


def test_a_timeout_is_retried(gateway, sms_row):
    gateway.answers = ["slow"]
    with pytest.raises(outbound.FetchFailed):
        delivery.deliver_message(sms_row.id, last_try=False)
    assert row(sms_row).status == "pending" and "超时" in row(sms_row).last_error


def test_the_text_never_reaches_the_logs(gateway, sms_row, caplog):
    from portal.queue import huey
    caplog.set_level(logging.DEBUG)
    gateway.answers = [500, 400]
    huey.execute(tasks.deliver_outbox_message.s(sms_row.id))     # retried
    OutboxMessage.update(status="pending").where(OutboxMessage.id == sms_row.id).execute()
    delivery.deliver_message(sms_row.id)                           # final 400
    OutboxMessage.update(status="pending").where(OutboxMessage.id == sms_row.id).execute()
    delivery.deliver_message(sms_row.id)                           # delivered
    assert len(gateway.posts) == 3 and "sms-1@icp-portal" in caplog.text
    assert "834201" not in caplog.text and TEXT not in caplog.text
    assert "834201" not in row(sms_row).last_error


def test_the_guard_refuses_loopback_outside_tests_and_private_addresses(app, sms_row):
    saved = dict(delivery.ADAPTERS)
    try:
        for url in ("http://127.0.0.1:9/send", "http://10.1.2.3/send", "http://[::1]/send"):
            delivery.set_adapter("sms", sms_gateway.SmsGatewayAdapter(url, KEY))
            with pytest.raises(outbound.BlockedTarget):
                delivery.deliver_message(sms_row.id, last_try=False)
    finally:
        delivery.ADAPTERS.update(saved)
    assert row(sms_row).status == "pending" and row(sms_row).attempts == 3
