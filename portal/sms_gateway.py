"""SMS through an HTTP gateway, configured by SMS_URL and SMS_KEY.

The contract: a POST of the JSON body {"to", "text", "id", "ts"} (`id` the outbox
row's stable message id, `ts` Unix seconds) with the header X-Signature, the hex
HMAC-SHA256 of the exact body bytes under SMS_KEY. A 2xx answer is delivered; a 4xx
answer is final (the gateway will never accept this message); a 5xx answer, a
timeout or a network error is retried.

The text carries verification codes: it is never logged and never put into an
error message (errors name the HTTP status and the message id only).
"""
import hashlib
import hmac
import json
import logging
from datetime import UTC

from flask_babel import lazy_gettext as _l

from portal import outbound
from portal.clock import utcnow
from portal.delivery import Undeliverable, allow_loopback
from portal.models import OutboxMessage

log = logging.getLogger(__name__)

TIMEOUT = 10      # seconds: connecting, sending and waiting for the answer


class GatewayError(outbound.FetchFailed):
    """The gateway answered 5xx (or something else that is not 2xx or 4xx): retried."""


def sign(key: str, body: bytes) -> str:
    """The X-Signature header: hex HMAC-SHA256 of the body bytes under the key."""
    return hmac.new(key.encode("utf-8"), body, hashlib.sha256).hexdigest()


def request_body(message: OutboxMessage) -> bytes:
    stamp = int(utcnow().replace(tzinfo=UTC).timestamp())
    data = {"to": message.recipient, "text": message.body, "id": message.message_id,
            "ts": stamp}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class SmsGatewayAdapter:
    """POSTs each SMS through the outbound guard (pinned address, no redirects)."""
    name = "sms-gateway"

    def __init__(self, url: str, key: str, timeout: float = TIMEOUT, resolver=None):
        self.url, self.key, self.timeout, self.resolver = url, key, timeout, resolver

    def send(self, message: OutboxMessage) -> None:
        from portal.services.webhooks import post_json
        body = request_body(message)
        status = post_json(self.url, body, {"X-Signature": sign(self.key, body)},
                           timeout=self.timeout, allow_loopback=allow_loopback(),
                           resolver=self.resolver)
        if 400 <= status < 500:
            raise Undeliverable(_l("短信网关拒绝了该短信（HTTP %(status)d），不再重试",
                                   status=status))
        if not 200 <= status < 300:
            raise GatewayError(_l("短信网关返回 HTTP %(status)d，稍后重试", status=status))
        log.info("sms %s accepted by the gateway (HTTP %s)", message.message_id, status)
