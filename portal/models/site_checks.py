"""Findings of the nightly site check (DESIGN §3 "Site display"): one row per approved
website, replaced at every run, read by the bureau's page and the filer's task list."""
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField

from portal.clock import utcnow
from portal.models.base import BaseModel, JSONField
from portal.models.records import Service


class SiteCheckFinding(BaseModel):
    service = ForeignKeyField(Service, backref="site_checks", on_delete="CASCADE")
    domain = CharField()                  # the website's first domain, for display
    checked_at = DateTimeField(default=utcnow)
    ok = BooleanField()
    problems = JSONField(default=list)    # [{"domain", "check", "message"}], failed checks only

    class Meta:
        indexes = ((("service", "checked_at"), False), (("ok", "checked_at"), False))
