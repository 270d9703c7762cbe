"""After approval: changes, cancellations, the authorisation code for a new ISP and the
annual review, each opened as its own application from the current record."""
import hashlib
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from portal import workflow
from portal.audit import record_event
from portal.clock import local_today, utcnow
from portal.db import transaction
from portal.errors import Refused, ValidationError
from portal.models import ACTIVE, AccessLink, AuthorisationCode, InstanceSettings, Service
from portal.services import filing
from portal.services.records import SUBJECT_FIELDS
from portal.states import Kind

CODE_VALID_FOR = timedelta(days=7)


def current_subject_data(subject) -> dict:
    return {f: getattr(subject, f) for f in SUBJECT_FIELDS}


def current_service_data(service: Service) -> dict:
    details = dict(service.details or {})
    extra = details.pop("extra", {}) or {}
    return {**details, **extra, "kind": service.kind, "name": service.name,
            "homepage": service.homepage, "service_id": service.id}


def start_change(account, kind: str, service: Service | None = None) -> object:
    """A draft of a change (or add-service / annual review) filled with today's data."""
    subject = account.subjects.get()
    proposed = {
        Kind.CHANGE_SUBJECT: lambda: {"subject": current_subject_data(subject)},
        Kind.CHANGE_SERVICE: lambda: {"services": [current_service_data(service)]},
        Kind.CHANGE_ACCESS: lambda: {"services": [current_service_data(service)]},
        Kind.ADD_SERVICE: lambda: {"services": []},
        Kind.ANNUAL_REVIEW: lambda: {"subject": current_subject_data(subject), "services": [
            current_service_data(s) for s in subject.services.where(Service.status == ACTIVE)]},
    }[kind]()
    if kind == Kind.ANNUAL_REVIEW:
        check_annual_review_open()
    return filing.open_draft(account, account, kind, service_id=service.id if service else None,
                             proposed=proposed)


def request_cancellation(account, kind: str, reason: str, service: Service | None = None,
                         isp_id=None):
    """Cancel subject / service / access: opened and submitted at once."""
    proposed = {"reason": reason} if kind != Kind.CANCEL_ACCESS else {"isp_id": isp_id,
                                                                      "reason": reason}
    with transaction():
        app = workflow.create_application(kind, account=account, actor=account,
                                          proposed=proposed,
                                          service_id=service.id if service else None)
        return workflow.submit_application(app.id, account)


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def create_authorisation_code(account, service: Service) -> str:
    """A code the filer hands a new ISP so it may add its access (变更接入), valid 7 days.
    Only its hash is kept; a new code replaces the open one."""
    code = "-".join(secrets.token_hex(2).upper() for _ in range(3))
    with transaction():
        AuthorisationCode.update(used_at=utcnow()).where(
            AuthorisationCode.service == service, AuthorisationCode.used_at.is_null()).execute()
        AuthorisationCode.create(service=service, code_hash=_code_hash(code),
                                 expires_at=utcnow() + CODE_VALID_FOR)
        record_event("authorisation_code.create", service, actor=account)
    return code


def consume_authorisation_code(code: str, isp_id: int, actor=None) -> Service:
    """The service a valid code names; the code is used up, audited on the service as its
    creation was (call inside a transaction)."""
    row = AuthorisationCode.get_or_none(AuthorisationCode.code_hash == _code_hash(code or ""))
    if row is None or row.used_at is not None or row.expires_at < utcnow():
        raise ValidationError(_l("授权码无效或已过期，请向主办者重新获取"), field="code")
    AuthorisationCode.update(used_at=utcnow(), used_by=isp_id).where(
        AuthorisationCode.id == row.id).execute()
    record_event("authorisation_code.use", row.service, actor=actor,
                 after={"code": row.id, "isp": isp_id})
    return row.service


def active_access(service: Service) -> list:
    return list(service.access_links.where(AccessLink.status == ACTIVE))


def annual_review_window():
    settings = InstanceSettings.get()
    return settings.annual_review_start, settings.annual_review_end


def annual_review_open() -> bool:
    start, end = annual_review_window()
    return bool(start and end and start <= local_today() <= end)


def check_annual_review_open() -> None:
    start, end = annual_review_window()
    if not annual_review_open():
        if start and start > local_today():
            raise Refused(_l("年度审核将于 %(start)s 开始", start=start.isoformat()))
        raise Refused(_l("当前不在年度审核期内"))
