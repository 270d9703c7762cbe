"""The second factor's pages, added to the ISP and bureau blueprints by add_auth_routes:
/two-factor (enrol or disable, logged in) and /login/code (the second login step).

The half-logged-in state after a right password lives in the session with an expiry
(portal.web.sessions.begin_second_step); a wrong code counts as a failed login for the
throttle, so the code cannot be guessed faster than a password.
"""
from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from portal.errors import Refused, ValidationError
from portal.qr import qr_svg
from portal.services import throttle, two_factor
from portal.web import sessions
from portal.web.client import client_address

ENROL_KEY = "two_factor_enrol"


class CodeForm(FlaskForm):
    code = StringField(_l("动态验证码"), validators=[DataRequired(), Length(max=10)],
                       description=_l("身份验证器应用中显示的 6 位数字"))


class PasswordCodeForm(CodeForm):
    """Turning the second factor on or off: the password and a current code."""
    password = PasswordField(_l("当前密码"), validators=[DataRequired(), Length(max=256)])


def login_code_error(account, code: str) -> str | None:
    """None when the code is right; else the message (throttled like a password)."""
    try:
        throttle.check_login_allowed(account.username, client_address())
    except throttle.Throttled as exc:
        return exc.message
    if two_factor.check_code(account, code):
        return None
    throttle.record_login_failure(account.username, client_address())
    return _l("动态验证码不正确")


def _enrol_secret() -> str:
    """The secret being enrolled, kept sealed in the session until it is confirmed."""
    sealed = session.get(ENROL_KEY)
    if sealed:
        try:
            return two_factor.unseal(sealed)
        except ValueError:      # sealed under an older secret key: start again
            pass
    secret = two_factor.new_secret()
    session[ENROL_KEY] = two_factor.seal(secret)
    return secret


def _enrol_page(bp: Blueprint, tenant: str, account):
    form, secret = PasswordCodeForm(), _enrol_secret()
    if form.validate_on_submit():
        try:
            throttle.check_login_allowed(account.username, client_address())
            two_factor.enrol(account, form.password.data, secret, form.code.data)
        except throttle.Throttled as exc:
            flash(exc.message, "error")
        except ValidationError as exc:
            throttle.record_login_failure(account.username, client_address())
            getattr(form, exc.field or "code").errors.append(exc.message)
        else:
            session.pop(ENROL_KEY, None)
            flash(_l("二次验证已开启，下次登录时需要输入动态验证码"), "info")
            return redirect(url_for(f"{bp.name}.two_factor"))
    uri = two_factor.provisioning_uri(account, secret)
    return render_template("two_factor.html", form=form, tenant=tenant, enrolled=False,
                           qr=qr_svg(uri, _l("二次验证二维码"), size_mm=40),
                           secret=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)))


def _disable_page(bp: Blueprint, tenant: str, account):
    form = PasswordCodeForm()
    if form.validate_on_submit():
        try:
            throttle.check_login_allowed(account.username, client_address())
            two_factor.disable(account, form.password.data, form.code.data)
        except throttle.Throttled as exc:
            flash(exc.message, "error")
        except (ValidationError, Refused) as exc:
            throttle.record_login_failure(account.username, client_address())
            getattr(form, exc.field or "code").errors.append(exc.message)
        else:
            flash(_l("二次验证已关闭"), "info")
            return redirect(url_for(f"{bp.name}.two_factor"))
    return render_template("two_factor.html", form=form, tenant=tenant, enrolled=True,
                           account=account)


def add_two_factor_routes(bp: Blueprint, tenant: str, finish) -> None:
    """`finish(account, next_url)` completes a login (a new session, the login recorded)."""
    from portal.web.auth import current_account, public_page

    @bp.route("/login/code", methods=["GET", "POST"], endpoint="login_code")
    @public_page
    def login_code():
        account = sessions.pending_account(tenant)
        if account is None:
            flash(_l("登录已超时，请重新输入用户名和密码"), "error")
            return redirect(url_for(f"{bp.name}.login"))
        form = CodeForm()
        if form.validate_on_submit():
            message = login_code_error(account, form.code.data)
            if message is None:
                return finish(account, session["pending_login"].get("next"))
            form.code.errors.append(message)
        return render_template("two_factor_login.html", form=form, tenant=tenant)

    @bp.route("/two-factor", methods=["GET", "POST"], endpoint="two_factor")
    def two_factor_page():
        account = current_account()
        if account.has_two_factor:
            return _disable_page(bp, tenant, account)
        return _enrol_page(bp, tenant, account)
