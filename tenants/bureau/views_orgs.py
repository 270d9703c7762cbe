"""Bureau pages: ISP organisations (readers list and view; admins create, edit, suspend,
resume and add ISP admins)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from portal.errors import FIXABLE
from portal.services import organisations
from portal.states import BUREAU_ADMINS, BUREAU_READERS
from portal.web.auth import role_required
from portal.web.forms import attach_errors
from portal.web.pagination import paginate
from tenants.bureau import bp
from tenants.bureau.access import me
from tenants.bureau.forms_orgs import IspAdminForm, OrgForm, OrgNewForm, ReasonForm


def _me():
    return me()


@bp.route("/orgs")
@role_required(*BUREAU_READERS)
def orgs():
    q = request.args.get("q", "").strip()
    return render_template("bureau/org_list.html", orgs=paginate(organisations.search_isps(q)),
                           q=q)


@bp.route("/orgs/new", methods=["GET", "POST"])
@role_required(*BUREAU_ADMINS)
def org_new():
    form = OrgNewForm()
    if form.validate_on_submit():
        values = form.values()
        try:
            isp, initial = organisations.create_isp(values.pop("name"), form.admin_username.data,
                                                    actor=_me(), **values)
        except FIXABLE as exc:
            attach_errors(form, exc)
        else:
            admin = organisations.isp_staff(isp.id).first()
            return render_template("bureau/initial_password.html", account=admin,
                                   initial=initial, org=isp)
    return render_template("bureau/org_edit.html", form=form, org=None)


def _render_view(org, reason_form=None, admin_form=None):
    return render_template(
        "bureau/org_view.html", org=org, contacts=organisations.contacts_of(org),
        staff=paginate(organisations.isp_staff(org.id)),
        tokens=organisations.token_counts(org.id), reason_form=reason_form or ReasonForm(),
        admin_form=admin_form or IspAdminForm())


@bp.route("/orgs/<int:org_id>")
@role_required(*BUREAU_READERS)
def org_view(org_id):
    return _render_view(organisations.get_isp(org_id))


@bp.route("/orgs/<int:org_id>/edit", methods=["GET", "POST"])
@role_required(*BUREAU_ADMINS)
def org_edit(org_id):
    org = organisations.get_isp(org_id)
    form = OrgForm(data=None if request.method == "POST" else _org_data(org))
    if form.validate_on_submit():
        try:
            organisations.update_isp(org.id, _me(), **form.values())
        except FIXABLE as exc:
            attach_errors(form, exc)
        else:
            flash(_l("接入服务商信息已保存"), "info")
            return redirect(url_for("bureau.org_view", org_id=org.id))
    return render_template("bureau/org_edit.html", form=form, org=org)


def _org_data(org) -> dict:
    contacts = organisations.contacts_of(org)
    return {"name": org.name, "licence_number": org.licence_number,
            "consultation_phone": org.consultation_phone,
            "contacts": contacts + [{}] * max(1, 3 - len(contacts))}


def _status_change(org_id, change, message):
    org = organisations.get_isp(org_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            change(org.id, _me(), form.reason.data)
        except FIXABLE as exc:
            attach_errors(form, exc)
        else:
            flash(message, "info")
            return redirect(url_for("bureau.org_view", org_id=org.id))
    return _render_view(org, reason_form=form)


@bp.route("/orgs/<int:org_id>/suspend", methods=["POST"])
@role_required(*BUREAU_ADMINS)
def org_suspend(org_id):
    return _status_change(org_id, organisations.suspend_isp,
                          _l("已暂停该接入服务商：其员工已全部退出登录，API 令牌停止使用"))


@bp.route("/orgs/<int:org_id>/resume", methods=["POST"])
@role_required(*BUREAU_ADMINS)
def org_resume(org_id):
    return _status_change(org_id, organisations.resume_isp,
                          _l("已恢复该接入服务商：其员工可以重新登录，API 令牌恢复使用"))


@bp.route("/orgs/<int:org_id>/admins", methods=["POST"])
@role_required(*BUREAU_ADMINS)
def org_admin_new(org_id):
    org = organisations.get_isp(org_id)
    form = IspAdminForm()
    if form.validate_on_submit():
        try:
            account, initial = organisations.create_first_admin(
                org, form.username.data, actor=_me(), display_name=form.display_name.data,
                mobile=form.mobile.data, email=form.email.data)
        except FIXABLE as exc:
            attach_errors(form, exc)
        else:
            return render_template("bureau/initial_password.html", account=account,
                                   initial=initial, org=org)
    return _render_view(org, admin_form=form)
