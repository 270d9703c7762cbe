"""The filing wizard (subject → services → access → pre-approval → review → submit)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import enumerations as enums
from portal.errors import DomainError
from portal.scoping import get_application_for_filer
from portal.services import filing
from portal.states import Kind, State
from portal.web.forms import attach_errors
from tenants.public import bp
from tenants.public.filing_data import (field_name, fill_service, fill_subject, service_from,
                                        subject_from)
from portal.web.forms import EmptyForm
from tenants.public.forms_filing import ServiceForm, SubjectForm, fill_choices

STEPS_BY_KIND = {
    Kind.FIRST_FILING: ("subject", "services", "access", "pre_approval", "review"),
    Kind.ADD_SERVICE: ("services", "access", "pre_approval", "review"),
    Kind.CHANGE_SUBJECT: ("subject", "review"),
    Kind.CHANGE_SERVICE: ("services", "access", "pre_approval", "review"),
    Kind.CHANGE_ACCESS: ("access", "review"),
    Kind.ANNUAL_REVIEW: ("subject", "services", "access", "pre_approval", "review"),
}
STEP_LABELS = {"subject": _l("主办者信息"), "services": _l("网站/APP信息"),
               "access": _l("接入信息"), "pre_approval": _l("前置审批"), "review": _l("确认提交")}
ADDS_SERVICES = (Kind.FIRST_FILING, Kind.ADD_SERVICE)


def me():
    return current_user._get_current_object()


def load_draft(app_id):
    """The filer's own application, editable (draft or returned), or 404."""
    app = get_application_for_filer(app_id, me())
    if app.state not in (State.DRAFT, State.RETURNED) or app.kind not in STEPS_BY_KIND:
        abort(404)
    return app


def next_step(app, step: str) -> str:
    steps = STEPS_BY_KIND[app.kind]
    return url_for(f"public.filing_{steps[steps.index(step) + 1]}", app_id=app.id)


def render_step(app, step: str, template: str, **context):
    return render_template(f"public/filing/{template}.html", app=app, step=step,
                           steps=STEPS_BY_KIND[app.kind], step_labels=STEP_LABELS, **context)


@bp.route("/filing", methods=["GET", "POST"])
def filing_start():
    """Explain, then open (or continue) a first-filing draft on POST."""
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            app = filing.open_draft(me(), me())
        except DomainError as exc:
            flash(exc.message, "error")
            return redirect(url_for("public.home"))
        return redirect(url_for(f"public.filing_{STEPS_BY_KIND[app.kind][0]}", app_id=app.id))
    return render_template("public/filing/start.html", form=form,
                           pending=filing.pending_first_filing(me()))


@bp.route("/filing/<int:app_id>/subject", methods=["GET", "POST"])
def filing_subject(app_id):
    app = load_draft(app_id)
    form = SubjectForm()
    fill_choices(form)
    if request.method == "GET":
        fill_subject(form, app.proposed.get("subject") or
                     (app.subject.__data__ if app.subject_id else {}))
    elif form.validate_on_submit():
        try:
            filing.save_subject(app.id, me(), subject_from(form))
            return redirect(next_step(app, "subject"))
        except DomainError as exc:
            attach_errors(form, exc, field_name)
    return render_step(app, "subject", "subject", form=form)


@bp.route("/filing/<int:app_id>/services")
def filing_services(app_id):
    app = load_draft(app_id)
    return render_step(app, "services", "services", services=app.proposed.get("services") or [],
                       can_add=app.kind in ADDS_SERVICES, form=EmptyForm(),
                       kinds=enums.get_enumeration("service_kinds"))


@bp.route("/filing/<int:app_id>/services/new", methods=["GET", "POST"])
@bp.route("/filing/<int:app_id>/services/<int:index>", methods=["GET", "POST"])
def filing_service(app_id, index=None):
    app = load_draft(app_id)
    services = app.proposed.get("services") or []
    if (index is None and app.kind not in ADDS_SERVICES) or (index is not None
                                                             and index >= len(services)):
        abort(404)
    form = ServiceForm()
    fill_choices(form)
    if request.method == "GET":
        fill_service(form, services[index] if index is not None else
                     {"kind": request.args.get("kind", "website")})
    elif form.validate_on_submit():
        try:
            filing.save_service(app.id, me(), index, service_from(form))
            return redirect(url_for("public.filing_services", app_id=app.id))
        except DomainError as exc:
            attach_errors(form, exc, field_name)
    if form.kind.data not in ("website", "app", "miniprogram", "quickapp"):
        abort(404)
    return render_step(app, "services", "service_form", form=form, index=index,
                       rules=enums.get_enumeration("naming_rules"))


@bp.route("/filing/<int:app_id>/services/<int:index>/delete", methods=["POST"])
def filing_service_delete(app_id, index):
    app = load_draft(app_id)
    if EmptyForm().validate_on_submit() and app.kind in ADDS_SERVICES:
        filing.remove_service(app.id, me(), index)
    return redirect(url_for("public.filing_services", app_id=app.id))
