"""Session lifetimes (DESIGN §4): a new session at every login, an idle timeout (30
minutes for ISP and bureau staff, 2 hours for filers), an absolute lifetime of 12 hours,
and "remember me" (filers only) for at most 14 days.

The session is Flask's signed cookie. Its login token is "account id:session
generation:issue time" (`Account.session_token`): bumping the generation (logout,
password change, disable, suspension, an admin's "end sessions") refuses every copy of
an old cookie, a remember cookie included, and the issue time bounds a remember cookie
on the server as well as in the browser. The timestamps below ride in the same cookie;
the idle stamp is rewritten at most once a minute, not on every request.
"""
import secrets
from datetime import UTC

from flask import Flask, request, session
from flask_login import login_user, user_loaded_from_cookie, user_logged_in

from portal.clock import utcnow
from portal.models import Account

IDLE = {"public": 2 * 3600, "isp": 30 * 60, "bureau": 30 * 60}
ABSOLUTE = 12 * 3600
REMEMBER_DAYS = 14
TOUCH_EVERY = 60
PENDING_FOR = 300          # seconds to type the second factor's code after the password
STAMPS = ("sid", "t0", "seen", "idle")
LOGIN_KEYS = ("_user_id", "_fresh", "_id", *STAMPS)


def now() -> int:
    """Seconds since the epoch by the portal's clock (tests move it with clock.freeze)."""
    return int(utcnow().replace(tzinfo=UTC).timestamp())


def fresh_session() -> None:
    """Forget everything the session held except the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def start_session(account: Account, remember: bool = False) -> None:
    """Log in on a fresh session: nothing of the pre-login session is carried over."""
    fresh_session()
    login_user(account, remember=remember)


def _stamp(sender, user=None, **extra) -> None:
    """At login and when a remember cookie restores a login: a new session id and the
    start, last-seen and idle-limit stamps."""
    moment = now()
    session.update(sid=secrets.token_urlsafe(16), t0=moment, seen=moment,
                   idle=IDLE.get(getattr(user, "tenant", ""), min(IDLE.values())))


def _expired(moment: int) -> bool:
    started, seen, idle = (session.get(key) for key in ("t0", "seen", "idle"))
    if not all(isinstance(value, int) for value in (started, seen, idle)):
        return True
    return moment - started > ABSOLUTE or moment - seen > idle


def check_lifetime() -> None:
    """Before each page request: end a session that has been idle or alive too long (a
    filer's remember cookie, if any, may then log them in again), else note the visit."""
    if request.path.startswith("/api/") or "_user_id" not in session:
        return
    moment = now()
    if _expired(moment):
        for key in LOGIN_KEYS:
            session.pop(key, None)
    elif moment - session["seen"] >= TOUCH_EVERY:
        session["seen"] = moment


def load_account(token: str) -> Account | None:
    """Flask-Login's user loader: the account if the token's generation is current and a
    remember cookie's issue time is less than 14 days ago."""
    try:
        account_id, generation, issued = (int(part) for part in token.split(":"))
    except ValueError:
        return None
    if now() - issued > REMEMBER_DAYS * 86400:
        return None
    account = Account.get_or_none(Account.id == account_id)
    if account is None or not account.is_active or account.session_generation != generation:
        return None
    if account.organisation_id and account.organisation.is_suspended:
        return None
    return account


def begin_second_step(account: Account, next_url: str | None) -> None:
    """The password was right and a code is due: a fresh session holding only who is
    half logged in, until when, and where to go afterwards."""
    fresh_session()
    session["pending_login"] = {"id": account.id, "gen": account.session_generation,
                                "until": now() + PENDING_FOR, "next": next_url or ""}


def pending_account(tenant: str) -> Account | None:
    """The half-logged-in account of this tenant, while the step is still open."""
    pending = session.get("pending_login")
    if not isinstance(pending, dict) or pending.get("until", 0) < now():
        return None
    account = Account.get_or_none(Account.id == pending.get("id"))
    if (account is None or account.tenant != tenant or not account.is_active
            or account.session_generation != pending.get("gen")):
        return None
    return account


def init_sessions(app: Flask) -> None:
    """Register before the request hooks that read the user (setup.init_app)."""
    user_logged_in.connect(_stamp, weak=False)
    user_loaded_from_cookie.connect(_stamp, weak=False)
    app.before_request(check_lifetime)
