"""Written applications (书面申请) received on paper, by fax or by email, recorded by
bureau staff on the filer's behalf with their scans, then accepted or refused."""
from datetime import date

from peewee import CharField, DateField, DateTimeField, ForeignKeyField, TextField

from portal.clock import utcnow
from portal.models.accounts import Account, IspOrganisation
from portal.models.applications import Application
from portal.models.base import BaseModel, JSONField
from portal.models.records import Service

RECORDED, ACCEPTED, REFUSED = "recorded", "accepted", "refused"


class WrittenApplication(BaseModel):
    reference = CharField(unique=True)
    kind = CharField()          # cancel_subject | cancel_service | cancel_access |
    #                             password_recovery | conflict_deletion
    account = ForeignKeyField(Account, backref="written_applications")   # the filer concerned
    service = ForeignKeyField(Service, null=True)            # what a cancellation is about
    isp = ForeignKeyField(IspOrganisation, null=True)        # whose access cancel_access ends
    target_application = ForeignKeyField(Application, null=True, backref="deletion_requests")
    received_via = CharField()  # paper | fax | email
    received_on = DateField()
    applicant = JSONField(default=dict)   # name, cert_type, cert_number, capacity
    scans = JSONField(default=list)       # stored uploads: {"stored", "name", "type", "size"}
    note = TextField(default="")
    state = CharField(default=RECORDED)
    refuse_reason = TextField(default="")
    application = ForeignKeyField(Application, null=True, backref="written_sources")
    recorded_by = ForeignKeyField(Account, null=True, backref="+")
    created_at = DateTimeField(default=utcnow)
    due_on = DateField()
    decided_at = DateTimeField(null=True)
    decided_by = ForeignKeyField(Account, null=True, backref="+")

    class Meta:
        indexes = ((("state", "due_on", "id"), False),)

    @property
    def is_open(self) -> bool:
        return self.state == RECORDED

    def is_overdue(self, today: date) -> bool:
        return self.state == RECORDED and self.due_on is not None and self.due_on < today
