"""The filer's filing wizard (shared steps in portal/web/wizard) and its start page."""
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.errors import FIXABLE
from portal.scoping import get_application_for_filer
from portal.services import filing
from portal.states import State
from portal.web.forms import EmptyForm
from portal.web.wizard import STEPS_BY_KIND, Wizard, first_step, register_wizard
from tenants.public import bp


def me():
    return current_user._get_current_object()


def load_draft(app_id):
    """The filer's own application, editable (draft or returned, filed by the filer)."""
    app = get_application_for_filer(app_id, me())
    if (app.state not in (State.DRAFT, State.RETURNED) or app.kind not in STEPS_BY_KIND
            or app.channel != "filer"):
        abort(404)
    return app


register_wizard(bp, Wizard(load_draft=load_draft, actor=me, base_template="layout.html",
                           after_submit=lambda app: url_for("public.application_detail",
                                                            app_id=app.id)))


@bp.route("/filing", methods=["GET", "POST"])
def filing_start():
    """Explain, then open (or continue) a first-filing draft on POST."""
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            app = filing.open_draft(me(), me())
        except FIXABLE as exc:
            flash(exc.message, "error")
            return redirect(url_for("public.home"))
        return redirect(url_for(f"public.filing_{first_step(app.kind)}", app_id=app.id))
    return render_template("public/filing_start.html", form=form,
                           pending=filing.pending_first_filing(me()))
