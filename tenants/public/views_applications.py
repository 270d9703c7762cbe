"""The filer's task list (任务列表) and application pages, with their actions."""
from flask import flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l

from portal import workflow
from portal.errors import FIXABLE
from portal.models import Application
from portal.scoping import filer_applications, filer_subject, get_application_for_filer
from portal.services import progress, site_sweep, uploads
from portal.states import State
from portal.services.proposal_fields import labelled_notes
from portal.web.pagination import paginate
from tenants.public import bp
from portal.web.documents import send_document
from portal.web.forms import EmptyForm
from portal.web.wizard import STEPS_BY_KIND
from tenants.public.views_filing import me


@bp.route("/home")
def home():
    """任务列表: the subject, its services and every application with its next step."""
    applications = paginate(filer_applications(me()).order_by(Application.id.desc()))
    return render_template("public/home.html", account=me(), subject=filer_subject(me()),
                           applications=applications, progress=progress,
                           site_problems=[f for f in site_sweep.findings_for_account(me().id)
                                          if not f.ok])


@bp.route("/applications/<int:app_id>")
def application_detail(app_id):
    app = get_application_for_filer(app_id, me())
    return render_template("public/application.html", app=app, form=EmptyForm(),
                           history=progress.history(app), sms=progress.sms_status(app),
                           documents=uploads.application_documents(app),
                           notes=labelled_notes(app, app.return_notes),
                           next_step=progress.next_step(app),
                           days_left=progress.working_days_left(app),
                           editable=app.state in (State.DRAFT, State.RETURNED)
                           and app.channel == "filer" and app.kind in STEPS_BY_KIND,
                           first_step=(STEPS_BY_KIND.get(app.kind) or ("review",))[0])


@bp.route("/applications/<int:app_id>/documents/<stored>")
def application_document(app_id, stored):
    """A file of the owner's application, served as an attachment."""
    return send_document(get_application_for_filer(app_id, me()), stored)


def _act(app_id, action, done_message):
    app = get_application_for_filer(app_id, me())
    if EmptyForm().validate_on_submit():
        try:
            action(app.id, me())
            flash(done_message, "info")
        except FIXABLE as exc:
            flash(exc.message, "error")
    return redirect(url_for("public.application_detail", app_id=app.id))


@bp.route("/applications/<int:app_id>/submit", methods=["POST"])
def application_submit(app_id):
    return _act(app_id, workflow.submit_application, _l("已提交"))


@bp.route("/applications/<int:app_id>/withdraw", methods=["POST"])
def application_withdraw(app_id):
    return _act(app_id, workflow.withdraw_application, _l("申请已撤回"))


@bp.route("/applications/<int:app_id>/abandon", methods=["POST"])
def application_abandon(app_id):
    return _act(app_id, workflow.abandon_application, _l("申请已放弃"))
