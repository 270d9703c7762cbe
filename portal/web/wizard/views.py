"""Wizard steps: subject and services."""
from flask import abort, redirect, render_template, request, url_for

from portal import enumerations as enums
from portal.errors import FIXABLE
from portal.services import filing
from portal.web.forms import EmptyForm, attach_errors
from portal.web.wizard import ADDS_SERVICES, STEP_LABELS, STEPS_BY_KIND
from portal.web.wizard.data import field_name, fill_service, fill_subject, service_from, subject_from
from portal.web.wizard.forms import ServiceForm, SubjectForm, fill_choices


def next_step(bp_name: str, app, step: str) -> str:
    steps = STEPS_BY_KIND[app.kind]
    return url_for(f"{bp_name}.filing_{steps[steps.index(step) + 1]}", app_id=app.id)


def render_step(wizard, app, step: str, template: str, **context):
    return render_template(f"filing/{template}.html", app=app, step=step,
                           steps=STEPS_BY_KIND[app.kind], step_labels=STEP_LABELS,
                           base_template=wizard.base_template, bp=request.blueprint, **context)


def register(bp, wizard) -> None:
    @bp.route("/filing/<int:app_id>/subject", methods=["GET", "POST"])
    def filing_subject(app_id):
        app = wizard.load_draft(app_id)
        form = SubjectForm()
        fill_choices(form)
        if request.method == "GET":
            fill_subject(form, app.proposed.get("subject") or
                         (app.subject.__data__ if app.subject_id else {}))
        elif form.validate_on_submit():
            try:
                filing.save_subject(app.id, wizard.actor(), subject_from(form))
                return redirect(next_step(bp.name, app, "subject"))
            except FIXABLE as exc:
                attach_errors(form, exc, field_name)
        return render_step(wizard, app, "subject", "subject", form=form)

    @bp.route("/filing/<int:app_id>/services")
    def filing_services(app_id):
        app = wizard.load_draft(app_id)
        return render_step(wizard, app, "services", "services",
                           services=app.proposed.get("services") or [],
                           can_add=app.kind in ADDS_SERVICES, form=EmptyForm(),
                           kinds=enums.get_enumeration("service_kinds"))

    @bp.route("/filing/<int:app_id>/services/new", methods=["GET", "POST"])
    @bp.route("/filing/<int:app_id>/services/<int:index>", methods=["GET", "POST"])
    def filing_service(app_id, index=None):
        app = wizard.load_draft(app_id)
        services = app.proposed.get("services") or []
        if (index is None and app.kind not in ADDS_SERVICES) or (
                index is not None and index >= len(services)):
            abort(404)
        form = ServiceForm()
        fill_choices(form)
        if request.method == "GET":
            fill_service(form, services[index] if index is not None else
                         {"kind": request.args.get("kind", "website")})
        elif form.validate_on_submit():
            try:
                filing.save_service(app.id, wizard.actor(), index, service_from(form))
                return redirect(url_for(f"{bp.name}.filing_services", app_id=app.id))
            except FIXABLE as exc:
                attach_errors(form, exc, field_name)
        if form.kind.data not in ("website", "app", "miniprogram", "quickapp"):
            abort(404)
        return render_step(wizard, app, "services", "service_form", form=form, index=index,
                           rules=enums.get_enumeration("naming_rules"))

    @bp.route("/filing/<int:app_id>/services/<int:index>/delete", methods=["POST"])
    def filing_service_delete(app_id, index):
        app = wizard.load_draft(app_id)
        if EmptyForm().validate_on_submit() and app.kind in ADDS_SERVICES:
            filing.remove_service(app.id, wizard.actor(), index)
        return redirect(url_for(f"{bp.name}.filing_services", app_id=app.id))
