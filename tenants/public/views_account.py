"""The filer's account: registration, identity check, recovery of password and username."""
from flask import abort, current_app, flash, jsonify, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.errors import FIXABLE
from portal.services import captcha, registration
from portal.services.throttle import Throttled
from portal.web.forms import EmptyForm
from portal.web.auth import public_page
from portal.web.client import client_address
from portal.web.forms import attach_errors
from tenants.public import bp
from tenants.public.forms_account import (EmailForm, ForgotPasswordForm,
                                          ForgotUsernameForm, IdentityForm, RegisterForm,
                                          ResetPasswordForm)

SENT = _l("如该账号存在，我们已向其注册邮箱发送了说明，请查收（也请检查垃圾邮件）。")


def _captcha_ok(form) -> bool:
    if captcha.check_captcha(form.captcha_id.data, form.captcha.data):
        return True
    form.captcha.errors = list(form.captcha.errors) + [_l("验证码不正确或已过期")]
    return False


@bp.route("/register", methods=["GET", "POST"])
@public_page
def register():
    form = RegisterForm()
    if form.validate_on_submit() and _captcha_ok(form):
        try:
            registration.register_filer(form.username.data, form.password.data,
                                        form.mobile.data, form.email.data, client_address())
        except Throttled as exc:
            flash(exc.message, "error")
        except FIXABLE as exc:
            attach_errors(form, exc)
        else:   # the same answer whether the username was free or taken (the email says)
            flash(_l("注册已提交：请查收手机短信和邮件，然后用新用户名和密码登录，"
                     "输入两个验证码完成验证"), "info")
            return redirect(url_for("public.login"))
    return render_template("public/register.html", form=form, captcha=form.fresh_captcha())


@bp.route("/verify", methods=["GET", "POST"])
def verify_identity():
    account = current_user._get_current_object()
    if account.identity_verified:
        return redirect(url_for("public.home"))
    form = IdentityForm()
    if form.validate_on_submit():
        try:
            registration.verify_identity(account, form.mobile_code.data, form.email_code.data)
        except FIXABLE as exc:
            attach_errors(form, exc)
        else:
            flash(_l("手机号码和邮箱已验证"), "info")
            return redirect(url_for("public.home"))
    return render_template("public/verify_identity.html", form=form, account=account,
                           resend=EmptyForm(), email_form=EmailForm())


@bp.route("/verify/resend", methods=["POST"])
def resend_identity_codes():
    if EmptyForm().validate_on_submit():
        try:
            registration.send_identity_codes(current_user._get_current_object(), client_address())
            flash(_l("新的验证码已发送"), "info")
        except Throttled as exc:
            flash(exc.message, "error")
    return redirect(url_for("public.verify_identity"))


@bp.route("/verify/email", methods=["POST"])
def change_email():
    form = EmailForm()
    if form.validate_on_submit():
        try:
            registration.change_email(current_user._get_current_object(), form.email.data,
                                      client_address())
            flash(_l("邮箱已更新，新的验证码已发送到新邮箱"), "info")
        except (Throttled, *FIXABLE) as exc:
            flash(exc.message, "error")
    return redirect(url_for("public.verify_identity"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@public_page
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit() and _captcha_ok(form):
        try:
            registration.request_password_reset(form.identifier.data, client_address())
        except Throttled:
            pass  # the same answer either way: nothing may tell the account exists
        flash(SENT, "info")
        return redirect(url_for("public.reset_password"))
    return render_template("public/forgot_password.html", form=form,
                           captcha=form.fresh_captcha())


@bp.route("/password/reset", methods=["GET", "POST"])
@public_page
def reset_password():
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            registration.reset_password(form.username.data, form.code.data, form.password.data)
        except FIXABLE as exc:
            attach_errors(form, exc)
        else:
            flash(_l("密码已重置，请使用新密码登录"), "info")
            return redirect(url_for("public.login"))
    return render_template("public/reset_password.html", form=form)


@bp.route("/username/forgot", methods=["GET", "POST"])
@public_page
def forgot_username():
    form = ForgotUsernameForm()
    if form.validate_on_submit() and _captcha_ok(form):
        registration.remind_username(form.email.data)
        flash(_l("如该邮箱注册过账号，用户名已发送到该邮箱。"), "info")
        return redirect(url_for("public.login"))
    return render_template("public/forgot_username.html", form=form,
                           captcha=form.fresh_captcha())


@bp.route("/testing/captcha/<captcha_id>")
@public_page
def testing_captcha(captcha_id):
    """Automated tests read a captcha's answer here; the route answers only in TESTING."""
    if not current_app.config.get("TESTING"):
        abort(404)
    return jsonify(answer=captcha.peek_answer(captcha_id))
