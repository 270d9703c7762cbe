"""Request lifecycle, i18n, error pages and template helpers, attached by the factory."""
import uuid

from flask import (Flask, g, has_request_context, jsonify, render_template, request, session,
                   url_for)
from flask_login import current_user

from flask_babel import refresh

from portal import clock
from portal.context import clear_request_context, set_request_context
from portal.db import db
from portal.errors import Forbidden, NotFound
from portal.extensions import babel, csrf, login_manager
from portal.migrate import pending_migrations
from portal.web import auth

LOCALES = ("zh_CN", "en")


def select_locale() -> str:
    if not has_request_context():
        return "zh_CN"
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES, default="zh_CN") or "zh_CN"


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(
        app.root_path + "/../translations"))
    auth.init_login(app)
    _database_hooks(app)
    _error_handlers(app)
    _template_helpers(app)


def _database_hooks(app: Flask) -> None:
    state = {"migrated": False}

    @app.before_request
    def open_connection():
        db.connect(reuse_if_open=True)
        if not state["migrated"]:
            if pending_migrations():
                return render_template("unmigrated.html"), 503
            state["migrated"] = True
        g.request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex
        if request.args.get("lang") in LOCALES:
            session["lang"] = request.args["lang"]
        refresh()  # the locale is chosen per request, never cached across requests
        actor = current_user._get_current_object() if current_user.is_authenticated else None
        set_request_context(actor, request.remote_addr or "", g.request_id)

    @app.teardown_request
    def close_connection(exc):
        clear_request_context()
        if not db.is_closed():
            db.close()


def _error_handlers(app: Flask) -> None:
    def wants_json() -> bool:
        return request.path.startswith("/api/")

    @app.errorhandler(NotFound)
    @app.errorhandler(404)
    def not_found(exc):
        if wants_json():
            return jsonify(error={"code": "not_found", "message": "not found"}), 404
        return render_template("error.html", code=404), 404

    @app.errorhandler(Forbidden)
    @app.errorhandler(403)
    def forbidden(exc):
        if wants_json():
            return jsonify(error={"code": "forbidden", "message": "forbidden"}), 403
        return render_template("error.html", code=403), 403


def _template_helpers(app: Flask) -> None:
    from portal.states import KIND_LABELS, ROLE_LABELS, SERVICE_KIND_LABELS, STATE_LABELS

    @app.template_filter("local")
    def local_time(moment, fmt="%Y-%m-%d %H:%M"):
        return clock.to_local(moment).strftime(fmt) if moment else ""

    app.jinja_env.globals.update(KIND_LABELS=KIND_LABELS, STATE_LABELS=STATE_LABELS,
                                 ROLE_LABELS=ROLE_LABELS, SERVICE_KIND_LABELS=SERVICE_KIND_LABELS,
                                 current_locale=select_locale, page_url=page_url)


def page_url(number: int) -> str:
    """This page's URL with another page number, every other argument kept."""
    args = request.args.to_dict()
    args["page"] = number
    return url_for(request.endpoint, **(request.view_args or {}), **args)
