"""Bureau decisions on approved records (not applications): revocation (撤销) and
cancellation (注销) by the bureau, restricted access (限制接入), the blacklist, and the
bulk cancellation of shells (空壳). Violation marks live in portal.services.violations.

Each decision runs in one transaction with one audit event per changed object, a record
version and the email to the filer; the public lookup follows at once (the lookup keys
of an ended record are dropped in the same transaction).
"""
from flask_babel import lazy_gettext as _l

from portal import notifications
from portal.audit import record_event
from portal.db import transaction
from portal.errors import NotFound, Refused, ValidationError
from portal.models import ACTIVE, CANCELLED, REVOKED, BlacklistEntry, Service, Subject
from portal.services import flags, records, shells
from portal.states import is_bureau_admin, is_bureau_decider
from portal.validators import normalise_cert_number, normalise_name


def _require(allowed: bool) -> None:
    if not allowed:
        raise Refused(_l("您无权对该备案进行此操作"))


def _clean_reason(reason: str, message) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(message, field="reason")
    return reason


def _load_target(subject_id=None, service_id=None) -> Subject | Service:
    """The live subject, or one of its live services (`service_id` must belong to
    `subject_id` when both are given)."""
    if service_id:
        target = Service.get_or_none(Service.id == service_id)
        if target is not None and subject_id and target.subject_id != int(subject_id):
            target = None
    else:
        target = Subject.get_or_none(Subject.id == subject_id)
    if target is None:
        raise NotFound(_l("没有找到该备案"))
    if target.status != ACTIVE:
        raise Refused(_l("该备案已注销或撤销"))
    return target


def _subject_of(target) -> Subject:
    return target.subject if isinstance(target, Service) else target


def _end_record(actor, target, status: str, reason: str, detail: dict | None = None) -> list:
    """End the subject (with every live service) or one service; one event for each."""
    subject = _subject_of(target)
    if isinstance(target, Service):
        ended = [target]
        records.end_service(target, status)
    else:
        ended = list(subject.services.where(Service.status == ACTIVE))
        records.end_subject(subject, status, actor)
    flags.clear_shell_flags(subject, ended)
    action = "record.revoke" if status == REVOKED else "record.cancel"
    for record in ended + ([] if isinstance(target, Service) else [subject]):
        after = {"status": status, **((detail or {}) if record is target else {})}
        record_event(action, record, actor=actor, before={"status": ACTIVE}, after=after,
                     reason=reason)
    return ended


def _finish(subject: Subject) -> None:
    """Shell flags refreshed, a record version kept, lookup keys rebuilt."""
    records.refresh_after_change(subject)
    records.record_version(Subject.get_by_id(subject.id), None)


def revoke_record(actor, reason: str, *, subject_id=None, service_id=None):
    """Revoke (撤销) an approved subject or service, e.g. for malicious squatting. The
    public lookup stops showing it at once."""
    with transaction():
        _require(is_bureau_decider(actor))
        reason = _clean_reason(reason, _l("请填写撤销原因"))
        target = _load_target(subject_id, service_id)
        _end_record(actor, target, REVOKED, reason)
        _finish(_subject_of(target))
        notifications.notify_revocation(target, reason)
        return target


def cancel_record(actor, reason: str, *, subject_id=None, service_id=None,
                  for_violation: bool = False, blacklist: bool = False):
    """Cancel (注销) an approved subject or service by the bureau's own decision (a shell,
    or a violation). A cancellation for violations puts the record on the violation list
    and may blacklist it: a subject's certificate number and its services' names, or a
    single service's name (the subject's number stays usable by its own live record)."""
    with transaction():
        _require(is_bureau_decider(actor))
        reason = _clean_reason(reason, _l("请填写注销原因"))
        if blacklist and not for_violation:
            raise ValidationError(_l("只有因违法违规注销时才能列入黑名单"), field="blacklist")
        target = _load_target(subject_id, service_id)
        subject = _subject_of(target)
        if for_violation:
            _flag_violation(actor, target, reason)
        ended = _end_record(actor, target, CANCELLED, reason,
                            {"violation": True} if for_violation else None)
        if blacklist:
            _blacklist_record(actor, target, ended, reason)
        _finish(subject)
        _tell_cancelled(subject, target, reason, for_violation)
        return target


def _flag_violation(actor, target, reason: str) -> None:
    if isinstance(target, Service):
        flags.set_service_flag(flags.VIOLATION, target, reason, actor)
    else:
        flags.set_flag(flags.VIOLATION, subject=target, reason=reason, actor=actor)


def _blacklist_record(actor, target, ended: list, reason: str) -> None:
    pairs = [("site_name", normalise_name(service.name)) for service in ended]
    if isinstance(target, Subject):
        pairs.insert(0, ("cert_number", normalise_cert_number(target.cert_number)))
    for kind, value in pairs:
        add_blacklist_entry(actor, kind, value, reason)


def add_blacklist_entry(actor, kind: str, value: str, reason: str) -> BlacklistEntry | None:
    """Blacklist a certificate number or a site name, stored normalised the way
    guards.check_blacklist reads them. Already listed: nothing changes."""
    if BlacklistEntry.select().where(BlacklistEntry.kind == kind,
                                     BlacklistEntry.value == value).exists():
        return None
    entry = BlacklistEntry.create(kind=kind, value=value, reason=reason)
    record_event("blacklist.add", entry, actor=actor, after={"kind": kind, "value": value},
                 reason=reason)
    return entry


def _tell_cancelled(subject: Subject, target, reason: str, for_violation: bool) -> None:
    why = "因违法违规" if for_violation else ""
    flags.notify_filer(subject, f"备案{target.filing_number}已被注销",
                       f"您的备案 {target.filing_number} 已被管局{why}注销。原因：{reason}",
                       action="cancel", record=target.filing_number)


def remove_blacklist_entry(actor, entry_id, reason: str) -> None:
    """Take a certificate number or site name off the blacklist (bureau admins only)."""
    with transaction():
        if not is_bureau_admin(actor):
            raise Refused(_l("只有管局管理员可以移出黑名单"))
        reason = _clean_reason(reason, _l("请填写移出黑名单的原因"))
        entry = BlacklistEntry.get_or_none(BlacklistEntry.id == entry_id)
        if entry is None:
            raise NotFound(_l("黑名单条目不存在"))
        record_event("blacklist.remove", entry, actor=actor,
                     before={"kind": entry.kind, "value": entry.value}, reason=reason)
        entry.delete_instance()


# -- restricted access (限制接入) ---------------------------------------------------------

def restrict_service(actor, service_id, reason: str) -> Service:
    """Restrict a service's access (限制接入): ISPs must not connect it, the public lookup
    shows it. Restricting a restricted service changes nothing."""
    with transaction():
        _require(is_bureau_decider(actor))
        reason = _clean_reason(reason, _l("请填写限制接入的原因"))
        service = _load_target(service_id=service_id)
        if flags.open_flag(flags.RESTRICTED, service=service) is not None:
            return service
        flags.set_service_flag(flags.RESTRICTED, service, reason, actor)
        record_event("service.restrict", service, actor=actor, before={"restricted": False},
                     after={"restricted": True}, reason=reason)
        flags.notify_filer(service.subject, f"网站/APP {service.filing_number} 已被限制接入",
                           f"您的网站/APP“{service.name}”（{service.filing_number}）已被管局限制接入。"
                           f"原因：{reason}", action="restrict", record=service.filing_number)
        _finish(service.subject)
        return service


def lift_restriction(actor, service_id, reason: str) -> Service:
    """Lift a restriction; the flag is kept as history."""
    with transaction():
        _require(is_bureau_decider(actor))
        reason = _clean_reason(reason, _l("请填写解除限制接入的原因"))
        service = _load_target(service_id=service_id)
        if flags.open_flag(flags.RESTRICTED, service=service) is None and not service.restricted:
            raise Refused(_l("该网站/APP未被限制接入"))
        flags.clear_service_flag(flags.RESTRICTED, service)
        record_event("service.unrestrict", service, actor=actor, before={"restricted": True},
                     after={"restricted": False}, reason=reason)
        flags.notify_filer(service.subject, f"网站/APP {service.filing_number} 已解除限制接入",
                           f"您的网站/APP“{service.name}”（{service.filing_number}）已解除限制接入。"
                           f"说明：{reason}", action="unrestrict", record=service.filing_number)
        _finish(service.subject)
        return service


# -- shells (空壳) ------------------------------------------------------------------------

def bulk_cancel_shells(actor, reason: str, flag_ids, limit: int = shells.SHELL_BULK_LIMIT
                       ) -> list:
    """Cancel the selected cancellation candidates in one transaction: all or none.
    One audit event per cancelled record plus one for the request."""
    with transaction():
        _require(is_bureau_decider(actor))
        reason = _clean_reason(reason, _l("请填写批量注销的原因"))
        chosen = shells.load_candidates(flag_ids, limit)
        numbers = []
        for flag in chosen:
            target = cancel_record(actor, reason, subject_id=flag.subject_id,
                                   service_id=flag.service_id)
            numbers.append(target.filing_number)
        record_event("record.shell_bulk_cancel", None, actor=actor, object_type="shell_batch",
                     after={"flags": [f.id for f in chosen], "records": numbers}, reason=reason)
        return chosen
