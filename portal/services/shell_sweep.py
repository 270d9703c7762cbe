"""The twice-daily shell (空壳) sweep.

1. Recompute the shell flags of every active subject, in batches (one transaction per
   batch): a flag the approvals missed is opened, a stale one closed, each audited.
2. Warn once: a flag open for `shell_warning_days` gets one email to the filer and one
   to the ISP that last gave the record access (its contacts, else its admins), and its
   `warned_at` is stamped in the same transaction, so a second run warns nobody again.
3. After `shell_candidate_days` the flag is a cancellation candidate: the bureau's queue
   (portal/services/shells.py) shows it; nothing to send.
"""
import logging
from dataclasses import dataclass
from datetime import timedelta

from peewee import JOIN, chunked, fn

from portal.audit import record_event
from portal.clock import utcnow
from portal.db import transaction
from portal.models import (ACTIVE, AccessLink, Account, InstanceSettings, IspOrganisation,
                           RecordFlag, Service, Subject)
from portal.notifications import queue_message
from portal.services.flags import SHELL, candidate_date, refresh_shell_flags
from portal.services.organisations import contacts_of

log = logging.getLogger(__name__)
BATCH = 200


@dataclass(frozen=True)
class ShellSweepResult:
    subjects: int
    opened: int
    closed: int
    warned: int


def sweep_shells() -> ShellSweepResult:
    """Recompute every shell flag, then send the warnings that are due."""
    subjects = opened = closed = 0
    ids = [row.id for row in Subject.select(Subject.id).where(Subject.status == ACTIVE)
           .order_by(Subject.id)]
    for batch in chunked(ids, BATCH):
        with transaction():
            for subject in Subject.select().where(Subject.id.in_(batch)):
                added, removed = refresh_subject(subject)
                opened, closed = opened + added, closed + removed
        subjects += len(batch)
    warned = send_shell_warnings()
    log.info("shell sweep: %d subjects, %d flags opened, %d closed, %d warned",
             subjects, opened, closed, warned)
    return ShellSweepResult(subjects, opened, closed, warned)


def _open_shell_flags(subject: Subject) -> set[int]:
    return {row.id for row in RecordFlag.select(RecordFlag.id).where(
        RecordFlag.subject == subject, RecordFlag.kind == SHELL,
        RecordFlag.cleared_at.is_null())}


def refresh_subject(subject: Subject) -> tuple[int, int]:
    """Refresh one subject's flags; audit each flag opened or closed. (opened, closed)"""
    before = _open_shell_flags(subject)
    refresh_shell_flags(subject)
    after = _open_shell_flags(subject)
    for flag_id in after - before:
        record_event("flag.shell_set", RecordFlag.get_by_id(flag_id), object_type="record_flag",
                     after={"kind": SHELL, "subject_id": subject.id}, reason="shell sweep")
    for flag_id in before - after:
        record_event("flag.shell_clear", object_type="record_flag", object_id=flag_id,
                     after={"kind": SHELL, "subject_id": subject.id}, reason="shell sweep")
    return len(after - before), len(before - after)


# -- warnings ---------------------------------------------------------------------------

def warnings_due():
    """Open shell flags on live records, older than the warning period, not yet warned."""
    days = InstanceSettings.get().shell_warning_days
    live = ((RecordFlag.service.is_null() & (Subject.status == ACTIVE))
            | (Service.status == ACTIVE))
    return (RecordFlag.select(RecordFlag, Subject)
            .join(Subject, on=(RecordFlag.subject == Subject.id))
            .switch(RecordFlag)
            .join(Service, JOIN.LEFT_OUTER, on=(RecordFlag.service == Service.id))
            .where(RecordFlag.kind == SHELL, RecordFlag.cleared_at.is_null(),
                   RecordFlag.warned_at.is_null(),
                   RecordFlag.set_at <= utcnow() - timedelta(days=days), live)
            .order_by(RecordFlag.id))


def send_shell_warnings() -> int:
    """Warn the filer and the last ISP of each flag due, once (one transaction each)."""
    warned = 0
    for flag_id in [flag.id for flag in warnings_due()]:
        with transaction():
            stamped = RecordFlag.update(warned_at=utcnow()).where(
                RecordFlag.id == flag_id, RecordFlag.warned_at.is_null()).execute()
            if stamped:
                warn(RecordFlag.get_by_id(flag_id))
                warned += 1
    return warned


def last_isp(flag: RecordFlag) -> IspOrganisation | None:
    """The ISP whose access to the record ended last (其它/abroad links have none)."""
    services = ([flag.service_id] if flag.service_id else
                Service.select(Service.id).where(Service.subject == flag.subject_id))
    link = (AccessLink.select().where(AccessLink.service.in_(services),
                                      AccessLink.isp.is_null(False))
            .order_by(fn.COALESCE(AccessLink.ended_at, AccessLink.created_at).desc(),
                      AccessLink.id.desc()).first())
    return link.isp if link else None


def isp_recipients(isp: IspOrganisation) -> list[str]:
    """The ISP's contact emails; its active admins' when no contact has one."""
    emails = [c["email"] for c in contacts_of(isp) if c.get("email")]
    if not emails:
        emails = [a.email for a in Account.select().where(
            Account.organisation == isp, Account.tenant == "isp", Account.role == "admin",
            Account.is_active == True) if a.email]
    return list(dict.fromkeys(emails))


def warn(flag: RecordFlag) -> None:
    """The two warnings of one flag (Chinese, the filer's and the ISP's language) and
    the audit event. Stable message ids: a repeated warning is refused by the outbox."""
    record = flag.service if flag.service_id else flag.subject
    what = _describe(flag, record)
    by = candidate_date(flag).isoformat()
    payload = {"action": "shell_warning", "flag_id": flag.id}
    owner = Account.get_by_id(flag.subject.account_id)
    queue_message("email", owner.email, "备案空壳提醒",
                  f"{what}。请于{by}前补充接入服务商或新增网站/APP，"
                  f"逾期将列为注销候选，由管局依法注销备案。", payload,
                  message_id=f"shell-warning-flag{flag.id}-filer@icp-portal")
    isp = last_isp(flag)
    recipients = isp_recipients(isp) if isp else []
    for n, address in enumerate(recipients):
        queue_message("email", address, "接入用户备案空壳提醒",
                      f"贵单位曾为其提供接入的{what}。如该网站/APP已不再由贵单位接入，"
                      f"请提醒主办者于{by}前补充接入；逾期将列为注销候选。", payload,
                      message_id=f"shell-warning-flag{flag.id}-isp{n}@icp-portal")
    record_event("flag.shell_warn", flag, object_type="record_flag",
                 after={"filer": owner.id, "isp": isp.id if isp else None,
                        "isp_recipients": len(recipients), "candidate_on": by})


def _describe(flag: RecordFlag, record) -> str:
    if flag.service_id:
        return f"网站/APP“{record.name}”（{record.filing_number}）已无接入服务商"
    return f"备案主体“{record.name}”（{record.filing_number}）已无有效的网站/APP"
