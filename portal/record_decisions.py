"""Bureau decisions on approved records (not applications): revocation (撤销) and
cancellation (注销) by the bureau. Each runs in one transaction with its audit
event, its record version and its outgoing messages; the public lookup follows at once.
"""
from flask_babel import lazy_gettext as _l

from portal import notifications
from portal.audit import record_event
from portal.db import transaction
from portal.errors import NotFound, Refused, ValidationError
from portal.models import ACTIVE, REVOKED, Service, Subject
from portal.services import records
from portal.states import is_bureau_decider


def _require(allowed: bool) -> None:
    if not allowed:
        raise Refused(_l("您无权对该备案进行此操作"))


def revoke_record(actor, reason: str, *, subject_id=None, service_id=None):
    """Revoke (撤销) an approved subject or service, e.g. for malicious squatting. The
    public lookup stops showing it at once."""
    with transaction():
        _require(is_bureau_decider(actor))
        if not (reason or "").strip():
            raise ValidationError(_l("请填写撤销原因"), field="reason")
        target = (Service.get_or_none(Service.id == service_id) if service_id
                  else Subject.get_or_none(Subject.id == subject_id))
        if target is None or target.status != ACTIVE:
            raise NotFound(_l("没有找到已备案的记录"))
        subject = target.subject if service_id else target
        if service_id:
            records.end_service(target, REVOKED)
        else:
            records.end_subject(target, REVOKED)
        records.refresh_after_change(subject)
        record_event("record.revoke", target, actor=actor, reason=reason.strip(),
                     after={"status": REVOKED})
        records.record_version(subject, None)
        notifications.notify_revocation(target, reason.strip())
        return target
