"""Request lifecycle, i18n, error pages and template helpers, attached by the factory."""
import re
import uuid

from babel import Locale
from flask import (
    Flask,
    current_app,
    g,
    has_request_context,
    jsonify,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_babel import get_locale, get_translations, refresh
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from jinja2 import pass_context
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import clock, log_privacy
from portal.context import clear_request_context, set_request_context
from portal.db import db
from portal.errors import Forbidden, NotFound
from portal.extensions import babel, csrf, login_manager
from portal.migrate import pending_migrations
from portal.security_log import security_event
from portal.web import auth, converters, headers, sessions

LOCALES = ("zh_CN", "en")


def select_locale() -> str:
    if not has_request_context():
        return "zh_CN"
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES, default="zh_CN") or "zh_CN"


_PARSED_LOCALES = {code: Locale.parse(code) for code in LOCALES}


def _babel_locale() -> Locale:
    """select_locale as a parsed Locale: Flask-Babel would parse the name again on every
    request, a scan of babel's whole locale list (a third of a millisecond)."""
    return _PARSED_LOCALES[select_locale()]


def is_api_request() -> bool:
    return request.path.startswith("/api/")


class PortalSessionInterface(SecureCookieSessionInterface):
    """The cookie session, except on the JSON API: cookies never authorise an API call,
    so an API request neither reads nor writes one (and skips the cost of both). The
    signing serializer is built once per key set, not on every request."""

    def __init__(self):
        self.serializers = {}

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        serializer = self.serializers.get(keys)
        if serializer is None:
            serializer = self.serializers[keys] = super().get_signing_serializer(app)
        return serializer

    def open_session(self, app, request):
        if request.path.startswith("/api/"):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if not request.path.startswith("/api/"):
            super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    app.session_interface = PortalSessionInterface()
    converters.init_app(app)
    log_privacy.configure(app.config.get("PRODUCTION"))
    _behind_proxies(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=_babel_locale, default_translation_directories=str(
        app.root_path + "/../translations"))
    _template_gettext(app)
    auth.init_login(app)
    sessions.init_sessions(app)     # before the hooks that load the user
    _database_hooks(app)
    headers.init_headers(app)
    _error_handlers(app)
    _template_helpers(app)


def _behind_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, believe their X-Forwarded-For and -Proto
    headers: the client's address for throttles and audit, https for Secure cookies,
    HSTS and external URLs."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def warm_up(app: Flask) -> None:
    """Compile every template and load every catalogue now. gunicorn calls this in the
    master (gunicorn.conf.py, preload_app) so that each worker, a recycled one too,
    starts with them instead of spending its first requests compiling (tens of ms)."""
    for name in app.jinja_env.list_templates(extensions=["html", "txt"]):
        app.jinja_env.get_template(name)
    for code in LOCALES:
        with app.test_request_context(f"/?lang={code}"):
            get_translations()


def _template_gettext(app: Flask) -> None:
    """Templates translate with the request's translations looked up once per render
    (a context variable), not once per string: Flask-Babel resolves the domain, the
    locale and its cache key again for every string. Without the variable (a template
    rendered outside render_template, an imported macro) they are looked up as before."""
    def translations(context):
        return context.get("_portal_translations") or get_translations()

    app.jinja_env.install_gettext_callables(
        gettext=pass_context(lambda ctx, s: translations(ctx).ugettext(s)),
        ngettext=pass_context(lambda ctx, s, p, n: translations(ctx).ungettext(s, p, n)),
        pgettext=pass_context(lambda ctx, c, s: translations(ctx).upgettext(c, s)),
        npgettext=pass_context(
            lambda ctx, c, s, p, n: translations(ctx).unpgettext(c, s, p, n)),
        newstyle=True)

    @pass_context
    def underscore(ctx, string, **variables):
        """`_()`: what the i18n extension's alias does through two more calls (newstyle:
        marked safe under autoescape, always %-formatted)."""
        translated = translations(ctx).ugettext(string)
        if ctx.eval_ctx.autoescape:
            translated = Markup(translated)  # nosec B704 - our own catalogue's text, as Flask-Babel's newstyle gettext marks it
        if not variables and "%" not in translated:
            return translated          # formatting would change nothing
        return translated % variables

    app.jinja_env.globals["_"] = underscore

    @app.context_processor
    def request_translations():
        return {"_portal_translations": get_translations()}


def current_locale() -> str:
    """The request's locale name for templates: Flask-Babel's, chosen once per request."""
    chosen = get_locale() if has_request_context() else None
    return str(chosen) if chosen is not None else "zh_CN"


def _database_hooks(app: Flask) -> None:
    state = {"migrated": False}

    @app.before_request
    def open_connection():
        db.connect(reuse_if_open=True)
        if not state["migrated"]:
            if pending_migrations():
                return render_template("unmigrated.html"), 503
            state["migrated"] = True
        g.request_id = _request_id()
        api = is_api_request()     # no cookie session: no remembered language, no login
        if not api and request.args.get("lang") in LOCALES:
            session["lang"] = request.args["lang"]
        refresh()  # the locale is chosen per request, never cached across requests
        actor = (current_user._get_current_object()
                 if not api and current_user.is_authenticated else None)
        set_request_context(actor, request.remote_addr or "", g.request_id)

    @app.teardown_request
    def close_connection(exc):
        clear_request_context()
        if not db.is_closed():
            db.close()


REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def _request_id() -> str:
    """The id that ties a request's audit events and log lines together: a trusted
    proxy's X-Request-Id when it is well formed, else a new one (a client's own header
    would let it write what it likes into the audit log)."""
    given = request.headers.get("X-Request-Id", "")
    if current_app.config.get("TRUSTED_PROXIES") and REQUEST_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


def _error_handlers(app: Flask) -> None:
    def wants_json() -> bool:
        return request.path.startswith("/api/")

    def log_refusal(event: str) -> None:
        """A refusal seen by someone logged in (or holding an API token): the ones worth
        an operator's eye. An anonymous 404 is an ordinary missing page."""
        token = getattr(g, "api_token", None)
        account = token.created_by_id if token is not None else (
            current_user.id if not wants_json() and current_user.is_authenticated else None)
        if account is not None:
            security_event(event, account)

    @app.errorhandler(CSRFError)
    def csrf_refused(exc):
        security_event("csrf.refused", current_user.id if current_user.is_authenticated
                       else None, reason=exc.description.replace(" ", "_")[:60])
        return exc

    @app.errorhandler(NotFound)
    @app.errorhandler(404)
    def not_found(exc):
        log_refusal("access.not_found")
        if wants_json():
            return jsonify(error={"code": "not_found", "message": "not found"}), 404
        return render_template("error.html", code=404), 404

    @app.errorhandler(Forbidden)
    @app.errorhandler(403)
    def forbidden(exc):
        log_refusal("access.forbidden")
        if wants_json():
            return jsonify(error={"code": "forbidden", "message": "forbidden"}), 403
        return render_template("error.html", code=403), 403


def _template_helpers(app: Flask) -> None:
    from portal.states import (
        KIND_LABELS,
        ROLE_LABELS,
        SERVICE_KIND_LABELS,
        STATE_LABELS,
    )

    @app.template_filter("local")
    def local_time(moment, fmt="%Y-%m-%d %H:%M"):
        return clock.to_local(moment).strftime(fmt) if moment else ""

    app.jinja_env.globals.update(KIND_LABELS=KIND_LABELS, STATE_LABELS=STATE_LABELS,
                                 ROLE_LABELS=ROLE_LABELS, SERVICE_KIND_LABELS=SERVICE_KIND_LABELS,
                                 current_locale=current_locale, page_url=page_url)


def page_url(number: int) -> str:
    """This page's URL with another page number, every other argument kept."""
    args = request.args.to_dict()
    args["page"] = number
    return url_for(request.endpoint, **(request.view_args or {}), **args)
