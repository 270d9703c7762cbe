"""Applications (申请): every change of a record, with its state and history."""
from peewee import (BooleanField, CharField, DateField, DateTimeField, ForeignKeyField,
                    IntegerField, TextField)

from portal.clock import utcnow
from portal.models.accounts import Account, IspOrganisation
from portal.models.base import BaseModel, JSONField
from portal.models.records import Service, Subject


class Application(BaseModel):
    reference = CharField(unique=True)        # shown to people, used on the SMS page
    kind = CharField()
    state = CharField()
    account = ForeignKeyField(Account, backref="applications")   # the filer who owns it
    subject = ForeignKeyField(Subject, null=True, backref="applications")
    service = ForeignKeyField(Service, null=True, backref="applications")
    channel = CharField(default="filer")      # filer | isp | bureau: who files it
    isp = ForeignKeyField(IspOrganisation, null=True, backref="filed_applications")
    submitted_by = ForeignKeyField(Account, null=True)
    proposed = JSONField(default=dict)
    returned_proposed = JSONField(null=True)  # the data as it was when last returned
    version = IntegerField(default=1)         # bumps on every change: stale decisions fail
    revision = IntegerField(default=1)        # bumps when the data is replaced
    return_reason = TextField(default="")
    return_notes = JSONField(default=list)    # [{"field": ..., "note": ...}]
    in_conflict = BooleanField(default=False)
    conflicts = JSONField(default=list)
    materials = JSONField(default=list)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    submitted_at = DateTimeField(null=True)
    review_started_at = DateTimeField(null=True)
    due_on = DateField(null=True)
    decided_at = DateTimeField(null=True)
    decided_by = ForeignKeyField(Account, null=True)

    class Meta:
        indexes = (
            # the bureau's review queue: one index per sort order (keyset pagination)
            (("state", "due_on", "id"), False),
            (("state", "submitted_at", "id"), False),
            (("state", "kind", "due_on", "id"), False),
            (("state", "in_conflict", "due_on", "id"), False),   # its conflict filter
            (("account", "state"), False),
            (("subject", "state"), False),
            (("isp", "state"), False),
            (("kind", "state"), False),
        )


class ApplicationIsp(BaseModel):
    """ISPs named as access providers by an application: part of 'the ISP's applications'."""
    application = ForeignKeyField(Application, backref="named_isps", on_delete="CASCADE")
    isp = ForeignKeyField(IspOrganisation, backref="named_in")

    class Meta:
        indexes = ((("isp", "application"), True),)


class SmsVerification(BaseModel):
    """One person who must confirm an application with a code (短信核验)."""
    application = ForeignKeyField(Application, backref="sms_checks", on_delete="CASCADE")
    role = CharField()                 # subject | service
    name = CharField()
    cert_number = CharField()
    mobile = CharField()
    code_hash = CharField(default="")
    tries = IntegerField(default=0)
    sent_at = DateTimeField(null=True)
    expires_at = DateTimeField()
    confirmed_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("application", "mobile"), False),)
