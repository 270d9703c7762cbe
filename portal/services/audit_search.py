"""Reading the audit log: search, one event, and the hash-chain check from the page.

Searches run newest first on `seq` (unique) and filter on indexed columns: actor_id,
action (exact), (object_type, object_id), at. A prefix action ("application.") is a
LIKE that the database evaluates while walking `seq` backwards, which stops at the
page's limit. The list selects only the narrow columns; before/after are read on the
event's own page.
"""
import json
import logging
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from peewee import IntegrityError

from portal.audit import ChainReport, record_event, verify_chain
from portal.clock import utc_bounds
from portal.db import transaction
from portal.errors import NotFound, ValidationError
from portal.models import Account, AuditEvent

log = logging.getLogger(__name__)

LIST_COLUMNS = (AuditEvent.id, AuditEvent.seq, AuditEvent.at, AuditEvent.actor_id,
                AuditEvent.actor_name, AuditEvent.tenant, AuditEvent.action,
                AuditEvent.object_type, AuditEvent.object_id, AuditEvent.reason, AuditEvent.ip)
PREFIX_MARKS = (".", "*")


@dataclass
class AuditQuery:
    """What the search form asks for; empty means "any"."""
    actor: str = ""
    object_type: str = ""
    object_id: str = ""
    action: str = ""
    start: date | None = None
    end: date | None = None


def search_events(criteria: AuditQuery):
    """The matching events, newest first (a query: the caller paginates it)."""
    query = AuditEvent.select(*LIST_COLUMNS)
    for condition in _conditions(criteria):
        query = query.where(condition)
    return query.order_by(AuditEvent.seq.desc())


def _conditions(criteria: AuditQuery) -> list:
    conditions = []
    if criteria.actor.strip():
        conditions.append(actor_condition(criteria.actor.strip()))
    if criteria.object_id.strip() and not criteria.object_type.strip():
        raise ValidationError(_l("按对象编号查询时请同时填写对象类型"), field="object_type")
    if criteria.object_type.strip():
        conditions.append(AuditEvent.object_type == criteria.object_type.strip())
    if criteria.object_id.strip():
        conditions.append(AuditEvent.object_id == criteria.object_id.strip())
    if criteria.action.strip():
        conditions.append(action_condition(criteria.action.strip()))
    return conditions + _time_conditions(criteria.start, criteria.end)


def actor_condition(actor: str):
    """A username wins; else digits are an account id; else the name as recorded
    (e.g. "system", or an account since renamed)."""
    account_id = (Account.select(Account.id).where(Account.username == actor).scalar())
    if account_id is not None:
        return AuditEvent.actor_id == account_id
    if actor.isdigit():
        return AuditEvent.actor_id == int(actor)
    return AuditEvent.actor_name == actor


def action_condition(action: str):
    """Exact ("application.approve") or a prefix ending in "." or "*" ("application.")."""
    if action.endswith(PREFIX_MARKS):
        return AuditEvent.action.startswith(action.rstrip("*"))
    return AuditEvent.action == action


def _time_conditions(start: date | None, end: date | None) -> list:
    if start and end and start > end:
        raise ValidationError(_l("起始日期不能晚于结束日期"), field="start")
    conditions = []
    if start:
        conditions.append(AuditEvent.at >= utc_bounds(start, start)[0])
    if end:
        conditions.append(AuditEvent.at < utc_bounds(end, end)[1])
    return conditions


def get_event(seq: int) -> AuditEvent:
    event = AuditEvent.get_or_none(AuditEvent.seq == seq)
    if event is None:
        raise NotFound(_l("审计记录不存在"))
    return event


def neighbours(seq: int) -> tuple[int | None, int | None]:
    """The seq of the events just before and after (for paging through the log)."""
    older = (AuditEvent.select(AuditEvent.seq).where(AuditEvent.seq < seq)
             .order_by(AuditEvent.seq.desc()).limit(1).scalar())
    newer = (AuditEvent.select(AuditEvent.seq).where(AuditEvent.seq > seq)
             .order_by(AuditEvent.seq).limit(1).scalar())
    return older, newer


def pretty(value) -> str:
    """before/after as indented JSON, Chinese kept readable."""
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)


def verify_audit_chain(actor) -> ChainReport:
    """Check the chain (the same check as `flask verify-audit`) and record that it was run.

    The walk runs outside the transaction (it reads every event, and SQLite's write
    lock must not be held that long). A tampered head can make the new event's seq
    collide; then the check's answer still stands and only the note of it is lost."""
    report = verify_chain()
    try:
        with transaction():
            record_event("audit.verify", actor=actor, object_type="audit", object_id="chain",
                         after={"ok": report.ok, "checked": report.checked,
                                "seq": report.seq, "problem": report.problem})
    except IntegrityError:
        log.warning("audit check by %s could not be recorded: the head is damaged",
                    getattr(actor, "username", actor))
    return report
