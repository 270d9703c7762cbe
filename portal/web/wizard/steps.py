"""Wizard steps: access, pre-approval, review and submit."""
from flask import flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l

from portal import enumerations as enums
from portal.errors import FIXABLE, FormErrors
from portal.services import filing, uploads
from portal.services.organisations import active_isps
from portal.web.forms import EmptyForm
from portal.web.wizard.forms import AccessForm, PreApprovalForm
from portal.web.wizard.views import next_step, render_step


def access_form(services):
    form = AccessForm()
    if request.method == "GET":
        for service in services:
            form.entries.append_entry({"location": service.get("location") or "山西",
                                       "isps": [str(i) for i in service.get("isps") or [] if i]})
    isps = [(str(o.id), o.name) for o in active_isps(request.args.get("isp_q", ""))]
    for entry in form.entries:
        entry.location.choices = [(p, p) for p in enums.get_enumeration("server_locations")]
        entry.isps.choices = isps
    return form


def attach_indexed(form, error, default_field):
    """'services.1.isps' → the errors of entry 1's field; the rest on the form."""
    errors = error.errors if isinstance(error, FormErrors) else {"": [error.message]}
    for path, messages in errors.items():
        parts = path.split(".")
        if len(parts) >= 3 and parts[1].isdigit() and int(parts[1]) < len(form.entries):
            entry = form.entries[int(parts[1])]
            field = getattr(entry, parts[2], None) or getattr(entry, default_field)
            field.errors = list(field.errors) + list(messages)
        else:
            form.form_errors = list(form.form_errors) + list(messages)


def needing_pre_approval(services) -> list[tuple[int, dict, dict]]:
    out = []
    for i, service in enumerate(services):
        needed = enums.pre_approval_for(service.get("content_category", ""))
        if needed:
            out.append((i, service, needed))
    return out


def documents_from(form, app) -> dict:
    services = app.proposed.get("services") or []
    items = {}
    for entry in form.entries:
        i = int(entry.service_index.data)
        old = (services[i].get("pre_approvals") or [{}])[0]
        upload = entry.document.data
        document = (uploads.store_upload(upload.stream, upload.filename, "document")
                    if upload and upload.filename else old.get("document", ""))
        items[i] = [{"category": services[i].get("content_category"),
                     "document_number": entry.document_number.data, "document": document}]
    return items


def register(bp, wizard) -> None:
    @bp.route("/filing/<int:app_id>/access", methods=["GET", "POST"])
    def filing_access(app_id):
        app = wizard.load_draft(app_id)
        services = app.proposed.get("services") or []
        if not services:
            flash(_l("请先填写网站/APP信息"), "error")
            return redirect(url_for(f"{bp.name}.filing_services", app_id=app.id))
        form = access_form(services)
        if form.validate_on_submit():
            choices = [{"location": e.location.data, "isps": e.isps.data} for e in form.entries]
            try:
                filing.save_access(app.id, wizard.actor(), choices)
                return redirect(next_step(bp.name, app, "access"))
            except FIXABLE as exc:
                attach_indexed(form, exc, "isps")
        return render_step(wizard, app, "access", "access", form=form, services=services)

    @bp.route("/filing/<int:app_id>/pre-approval", methods=["GET", "POST"])
    def filing_pre_approval(app_id):
        app = wizard.load_draft(app_id)
        needing = needing_pre_approval(app.proposed.get("services") or [])
        if not needing:
            return redirect(next_step(bp.name, app, "pre_approval"))
        form = PreApprovalForm()
        if request.method == "GET":
            for i, service, _ in needing:
                current = (service.get("pre_approvals") or [{}])[0]
                form.entries.append_entry({"service_index": str(i),
                                           "document_number": current.get("document_number", "")})
        if form.validate_on_submit():
            try:
                filing.save_pre_approvals(app.id, wizard.actor(), documents_from(form, app))
                return redirect(next_step(bp.name, app, "pre_approval"))
            except FIXABLE as exc:
                attach_indexed(form, exc, "document_number")
        return render_step(wizard, app, "pre_approval", "pre_approval", form=form,
                           needing=needing)

    @bp.route("/filing/<int:app_id>/review")
    def filing_review(app_id):
        app = wizard.load_draft(app_id)
        problems = {}
        try:
            filing.check_complete(app)
        except FormErrors as exc:
            problems = exc.errors
        return render_step(wizard, app, "review", "review", problems=problems, form=EmptyForm(),
                           isp_names={o.id: o.name for o in active_isps()})

    @bp.route("/filing/<int:app_id>/submit", methods=["POST"])
    def filing_submit(app_id):
        app = wizard.load_draft(app_id)
        if not EmptyForm().validate_on_submit():
            return redirect(url_for(f"{bp.name}.filing_review", app_id=app.id))
        try:
            submitted = filing.submit_filing(app.id, wizard.actor())
        except FIXABLE as exc:
            flash(exc.message, "error")
            return redirect(url_for(f"{bp.name}.filing_review", app_id=app.id))
        flash(_l("已提交，申请编号 %(ref)s", ref=submitted.reference), "info")
        return redirect(wizard.after_submit(submitted))
