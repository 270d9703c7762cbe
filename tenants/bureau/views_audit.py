"""Bureau pages: the audit log (search, one event) and the hash-chain check button."""
from flask import render_template, request

from portal.errors import FIXABLE
from portal.services import audit_search
from portal.states import BUREAU_READERS
from portal.web.auth import role_required
from portal.web.forms import EmptyForm, attach_errors
from portal.web.pagination import paginate
from tenants.bureau import bp
from tenants.bureau.access import me
from tenants.bureau.forms_audit import AuditSearchForm


def _criteria(form: AuditSearchForm) -> audit_search.AuditQuery:
    start, end = form.dates()
    return audit_search.AuditQuery(form.actor.data or "", form.object_type.data or "",
                                   form.object_id.data or "", form.action.data or "",
                                   start, end)


@bp.route("/audit")
@role_required(*BUREAU_READERS)
def audit():
    """Search the log by actor, object, action and local dates, newest first."""
    form = AuditSearchForm(formdata=request.args)
    events, status = None, 200
    if form.validate():
        try:
            events = paginate(audit_search.search_events(_criteria(form)))
        except FIXABLE as exc:
            attach_errors(form, exc)
    if events is None:
        status = 400
    return render_template("bureau/audit_list.html", form=form, events=events,
                           verify_form=EmptyForm()), status


@bp.route("/audit/<int:seq>")
@role_required(*BUREAU_READERS)
def audit_event(seq):
    event = audit_search.get_event(seq)
    older, newer = audit_search.neighbours(seq)
    return render_template("bureau/audit_event.html", event=event, older=older, newer=newer,
                           before=audit_search.pretty(event.before),
                           after=audit_search.pretty(event.after))


@bp.route("/audit/verify", methods=["POST"])
@role_required(*BUREAU_READERS)
def audit_verify():
    """Run the same check as `flask verify-audit` and show its answer."""
    form = EmptyForm()
    if not form.validate_on_submit():
        return render_template("bureau/audit_verify.html", report=None), 400
    report = audit_search.verify_audit_chain(me())
    return render_template("bureau/audit_verify.html", report=report)
