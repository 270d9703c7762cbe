"""The lifecycle of an application: the only place where its state changes.

Every transition checks who may act and from which state, checks the version the
actor saw (a stale decision is refused), and in one transaction changes the
state, writes its audit events, record versions and outbox messages. Tasks are
enqueued only after commit. A refusal raises and changes nothing.
"""
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from portal import notifications
from portal.audit import record_event
from portal.calendar import add_working_days, load_overrides
from portal.clock import local_today, utcnow
from portal.db import transaction
from portal.errors import NotFound, Refused, StaleDecision, ValidationError
from portal.models import ACTIVE, Application, ApplicationIsp, SmsVerification
from portal.services import guards, sms_checks
from portal.services.apply import apply_application, named_isp_ids
from portal.services.conflicts import find_conflicts
from portal.services.lookup_keys import clear_application_keys, set_application_keys
from portal.services.proposals import clean_proposal
from portal.states import (CANCEL_KINDS, STATE_LABELS, Kind, State, is_bureau_decider,
                           is_submitter_side, is_verifying_isp, review_days)


# -- helpers ----------------------------------------------------------------

def load_application(app_id) -> Application:
    app = Application.get_or_none(Application.id == app_id)
    if app is None:
        raise NotFound(_l("申请不存在"))
    return app


def _require_state(app: Application, *states) -> None:
    if app.state not in states:
        raise Refused(_l("申请当前状态为“%(state)s”，不能进行此操作", state=STATE_LABELS[app.state]))


def _require(allowed: bool) -> None:
    if not allowed:
        raise Refused(_l("您无权对该申请进行此操作"))


def _check_version(app: Application, expected) -> None:
    if expected is not None and int(expected) != app.version:
        raise StaleDecision(_l("该申请已被他人处理或已更新，请刷新后查看"))


def _move(app: Application, to_state: str, action: str, actor, reason: str = "",
          detail: dict | None = None, **changes):
    """Change state under the version the row had when loaded; write the audit event
    (`detail` adds to its "after", e.g. the field notes of a return)."""
    before = {"state": app.state, "version": app.version}
    changes.update(state=to_state, version=app.version + 1, updated_at=utcnow())
    updated = (Application.update(**changes)
               .where(Application.id == app.id, Application.version == app.version).execute())
    if updated != 1:
        raise StaleDecision(_l("该申请已被他人处理或已更新，请刷新后查看"))
    for name, value in changes.items():
        setattr(app, name, value)
    record_event(f"application.{action}", app, actor=actor, before=before,
                 after={"state": to_state, "version": app.version, **(detail or {})},
                 reason=reason)
    notifications.notify_state_change(app, action, reason)
    return app


# -- opening and editing ----------------------------------------------------

def create_application(kind: str, *, account, actor, proposed=None, channel="filer",
                       isp=None, service_id=None, materials=None) -> Application:
    """Open a draft of `kind` for the filer `account`, filed by `actor` via `channel`."""
    with transaction():
        subject, service = guards.check_can_open(kind, account, service_id)
        guards.check_channel(kind, channel, actor, account, isp)
        app = Application.create(reference=new_reference(), kind=kind, state=State.DRAFT,
                                 account=account, subject=subject, service=service,
                                 channel=channel, isp=isp, submitted_by=actor,
                                 proposed=proposed or {}, materials=materials or [])
        record_event("application.create", app, actor=actor, after={"kind": kind})
    return app


def new_reference() -> str:
    return "BA" + local_today().strftime("%Y%m%d") + secrets.token_hex(6).upper()


def new_references(count: int) -> list[str]:
    """`count` distinct references of new_reference's form, for a bulk import. 48 random
    bits a day: 100 000 in one day collide with odds of about 1 in 50 000, and the caller
    still checks them against the database."""
    found = set()
    while len(found) < count:
        found.add(new_reference())
    return sorted(found)


def update_draft(app_id, actor, proposed: dict) -> Application:
    """Keep the data of a draft or returned application; nothing is checked yet."""
    with transaction():
        app = load_application(app_id)
        _require_state(app, State.DRAFT, State.RETURNED)
        _require(is_submitter_side(app, actor))
        Application.update(proposed=proposed, updated_at=utcnow(),
                           version=Application.version + 1).where(
            Application.id == app.id).execute()
        record_event("application.edit", app, actor=actor)
    return load_application(app_id)


# -- submission -------------------------------------------------------------

def submit_application(app_id, actor, expected_version=None) -> Application:
    """Draft or returned → submitted (or straight on when a step does not apply)."""
    with transaction():
        app = load_application(app_id)
        _require_state(app, State.DRAFT, State.RETURNED)
        _require(is_submitter_side(app, actor))
        _check_version(app, expected_version)
        return _submit(app, actor, "submit" if app.state == State.DRAFT else "resubmit")


def replace_application(app_id, actor, proposed: dict) -> Application:
    """Before the first approval, filing again replaces the pending first filing: the
    same application takes the new data and starts again from submission."""
    with transaction():
        app = load_application(app_id)
        if app.kind != Kind.FIRST_FILING:
            raise Refused(_l("只有首次备案在审核通过前可以重新提交替换"))
        _require_state(app, State.SUBMITTED, State.SMS, State.REVIEW, State.RETURNED)
        _require(is_submitter_side(app, actor))
        app.proposed = proposed
        app.revision += 1
        Application.update(proposed=proposed, revision=app.revision).where(
            Application.id == app.id).execute()
        return _submit(app, actor, "replace")


def _submit(app: Application, actor, action: str) -> Application:
    proposal = clean_proposal(app.kind, app.proposed, app.subject if app.subject_id else None)
    guards.check_exclusive(app)
    guards.check_immutable_keys(app, proposal)
    guards.check_blacklist(proposal)
    conflicts = find_conflicts(app.account_id, proposal)
    set_application_keys(app, proposal)
    _name_isps(app, proposal)
    changes = dict(proposed=proposal, submitted_at=utcnow(), in_conflict=bool(conflicts),
                   conflicts=conflicts, return_reason="", review_started_at=None, due_on=None)
    if conflicts:
        notifications.notify_conflict(app, conflicts)
    if _skips_isp(app, proposal):
        return _start_sms(app, actor, action, proposal, **changes)
    SmsVerification.delete().where(SmsVerification.application == app.id).execute()
    return _move(app, State.SUBMITTED, action, actor, **changes)


def _name_isps(app: Application, proposal: dict) -> None:
    """Record every ISP the application names. Rows are never removed: an ISP that once
    handled an application keeps seeing it (state, history, return reasons)."""
    ids = named_isp_ids(app, proposal)
    if ids:
        ApplicationIsp.insert_many([{"application": app.id, "isp": i} for i in ids]
                                   ).on_conflict_ignore().execute()


def _skips_isp(app: Application, proposal: dict) -> bool:
    """Cancellations filed by the filer, or recorded by the bureau from a written
    application (the bureau checks its materials itself), and services all abroad (no
    ISP named) skip verification."""
    if app.kind in CANCEL_KINDS and app.channel in ("filer", "bureau"):
        return True
    return not named_isp_ids(app, proposal)


def _start_sms(app: Application, actor, action: str, proposal: dict, **changes):
    if sms_checks.persons_for(app, proposal):
        _move(app, State.SMS, action, actor, **changes)
        sms_checks.start_checks(app, proposal)
        return app
    return _enter_review(app, actor, action, **changes)


def _enter_review(app: Application, actor, action: str, **changes) -> Application:
    today = local_today()
    due = add_working_days(today, review_days(app.kind), load_overrides())
    changes.update(review_started_at=utcnow(), due_on=due)
    return _move(app, State.REVIEW, action, actor, **changes)


# -- ISP verification -------------------------------------------------------

def verify_application(app_id, actor, expected_version=None) -> Application:
    """The access provider has checked the submission and forwards it (核实通过)."""
    with transaction():
        app = load_application(app_id)
        _check_version(app, expected_version)
        _require_state(app, State.SUBMITTED)
        _require(is_verifying_isp(app, actor, _named(app)))
        return _start_sms(app, actor, "verify", app.proposed)


def _named(app: Application) -> list[int]:
    """The ISPs the application names now: only they verify it."""
    return named_isp_ids(app, app.proposed)


def isp_return_application(app_id, actor, reason: str, notes: list,
                           expected_version=None) -> Application:
    with transaction():
        app = load_application(app_id)
        _check_version(app, expected_version)
        _require_state(app, State.SUBMITTED)
        _require(is_verifying_isp(app, actor, _named(app)))
        return _return(app, actor, "isp_return", reason, notes)


def _return(app: Application, actor, action: str, reason: str, notes: list) -> Application:
    reason, notes = guards.clean_return_notes(reason, notes)
    return _move(app, State.RETURNED, action, actor, reason=reason, detail={"notes": notes},
                 return_reason=reason, return_notes=notes, returned_proposed=app.proposed)


# -- SMS verification -------------------------------------------------------

def confirm_sms(reference: str, cert_number: str, mobile: str, code: str) -> Application:
    """A responsible person confirms with their code. A wrong try is counted and kept
    (it commits before the refusal is raised); the fifth wrong try or a timeout returns
    the application to whoever submitted it."""
    with transaction():
        app, refusal = _confirm(reference, cert_number, mobile, code)
    if refusal is not None:
        raise refusal
    return app


def _confirm(reference, cert_number, mobile, code):
    app = Application.get_or_none(Application.reference == (reference or "").strip())
    if app is None or app.state != State.SMS:
        raise NotFound(_l("没有找到待短信核验的申请，请核对申请编号"))
    row = sms_checks.find_person(app, cert_number, mobile)
    if row.confirmed_at is not None:
        return app, None
    if row.expires_at < utcnow():
        _fail_sms(app, SMS_TIMEOUT)
        return app, Refused(_l("短信核验超时（24小时内未完成），申请已退回"))
    if not sms_checks.code_matches(row, app, code):
        return app, _wrong_code(app, row)
    row.confirmed_at = utcnow()
    row.save()
    record_event("sms.confirm", row, after={"application": app.id, "role": row.role})
    if sms_checks.all_confirmed(app):
        _enter_review(app, None, "sms_confirmed")
    return app, None


def _wrong_code(app, row) -> Refused:
    row.tries += 1
    row.save()
    record_event("sms.wrong_code", row, after={"application": app.id, "tries": row.tries})
    if row.tries >= sms_checks.MAX_TRIES:
        _fail_sms(app, SMS_TOO_MANY_TRIES)
        return Refused(_l("核验码错误次数过多，申请已退回"))
    left = sms_checks.MAX_TRIES - row.tries
    return Refused(_l("核验码不正确，还可尝试 %(left)d 次", left=left), tries_left=left)


# Return reasons are stored as data, in the bureau's language, whoever triggered them.
SMS_TIMEOUT = "短信核验超时（24小时内未完成）"
SMS_TOO_MANY_TRIES = "短信核验码错误次数过多"


def _fail_sms(app: Application, reason: str) -> None:
    _move(app, State.RETURNED, "sms_failed", None, reason=reason, return_reason=reason,
          return_notes=[{"field": "sms", "note": reason}], returned_proposed=app.proposed)


def resend_sms_code(reference: str, cert_number: str, mobile: str) -> None:
    with transaction():
        app = Application.get_or_none(Application.reference == (reference or "").strip())
        if app is None or app.state != State.SMS:
            raise NotFound(_l("没有找到待短信核验的申请，请核对申请编号"))
        row = sms_checks.find_person(app, cert_number, mobile)
        if row.confirmed_at is None:
            sms_checks.send_code(row, app)


def expire_sms_verifications() -> int:
    """Return every application whose SMS verification passed its 24 hours."""
    expired = (Application.select(Application.id).join(SmsVerification)
               .where(Application.state == State.SMS, SmsVerification.confirmed_at.is_null(),
                      SmsVerification.expires_at < utcnow()).distinct())
    count = 0
    for (app_id,) in expired.tuples():
        with transaction():
            app = load_application(app_id)
            if app.state == State.SMS:
                _fail_sms(app, SMS_TIMEOUT)
                count += 1
    return count


# -- bureau decisions -------------------------------------------------------

def approve_application(app_id, actor, expected_version=None) -> Application:
    """Approve: apply the change to the records (numbers, certificates, versions)."""
    with transaction():
        app = load_application(app_id)
        _check_version(app, expected_version)
        _require_state(app, State.REVIEW)
        _require(is_bureau_decider(actor))
        _require_live_record(app)
        if app.in_conflict and find_conflicts(app.account_id, app.proposed):
            raise Refused(_l("该申请存在信息冲突，须先解决冲突再审核通过"))
        clear_application_keys(app)
        subject = apply_application(app, actor)
        return _move(app, State.APPROVED, "approve", actor, subject=subject,
                     decided_at=utcnow(), decided_by=actor)


def _require_live_record(app: Application) -> None:
    """A change of a record that was cancelled or revoked meanwhile cannot be approved."""
    for record in (app.subject if app.subject_id else None,
                   app.service if app.service_id else None):
        if record is not None and record.status != ACTIVE:
            raise Refused(_l("该申请所涉及的备案已被注销或撤销，不能审核通过，请退回"))


def return_application(app_id, actor, reason: str, notes: list,
                       expected_version=None) -> Application:
    """Return (退回/驳回) with field notes, to whoever filed it (filer or ISP)."""
    with transaction():
        app = load_application(app_id)
        _check_version(app, expected_version)
        _require_state(app, State.REVIEW)
        _require(is_bureau_decider(actor))
        app = _return(app, actor, "return", reason, notes)
        Application.update(decided_at=utcnow(), decided_by=actor).where(
            Application.id == app.id).execute()
        return app


# -- ending an application ---------------------------------------------------

def withdraw_application(app_id, actor) -> Application:
    """The submitter takes it back before it reaches the bureau."""
    with transaction():
        app = load_application(app_id)
        _require_state(app, State.SUBMITTED, State.SMS)
        _require(is_submitter_side(app, actor))
        return _end(app, actor, State.WITHDRAWN, "withdraw")


def delete_application_on_request(app_id, actor, reason: str) -> Application:
    """The bureau deletes a pending application on its filer's written request."""
    with transaction():
        app = load_application(app_id)
        _require_state(app, State.SUBMITTED, State.SMS, State.REVIEW, State.RETURNED)
        _require(is_bureau_decider(actor))
        if not (reason or "").strip():
            raise ValidationError(_l("请填写书面申请的说明"), field="reason")
        return _end(app, actor, State.WITHDRAWN, "delete_on_request", reason.strip())


def abandon_application(app_id, actor) -> Application:
    """The filer gives up a draft or a returned application."""
    with transaction():
        app = load_application(app_id)
        _require_state(app, State.DRAFT, State.RETURNED)
        _require(is_submitter_side(app, actor))
        return _end(app, actor, State.ABANDONED, "abandon")


DRAFT_MAX_DAYS = 90
DRAFT_EXPIRED = "草稿超过 90 天未修改，已由系统自动放弃"


def expire_drafts() -> int:
    """Abandon drafts nobody touched for DRAFT_MAX_DAYS (the system acts; the filer is
    told). A draft edited meanwhile is left alone."""
    cutoff = utcnow() - timedelta(days=DRAFT_MAX_DAYS)
    stale = Application.select(Application.id).where(Application.state == State.DRAFT,
                                                     Application.updated_at < cutoff)
    count = 0
    for (app_id,) in stale.tuples():
        with transaction():
            app = load_application(app_id)
            if app.state == State.DRAFT and app.updated_at < cutoff:
                _end(app, None, State.ABANDONED, "expire", DRAFT_EXPIRED)
                count += 1
    return count


def _end(app: Application, actor, state: str, action: str, reason: str = "") -> Application:
    clear_application_keys(app)
    SmsVerification.delete().where(SmsVerification.application == app.id).execute()
    return _move(app, state, action, actor, reason=reason)
