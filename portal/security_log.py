"""Security events for the operators' log: failed logins, throttling, refused access,
refused API tokens and CSRF refusals (ASVS V16.3).

They go to the `portal.security` logger, not to the audit chain: a refusal changes
nothing, and a stranger's flood of them must not write to the main database. Each line
names the event, the account id (never a name, mobile or email), the client address, the
method and the path, and the request id that the audit events of the same request carry.
A username typed at the login form is logged only as a short keyed digest, enough to see
one account being guessed at, useless to read back (it may be a mistyped password)."""
import hashlib
import logging

from flask import g, has_request_context, request

log = logging.getLogger("portal.security")


def username_digest(username: str) -> str:
    """Keyed by the instance's secret: a log reader cannot test guesses against it."""
    from portal.services.accounts import derived_key    # accounts imports throttle, this
    return hashlib.blake2s((username or "").strip().lower().encode(), digest_size=6,
                           key=derived_key(b"portal security log")).hexdigest()


def _where() -> dict:
    if not has_request_context():
        return {"client": "-", "method": "-", "path": "-", "request": "-"}
    return {"client": request.remote_addr or "-", "method": request.method,
            "path": request.path, "request": getattr(g, "request_id", "-")}


def security_event(event: str, account_id: int | None = None, **details) -> None:
    """One warning line: `event` plus key=value details."""
    where = _where()
    extra = " ".join(f"{key}={value}" for key, value in sorted(details.items()))
    log.warning("%s account=%s client=%s %s %s request=%s%s", event, account_id or "-",
                where["client"], where["method"], where["path"], where["request"],
                f" {extra}" if extra else "")
