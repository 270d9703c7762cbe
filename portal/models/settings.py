"""Instance settings, the working-day calendar and the editable enumerations."""
from peewee import BooleanField, CharField, DateField, DateTimeField, IntegerField, TextField

from portal.clock import utcnow
from portal.models.base import BaseModel, JSONField


class InstanceSettings(BaseModel):
    """One row. Province and abbreviation are fixed once a number is issued."""
    province = CharField()
    abbreviation = CharField(max_length=1)
    bureau_name = CharField()
    address = CharField(default="")
    office_hours = CharField(default="")
    phones = CharField(default="")
    fax = CharField(default="")
    cancellation_mailbox = CharField(default="")
    public_site_url = CharField(default="https://beian.miit.gov.cn/")
    annual_review_start = DateField(null=True)
    annual_review_end = DateField(null=True)
    shell_warning_days = IntegerField(default=30)
    shell_candidate_days = IntegerField(default=60)
    public_key_pem = TextField(default="")
    numbers_issued = BooleanField(default=False)
    updated_at = DateTimeField(default=utcnow)


class WorkingDayOverride(BaseModel):
    """A holiday on a weekday (is_working False) or a make-up working weekend day."""
    day = DateField(unique=True)
    is_working = BooleanField()
    note = CharField(default="")


class Enumeration(BaseModel):
    """Versioned bureau-editable list; the highest version of a name is current."""
    name = CharField()
    version = IntegerField()
    data = JSONField()
    created_at = DateTimeField(default=utcnow)
    created_by = IntegerField(null=True)

    class Meta:
        indexes = ((("name", "version"), True),)
