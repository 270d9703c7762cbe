"""Bureau pages: the review queue, one application with its attachments, and the two
decisions on it (approve, return with field notes). The bureau sees every application;
only deciders act, and only on an application in review at the version they saw."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from portal import workflow
from portal.errors import FIXABLE, ValidationError
from portal.services import review_detail, review_queue
from portal.states import BUREAU_DECIDERS, BUREAU_READERS, Kind, State
from portal.web.auth import role_required
from portal.web.forms import attach_errors
from portal.web.documents import send_file_of
from tenants.bureau import bp
from tenants.bureau.access import me
from tenants.bureau.forms_review import DecisionForm, ReturnForm


@bp.route("/queue")
@role_required(*BUREAU_READERS)
def queue():
    """Applications in bureau review, filtered by kind, ISP, conflict and due date; the
    `after` / `before` links page through it by sort key (keyset pagination)."""
    filters = review_queue.QueueFilters.from_args(request.args)
    page = review_queue.queue_page(filters, request.args.get("after"),
                                   request.args.get("before"),
                                   current_app.config["PAGE_SIZE"])
    return render_template("bureau/queue_list.html", page=page, filters=filters,
                           rows=review_queue.queue_rows(page.items), kinds=list(Kind),
                           isps=review_queue.isp_choices())


@bp.route("/applications/<int:app_id>")
@role_required(*BUREAU_READERS)
def application_view(app_id):
    app = workflow.load_application(app_id)
    return render_template("bureau/application_view.html", app=app,
                           decide=DecisionForm(version=app.version),
                           can_decide=me().role in BUREAU_DECIDERS and app.state == State.REVIEW,
                           **review_detail.application_page(app))


@bp.route("/applications/<int:app_id>/attachments/<int:index>")
@role_required(*BUREAU_READERS)
def application_attachment(app_id, index):
    """One of the application's files, shown in the browser (never sniffed)."""
    return send_file_of(review_detail.find_attachment(workflow.load_application(app_id), index),
                        inline=True)


@bp.route("/applications/<int:app_id>/approve", methods=["POST"])
@role_required(*BUREAU_DECIDERS)
def application_approve(app_id):
    app = workflow.load_application(app_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_l("页面已过期，请刷新后重试"), "error")
        return redirect(url_for("bureau.application_view", app_id=app.id))
    try:
        app = workflow.approve_application(app.id, me(), expected_version=form.version.data)
        flash(_l("已审核通过，备案号：%(number)s", number=app.subject.filing_number)
              if app.subject_id else _l("已审核通过"), "info")
    except FIXABLE as exc:   # a stale version: already decided by someone else
        flash(exc.message, "error")
    return redirect(url_for("bureau.application_view", app_id=app.id))


@bp.route("/applications/<int:app_id>/return", methods=["GET", "POST"])
@role_required(*BUREAU_DECIDERS)
def application_return(app_id):
    """Return (退回/驳回): tick each field at fault and say what to fix. `?reason=`
    pre-fills the overall reason (the conflict workbench names the other party)."""
    app = workflow.load_application(app_id)
    fields = review_detail.return_fields(app)
    form = ReturnForm.for_fields([f.path for f in fields], app.version,
                                 reason=request.args.get("reason", "")[:1000])
    if request.method == "GET" and app.state != State.REVIEW:
        flash(_l("该申请不在待管局审核状态，不能退回"), "error")
        return redirect(url_for("bureau.application_view", app_id=app.id))
    if form.validate_on_submit():
        notes = form.field_notes({f.path for f in fields})
        if not form.has_note_errors():
            try:
                workflow.return_application(app.id, me(), form.reason.data, notes,
                                            expected_version=form.version.data)
                flash(_l("已退回给提交方"), "info")
                return redirect(url_for("bureau.application_view", app_id=app.id))
            except ValidationError as exc:
                attach_errors(form, exc, lambda path: "reason" if path == "reason" else "")
            except FIXABLE as exc:   # stale or no longer in review: nothing changed
                flash(exc.message, "error")
                return redirect(url_for("bureau.application_view", app_id=app.id))
    return render_template("bureau/application_return.html", app=app, form=form,
                           fields={f.path: f for f in fields})
