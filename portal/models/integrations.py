"""What ISPs integrate with: API tokens, webhooks and bulk import jobs."""
from peewee import (BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField,
                    TextField)

from portal.clock import utcnow
from portal.models.accounts import Account, IspOrganisation
from portal.models.base import BaseModel, JSONField


class ApiToken(BaseModel):
    """A bearer token of an ISP: only its hash is kept; scopes are read and/or write."""
    organisation = ForeignKeyField(IspOrganisation, backref="api_tokens", index=True)
    name = CharField()
    token_hash = CharField(unique=True)
    prefix = CharField()                      # the first characters, to tell tokens apart
    scopes = JSONField(default=list)
    created_by = ForeignKeyField(Account, null=True)
    created_at = DateTimeField(default=utcnow)
    last_used_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)


class Webhook(BaseModel):
    """Where an ISP wants its applications' state changes posted (signed with HMAC)."""
    organisation = ForeignKeyField(IspOrganisation, backref="webhooks", index=True)
    url = CharField()
    secret = CharField()
    is_active = BooleanField(default=True)
    created_by = ForeignKeyField(Account, null=True)
    created_at = DateTimeField(default=utcnow)


class ImportJob(BaseModel):
    """A bulk import file of an ISP: dry run or import, all or nothing, with progress."""
    organisation = ForeignKeyField(IspOrganisation, backref="import_jobs", index=True)
    created_by = ForeignKeyField(Account, null=True)
    filename = CharField(default="")
    stored_name = CharField(default="")
    file_format = CharField(default="csv")    # csv | json
    dry_run = BooleanField(default=True)
    status = CharField(default="queued")      # queued | running | done | failed
    total = IntegerField(default=0)
    done = IntegerField(default=0)
    errors = JSONField(default=list)          # [{"row": n, "field": f, "message": m}]
    result = TextField(default="")            # the downloadable result file (CSV)
    created_at = DateTimeField(default=utcnow)
    finished_at = DateTimeField(null=True)
