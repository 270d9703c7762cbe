"""Delegated logins: the ISP admin's staff pages."""
from flask import flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l

from portal.errors import FIXABLE
from portal.services import staff
from portal.web.forms import attach_errors
from portal.web.pagination import paginate
from tenants.isp import bp
from tenants.isp.access import me, my_isp_id, role_required
from tenants.isp.forms import StaffForm
from portal.web.forms import EmptyForm


@bp.route("/staff", methods=["GET", "POST"])
@role_required("admin")
def staff_list():
    form = StaffForm()
    if form.validate_on_submit():
        try:
            account, initial = staff.create_staff(my_isp_id(), me(), form.username.data,
                                                  form.role.data, form.display_name.data or "",
                                                  form.mobile.data or "", form.email.data or "")
        except FIXABLE as exc:
            attach_errors(form, exc)
        else:
            return render_template("isp/initial_password.html", account=account,
                                   initial=initial)
    return render_template("isp/staff.html", form=form, action=EmptyForm(),
                           staff=paginate(staff.isp_staff(my_isp_id())))


def _staff_action(account_id, action, message):
    staff.get_staff(my_isp_id(), account_id)   # another ISP's account: 404
    if EmptyForm().validate_on_submit():
        try:
            result = action(my_isp_id(), me(), account_id)
        except FIXABLE as exc:
            flash(exc.message, "error")
        else:
            if isinstance(result, str):
                return render_template("isp/initial_password.html",
                                       account=staff.get_staff(my_isp_id(), account_id),
                                       initial=result)
            flash(message, "info")
    return redirect(url_for("isp.staff_list"))


@bp.route("/staff/<int:account_id>/disable", methods=["POST"])
@role_required("admin")
def staff_disable(account_id):
    return _staff_action(account_id, lambda i, a, s: staff.set_staff_active(i, a, s, False),
                         _l("账号已停用，其所有会话已结束"))


@bp.route("/staff/<int:account_id>/enable", methods=["POST"])
@role_required("admin")
def staff_enable(account_id):
    return _staff_action(account_id, lambda i, a, s: staff.set_staff_active(i, a, s, True),
                         _l("账号已启用"))


@bp.route("/staff/<int:account_id>/reset-password", methods=["POST"])
@role_required("admin")
def staff_reset_password(account_id):
    return _staff_action(account_id, staff.reset_staff_password, "")


@bp.route("/staff/activity")
@role_required("admin")
def staff_activity():
    return render_template("isp/activity.html", events=paginate(staff.staff_activity(my_isp_id())))
