"""Bureau pages: written applications received on paper, by fax or by email."""
from flask import (abort, flash, make_response, redirect, render_template, request, url_for)
from flask_babel import lazy_gettext as _l

from portal.clock import local_today
from portal.errors import FIXABLE
from portal.models import Application, IspOrganisation
from portal.services import filer_search
from portal.services import written_applications as written_service
from portal.states import BUREAU_DECIDERS, BUREAU_READERS
from portal.web.auth import role_required
from portal.web.forms import EmptyForm, attach_errors
from portal.web.pagination import int_arg, paginate
from portal.web.documents import send_file_of
from tenants.bureau import bp
from tenants.bureau.forms_accounts import RefuseForm, WrittenForm
from tenants.bureau.access import me


@bp.route("/written")
@role_required(*BUREAU_READERS)
def written_list():
    state, kind = request.args.get("state") or None, request.args.get("kind") or None
    found = paginate(written_service.written_applications(state, kind))
    return render_template("bureau/written_list.html", found=found, today=local_today(),
                           state=state, kind=kind)


def _written_form() -> WrittenForm:
    form = WrittenForm()
    form.isp.choices = [("", "-")] + [(str(o.id), o.name) for o in
                                      IspOrganisation.select().order_by(IspOrganisation.name)]
    form.applicant_cert_type.choices = [(t, t) for t in written_service.applicant_cert_types()]
    if request.method == "GET":
        _prefill(form)
    return form


def _prefill(form: WrittenForm) -> None:
    """?kind=, ?account= (a filer's id) and ?application= (a pending application)."""
    form.received_on.data = local_today()
    if request.args.get("kind") in written_service.KIND_LABELS:
        form.kind.data = request.args["kind"]
    if int_arg("account"):
        form.username.data = filer_search.get_filer(int_arg("account")).username
    app_id = int_arg("application")
    app = Application.get_or_none(Application.id == app_id) if app_id else None
    if app is not None:
        form.kind.data, form.target_reference.data = "conflict_deletion", app.reference
        form.username.data = app.account.username


@bp.route("/written/new", methods=["GET", "POST"])
@role_required(*BUREAU_DECIDERS)
def written_new():
    form = _written_form()
    if form.validate_on_submit():
        try:
            written = written_service.record_written_application(me(), form.service_data(),
                                                                 form.uploaded())
        except FIXABLE as exc:
            attach_errors(form, exc)
        else:
            flash(_l("书面申请已登记，请审查材料后受理或不予受理"), "info")
            return redirect(url_for("bureau.written_view", written_id=written.id))
    return render_template("bureau/written_new.html", form=form)


@bp.route("/written/<int:written_id>")
@role_required(*BUREAU_READERS)
def written_view(written_id):
    written = written_service.get_written(written_id)
    return render_template("bureau/written_view.html", written=written, today=local_today(),
                           matches=written_service.applicant_matches(written),
                           refuse_form=RefuseForm(),
                           can_decide=me().role in BUREAU_DECIDERS and written.is_open)


@bp.route("/written/<int:written_id>/scans/<int:index>")
@role_required(*BUREAU_READERS)
def written_scan(written_id, index):
    """A scan shown inline: its type was checked on the content when it was stored."""
    return send_file_of(written_service.scan_of(written_service.get_written(written_id), index),
                        inline=True)


@bp.route("/written/<int:written_id>/accept", methods=["POST"])
@role_required(*BUREAU_DECIDERS)
def written_accept(written_id):
    written = written_service.get_written(written_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        written, initial = written_service.accept_written_application(written.id, me())
    except FIXABLE as exc:
        flash(exc.message, "error")
        return redirect(url_for("bureau.written_view", written_id=written.id))
    if initial is None:
        flash(_l("书面申请已受理"), "info")
        return redirect(url_for("bureau.written_view", written_id=written.id))
    response = make_response(render_template("bureau/password_initial.html", written=written,
                                             account=written.account, initial=initial))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/written/<int:written_id>/refuse", methods=["POST"])
@role_required(*BUREAU_DECIDERS)
def written_refuse(written_id):
    written = written_service.get_written(written_id)
    form = RefuseForm()
    if not form.validate_on_submit():
        flash(_l("请填写不予受理的原因"), "error")
        return redirect(url_for("bureau.written_view", written_id=written.id))
    try:
        written_service.refuse_written_application(written.id, me(), form.reason.data)
        flash(_l("已不予受理，已通过邮件告知主办者原因"), "info")
    except FIXABLE as exc:
        flash(exc.message, "error")
    return redirect(url_for("bureau.written_view", written_id=written.id))
