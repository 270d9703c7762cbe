"""All models, importable from one place. ALL_MODELS is in dependency order."""
from portal.models.accounts import Account, IspOrganisation, VerificationCode
from portal.models.applications import Application, ApplicationIsp, SmsVerification
from portal.models.audit import AuditEvent, AuditHead
from portal.models.integrations import ApiToken, ImportJob, Webhook
from portal.models.messaging import Announcement, OutboxMessage
from portal.models.records import (ACTIVE, CANCELLED, REVOKED, AccessLink, AuthorisationCode,
                                   BlacklistEntry, Certificate, FilingCounter, LookupKey,
                                   PreApprovalDocument, RecordFlag, RecordVersion, Service,
                                   ServiceIp, Subject)
from portal.models.settings import Enumeration, InstanceSettings, WorkingDayOverride
from portal.models.site_checks import SiteCheckFinding
from portal.models.task_runs import TaskRun
from portal.models.written import WrittenApplication

ALL_MODELS = [
    InstanceSettings, WorkingDayOverride, Enumeration,
    IspOrganisation, Account, VerificationCode,
    Subject, Service, ServiceIp, AccessLink, LookupKey, FilingCounter, Certificate,
    RecordVersion, AuthorisationCode, RecordFlag, BlacklistEntry, PreApprovalDocument,
    Application, ApplicationIsp, SmsVerification, WrittenApplication,
    OutboxMessage, Announcement, AuditEvent, AuditHead,
    ApiToken, Webhook, ImportJob, SiteCheckFinding, TaskRun,
]

__all__ = [m.__name__ for m in ALL_MODELS] + ["ALL_MODELS", "ACTIVE", "CANCELLED", "REVOKED"]
