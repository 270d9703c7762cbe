"""Configuration: defaults, then environment variables, then a test override.

Nothing here runs at import time; `load_config` is called by the factory.
"""
import os
import secrets
from datetime import timedelta
from pathlib import Path

DEFAULTS = {
    "DATABASE_URL": None,          # default: sqlite file in the instance folder
    "DATABASE_REPLICA_URL": None,  # optional read replica for public lookups
    "HUEY_URL": None,              # default: SqliteHuey file in the instance folder
    "HUEY_IMMEDIATE": False,       # run tasks inline (tests)
    "SECRET_KEY": None,
    "PRODUCTION": False,           # several machines: SECRET_KEY must be given
    "TESTING": False,
    "MAIL_URL": None,              # smtp://u:p@host:587?starttls=1 | smtps://...; none: dev mailbox
    "MAIL_FROM": None,             # default: noreply@<host of the public site URL>
    "SMS_URL": None,               # HTTP gateway; none: the development mailbox
    "SMS_KEY": None,               # HMAC key signing each gateway request (required with SMS_URL)
    "SIGNING_KEY_PATH": None,      # default: instance/signing_key.pem
    "UPLOAD_FOLDER": None,         # default: instance/uploads
    "AUDIT_HEAD_PATH": None,       # default: instance/audit_head (the chain's head, outside the DB)
    "LIMITS_URL": None,            # default: instance/limits.db; redis://... shares it across machines
    "TRUSTED_PROXIES": 0,
    "ALLOW_LOOPBACK_OUTBOUND": False,
    "BABEL_DEFAULT_LOCALE": "zh_CN",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
    "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
    "PREFERRED_URL_SCHEME": "http",  # https: served over HTTPS, so cookies are Secure
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_DURATION": timedelta(days=14),   # filers' "remember me", at most
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    "PAGE_SIZE": 20,
}

_BOOL = {"PRODUCTION", "TESTING", "HUEY_IMMEDIATE", "ALLOW_LOOPBACK_OUTBOUND",
         "SESSION_COOKIE_SECURE"}
_INT = {"TRUSTED_PROXIES", "MAX_CONTENT_LENGTH", "PAGE_SIZE"}


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says what to set."""


def _from_env(environ):
    values = {}
    for key in list(DEFAULTS) + ["SESSION_COOKIE_SECURE"]:
        raw = environ.get(key) or environ.get("PORTAL_" + key)
        if raw is None:
            continue
        if key in _BOOL:
            values[key] = raw.strip().lower() in ("1", "true", "yes", "on")
        elif key in _INT:
            values[key] = int(raw)
        else:
            values[key] = raw
    return values


def load_config(instance_path, override=None, environ=None):
    """Merge defaults, environment and the override into one dict."""
    environ = os.environ if environ is None else environ
    config = dict(DEFAULTS)
    config.update(_from_env(environ))
    config.update(override or {})
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    config["DATABASE_URL"] = config["DATABASE_URL"] or f"sqlite:///{instance / 'portal.db'}"
    config["HUEY_URL"] = config["HUEY_URL"] or f"sqlite:///{instance / 'huey.db'}"
    config["SIGNING_KEY_PATH"] = config["SIGNING_KEY_PATH"] or str(instance / "signing_key.pem")
    config["UPLOAD_FOLDER"] = config["UPLOAD_FOLDER"] or str(instance / "uploads")
    config["LIMITS_URL"] = config.get("LIMITS_URL") or str(instance / "limits.db")
    config["AUDIT_HEAD_PATH"] = config.get("AUDIT_HEAD_PATH") or str(instance / "audit_head")
    config["SECRET_KEY"] = config["SECRET_KEY"] or _instance_secret(config, instance)
    _cookie_flags(config)
    return config


def _cookie_flags(config) -> None:
    """Cookies are Secure when the portal is served over HTTPS (PREFERRED_URL_SCHEME=https
    or SESSION_COOKIE_SECURE=1); the remember cookie follows the session cookie. Secure
    cookies take the `__Host-` prefix: a browser then refuses one set by another host or
    a subdomain, or without Secure and Path=/."""
    if "SESSION_COOKIE_SECURE" not in config:
        config["SESSION_COOKIE_SECURE"] = config["PREFERRED_URL_SCHEME"] == "https"
    config["REMEMBER_COOKIE_SECURE"] = bool(config["SESSION_COOKIE_SECURE"])
    if config["SESSION_COOKIE_SECURE"]:
        config.setdefault("SESSION_COOKIE_NAME", "__Host-session")
        config.setdefault("REMEMBER_COOKIE_NAME", "__Host-remember")


def _instance_secret(config, instance):
    """Generate the secret once into the instance folder, embedded default only."""
    if config["PRODUCTION"]:
        raise ConfigError("SECRET_KEY must be set in production mode "
                          "(every machine needs the same value).")
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
