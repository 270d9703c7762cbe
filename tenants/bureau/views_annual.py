"""Bureau pages: the annual review (年度审核): the window, who has done it, who is pending
or overdue, and reminders sent now."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.errors import FIXABLE
from portal.services import annual_review
from portal.states import BUREAU_ADMINS, BUREAU_READERS
from portal.web.auth import role_required
from portal.web.forms import EmptyForm
from portal.web.pagination import paginate
from tenants.bureau import bp
from tenants.bureau.forms_admin import WindowForm


@bp.route("/annual")
@role_required(*BUREAU_READERS)
def annual():
    window = annual_review.current_window()
    show = "done" if request.args.get("show") == "done" else "pending"
    query = (annual_review.done_subjects(window) if show == "done"
             else annual_review.pending_subjects(window))
    subjects = paginate(query)
    form = WindowForm(data={"start": window.start, "end": window.end})
    return render_template("bureau/annual_view.html", window=window, show=show,
                           subjects=subjects, counts=annual_review.counts(window),
                           in_progress=annual_review.in_progress([s.id for s in subjects.items]),
                           form=form, action=EmptyForm())


@bp.route("/annual/window", methods=["POST"])
@role_required(*BUREAU_ADMINS)
def annual_window():
    form = WindowForm()
    if form.validate_on_submit():
        try:
            if form.action.data == "close":
                annual_review.close_window(current_user)
            else:
                annual_review.set_window(current_user, form.start.data, form.end.data)
        except FIXABLE as exc:
            flash(exc.message, "error")
        else:
            flash(_l("年度审核期已更新"), "info")
    else:
        flash(_l("日期格式应为 YYYY-MM-DD"), "error")
    return redirect(url_for("bureau.annual"))


@bp.route("/annual/remind", methods=["POST"])
@role_required(*BUREAU_ADMINS)
def annual_remind():
    if EmptyForm().validate_on_submit():
        try:
            result = annual_review.send_reminders(current_user)
        except FIXABLE as exc:
            flash(exc.message, "error")
        else:
            flash(_l("已向 %(sent)d 个主体发送提醒（邮件和短信）；今天已提醒过的 %(already)d 个未重复发送",
                     sent=result.sent, already=result.already_reminded), "info")
    return redirect(url_for("bureau.annual"))
