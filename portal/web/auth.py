"""Logins for every tenant: one set of routes added to each tenant blueprint.

The session stores "account id:session generation:issue time"; bumping the generation
(logout everywhere, password change, disable) makes every old cookie fail. Lifetimes
and the session token live in portal.web.sessions, the second factor of staff in
portal.web.auth_two_factor.
"""
from functools import wraps

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.errors import ValidationError
from portal.extensions import login_manager
from portal.models import Account
from portal.services import accounts, captcha, throttle, two_factor
from portal.web import sessions
from portal.web.client import client_address
from portal.web.safety import safe_next


class CaptchaMixin:
    captcha_id = HiddenField()
    captcha = StringField(_l("验证码"), validators=[DataRequired(), Length(max=10)])

    def fresh_captcha(self) -> str:
        """Issue a new captcha for this form; returns the picture's data URI."""
        self.captcha_id.data, picture = captcha.new_captcha()
        self.captcha.data = ""
        return picture


class LoginForm(CaptchaMixin, FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=256)])
    remember = BooleanField(_l("在此设备上保持登录（14 天）"))   # shown to filers only


class PasswordForm(FlaskForm):
    current = PasswordField(_l("当前密码"), validators=[DataRequired()])
    new = PasswordField(_l("新密码"), validators=[DataRequired(), Length(max=128)])
    confirm = PasswordField(_l("确认新密码"),
                            validators=[DataRequired(), EqualTo("new", _l("两次输入的密码不一致"))])



def init_login(app) -> None:
    login_manager.session_protection = "basic"
    login_manager.id_attribute = "session_token"
    login_manager.user_loader(sessions.load_account)

    @login_manager.unauthorized_handler
    def unauthorized():
        if request.path.startswith("/api/"):
            return {"error": {"code": "unauthorised", "message": "login required"}}, 401
        tenant = (request.blueprint or "public").split(".")[0]
        return redirect(url_for(f"{tenant}.login", next=request.full_path))


def current_account():
    """The logged-in Account itself (not the proxy): what portal functions take as actor."""
    return current_user._get_current_object()


def role_required(*roles):
    """A wrong role inside the right tenant gets 403."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        wrapped.allowed_roles = frozenset(roles)
        return wrapped
    return decorator


def public_page(view):
    """Mark a view as open to anyone (no login): the tenant gate lets it through."""
    view.is_public_page = True
    return view


def _is_public(endpoint: str) -> bool:
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "is_public_page", False)


IDENTITY_ENDPOINTS = ("verify_identity", "resend_identity_codes", "change_email", "logout",
                      "password")


def gate_tenant(tenant: str):
    """Every page of a tenant requires an account of that tenant unless marked
    @public_page; another tenant's account gets 404, an anonymous visitor the login page."""
    def check():
        endpoint = (request.endpoint or "").rsplit(".", 1)[-1]
        if endpoint == "static" or _is_public(request.endpoint or ""):
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.tenant != tenant:
            abort(404)
        if current_user.must_change_password and endpoint not in ("password", "logout"):
            return redirect(url_for(f"{request.blueprint}.password"))
        if (tenant == "public" and not current_user.identity_verified
                and endpoint not in IDENTITY_ENDPOINTS):
            return redirect(url_for("public.verify_identity"))
        return None
    return check


def _attempt_login(form: LoginForm, tenant: str):
    """(account, None) or (None, message). Throttled per account and per client address;
    the message never says whether the account exists."""
    client = client_address()
    try:
        throttle.check_login_allowed(form.username.data, client)
    except throttle.Throttled as exc:
        return None, exc.message
    if not captcha.check_captcha(form.captcha_id.data, form.captcha.data):
        return None, _l("验证码不正确或已过期")
    account = accounts.authenticate(form.username.data, form.password.data, tenant)
    if account is None:
        throttle.record_login_failure(form.username.data, client)
        return None, _l("用户名或密码错误")
    return account, None


def _current_password_ok(account: Account, password: str) -> bool:
    """The current password, asked again to change it: throttled like a login, so a
    borrowed session cannot be used to guess it."""
    try:
        throttle.check_login_allowed(account.username, client_address())
    except throttle.Throttled:
        return False
    if accounts.verify_password(account, password):
        return True
    throttle.record_login_failure(account.username, client_address())
    return False


def _logged_in(bp: Blueprint, home_endpoint: str, account: Account, next_url: str | None,
               remember: bool = False):
    """Every step passed: a new session, the login recorded, on to where they wanted."""
    sessions.start_session(account, remember=remember)
    accounts.record_login(account)
    return redirect(safe_next(next_url) or url_for(f"{bp.name}.{home_endpoint}"))


def add_auth_routes(bp: Blueprint, tenant: str, home_endpoint: str) -> None:
    """/login, /logout and /password for one tenant."""

    @bp.route("/login", methods=["GET", "POST"])
    @public_page
    def login():
        form = LoginForm()
        if form.validate_on_submit():
            account, message = _attempt_login(form, tenant)
            next_url = safe_next(request.args.get("next"))
            if account is not None and account.has_two_factor and tenant != "public":
                sessions.begin_second_step(account, next_url)
                return redirect(url_for(f"{bp.name}.login_code"))
            if account is not None:
                remember = tenant == "public" and bool(form.remember.data)
                return _logged_in(bp, home_endpoint, account, next_url, remember)
            flash(message, "error")
        picture = form.fresh_captcha()
        return render_template("login.html", form=form, tenant=tenant, captcha=picture)

    @bp.route("/logout", methods=["POST"])
    @login_required
    def logout():
        accounts.end_sessions(current_user._get_current_object(), actor=current_user)
        sessions.fresh_session()
        logout_user()          # after: it asks the browser to drop a remember cookie too
        flash(_l("您已安全退出"), "info")
        return redirect(url_for(f"{bp.name}.login"))

    @bp.route("/password", methods=["GET", "POST"])
    @login_required
    def password():
        form = PasswordForm()
        if form.validate_on_submit():
            account = current_user._get_current_object()
            if not _current_password_ok(account, form.current.data):
                form.current.errors.append(_l("当前密码不正确"))
            else:
                try:
                    accounts.change_password(account, form.new.data)
                except ValidationError as exc:
                    form.new.errors.append(exc.message)
                else:
                    sessions.start_session(Account.get_by_id(account.id))
                    flash(_l("密码已修改"), "info")
                    return redirect(url_for(f"{bp.name}.{home_endpoint}"))
        return render_template("password.html", form=form, tenant=tenant)

    if tenant in two_factor.TENANTS:
        from portal.web.auth_two_factor import add_two_factor_routes
        add_two_factor_routes(bp, tenant, lambda account, next_url: _logged_in(
            bp, home_endpoint, account, next_url))
