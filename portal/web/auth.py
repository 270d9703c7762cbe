"""Logins for every tenant: one set of routes added to each tenant blueprint.

The session stores "account id:session generation"; bumping the generation
(logout everywhere, password change, disable) makes every old cookie fail.
"""
from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.errors import ValidationError
from portal.extensions import login_manager
from portal.models import Account
from portal.services import accounts
from portal.web.safety import safe_next


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=256)])


class PasswordForm(FlaskForm):
    current = PasswordField(_l("当前密码"), validators=[DataRequired()])
    new = PasswordField(_l("新密码"), validators=[DataRequired(), Length(min=8, max=128)])
    confirm = PasswordField(_l("确认新密码"),
                            validators=[DataRequired(), EqualTo("new", _l("两次输入的密码不一致"))])



def init_login(app) -> None:
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(token: str):
        try:
            account_id, generation = (int(part) for part in token.split(":"))
        except ValueError:
            return None
        account = Account.get_or_none(Account.id == account_id)
        if account is None or not account.is_active or account.session_generation != generation:
            return None
        if account.organisation_id and account.organisation.is_suspended:
            return None
        return account

    @login_manager.unauthorized_handler
    def unauthorized():
        if request.path.startswith("/api/"):
            return {"error": {"code": "unauthorised", "message": "login required"}}, 401
        tenant = (request.blueprint or "public").split(".")[0]
        return redirect(url_for(f"{tenant}.login", next=request.full_path))


def public_page(view):
    """Mark a view as open to anyone (no login): the tenant gate lets it through."""
    view.is_public_page = True
    return view


def _is_public(endpoint: str) -> bool:
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "is_public_page", False)


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
        return None
    return check


def add_auth_routes(bp: Blueprint, tenant: str, home_endpoint: str) -> None:
    """/login, /logout and /password for one tenant."""

    @bp.route("/login", methods=["GET", "POST"])
    @public_page
    def login():
        form = LoginForm()
        if form.validate_on_submit():
            account = accounts.authenticate(form.username.data, form.password.data, tenant)
            if account is not None:
                login_user(account)
                return redirect(safe_next(request.args.get("next"))
                                or url_for(f"{bp.name}.{home_endpoint}"))
            flash(_l("用户名或密码错误"), "error")
        return render_template("login.html", form=form, tenant=tenant), 200

    @bp.route("/logout", methods=["POST"])
    @login_required
    def logout():
        accounts.end_sessions(current_user._get_current_object(), actor=current_user)
        logout_user()
        flash(_l("您已安全退出"), "info")
        return redirect(url_for(f"{bp.name}.login"))

    @bp.route("/password", methods=["GET", "POST"])
    @login_required
    def password():
        form = PasswordForm()
        if form.validate_on_submit():
            account = current_user._get_current_object()
            if not accounts.verify_password(account, form.current.data):
                form.current.errors.append(_l("当前密码不正确"))
            else:
                try:
                    accounts.change_password(account, form.new.data)
                except ValidationError as exc:
                    form.new.errors.append(exc.message)
                else:
                    login_user(Account.get_by_id(account.id))
                    flash(_l("密码已修改"), "info")
                    return redirect(url_for(f"{bp.name}.{home_endpoint}"))
        return render_template("password.html", form=form, tenant=tenant)
