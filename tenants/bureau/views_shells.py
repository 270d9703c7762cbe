"""Bureau pages: shells (空壳). The queue of cancellation candidates with their history,
and the bulk cancellation: select, give the reason, see exactly what would be cancelled,
confirm."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import record_decisions
from portal.errors import FIXABLE
from portal.services import shells as shell_queue
from portal.states import BUREAU_DECIDERS, BUREAU_READERS
from portal.web.auth import role_required
from portal.web.pagination import paginate
from tenants.bureau import bp
from tenants.bureau.access import me
from tenants.bureau.forms_records import ShellCancelForm


@bp.route("/shells")
@role_required(*BUREAU_READERS)
def shells():
    found = paginate(shell_queue.candidates())
    return render_template("bureau/shell_list.html", found=found,
                           rows=[shell_queue.describe(flag) for flag in found.items],
                           form=ShellCancelForm(), limit=shell_queue.SHELL_BULK_LIMIT,
                           can_decide=current_user.role in BUREAU_DECIDERS)


@bp.route("/shells/cancel", methods=["POST"])
@role_required(*BUREAU_DECIDERS)
def shells_cancel():
    """First POST: the preview; the POST with `confirm` cancels."""
    form, ids = ShellCancelForm(), request.form.getlist("flag_ids")
    if not form.validate_on_submit():
        flash(_l("请填写批量注销的原因"), "error")
        return redirect(url_for("bureau.shells"))
    try:
        if not form.confirm.data:
            rows = shell_queue.preview(ids)
            form.confirm.data = "1"
            return render_template("bureau/shell_preview.html", rows=rows, form=form)
        done = record_decisions.bulk_cancel_shells(me(), form.reason.data, ids)
        flash(_l("已注销 %(count)d 条记录", count=len(done)), "info")
    except FIXABLE as exc:
        flash(exc.message, "error")
    return redirect(url_for("bureau.shells"))
