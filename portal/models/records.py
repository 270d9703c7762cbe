"""Approved records: subjects (主体), their services (网站/APP), access links and numbers.

Records exist only once approved; what is proposed lives on the application.
"""
from peewee import (BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField,
                    TextField)

from portal.clock import utcnow
from portal.models.accounts import Account, IspOrganisation
from portal.models.base import BaseModel, JSONField

ACTIVE, CANCELLED, REVOKED = "active", "cancelled", "revoked"


class Subject(BaseModel):
    account = ForeignKeyField(Account, unique=True, backref="subjects")
    nature = CharField()
    name = CharField(index=True)
    cert_type = CharField()
    cert_number = CharField(index=True)
    province = CharField()
    address = CharField()
    mailing_address = CharField(default="")
    investor = CharField(default="")
    responsible = JSONField(default=dict)
    licence_number = CharField(default="")
    filing_number = CharField(unique=True)
    service_sequence = IntegerField(default=0)
    status = CharField(default=ACTIVE, index=True)
    version = IntegerField(default=1)
    approved_at = DateTimeField(default=utcnow)
    ended_at = DateTimeField(null=True)
    annual_review_year = IntegerField(null=True)

    @property
    def is_active(self) -> bool:
        return self.status == ACTIVE

    @property
    def is_individual(self) -> bool:
        return self.nature == "个人"


class Service(BaseModel):
    """A website, APP, mini program or quick app. `details` holds the kind's own fields."""
    subject = ForeignKeyField(Subject, backref="services", index=True)
    kind = CharField()                 # website | app | miniprogram | quickapp
    name = CharField(index=True)
    homepage = CharField(default="")
    details = JSONField(default=dict)
    filing_number = CharField(unique=True)
    status = CharField(default=ACTIVE, index=True)
    restricted = BooleanField(default=False)
    violation = BooleanField(default=False)
    approved_at = DateTimeField(default=utcnow)
    ended_at = DateTimeField(null=True)

    @property
    def is_active(self) -> bool:
        return self.status == ACTIVE


class ServiceIp(BaseModel):
    service = ForeignKeyField(Service, backref="ips", on_delete="CASCADE")
    address = CharField(index=True)


class AccessLink(BaseModel):
    """Service ↔ ISP. `isp` is NULL for 其它 (server outside mainland China)."""
    service = ForeignKeyField(Service, backref="access_links", index=True)
    isp = ForeignKeyField(IspOrganisation, null=True, backref="access_links")
    customer_ref = CharField(default="")
    status = CharField(default=ACTIVE)
    created_at = DateTimeField(default=utcnow)
    ended_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("isp", "status"), False),)


class LookupKey(BaseModel):
    """Normalised keys (domain, homepage host, subject name, certificate number,
    service name) of live records and of applications in flight: conflict checks
    and public lookups are one indexed query whatever the size."""
    key = CharField()                  # domain | host | subject_name | cert_number | service_name
    value = CharField()
    account = ForeignKeyField(Account, backref="lookup_keys", index=True)
    subject = ForeignKeyField(Subject, null=True, on_delete="CASCADE")
    service = ForeignKeyField(Service, null=True, on_delete="CASCADE")
    application = IntegerField(null=True, index=True)

    class Meta:
        indexes = ((("key", "value"), False), (("service",), False), (("subject",), False))


class FilingCounter(BaseModel):
    """One row per year; the serial of subject numbers, never reused."""
    year = IntegerField(primary_key=True)
    value = IntegerField(default=0)


class Certificate(BaseModel):
    service = ForeignKeyField(Service, backref="certificates", index=True)
    serial = CharField(unique=True)
    document = TextField()             # the signed bazs.cert as issued
    issued_at = DateTimeField(default=utcnow)
    voided_at = DateTimeField(null=True)
    void_reason = CharField(default="")


class RecordVersion(BaseModel):
    """The subject with all its services as it stood from `valid_from` on."""
    subject = ForeignKeyField(Subject, backref="versions", index=True)
    version = IntegerField()
    snapshot = JSONField()
    application = IntegerField(null=True)
    valid_from = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("subject", "version"), True),)


class AuthorisationCode(BaseModel):
    """A code the filer gives a new ISP so it may add its access (变更接入)."""
    service = ForeignKeyField(Service, backref="authorisation_codes", index=True)
    code_hash = CharField(unique=True)
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)
    used_by = ForeignKeyField(IspOrganisation, null=True)


class RecordFlag(BaseModel):
    """Shell (空壳), restricted access (限制接入) or violation (违法违规)."""
    kind = CharField()
    subject = ForeignKeyField(Subject, null=True, backref="flags", index=True)
    service = ForeignKeyField(Service, null=True, backref="flags", index=True)
    reason = TextField(default="")
    set_by = ForeignKeyField(Account, null=True)
    set_at = DateTimeField(default=utcnow)
    cleared_at = DateTimeField(null=True, index=True)
    warned_at = DateTimeField(null=True)


class BlacklistEntry(BaseModel):
    kind = CharField()                 # cert_number | site_name
    value = CharField()
    reason = TextField(default="")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("kind", "value"), True),)


class PreApprovalDocument(BaseModel):
    """A pre-approval (前置审批) document attached to a service or an application."""
    category = CharField()
    document_number = CharField()
    stored_name = CharField(default="")
    original_name = CharField(default="")
    service = ForeignKeyField(Service, null=True, backref="pre_approvals", index=True)
    application = IntegerField(null=True, index=True)
    uploaded_at = DateTimeField(default=utcnow)
