"""The optional second factor of ISP and bureau staff: a TOTP code (RFC 6238, 30-second
steps, an authenticator app) asked for after the password.

The secret is stored encrypted (AES-GCM under a key derived from the instance secret)
and never shown again after enrolment. The last accepted time step is kept, so a code
is accepted once only: a code seen over a shoulder cannot be replayed. Enrolment,
disabling and every wrong code are audited; a password reset by an admin removes the
second factor too (portal.services.accounts.issue_initial_password).
"""
import base64
import hmac
import secrets
from datetime import UTC

import pyotp
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask_babel import lazy_gettext as _l

from portal.audit import record_event
from portal.clock import utcnow
from portal.db import transaction
from portal.errors import Refused, ValidationError
from portal.models import Account
from portal.security_log import security_event
from portal.services import accounts

ISSUER = "ICP备案系统"
STEP = 30
DRIFT = 1            # steps either side of now: the phone's clock may be a little off
TENANTS = ("isp", "bureau")
_PREFIX = "v1$"


def can_use(account: Account) -> bool:
    """Staff of an ISP or of the bureau; filers log in with a password and codes."""
    return account.tenant in TENANTS


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(account: Account, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account.username, issuer_name=ISSUER)


def _key() -> bytes:
    return accounts.derived_key(b"portal two-factor secret v1")


def seal(secret: str) -> str:
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_key()).encrypt(nonce, secret.encode(), b"totp")
    return _PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(stored: str) -> str:
    """The secret back; ValueError if it was sealed under another key or is damaged."""
    try:
        raw = base64.urlsafe_b64decode(stored[len(_PREFIX):].encode())
        return AESGCM(_key()).decrypt(raw[:12], raw[12:], b"totp").decode()
    except (InvalidTag, ValueError) as exc:
        raise ValueError("the second factor's secret cannot be read") from exc


def current_step() -> int:
    """The time step now, by the portal's clock (tests move it with clock.freeze)."""
    return int(utcnow().replace(tzinfo=UTC).timestamp()) // STEP


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret).generate_otp(step)


def _matching_step(secret: str, code: str, after: int) -> int | None:
    """The step (later than `after`) whose code is `code`, or None."""
    code = "".join((code or "").split())
    if not (code.isascii() and code.isdecimal()):   # compare_digest refuses non-ASCII text
        return None
    now, found = current_step(), None
    for step in range(now - DRIFT, now + DRIFT + 1):
        if step > after and hmac.compare_digest(code_at(secret, step), code) and found is None:
            found = step
    return found


def _readable_secret(account: Account) -> str:
    """The secret, or "" (no code matches) when it was sealed under another key: after a
    SECRET_KEY change only an admin's reset lets the account in again."""
    try:
        return unseal(account.totp_secret)
    except ValueError:
        security_event("two_factor.unreadable_secret", account.id)
        return ""


def _failed(account: Account, during: str) -> None:
    with transaction():
        record_event("account.two_factor_failed", account, actor=account, reason=during)


def enrol(account: Account, password: str, secret: str, code: str) -> None:
    """Turn the second factor on once the app shows the right code for `secret`. The
    password is asked again: someone with a borrowed session must not bind their own app
    and lock the owner out."""
    if not can_use(account) or account.has_two_factor:
        raise Refused(_l("二次验证已开启"))
    if not accounts.verify_password(account, password):
        raise ValidationError(_l("密码不正确"), field="password")
    step = _matching_step(secret, code, 0)
    if step is None:
        _failed(account, "enrol")
        raise ValidationError(_l("动态验证码不正确"), field="code")
    with transaction():
        Account.update(totp_secret=seal(secret), totp_last_step=step,
                       totp_enabled_at=utcnow()).where(Account.id == account.id,
                                                       Account.totp_secret == "").execute()
        record_event("account.two_factor_enrol", account, actor=account)


def disable(account: Account, password: str, code: str) -> None:
    """Turn it off: the password and a current code, both right."""
    if not account.has_two_factor:
        raise Refused(_l("二次验证未开启"))
    if not accounts.verify_password(account, password):
        raise ValidationError(_l("密码不正确"), field="password")
    if not check_code(account, code, during="disable"):
        raise ValidationError(_l("动态验证码不正确"), field="code")
    _clear(account, account, "account.two_factor_disable")


def check_code(account: Account, code: str, during: str = "login") -> bool:
    """True once for a right code: its step is claimed atomically, so the same code (or
    an older one) is refused afterwards, even by a concurrent request."""
    fresh = Account.get_by_id(account.id)
    secret = _readable_secret(fresh) if fresh.has_two_factor else ""
    step = _matching_step(secret, code, fresh.totp_last_step) if secret else None
    if step is not None:
        with transaction():
            claimed = Account.update(totp_last_step=step).where(
                Account.id == account.id, Account.totp_last_step < step).execute()
        if claimed:
            return True
    _failed(account, during)
    return False


def _clear(account: Account, actor, action: str) -> None:
    with transaction():
        Account.update(totp_secret="", totp_last_step=0, totp_enabled_at=None).where(
            Account.id == account.id).execute()
        record_event(action, account, actor=actor)
