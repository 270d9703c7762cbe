"""Handing outbox messages to an adapter, at least once, never twice for a sent row.

The development adapter keeps mail and SMS in the outbox table, readable on the
bureau's development mailbox page; real SMTP and SMS gateways plug in here.
Webhook events always go to their real receiver (a URL the ISP registered).
"""
import logging

from flask import current_app, has_app_context

from portal.clock import utcnow
from portal.db import transaction
from portal.models import OutboxMessage
from portal.services import webhooks

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


def deliver_message(message_pk: int) -> bool:
    """Deliver one outbox row. Returns False when there was nothing to do."""
    message = OutboxMessage.get_or_none(OutboxMessage.id == message_pk)
    if message is None or message.status == "sent":
        return False
    adapter = ADAPTERS[message.channel]
    try:
        adapter.send(message)
    except Exception as exc:  # the adapter's failure is recorded, the task retries
        with transaction():
            OutboxMessage.update(attempts=OutboxMessage.attempts + 1, last_error=str(exc)[:2000],
                                 status="failed").where(OutboxMessage.id == message_pk).execute()
        if isinstance(exc, Undeliverable):   # final: retrying cannot help
            log.warning("outbox message %s undeliverable: %s", message.message_id, exc)
            return False
        raise
    with transaction():
        OutboxMessage.update(status="sent", sent_at=utcnow(), adapter=adapter.name,
                             attempts=OutboxMessage.attempts + 1).where(
            OutboxMessage.id == message_pk).execute()
    return True


def pending_messages(older_than) -> list[tuple[int, str]]:
    """(id, channel) of rows still waiting (a crash between commit and enqueue)."""
    return list(OutboxMessage.select(OutboxMessage.id, OutboxMessage.channel).where(
        OutboxMessage.status == "pending", OutboxMessage.created_at < older_than)
        .limit(500).tuples())
