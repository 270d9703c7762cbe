"""Bureau pages: bureau staff accounts and roles (admin only)."""
from flask import flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l

from portal.errors import FIXABLE
from portal.services import bureau_staff
from portal.states import BUREAU_ADMINS
from portal.web.auth import role_required
from portal.web.forms import EmptyForm, attach_errors
from portal.web.pagination import paginate
from tenants.bureau import bp
from tenants.bureau.access import me
from tenants.bureau.forms_orgs import RoleForm, StaffForm


def _me():
    return me()


@bp.route("/staff", methods=["GET", "POST"])
@role_required(*BUREAU_ADMINS)
def staff():
    form = StaffForm()
    if form.validate_on_submit():
        try:
            account, initial = bureau_staff.create_bureau_account(
                _me(), form.username.data, form.role.data, form.display_name.data,
                form.mobile.data, form.email.data)
        except FIXABLE as exc:
            attach_errors(form, exc)
        else:
            return render_template("bureau/initial_password.html", account=account,
                                   initial=initial, org=None)
    return render_template("bureau/staff_list.html", form=form, action=EmptyForm(),
                           role_form=RoleForm, staff=paginate(bureau_staff.bureau_staff()))


def _staff_action(account_id, action, message, form_class=EmptyForm):
    """Load (a non-bureau id is 404), validate the button's form, act, flash, redirect."""
    bureau_staff.get_bureau_account(account_id)
    form = form_class()
    if form.validate_on_submit():
        try:
            action(_me(), account_id, form)
        except FIXABLE as exc:
            flash(exc.message, "error")
        else:
            flash(message, "info")
    return redirect(url_for("bureau.staff"))


@bp.route("/staff/<int:account_id>/role", methods=["POST"])
@role_required(*BUREAU_ADMINS)
def staff_role(account_id):
    return _staff_action(account_id,
                         lambda me, i, form: bureau_staff.change_role(me, i, form.role.data),
                         _l("角色已修改"), RoleForm)


@bp.route("/staff/<int:account_id>/disable", methods=["POST"])
@role_required(*BUREAU_ADMINS)
def staff_disable(account_id):
    return _staff_action(account_id, lambda me, i, _: bureau_staff.set_active(me, i, False),
                         _l("账号已停用，其所有会话已结束"))


@bp.route("/staff/<int:account_id>/enable", methods=["POST"])
@role_required(*BUREAU_ADMINS)
def staff_enable(account_id):
    return _staff_action(account_id, lambda me, i, _: bureau_staff.set_active(me, i, True),
                         _l("账号已启用"))


@bp.route("/staff/<int:account_id>/end-sessions", methods=["POST"])
@role_required(*BUREAU_ADMINS)
def staff_end_sessions(account_id):
    return _staff_action(account_id, lambda me, i, _: bureau_staff.end_staff_sessions(me, i),
                         _l("该账号的所有会话已结束，下次访问时需要重新登录"))


@bp.route("/staff/<int:account_id>/reset-password", methods=["POST"])
@role_required(*BUREAU_ADMINS)
def staff_reset_password(account_id):
    bureau_staff.get_bureau_account(account_id)   # a non-bureau id: 404 (CSRF: app-wide)
    try:
        account, initial = bureau_staff.reset_staff_password(_me(), account_id)
    except FIXABLE as exc:
        flash(exc.message, "error")
        return redirect(url_for("bureau.staff"))
    return render_template("bureau/initial_password.html", account=account, initial=initial,
                           org=None)
