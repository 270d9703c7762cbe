"""Handing outbox messages to an adapter, at least once, never twice for a sent row.

The development adapter keeps mail and SMS in the outbox table, readable on the
bureau's development mailbox page; real SMTP and SMS gateways plug in here.
"""
import logging

from portal.clock import utcnow
from portal.db import transaction
from portal.models import OutboxMessage

log = logging.getLogger(__name__)


class DevelopmentAdapter:
    """Delivers by keeping the message: the development mailbox shows it."""
    name = "dev"

    def send(self, message: OutboxMessage) -> None:
        log.info("dev %s delivery to message %s", message.channel, message.message_id)


ADAPTERS = {"email": DevelopmentAdapter(), "sms": DevelopmentAdapter(),
            "webhook": DevelopmentAdapter()}


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
        raise
    with transaction():
        OutboxMessage.update(status="sent", sent_at=utcnow(), adapter=adapter.name,
                             attempts=OutboxMessage.attempts + 1).where(
            OutboxMessage.id == message_pk).execute()
    return True


def pending_message_ids(older_than) -> list[int]:
    """Rows still waiting (a crash between commit and enqueue leaves them here)."""
    return [m.id for m in OutboxMessage.select(OutboxMessage.id).where(
        OutboxMessage.status == "pending", OutboxMessage.created_at < older_than).limit(500)]
