"""Rate limits and throttles shared by every worker (token buckets in the ephemeral
store). Login failures: 10 per 5 minutes per account and per client address, with
no permanent lockout (the second login step counts as a login attempt); code sending:
a few per address per hour; registration attempts: 10 per client address per hour."""
from flask_babel import lazy_gettext as _l

from portal import ephemeral
from portal.errors import Refused
from portal.security_log import security_event, username_digest

LOGIN_BURST, LOGIN_WINDOW = 10, 300
CODE_BURST, CODE_RATE = 3, 1 / 120           # 3 at once, then one every 2 minutes
CLIENT_CODE_BURST, CLIENT_CODE_RATE = 20, 20 / 3600
LOOKUP_BURST, LOOKUP_RATE = 20, 1.0          # 60 a minute, bursts of 20
REGISTER_BURST, REGISTER_RATE = 10, 10 / 3600   # registrations tried per client: 10 an hour


class Throttled(Refused):
    """Too many attempts; `retry_after` seconds until the next one is allowed."""

    def __init__(self, message, retry_after: float):
        super().__init__(message, retry_after=retry_after)
        self.retry_after = max(int(retry_after + 0.999), 1)


def _login_keys(username: str, client: str) -> list[str]:
    return [f"login:acct:{(username or '').strip().lower()}", f"login:ip:{client}"]


def check_login_allowed(username: str, client: str) -> None:
    """Refuse before checking the password when either bucket is empty."""
    rate = LOGIN_BURST / LOGIN_WINDOW
    for key in _login_keys(username, client):
        tokens = ephemeral.store().tokens(key, rate, LOGIN_BURST)
        if tokens < 1:
            wait = (1 - tokens) / rate
            security_event("login.throttled", user=username_digest(username))
            raise Throttled(_l("尝试次数过多，请 %(minutes)d 分钟后再试",
                               minutes=int(wait // 60) + 1), wait)


def record_login_failure(username: str, client: str) -> None:
    security_event("login.failed", user=username_digest(username))
    for key in _login_keys(username, client):
        ephemeral.store().take(key, LOGIN_BURST / LOGIN_WINDOW, LOGIN_BURST)


def check_code_send(target: str, client: str) -> None:
    """Codes are free but throttled per address and per client."""
    checks = [(f"code:to:{target}", CODE_RATE, CODE_BURST),
              (f"code:ip:{client}", CLIENT_CODE_RATE, CLIENT_CODE_BURST)]
    for key, rate, burst in checks:
        allowed, wait = ephemeral.store().take(key, rate, burst)
        if not allowed:
            security_event("code.throttled", bucket=key.split(":")[1])
            raise Throttled(_l("验证码发送过于频繁，请 %(seconds)d 秒后再试",
                               seconds=int(wait) + 1), wait)


def take_registration(client: str) -> None:
    """Each registration attempt (taken username or not) costs the client one token: the
    "username already taken" answer cannot be used to list accounts at speed."""
    allowed, wait = ephemeral.store().take(f"register:ip:{client}", REGISTER_RATE,
                                           REGISTER_BURST)
    if not allowed:
        security_event("register.throttled")
        raise Throttled(_l("注册尝试过于频繁，请 %(minutes)d 分钟后再试",
                           minutes=int(wait // 60) + 1), wait)


def take_lookup(client: str) -> float:
    """0 when the lookup may run, else the seconds to wait (HTTP 429 Retry-After)."""
    allowed, wait = ephemeral.store().take(f"lookup:{client}", LOOKUP_RATE, LOOKUP_BURST)
    return 0.0 if allowed else wait
