"""The filer's approved record: numbers, certificates, changes, cancellations,
the authorisation code for a new ISP, and the annual review."""
from flask import Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l

from portal.errors import FIXABLE
from portal.models import InstanceSettings, Service
from portal.scoping import filer_subject, get_service_for_filer
from portal.services import changes, site_check
from portal.services.certificates import current_certificate
from portal.states import Kind
from tenants.public import bp
from portal.web.forms import EmptyForm
from tenants.public.forms_records import CancelForm
from portal.web.wizard import STEPS_BY_KIND
from tenants.public.views_filing import me


def active_subject():
    subject = filer_subject(me())
    if subject is None or subject.status != "active":
        abort(404)
    return subject


def active_service(service_id) -> Service:
    service = get_service_for_filer(service_id, me())
    if service.status != "active":
        abort(404)
    return service


@bp.route("/record")
def record():
    subject = active_subject()
    services = list(subject.services.where(Service.status == "active").order_by(Service.id))
    return render_template("public/record.html", subject=subject, services=services,
                           form=EmptyForm(), settings=InstanceSettings.get(),
                           access={s.id: changes.active_access(s) for s in services},
                           review_open=changes.annual_review_open(),
                           window=changes.annual_review_window())


def _open_change(kind, service=None):
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("public.record"))
    try:
        app = changes.start_change(me(), kind, service)
    except FIXABLE as exc:
        flash(exc.message, "error")
        return redirect(url_for("public.record"))
    return redirect(url_for(f"public.filing_{STEPS_BY_KIND[kind][0]}", app_id=app.id))


@bp.route("/record/change-subject", methods=["POST"])
def change_subject():
    active_subject()
    return _open_change(Kind.CHANGE_SUBJECT)


@bp.route("/record/add-service", methods=["POST"])
def add_service():
    active_subject()
    return _open_change(Kind.ADD_SERVICE)


@bp.route("/record/annual-review", methods=["POST"])
def annual_review():
    active_subject()
    return _open_change(Kind.ANNUAL_REVIEW)


@bp.route("/record/services/<int:service_id>/change", methods=["POST"])
def change_service(service_id):
    return _open_change(Kind.CHANGE_SERVICE, active_service(service_id))


@bp.route("/record/services/<int:service_id>/change-access", methods=["POST"])
def change_access(service_id):
    return _open_change(Kind.CHANGE_ACCESS, active_service(service_id))


@bp.route("/record/cancel", methods=["GET", "POST"])
@bp.route("/record/services/<int:service_id>/cancel", methods=["GET", "POST"])
@bp.route("/record/services/<int:service_id>/access/<int:isp_id>/cancel",
          methods=["GET", "POST"])
def cancel(service_id=None, isp_id=None):
    subject = active_subject()
    service = active_service(service_id) if service_id else None
    kind = Kind.CANCEL_ACCESS if isp_id else (Kind.CANCEL_SERVICE if service else
                                              Kind.CANCEL_SUBJECT)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            app = changes.request_cancellation(me(), kind, form.reason.data, service, isp_id)
        except FIXABLE as exc:
            flash(exc.message, "error")
        else:
            flash(_l("注销申请已提交，管局将在 5 个工作日内办理"), "info")
            return redirect(url_for("public.application_detail", app_id=app.id))
    return render_template("public/cancel.html", form=form, kind=kind, subject=subject,
                           service=service)


@bp.route("/record/services/<int:service_id>/authorisation-code", methods=["POST"])
def authorisation_code(service_id):
    service = active_service(service_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    code = changes.create_authorisation_code(me(), service)
    return render_template("public/authorisation_code.html", service=service, code=code)


@bp.route("/record/services/<int:service_id>/check-site", methods=["POST"])
def check_site(service_id):
    """Check the live site now: footer link and number, and /cert/bazs.cert per domain."""
    service = active_service(service_id)
    if service.kind != "website" or not EmptyForm().validate_on_submit():
        abort(404)
    findings = site_check.check_website(
        service, allow_loopback=current_app.config["ALLOW_LOOPBACK_OUTBOUND"])
    return render_template("public/site_check.html", service=service, findings=findings)


@bp.route("/record/services/<int:service_id>/bazs.cert")
def download_certificate(service_id):
    service = active_service(service_id)
    certificate = current_certificate(service)
    if certificate is None:
        abort(404)
    return Response(certificate.document, mimetype="application/json", headers={
        "Content-Disposition": "attachment; filename=bazs.cert"})
