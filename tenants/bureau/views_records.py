"""Bureau pages: approved records. Finding a record, its page with the decisions on it
(revocation 撤销, cancellation 注销, restricted access 限制接入, violation marks 违法违规),
the violation list and the blacklist, and the record's history by date and by version."""
from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import record_decisions
from portal.errors import FIXABLE, NotFound
from portal.models import BlacklistEntry, Certificate, RecordFlag, Service
from portal.services import record_history, violations
from portal.states import BUREAU_ADMINS, BUREAU_DECIDERS, BUREAU_READERS
from portal.web.auth import role_required
from portal.web.pagination import paginate
from tenants.bureau import bp
from tenants.bureau.access import me
from tenants.bureau.forms_records import (AsOfForm, CancelForm, CompareForm, ReasonForm,
                                          RevokeForm, SearchForm, target_choices)


def _decide(call, done_message, back: str):
    """Run one portal decision: flash its outcome, back to the record (PRG)."""
    try:
        call()
        flash(done_message, "info")
    except FIXABLE as exc:
        flash(exc.message, "error")
    return redirect(back)


def _form_error(back: str):
    """The form was refused (CSRF, a missing reason, a target no longer listed)."""
    flash(_l("请填写原因，并确认所选对象仍然有效"), "error")
    return redirect(back)


@bp.route("/records")
@role_required(*BUREAU_READERS)
def records():
    form = SearchForm(request.args)
    query = record_history.search_records(form.q.data if form.validate() else "")
    return render_template("bureau/record_list.html", form=form, found=paginate(query))


@bp.route("/records/<int:subject_id>")
@role_required(*BUREAU_READERS)
def record_view(subject_id):
    subject = record_history.get_subject(subject_id)
    services = list(subject.services.order_by(Service.id))
    revoke, cancel = RevokeForm(), CancelForm()
    revoke.service_id.choices = cancel.service_id.choices = target_choices(subject)
    certificates = (Certificate.select().where(Certificate.service.in_([s.id for s in services]))
                    .order_by(Certificate.id.desc()))
    flags = subject.flags.order_by(RecordFlag.set_at.desc(), RecordFlag.id.desc())
    return render_template("bureau/record_view.html", subject=subject, services=services,
                           revoke_form=revoke, cancel_form=cancel, flag_form=ReasonForm(),
                           certificates=certificates, flags=flags,
                           can_decide=current_user.role in BUREAU_DECIDERS)


def _subject_form(form_class, subject_id):
    subject = record_history.get_subject(subject_id)
    form = form_class()
    form.service_id.choices = target_choices(subject)
    return subject, form


@bp.route("/records/<int:subject_id>/revoke", methods=["POST"])
@role_required(*BUREAU_DECIDERS)
def record_revoke(subject_id):
    subject, form = _subject_form(RevokeForm, subject_id)
    back = url_for("bureau.record_view", subject_id=subject.id)
    if not form.validate_on_submit():
        return _form_error(back)
    return _decide(lambda: record_decisions.revoke_record(
        me(), form.reason.data, subject_id=subject.id, service_id=form.service_id.data or None),
        _l("已撤销，公开查询不再显示该备案"), back)


@bp.route("/records/<int:subject_id>/cancel", methods=["POST"])
@role_required(*BUREAU_DECIDERS)
def record_cancel(subject_id):
    subject, form = _subject_form(CancelForm, subject_id)
    back = url_for("bureau.record_view", subject_id=subject.id)
    if not form.validate_on_submit():
        return _form_error(back)
    return _decide(lambda: record_decisions.cancel_record(
        me(), form.reason.data, subject_id=subject.id, service_id=form.service_id.data or None,
        for_violation=form.for_violation.data, blacklist=form.blacklist.data),
        _l("已注销"), back)


def _service_decision(service_id, decision, done_message):
    service = Service.get_or_none(Service.id == service_id)
    if service is None:
        raise NotFound(_l("网站/APP不存在"))
    back = url_for("bureau.record_view", subject_id=service.subject_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _form_error(back)
    return _decide(lambda: decision(me(), service.id, form.reason.data), done_message, back)


@bp.route("/services/<int:service_id>/restrict", methods=["POST"])
@role_required(*BUREAU_DECIDERS)
def service_restrict(service_id):
    return _service_decision(service_id, record_decisions.restrict_service, _l("已限制接入"))


@bp.route("/services/<int:service_id>/unrestrict", methods=["POST"])
@role_required(*BUREAU_DECIDERS)
def service_unrestrict(service_id):
    return _service_decision(service_id, record_decisions.lift_restriction, _l("已解除限制接入"))


@bp.route("/services/<int:service_id>/violation", methods=["POST"])
@role_required(*BUREAU_DECIDERS)
def service_violation_mark(service_id):
    return _service_decision(service_id, violations.mark_violation, _l("已标记为违法违规"))


@bp.route("/services/<int:service_id>/violation/clear", methods=["POST"])
@role_required(*BUREAU_DECIDERS)
def service_violation_clear(service_id):
    return _service_decision(service_id, violations.clear_violation, _l("已解除违法违规标记"))


@bp.route("/violations", endpoint="violations")
@role_required(*BUREAU_READERS)
def violations_list():
    return render_template("bureau/violation_list.html",
                           found=paginate(violations.open_violations()))


@bp.route("/blacklist")
@role_required(*BUREAU_READERS)
def blacklist():
    entries = BlacklistEntry.select().order_by(BlacklistEntry.created_at.desc(),
                                               BlacklistEntry.id.desc())
    return render_template("bureau/blacklist_list.html", found=paginate(entries),
                           form=ReasonForm(), can_remove=current_user.role in BUREAU_ADMINS)


@bp.route("/blacklist/<int:entry_id>/remove", methods=["POST"])
@role_required(*BUREAU_ADMINS)
def blacklist_remove(entry_id):
    back, form = url_for("bureau.blacklist"), ReasonForm()
    if not form.validate_on_submit():
        return _form_error(back)
    return _decide(lambda: record_decisions.remove_blacklist_entry(me(), entry_id, form.reason.data),
                   _l("已移出黑名单"), back)


@bp.route("/records/<int:subject_id>/history", endpoint="record_history")
@role_required(*BUREAU_READERS)
def record_history_view(subject_id):
    """The versions; with ?on=YYYY-MM-DD (local date) the record as it stood that day."""
    subject = record_history.get_subject(subject_id)
    form, shown, version = AsOfForm(request.args), None, None
    asked = bool(request.args.get("on")) and form.validate() and form.on.data
    if asked:
        version = record_history.version_on(subject, form.on.data)
        moment = record_history.end_of_local_day(form.on.data) - timedelta(microseconds=1)
        shown = record_history.describe(record_history.state_of(version, moment)) if version else []
    return render_template("bureau/record_history.html", subject=subject, form=form,
                           versions=list(record_history.versions(subject)), asked=asked,
                           version=version, sections=shown)


@bp.route("/records/<int:subject_id>/compare")
@role_required(*BUREAU_READERS)
def record_compare(subject_id):
    """Two versions side by side, the changed fields highlighted."""
    subject = record_history.get_subject(subject_id)
    form = CompareForm(request.args)
    if not form.validate():
        flash(_l("请选择要对比的两个版本"), "error")
        return redirect(url_for("bureau.record_history", subject_id=subject.id))
    left = record_history.get_version(subject, form.left.data)
    right = record_history.get_version(subject, form.right.data)
    sections = record_history.compare(record_history.state_of(left), record_history.state_of(right))
    return render_template("bureau/record_compare.html", subject=subject, left=left, right=right,
                           sections=sections)
