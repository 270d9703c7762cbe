"""Acting for customers: filing on their behalf (the shared wizard), access with an
authorisation code, cancelling access, cancellations and conflicts with materials,
and "may I connect this domain?"."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from portal.errors import FIXABLE
from portal.scoping import get_application_for_isp, get_customer_for_isp
from portal.services import access_changes, behalf, customers, uploads
from portal.services.connect_check import may_connect
from portal.states import State
from portal.web.forms import attach_errors
from portal.web.wizard import STEPS_BY_KIND, Wizard, first_step, register_wizard
from tenants.isp import bp
from tenants.isp.access import WRITERS, me, my_isp_id, role_required
from tenants.isp.forms import AccessCodeForm, BehalfForm, DomainForm, MaterialsForm, ReasonForm


def load_draft(app_id):
    """An application this ISP filed, still editable; writers only."""
    if me().role not in WRITERS:
        abort(403)
    app = get_application_for_isp(app_id, my_isp_id())
    if (app.channel != "isp" or app.isp_id != my_isp_id() or app.kind not in STEPS_BY_KIND
            or app.state not in (State.DRAFT, State.RETURNED)):
        abort(404)
    return app


register_wizard(bp, Wizard(load_draft=load_draft, actor=me, base_template="isp/base.html",
                           after_submit=lambda app: url_for("isp.application", app_id=app.id)))


@bp.route("/behalf", methods=["GET", "POST"])
@role_required(*WRITERS)
def behalf_start():
    """代为备案: create the customer's account, then fill the wizard for them."""
    form = BehalfForm()
    if form.validate_on_submit():
        try:
            account, initial, draft = behalf.open_behalf_filing(
                my_isp_id(), me(), form.username.data, form.mobile.data, form.email.data)
        except FIXABLE as exc:
            attach_errors(form, exc)
        else:
            return render_template("isp/behalf_created.html", account=account, initial=initial,
                                   next_url=url_for("isp.filing_subject", app_id=draft.id))
    return render_template("isp/behalf.html", form=form)


@bp.route("/customers/<int:account_id>/filing", methods=["POST"])
@role_required(*WRITERS)
def behalf_continue(account_id):
    get_customer_for_isp(account_id, my_isp_id())   # another ISP's customer: 404
    try:
        draft = behalf.continue_behalf_filing(my_isp_id(), me(), account_id)
    except FIXABLE as exc:
        flash(exc.message, "error")
        return redirect(url_for("isp.customer", account_id=account_id))
    return redirect(url_for(f"isp.filing_{first_step(draft.kind)}", app_id=draft.id))


@bp.route("/access/add", methods=["GET", "POST"])
@role_required(*WRITERS)
def access_add():
    """新增接入 with the filer's authorisation code."""
    form = AccessCodeForm()
    if form.validate_on_submit():
        try:
            app = access_changes.add_access_with_code(my_isp_id(), me(), form.code.data,
                                                      form.customer_ref.data or "")
        except FIXABLE as exc:
            attach_errors(form, exc)
        else:
            flash(_l("新增接入申请已提交"), "info")
            return redirect(url_for("isp.application", app_id=app.id))
    return render_template("isp/access_add.html", form=form)


@bp.route("/access/<int:service_id>/cancel", methods=["GET", "POST"])
@role_required(*WRITERS)
def access_cancel(service_id):
    try:
        service = access_changes.get_served_service(service_id, my_isp_id())
    except FIXABLE:
        abort(404)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            app = access_changes.cancel_access_for_customer(my_isp_id(), me(), service.id,
                                                            form.reason.data)
        except FIXABLE as exc:
            attach_errors(form, exc)
        else:
            flash(_l("取消接入申请已提交"), "info")
            return redirect(url_for("isp.application", app_id=app.id))
    return render_template("isp/access_cancel.html", form=form, service=service)


@bp.route("/customers/<int:account_id>/apply", methods=["GET", "POST"])
@role_required(*WRITERS)
def customer_apply(account_id):
    """Cancellation or conflict resolution for a customer, with the materials checked."""
    account = get_customer_for_isp(account_id, my_isp_id())
    form = MaterialsForm()
    services = customers.customer_services(account)
    form.service_id.choices = [("", "-")] + [(str(s.id), s.name) for s in services]
    if form.validate_on_submit():
        try:
            materials = [uploads.store_upload(f.stream, f.filename, "materials")
                         for f in (form.materials.data or []) if f and f.filename]
            proposed = ({"description": form.reason.data} if form.kind.data ==
                        "conflict_resolution" else {"reason": form.reason.data})
            app = behalf.file_with_materials(my_isp_id(), me(), account.id, form.kind.data,
                                             proposed, materials,
                                             int(form.service_id.data) if form.service_id.data
                                             else None)
        except FIXABLE as exc:
            attach_errors(form, exc)
        else:
            flash(_l("申请已提交，请核实材料后转交管局"), "info")
            return redirect(url_for("isp.application", app_id=app.id))
    return render_template("isp/customer_apply.html", form=form, account=account)


@bp.route("/connect-check")
def connect_check():
    """May I connect this domain? Filed, restricted, and on this ISP's access list."""
    form, answer = DomainForm(request.args), None
    if request.args.get("domain") and form.validate():
        try:
            answer = may_connect(form.domain.data, my_isp_id())
        except FIXABLE as exc:
            form.domain.errors = list(form.domain.errors) + [exc.message]
    return render_template("isp/connect_check.html", form=form, answer=answer)
