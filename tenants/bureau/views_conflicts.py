"""Bureau pages: the conflict workbench (冲突). Each application in conflict beside what
it collides with and the other party's contact; re-check, revoke or cancel the other
record, delete the other party's pending application on its written request, or return
with a reason naming the conflict (the review pages' return form, pre-filled)."""
from flask import flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.errors import FIXABLE
from portal.services import conflict_desk
from portal.states import BUREAU_DECIDERS, BUREAU_READERS
from portal.web.auth import role_required
from portal.web.forms import EmptyForm
from portal.web.pagination import paginate
from tenants.bureau import bp
from tenants.bureau.access import me
from tenants.bureau.forms_records import ConflictDeleteForm, ConflictEndForm


def return_url(app, reason: str) -> str:
    """The review pages' return form for `app`, its reason pre-filled (?reason=)."""
    return url_for("bureau.application_return", app_id=app.id, reason=reason)


def _forms(collisions):
    end, delete = ConflictEndForm(), ConflictDeleteForm()
    end.target.choices = [SelectChoice(value, label) for c in collisions for value, label in c.targets]
    delete.other_id.choices = [
        SelectChoice(str(c.application.id), f"{c.application.reference}（{c.account.username}）")
        for c in collisions if c.application is not None and c.is_live]
    return end, delete


@bp.route("/conflicts")
@role_required(*BUREAU_READERS)
def conflicts():
    found = paginate(conflict_desk.conflicted_applications())
    return render_template("bureau/conflict_list.html", found=found,
                           rows=[(app, conflict_desk.collisions(app)) for app in found.items])


@bp.route("/conflicts/<int:app_id>")
@role_required(*BUREAU_READERS)
def conflict_view(app_id):
    app = conflict_desk.load_application(app_id)
    collisions = conflict_desk.collisions(app)
    end, delete = _forms(collisions)
    suggestion = conflict_desk.suggested_return_reason(app)
    return render_template("bureau/conflict_view.html", app=app, collisions=collisions,
                           end_form=end, delete_form=delete, recheck_form=EmptyForm(),
                           suggestion=suggestion, return_url=return_url(app, suggestion),
                           can_decide=current_user.role in BUREAU_DECIDERS)


def _run(app_id, call, done_message):
    try:
        app = call()
        flash(done_message, "info")
        if not app.in_conflict:
            flash(_l("重新核查完成：该申请已无冲突"), "info")
    except FIXABLE as exc:
        flash(exc.message, "error")
    return redirect(url_for("bureau.conflict_view", app_id=app_id))


@bp.route("/conflicts/<int:app_id>/recheck", methods=["POST"])
@role_required(*BUREAU_DECIDERS)
def conflict_recheck(app_id):
    app = conflict_desk.load_application(app_id)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("bureau.conflict_view", app_id=app.id))
    return _run(app.id, lambda: conflict_desk.recheck_conflicts(me(), app.id),
                _l("已重新核查冲突"))


@bp.route("/conflicts/<int:app_id>/revoke-other", methods=["POST"])
@role_required(*BUREAU_DECIDERS)
def conflict_revoke_other(app_id):
    app = conflict_desk.load_application(app_id)
    form, _ = _forms(conflict_desk.collisions(app))
    if not form.validate_on_submit():
        flash(_l("请选择对方的备案并填写原因"), "error")
        return redirect(url_for("bureau.conflict_view", app_id=app.id))
    return _run(app.id, lambda: conflict_desk.end_other_record(
        me(), app.id, form.target.data, form.how.data, form.reason.data),
        _l("已处理对方的备案并重新核查冲突"))


@bp.route("/conflicts/<int:app_id>/delete-other", methods=["POST"])
@role_required(*BUREAU_DECIDERS)
def conflict_delete_other(app_id):
    app = conflict_desk.load_application(app_id)
    _, form = _forms(conflict_desk.collisions(app))
    if not form.validate_on_submit():
        flash(_l("请选择对方的在办申请并填写书面申请的说明"), "error")
        return redirect(url_for("bureau.conflict_view", app_id=app.id))
    return _run(app.id, lambda: conflict_desk.delete_other_application(
        me(), app.id, form.other_id.data, form.reason.data),
        _l("已应对方书面申请删除其在办申请并重新核查冲突"))
