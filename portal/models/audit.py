"""Append-only, hash-chained audit events and the chain's head kept outside them."""
from peewee import CharField, DateTimeField, IntegerField, TextField

from portal.clock import utcnow
from portal.models.base import BaseModel, JSONField


class AuditEvent(BaseModel):
    seq = IntegerField(unique=True)
    at = DateTimeField(default=utcnow)
    actor_id = IntegerField(null=True, index=True)
    actor_name = CharField(default="")
    tenant = CharField(default="system")
    action = CharField(index=True)
    object_type = CharField(default="")
    object_id = CharField(default="")
    before = JSONField(null=True)
    after = JSONField(null=True)
    reason = TextField(default="")
    ip = CharField(default="")
    request_id = CharField(default="")
    prev_hash = CharField()
    hash = CharField()

    class Meta:
        indexes = ((("object_type", "object_id", "seq"), False), (("at",), False))


class AuditHead(BaseModel):
    """One row: the latest sequence number and hash. Updating it serialises
    writers on PostgreSQL (row lock) and lets a check detect a truncated tail."""
    id = IntegerField(primary_key=True)
    seq = IntegerField(default=0)
    hash = CharField(default="")
