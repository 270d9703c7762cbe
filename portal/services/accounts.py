"""Accounts: creation, passwords and authentication.

Chosen passwords use scrypt (a modern KDF). Initial passwords (ISP import,
bureau reset) are random, high-entropy and single-use, so a fast keyed hash
(HMAC-SHA256 under the instance secret) is enough; they must be changed at the
first login, and the new one gets scrypt.
"""
import hashlib
import hmac
import secrets
from pathlib import Path

from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from portal.audit import record_event
from portal.clock import utcnow
from portal.context import current_actor_info
from portal.db import transaction
from portal.errors import ValidationError
from portal.models import Account
from portal.services import throttle

MIN_LENGTH, MAX_LENGTH = 8, 128
INITIAL_PREFIX = "initial$"
_secret = {"key": b"unset"}
COMMON_LIST = Path(__file__).resolve().parent.parent / "common_passwords.txt"
_common: set[str] = set()
_dummy = {"hash": ""}


def configure(secret_key: str) -> None:
    _secret["key"] = secret_key.encode()


def derived_key(purpose: bytes) -> bytes:
    """A 32-byte key for one purpose, derived from the instance secret."""
    return hmac.new(_secret["key"], purpose, hashlib.sha256).digest()


def common_passwords() -> set[str]:
    """The list shipped with the portal (portal/common_passwords.txt), read once."""
    if not _common:
        lines = COMMON_LIST.read_text(encoding="utf-8").splitlines()
        _common.update(line.strip() for line in lines if line.strip() and line[0] != "#")
    return _common


def is_common_password(password: str) -> bool:
    """On the list (ignoring case and spaces), or one to three characters repeated."""
    folded = "".join((password or "").lower().split())
    return folded in common_passwords() or len(set(folded)) < 4


def check_new_password(password: str) -> None:
    """At least 8 characters, long ones welcome (up to 128), common ones refused; no
    composition rules (no required digits, cases or symbols)."""
    if len(password or "") < MIN_LENGTH:
        raise ValidationError(_l("密码至少需要 8 个字符"), field="password")
    if len(password) > MAX_LENGTH:
        raise ValidationError(_l("密码不能超过 128 个字符"), field="password")
    if is_common_password(password):
        raise ValidationError(_l("该密码过于常见，请换一个更难猜的密码"), field="password")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def _initial_hash(password: str) -> str:
    return INITIAL_PREFIX + hmac.new(_secret["key"], password.encode(), hashlib.sha256).hexdigest()


def make_initial_password() -> tuple[str, str]:
    """A random single-use password (128 bits: far beyond guessing, so the fast keyed
    hash is enough) and that hash."""
    password = secrets.token_urlsafe(16)
    return password, _initial_hash(password)


def _dummy_hash() -> str:
    if not _dummy["hash"]:
        _dummy["hash"] = hash_password(secrets.token_urlsafe(16))
    return _dummy["hash"]


def verify_password(account: Account | None, password: str) -> bool:
    """Whether `password` is the account's. The KDF runs once whatever the account (none,
    an initial password, no password at all), so the time taken tells nothing."""
    stored = (account.password_hash or "") if account is not None else ""
    if stored.startswith(INITIAL_PREFIX) or not stored:
        check_password_hash(_dummy_hash(), password or "")
        return bool(stored) and hmac.compare_digest(stored, _initial_hash(password or ""))
    return check_password_hash(stored, password or "")


def create_account(username: str, password: str | None, *, tenant: str, role: str = "filer",
                   organisation=None, created_via: str = "self", actor=None, **fields) -> tuple:
    """Create an account. Without a password an initial one is generated and returned."""
    username = (username or "").strip()
    if not username or len(username) > 64:
        raise ValidationError(_l("用户名不能为空且不超过 64 个字符"), field="username")
    initial = None
    if created_via == "self":      # "already taken" is an answer: limit how often it is given
        throttle.take_registration(current_actor_info()["ip"])
    with transaction():
        if Account.select().where(Account.username == username).exists():
            raise ValidationError(_l("该用户名已被使用"), field="username")
        if password is None:
            initial, password_hash = make_initial_password()
        else:
            check_new_password(password)
            password_hash = hash_password(password)
        account = Account.create(username=username, tenant=tenant, role=role,
                                 organisation=organisation, created_via=created_via,
                                 password_hash=password_hash, must_change_password=bool(initial),
                                 **fields)
        record_event("account.create", account, actor=actor,
                     after={"tenant": tenant, "role": role, "created_via": created_via})
    return account, initial


def authenticate(username: str, password: str, tenant: str) -> Account | None:
    """The active account of this tenant with this password, or None: the same answer,
    and the same KDF run, for an unknown user, a wrong password, another tenant's account
    or a disabled one. Writes nothing: `record_login` does once every step has passed."""
    account = Account.get_or_none(Account.username == (username or "").strip())
    if not verify_password(account, password):
        return None
    if account.tenant != tenant or not account.is_active:
        return None
    if account.organisation_id and account.organisation.is_suspended:
        return None
    return account


def record_login(account: Account) -> None:
    """The account is logged in (password, and the second factor when it has one)."""
    with transaction():
        Account.update(last_login_at=utcnow()).where(Account.id == account.id).execute()
        record_event("account.login", account, actor=account)


def change_password(account: Account, new_password: str) -> None:
    """Set a chosen password; ends every other session of the account."""
    check_new_password(new_password)
    with transaction():
        Account.update(password_hash=hash_password(new_password), must_change_password=False,
                       password_changed_at=utcnow(),
                       session_generation=Account.session_generation + 1).where(
            Account.id == account.id).execute()
        record_event("account.password_change", account, actor=account)


def end_sessions(account: Account, actor=None) -> None:
    with transaction():
        Account.update(session_generation=Account.session_generation + 1).where(
            Account.id == account.id).execute()
        record_event("account.end_sessions", account, actor=actor)


def issue_initial_password(account: Account, actor, action: str, **audit) -> str:
    """A new single-use initial password, to be changed at the next login; every session of
    the account ends and a second factor is removed (whoever lost the password may have
    lost the phone too; they enrol again). Audited as `action` (never with the password).
    Returns the password, shown once and never stored in clear."""
    with transaction():
        initial, hashed = make_initial_password()
        had_factor = bool(Account.get_by_id(account.id).totp_secret)
        Account.update(password_hash=hashed, must_change_password=True, totp_secret="",
                       totp_last_step=0, totp_enabled_at=None,
                       session_generation=Account.session_generation + 1).where(
            Account.id == account.id).execute()
        record_event(action, account, actor=actor, **audit)
        if had_factor:
            record_event("account.two_factor_reset", account, actor=actor)
    return initial


def set_account_active(account: Account, actor, active: bool, action: str) -> None:
    """Disable (ending every session at once) or re-enable an account; audited as `action`."""
    with transaction():
        Account.update(is_active=active, session_generation=Account.session_generation + 1
                       ).where(Account.id == account.id).execute()
        record_event(action, account, actor=actor, before={"is_active": account.is_active},
                     after={"is_active": active})
