"""The ISP's work on applications: the verification queue (核实), one application with
forward / return, progress for customers, customers, username lookup, shells."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from portal import workflow
from portal.errors import FIXABLE
from portal.models import Application
from portal.scoping import get_application_for_isp, get_customer_for_isp, isp_applications
from portal.services import customers, flags, progress, uploads
from portal.states import State
from portal.services.proposal_fields import labelled_notes
from portal.web.documents import send_document
from portal.web.forms import EmptyForm
from portal.web.pagination import paginate
from tenants.isp import bp
from tenants.isp.access import WRITERS, me, my_isp_id, role_required
from tenants.isp.forms import DecisionForm, NumberForm, ReturnForm


@bp.route("/queue")
def queue():
    """Submissions waiting for this ISP's verification, oldest first."""
    waiting = isp_applications(my_isp_id()).where(Application.state == State.SUBMITTED)
    return render_template("isp/queue.html", applications=paginate(
        waiting.order_by(Application.submitted_at, Application.id)))


@bp.route("/applications")
def applications():
    """Every application of this ISP's, whoever filed it (progress for customers)."""
    query = isp_applications(my_isp_id())
    state, kind = request.args.get("state"), request.args.get("kind")
    if state:
        query = query.where(Application.state == state)
    if kind:
        query = query.where(Application.kind == kind)
    return render_template("isp/applications.html", applications=paginate(
        query.order_by(Application.id.desc())), progress=progress)


@bp.route("/applications/<int:app_id>")
def application(app_id):
    app = get_application_for_isp(app_id, my_isp_id())
    return_form = ReturnForm(version=app.version)
    return render_template("isp/application.html", app=app, history=progress.history(app),
                           sms=progress.sms_status(app), next_step=progress.next_step(app),
                           documents=uploads.application_documents(app),
                           notes=labelled_notes(app, app.return_notes),
                           decide=DecisionForm(version=app.version), return_form=return_form,
                           can_decide=me().role in WRITERS and app.state == State.SUBMITTED)


@bp.route("/applications/<int:app_id>/verify", methods=["POST"])
@role_required(*WRITERS)
def verify(app_id):
    app = get_application_for_isp(app_id, my_isp_id())
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            workflow.verify_application(app.id, me(), form.version.data)
            flash(_l("已核实通过并提交"), "info")
        except FIXABLE as exc:
            flash(exc.message, "error")
    return redirect(url_for("isp.application", app_id=app.id))


@bp.route("/applications/<int:app_id>/return", methods=["POST"])
@role_required(*WRITERS)
def return_(app_id):
    app = get_application_for_isp(app_id, my_isp_id())
    form = ReturnForm()
    if form.validate_on_submit():
        notes = [{"field": e.field.data, "note": e.note.data} for e in form.notes]
        try:
            workflow.isp_return_application(app.id, me(), form.reason.data, notes,
                                            form.version.data)
            flash(_l("已退回"), "info")
        except FIXABLE as exc:
            flash(exc.message, "error")
    else:
        flash(_l("请填写退回原因"), "error")
    return redirect(url_for("isp.application", app_id=app.id))


@bp.route("/applications/<int:app_id>/documents/<stored>")
def application_document(app_id, stored):
    return send_document(get_application_for_isp(app_id, my_isp_id()), stored)


@bp.route("/customers")
def customers_list():
    found = paginate(customers.search_customers(my_isp_id(), request.args.get("q", "")))
    account, number_form = None, NumberForm(request.args)
    if request.args.get("number") and number_form.validate():
        try:
            account = customers.username_for_number(my_isp_id(), number_form.number.data, me())
        except FIXABLE as exc:
            flash(exc.message, "error")
    return render_template("isp/customers.html", customers=found, found=account,
                           number_form=number_form, form=EmptyForm())


@bp.route("/customers/<int:account_id>")
def customer(account_id):
    account = get_customer_for_isp(account_id, my_isp_id())
    apps = isp_applications(my_isp_id()).where(Application.account == account.id)
    return render_template("isp/customer.html", account=account, form=EmptyForm(),
                           services=customers.customer_services(account),
                           applications=paginate(apps.order_by(Application.id.desc())))


@bp.route("/customers/<int:account_id>/reset-password", methods=["POST"])
@role_required(*WRITERS)
def customer_reset_password(account_id):
    account = get_customer_for_isp(account_id, my_isp_id())
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        initial = customers.reset_customer_initial_password(my_isp_id(), me(), account.id)
    except FIXABLE as exc:
        flash(exc.message, "error")
        return redirect(url_for("isp.customer", account_id=account.id))
    return render_template("isp/initial_password.html", account=account, initial=initial)


@bp.route("/shells")
def shells():
    return render_template("isp/shells.html", flags=paginate(flags.isp_shell_warnings(my_isp_id())),
                           candidate_date=flags.candidate_date)
