"""ISP webhooks: registration, signed JSON events written to the outbox in the
transaction of the change they report, and the signed POST that delivers them.

An event is one outbox row per active webhook; the row's `message_id` is the event
id, the same on every retry, so a receiver can drop a duplicate. Each attempt is
signed afresh:

    X-ICP-Event-Id:  <event id>
    X-ICP-Timestamp: <unix seconds>
    X-ICP-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" under the secret>

Targets go through `portal.outbound`: vetted when registered and again on every
attempt, connected to the vetted address only, redirects never followed.
"""
import hashlib
import hmac
import http.client
import json
import logging
import secrets
import time
import uuid

from flask_babel import lazy_gettext as _l

from portal import outbound
from portal.audit import record_event
from portal.clock import utcnow
from portal.db import transaction
from portal.errors import NotFound, Refused, ValidationError
from portal.models import Application, ApplicationIsp, OutboxMessage, Webhook
from portal.notifications import queue_message, schedule_delivery

log = logging.getLogger(__name__)

CHANNEL = "webhook"
MAX_WEBHOOKS = 10
MAX_URL_LENGTH = 255
SECRET_PREFIX = "whsec_"
TIMEOUT = 10
USER_AGENT = "icp-filing-portal/1.0 (ICP filing portal of the communications bureau; webhook)"
EVENT_ID_HEADER = "X-ICP-Event-Id"
TIMESTAMP_HEADER = "X-ICP-Timestamp"
SIGNATURE_HEADER = "X-ICP-Signature"


class WebhookGone(Refused):
    """The message's webhook was deleted or deactivated: it is never sent."""


# -- management -------------------------------------------------------------

def list_webhooks(isp_id: int):
    return Webhook.select().where(Webhook.organisation == isp_id).order_by(Webhook.id)


def get_webhook(isp_id: int, webhook_id) -> Webhook:
    """This ISP's webhook; another ISP's is NotFound."""
    hook = list_webhooks(isp_id).where(Webhook.id == webhook_id).first()
    if hook is None:
        raise NotFound(_l("Webhook 不存在"))
    return hook


def vet_url(url: str, *, allow_loopback: bool = False, resolver=None) -> str:
    """The trimmed URL if the outbound guard accepts it, else a ValidationError on `url`."""
    url = (url or "").strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise ValidationError(_l("请填写接收地址（http:// 或 https:// 开头，不超过 255 个字符）"),
                              field="url")
    try:
        outbound.check_url(url, allow_loopback=allow_loopback, resolver=resolver)
    except outbound.BlockedTarget as exc:
        raise ValidationError(exc.message, field="url") from None
    return url


def register_webhook(isp_id: int, actor, url: str, *, allow_loopback: bool = False,
                     resolver=None) -> tuple[Webhook, str]:
    """A new webhook and its signing secret (returned once: only the ISP shows it)."""
    url = vet_url(url, allow_loopback=allow_loopback, resolver=resolver)  # DNS: before the lock
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with transaction():
        if list_webhooks(isp_id).count() >= MAX_WEBHOOKS:
            raise ValidationError(_l("每个接入服务商最多登记 %(n)d 个 Webhook", n=MAX_WEBHOOKS),
                                  field="url")
        hook = Webhook.create(organisation=isp_id, url=url, secret=secret, created_by=actor)
        record_event("webhook.create", hook, actor=actor, after={"url": url})
    log.info("webhook %s registered by %s", hook.id, getattr(actor, "username", actor))
    return hook, secret


def delete_webhook(isp_id: int, actor, webhook_id) -> Webhook:
    """Delete the webhook and its secret; messages still waiting for it are not sent."""
    with transaction():
        hook = get_webhook(isp_id, webhook_id)
        record_event("webhook.delete", hook, actor=actor, before={"url": hook.url})
        hook.delete_instance()
    return hook


def send_test_event(isp_id: int, actor, webhook_id) -> OutboxMessage:
    """Queue a `webhook.test` event to one webhook (delivered like any other event)."""
    with transaction():
        hook = get_webhook(isp_id, webhook_id)
        if not hook.is_active:
            raise Refused(_l("该 Webhook 已停用，不能发送测试事件"))
        message = _queue_event(hook, "webhook.test", {"test": True})
        record_event("webhook.test", hook, actor=actor, after={"event_id": message.message_id})
    return message


# -- the delivery log -------------------------------------------------------

def _recipient(hook: Webhook) -> str:
    return f"isp:{hook.organisation_id}:webhook:{hook.id}"


def deliveries(isp_id: int):
    """This ISP's webhook messages, newest first (kept after a webhook is deleted)."""
    return (OutboxMessage.select()
            .where(OutboxMessage.channel == CHANNEL,
                   OutboxMessage.recipient.startswith(f"isp:{isp_id}:"))
            .order_by(OutboxMessage.id.desc()))


def get_delivery(isp_id: int, message_pk) -> OutboxMessage:
    """One of this ISP's webhook messages; another ISP's is NotFound."""
    message = deliveries(isp_id).where(OutboxMessage.id == message_pk).first()
    if message is None:
        raise NotFound(_l("投递记录不存在"))
    return message


def retry_delivery(isp_id: int, actor, message_pk) -> OutboxMessage:
    """Queue a failed message again, with the same event id."""
    with transaction():
        message = get_delivery(isp_id, message_pk)
        if message.status != "failed":
            raise Refused(_l("只有投递失败的事件可以重新投递"))
        if live_webhook(message) is None:
            raise Refused(_l("该 Webhook 已删除或已停用，不能重新投递"))
        OutboxMessage.update(status="pending").where(OutboxMessage.id == message.id).execute()
        record_event("webhook.retry", message, actor=actor,
                     after={"event_id": message.message_id})
        schedule_delivery(message)
    return message


# -- events -----------------------------------------------------------------

def _isps_seeing(app: Application) -> set[int]:
    """The filing ISP and every ISP the application names (portal.scoping's rule)."""
    named = ApplicationIsp.select(ApplicationIsp.isp).where(ApplicationIsp.application == app.id)
    return {row.isp_id for row in named} | ({app.isp_id} if app.isp_id else set())


def application_event_data(app: Application) -> dict:
    """What an event says about an application: nothing the ISP does not already see."""
    return {"reference": app.reference, "kind": str(app.kind), "state": str(app.state),
            "version": app.version, "return_reason": app.return_reason or "",
            "return_notes": list(app.return_notes or [])}


def queue_application_event(app: Application, action: str) -> list[OutboxMessage]:
    """One `application.<action>` message per active webhook of every ISP that sees
    `app`. Call inside the transaction of the change: sent only if it commits."""
    isp_ids = _isps_seeing(app)
    if not isp_ids:
        return []
    hooks = (Webhook.select().where(Webhook.organisation.in_(sorted(isp_ids)),
                                    Webhook.is_active == True)  # noqa: E712 -- peewee
             .order_by(Webhook.id))
    data = application_event_data(app)
    return [_queue_event(hook, f"application.{action}", data) for hook in hooks]


def _queue_event(hook: Webhook, event_type: str, data: dict) -> OutboxMessage:
    event_id = f"evt_{uuid.uuid4().hex}"
    event = {"id": event_id, "type": event_type,
             "created_at": utcnow().isoformat(timespec="seconds") + "Z", "data": data}
    body = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    payload = {"webhook_id": hook.id, "isp_id": hook.organisation_id, "url": hook.url,
               "event": event}
    return queue_message(CHANNEL, _recipient(hook), event_type, body, payload,
                         message_id=event_id)


# -- signing ----------------------------------------------------------------

def _bytes(body) -> bytes:
    return body if isinstance(body, bytes) else str(body).encode("utf-8")


def sign(secret: str, timestamp: str, body) -> str:
    """Hex HMAC-SHA256 of "<timestamp>.<body>" under `secret`."""
    signed = str(timestamp).encode("ascii") + b"." + _bytes(body)
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def signed_headers(secret: str, event_id: str, body, timestamp: int | None = None) -> dict:
    stamp = str(int(time.time() if timestamp is None else timestamp))
    return {EVENT_ID_HEADER: event_id, TIMESTAMP_HEADER: stamp,
            SIGNATURE_HEADER: f"sha256={sign(secret, stamp, body)}"}


def verify_signature(secret: str, timestamp, body, signature, tolerance: int = 300,
                     now: float | None = None) -> bool:
    """For receivers: is `signature` (the X-ICP-Signature value) right for this body
    and timestamp, and the timestamp within `tolerance` seconds? Constant time."""
    stamp = str(timestamp or "")
    if not (stamp.isascii() and stamp.isdigit()) or not isinstance(signature, str):
        return False
    if abs((time.time() if now is None else now) - int(stamp)) > tolerance:
        return False
    expected = f"sha256={sign(secret, stamp, body)}"
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8"))


# -- delivery ---------------------------------------------------------------

def live_webhook(message: OutboxMessage) -> Webhook | None:
    """The active webhook a message is for, or None (deleted or deactivated)."""
    payload = message.payload or {}
    return Webhook.get_or_none(Webhook.id == payload.get("webhook_id"),
                               Webhook.organisation == payload.get("isp_id"),
                               Webhook.is_active == True)  # noqa: E712 -- peewee


def post_json(url: str, body: bytes, headers: dict, *, timeout: float = TIMEOUT,
              allow_loopback: bool = False, resolver=None) -> int:
    """POST `body` through the outbound guard and return the HTTP status. The address is
    vetted and pinned (no second DNS answer is used) and redirects are not followed.
    Raises outbound.BlockedTarget or outbound.FetchFailed."""
    target = outbound.check_url(url, allow_loopback=allow_loopback, resolver=resolver)
    pinned = (outbound._PinnedHTTPSConnection if target.scheme == "https"
              else outbound._PinnedHTTPConnection)
    conn = pinned(target, timeout)
    try:
        conn.request("POST", target.path, body=body, headers={
            "User-Agent": USER_AGENT, "Content-Type": "application/json; charset=utf-8",
            "Accept-Encoding": "identity", **headers})
        response = conn.getresponse()
        response.close()   # only the status matters; the body is never read
        return response.status
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise outbound._failure(exc, target, timeout) from exc
    finally:
        conn.close()


def deliver_event(message: OutboxMessage, *, allow_loopback: bool = False,
                  resolver=None) -> int:
    """POST one outbox row's stored body to its webhook, signed now. A 2xx answer is
    delivered; any other status or a network error raises (the task retries);
    a deleted or inactive webhook raises WebhookGone (never retried)."""
    hook = live_webhook(message)
    if hook is None:
        raise WebhookGone(_l("Webhook 已删除或已停用，事件不再投递"))
    body = message.body.encode("utf-8")
    status = post_json(hook.url, body, signed_headers(hook.secret, message.message_id, body),
                       allow_loopback=allow_loopback, resolver=resolver)
    if not 200 <= status < 300:
        raise outbound.FetchFailed(_l("接收方返回 HTTP %(status)d（只有 2xx 视为投递成功）",
                                      status=status))
    return status
