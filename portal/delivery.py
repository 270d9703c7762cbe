"""Handing outbox messages to an adapter, at least once, never twice for a sent row.

Without MAIL_URL / SMS_URL the development adapter keeps mail and SMS in the outbox
table, readable on the bureau's development mailbox page; with them, `configure`
installs the SMTP adapter (portal.mail_smtp) and the HTTP gateway (portal.sms_gateway).
Webhook events always go to their real receiver (a URL the ISP registered).

A failed try that will be retried leaves the row pending with its error; the last try
marks it failed, which the bureau admin sees on the mailbox page and can retry.
"""
import logging

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from portal.audit import record_event
from portal.clock import utcnow
from portal.config import ConfigError
from portal.db import transaction
from portal.errors import NotFound, Refused
from portal.models import OutboxMessage
from portal.notifications import schedule_delivery
from portal.services import webhooks
from portal.states import is_bureau_admin

log = logging.getLogger(__name__)


class Undeliverable(Exception):
    """The message can never be delivered (e.g. its webhook was deleted): it is recorded
    as failed and not retried."""


class DevelopmentAdapter:
    """Delivers by keeping the message: the development mailbox shows it."""
    name = "dev"

    def send(self, message: OutboxMessage) -> None:
        log.info("dev %s delivery to message %s", message.channel, message.message_id)


def allow_loopback() -> bool:
    """The ALLOW_LOOPBACK_OUTBOUND test setting; closed outside an app (task workers)."""
    return bool(has_app_context() and current_app.config.get("ALLOW_LOOPBACK_OUTBOUND"))


class WebhookAdapter:
    """POSTs the stored event body, freshly signed, through the outbound guard. A non-2xx
    answer or a network error raises, so the task retries with the same event id."""
    name = "webhook"

    def send(self, message: OutboxMessage) -> None:
        try:
            status = webhooks.deliver_event(message, allow_loopback=allow_loopback())
        except webhooks.WebhookGone as exc:
            raise Undeliverable(str(exc)) from exc
        log.info("webhook event %s delivered to %s (HTTP %s)", message.message_id,
                 message.recipient, status)


ADAPTERS = {"email": DevelopmentAdapter(), "sms": DevelopmentAdapter(),
            "webhook": WebhookAdapter()}


def set_adapter(channel: str, adapter) -> None:
    ADAPTERS[channel] = adapter


def configure(config) -> None:
    """Choose the mail and SMS adapters from MAIL_URL / SMS_URL (called by the factory;
    the worker's threads have no app, so the choice is kept here). A setting that
    cannot work raises ConfigError at start rather than at the first message."""
    from portal import mail_smtp, sms_gateway
    mail_url, sms_url = config.get("MAIL_URL"), config.get("SMS_URL")
    ADAPTERS["email"] = (mail_smtp.SmtpAdapter(mail_smtp.parse_mail_url(mail_url),
                                               config.get("MAIL_FROM") or None)
                         if mail_url else DevelopmentAdapter())
    if sms_url and not config.get("SMS_KEY"):
        raise ConfigError("SMS_KEY must be set with SMS_URL (it signs every request).")
    ADAPTERS["sms"] = (sms_gateway.SmsGatewayAdapter(sms_url, config["SMS_KEY"])
                       if sms_url else DevelopmentAdapter())


def is_development(channel: str) -> bool:
    """True when `channel` is kept in the development mailbox (no real server)."""
    return isinstance(ADAPTERS.get(channel), DevelopmentAdapter)


def deliver_message(message_pk: int, last_try: bool = True) -> bool:
    """Deliver one outbox row. Returns False when there was nothing to do (already
    sent: a task run twice sends nothing) or when it can never be delivered.

    A failure adds one attempt and the error, then raises so the task retries. The row
    stays pending while tries remain (`last_try` False) and becomes failed on the last
    try or when the adapter says it is `Undeliverable`."""
    message = OutboxMessage.get_or_none(OutboxMessage.id == message_pk)
    if message is None or message.status == "sent":
        return False
    adapter = ADAPTERS[message.channel]
    try:
        adapter.send(message)
    except Exception as exc:  # the adapter's failure is recorded, the task retries
        final = last_try or isinstance(exc, Undeliverable)
        _record_failure(message_pk, exc, final)
        if isinstance(exc, Undeliverable):   # final: retrying cannot help
            log.warning("outbox message %s undeliverable: %s", message.message_id, exc)
            return False
        raise
    with transaction():
        OutboxMessage.update(status="sent", sent_at=utcnow(), adapter=adapter.name,
                             attempts=OutboxMessage.attempts + 1).where(
            OutboxMessage.id == message_pk).execute()
    return True


def _record_failure(message_pk: int, exc: Exception, final: bool) -> None:
    with transaction():
        OutboxMessage.update(attempts=OutboxMessage.attempts + 1, last_error=str(exc)[:2000],
                             status="failed" if final else "pending").where(
            OutboxMessage.id == message_pk, OutboxMessage.status != "sent").execute()


def pending_messages(older_than) -> list[tuple[int, str]]:
    """(id, channel) of rows never tried (a crash between commit and enqueue). A row
    tried before and still pending has its retry scheduled in the queue already."""
    return list(OutboxMessage.select(OutboxMessage.id, OutboxMessage.channel).where(
        OutboxMessage.status == "pending", OutboxMessage.attempts == 0,
        OutboxMessage.created_at < older_than).limit(500).tuples())


def unsent_messages() -> list[tuple[int, str]]:
    """(id, channel) of every pending row: what the consumer's start-up recovery
    compares with the tasks waiting in the queue (portal.tasks.recover_deliveries)."""
    return list(OutboxMessage.select(OutboxMessage.id, OutboxMessage.channel).where(
        OutboxMessage.status == "pending").order_by(OutboxMessage.id).tuples())


# -- the bureau admin's view of mail and SMS ----------------------------------

RETRYABLE_CHANNELS = ("email", "sms")    # webhooks are retried by their ISP


def outbox_messages(status: str | None = None):
    """Outbox rows, newest first; `status` narrows to pending, sent or failed."""
    query = OutboxMessage.select().order_by(OutboxMessage.id.desc())
    return query.where(OutboxMessage.status == status) if status else query


def get_message(message_pk) -> OutboxMessage:
    message = OutboxMessage.get_or_none(OutboxMessage.id == message_pk)
    if message is None:
        raise NotFound(_l("消息不存在"))
    return message


def retry_message(actor, message_pk) -> OutboxMessage:
    """A bureau admin sends a failed email or SMS again: the row is pending again with
    a fresh count of tries (same message id), queued after commit, audited."""
    if not is_bureau_admin(actor):
        raise Refused(_l("只有管局管理员可以重新发送消息"))
    with transaction():
        message = get_message(message_pk)
        if message.channel not in RETRYABLE_CHANNELS:
            raise Refused(_l("Webhook 事件由ISP在其投递记录中重新投递"))
        if message.status != "failed":
            raise Refused(_l("只有发送失败的消息可以重新发送"))
        before = {"status": message.status, "attempts": message.attempts,
                  "last_error": message.last_error}
        OutboxMessage.update(status="pending", attempts=0).where(
            OutboxMessage.id == message.id).execute()
        record_event("outbox.retry", message, actor=actor, before=before,
                     after={"status": "pending", "message_id": message.message_id})
        schedule_delivery(message)
    return message
