"""The outbox (mail, SMS, webhooks written with their cause) and announcements."""
from peewee import BooleanField, CharField, DateTimeField, IntegerField, TextField

from portal.clock import utcnow
from portal.models.base import BaseModel, JSONField


class OutboxMessage(BaseModel):
    """A message to deliver. Written in the transaction that caused it;
    `message_id` is stable so a receiver can drop a duplicate delivery."""
    message_id = CharField(unique=True)
    channel = CharField()              # email | sms | webhook
    recipient = CharField(index=True)
    subject = CharField(default="")
    body = TextField(default="")
    payload = JSONField(default=dict)
    status = CharField(default="pending")   # pending | sent | failed
    attempts = IntegerField(default=0)
    last_error = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)
    adapter = CharField(default="")

    class Meta:
        indexes = ((("status", "created_at"), False), (("channel", "id"), False))


class Announcement(BaseModel):
    title = CharField()
    body = TextField()
    published = BooleanField(default=False, index=True)
    created_at = DateTimeField(default=utcnow)
    published_at = DateTimeField(null=True)
