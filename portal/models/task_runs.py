"""The task log: what the huey consumer did with each task (portal/task_log.py)."""
from peewee import BooleanField, CharField, DateTimeField, IntegerField, TextField

from portal.clock import utcnow
from portal.models.base import BaseModel


class TaskRun(BaseModel):
    """One row per huey task id, written from huey's signals by the consumer. A retried
    task keeps its id, so its row follows it through every attempt. Operational
    telemetry, not a business record: old rows are pruned."""
    task_id = CharField(unique=True)
    name = CharField(index=True)
    args = TextField(default="")
    periodic = BooleanField(default=False)
    state = CharField()        # running | complete | retrying | failed | interrupted ...
    attempts = IntegerField(default=0)
    error = TextField(default="")
    started_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("state", "updated_at"), False),)
