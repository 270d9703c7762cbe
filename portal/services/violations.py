"""Violation records (违法违规): the public list and the bureau's marking and clearing.

A violation is an open RecordFlag of kind "violation" on a service (or a whole
subject); the service's `violation` column mirrors it for quick checks.
"""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from peewee import JOIN

from portal.audit import record_event
from portal.db import transaction
from portal.errors import Forbidden, NotFound, Refused, ValidationError
from portal.models import RecordFlag, Service, Subject
from portal.pagination import Page
from portal.services import records
from portal.services.flags import (VIOLATION, clear_service_flag, notify_filer, open_flag,
                                     set_service_flag)
from portal.masking import mask_name
from portal.states import is_bureau_decider


@dataclass(frozen=True)
class ViolationRow:
    """One line of the public list: individuals' names already masked."""
    service_name: str
    filing_number: str
    subject_name: str
    reason: str
    marked_at: datetime


def open_violations():
    """Open violation flags on services and subjects, newest first."""
    return (RecordFlag.select(RecordFlag, Subject, Service)
            .join(Subject, on=(RecordFlag.subject == Subject.id))
            .switch(RecordFlag)
            .join(Service, JOIN.LEFT_OUTER, on=(RecordFlag.service == Service.id))
            .where(RecordFlag.kind == VIOLATION, RecordFlag.cleared_at.is_null())
            .order_by(RecordFlag.set_at.desc(), RecordFlag.id.desc()))


def violation_page(page: int, per_page: int) -> Page:
    """One page of the public violation list."""
    query = open_violations()
    rows = [public_row(flag) for flag in query.paginate(page, per_page)]
    return Page(rows, page, per_page, query.count())


def public_row(flag: RecordFlag) -> ViolationRow:
    """What the public may see of a flag: an individual's name is masked."""
    subject = flag.subject
    name = mask_name(subject.name) if subject.is_individual else subject.name
    if flag.service_id is None:
        return ViolationRow("", subject.filing_number, name, flag.reason, flag.set_at)
    return ViolationRow(flag.service.name, flag.service.filing_number, name, flag.reason,
                        flag.set_at)


def mark_violation(actor, service_id, reason: str) -> RecordFlag:
    """Put a service on the public violation list, with the reason shown there. Marking
    a service already on the list changes nothing."""
    _require_bureau(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_l("请填写认定违法违规的原因"), field="reason")
    with transaction():
        service = _load(service_id)
        existing = open_flag(VIOLATION, service=service)
        if existing is not None:
            return existing
        flag = set_service_flag(VIOLATION, service, reason, actor)
        record_event("service.violation.mark", service, actor=actor,
                     before={"violation": False}, after={"violation": True}, reason=reason)
        _finish(service, f"网站/APP {service.filing_number} 已被认定为违法违规",
                f"您的网站/APP“{service.name}”（{service.filing_number}）已被管局认定为违法违规，"
                f"并列入违法违规名单。原因：{reason}", "violation_mark")
    return flag


def clear_violation(actor, service_id, reason: str) -> None:
    """Take a service off the violation list; the flag is kept as history."""
    _require_bureau(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_l("请填写解除违法违规标记的原因"), field="reason")
    with transaction():
        service = _load(service_id)
        if open_flag(VIOLATION, service=service) is None:
            raise Refused(_l("该网站/APP没有未解除的违法违规标记"))
        clear_service_flag(VIOLATION, service)
        record_event("service.violation.clear", service, actor=actor,
                     before={"violation": True}, after={"violation": False}, reason=reason)
        _finish(service, f"网站/APP {service.filing_number} 的违法违规标记已解除",
                f"您的网站/APP“{service.name}”（{service.filing_number}）的违法违规标记已解除。"
                f"说明：{reason}", "violation_clear")


def _finish(service: Service, title: str, body: str, action: str) -> None:
    """What every decision on a record ends with: the filer told, a record version kept."""
    subject = Subject.get_by_id(service.subject_id)
    notify_filer(subject, title, body, action=action, record=service.filing_number)
    records.refresh_after_change(subject)
    records.record_version(subject, None)


def _load(service_id) -> Service:
    service = Service.get_or_none(Service.id == service_id)
    if service is None:
        raise NotFound(_l("网站/APP不存在"))
    return service


def _require_bureau(actor) -> None:
    if not is_bureau_decider(actor):
        raise Forbidden(_l("只有管局管理员或审核员可以标记违法违规"))
