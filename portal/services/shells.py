"""The bureau's queue of cancellation candidates (空壳): shell flags older than the
candidate period (InstanceSettings.shell_candidate_days) on records that are still live,
each with its history. The bulk cancellation itself is
portal.record_decisions.bulk_cancel_shells."""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from peewee import JOIN

from portal.clock import utcnow
from portal.errors import Refused, ValidationError
from portal.models import (ACTIVE, AccessLink, InstanceSettings, IspOrganisation, RecordFlag,
                           Service, Subject)
from portal.services.flags import SHELL, candidate_date

SHELL_BULK_LIMIT = 100


def candidate_cutoff() -> datetime:
    """Flags set before this moment are candidates: the same day flags.candidate_date
    names (set_at + shell_candidate_days, by date) has come."""
    days = InstanceSettings.get().shell_candidate_days
    return datetime.combine(utcnow().date() - timedelta(days=days - 1), time.min)


def candidates():
    """Open shell flags past the candidate date on live records, oldest first."""
    live = ((RecordFlag.service.is_null() & (Subject.status == ACTIVE))
            | (Service.status == ACTIVE))
    return (RecordFlag.select(RecordFlag, Subject, Service)
            .join(Subject, on=(RecordFlag.subject == Subject.id))
            .switch(RecordFlag)
            .join(Service, JOIN.LEFT_OUTER, on=(RecordFlag.service == Service.id))
            .where(RecordFlag.kind == SHELL, RecordFlag.cleared_at.is_null(),
                   RecordFlag.set_at < candidate_cutoff(), live)
            .order_by(RecordFlag.set_at, RecordFlag.id))


@dataclass
class AccessLine:
    service_name: str
    isp_name: str
    status: str
    created_at: datetime
    ended_at: datetime | None


@dataclass
class Candidate:
    """One candidate with what the bureau needs before cancelling it."""
    flag: RecordFlag
    subject: Subject
    service: Service | None
    candidate_on: date
    services: list = field(default_factory=list)
    access: list = field(default_factory=list)

    @property
    def record(self):
        return self.service or self.subject

    @property
    def last_access_ended_at(self):
        ended = [line.ended_at for line in self.access if line.ended_at]
        return max(ended) if ended else None


def describe(flag: RecordFlag) -> Candidate:
    """The candidate's history: when flagged and warned, its services, its access links
    (ended ones included, with the ISP that had it)."""
    service = flag.service if flag.service_id else None
    services = [service] if service else list(flag.subject.services.order_by(Service.id))
    links = (AccessLink.select(AccessLink, IspOrganisation)
             .join(IspOrganisation, JOIN.LEFT_OUTER)
             .where(AccessLink.service.in_([s.id for s in services]))
             .order_by(AccessLink.id))
    names = {s.id: s.name for s in services}
    access = [AccessLine(names[link.service_id], link.isp.name if link.isp_id else str(_l("其它（境外）")),
                         link.status, link.created_at, link.ended_at) for link in links]
    return Candidate(flag, flag.subject, service, candidate_date(flag), services, access)


def parse_ids(values) -> list[int]:
    try:
        return list(dict.fromkeys(int(v) for v in values or []))
    except (TypeError, ValueError):
        raise ValidationError(_l("所选记录不正确"), field="flag_ids") from None


def load_candidates(flag_ids, limit: int = SHELL_BULK_LIMIT) -> list[RecordFlag]:
    """The selected candidates, or a refusal that names the problem: nothing selected,
    more than `limit`, or some no longer a candidate (access added, already cancelled)."""
    ids = parse_ids(flag_ids)
    if not ids:
        raise ValidationError(_l("请至少选择一条注销候选"), field="flag_ids")
    if len(ids) > limit:
        raise ValidationError(_l("每次最多批量注销 %(limit)d 条，本次选择了 %(count)d 条，请分批办理",
                                 limit=limit, count=len(ids)), field="flag_ids")
    found = list(candidates().where(RecordFlag.id.in_(ids)))
    if len(found) != len(ids):
        raise Refused(_l("所选记录中有的已不再是注销候选（可能已补充接入或已注销），请刷新后重新选择"))
    return found


def preview(flag_ids, limit: int = SHELL_BULK_LIMIT) -> list[Candidate]:
    """Exactly what a bulk cancellation of `flag_ids` would cancel."""
    return [describe(flag) for flag in load_candidates(flag_ids, limit)]
