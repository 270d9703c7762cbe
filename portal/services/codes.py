"""Verification codes sent to a mobile or an email (registration, identity check at the
first login, password reset): free, valid 24 hours, throttled, at most 5 tries."""
import hashlib
import hmac
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from portal import notifications
from portal.clock import utcnow
from portal.db import transaction
from portal.errors import ValidationError
from portal.models import VerificationCode
from portal.services import throttle

VALID_FOR = timedelta(hours=24)
MAX_TRIES = 5
TEXTS = {
    "verify": "【备案系统】您的验证码为{code}，用于验证账号{username}的{what}，24小时内有效。",
    "reset": "【备案系统】您的验证码为{code}，用于重置账号{username}的密码，24小时内有效。"
             "如非本人操作请忽略。",
}


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def send_code(account, purpose: str, channel: str, client: str = "") -> VerificationCode:
    """Replace any open code of this purpose and channel with a new one and send it."""
    target = account.mobile if channel == "mobile" else account.email
    throttle.check_code_send(target, client)
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction():
        VerificationCode.update(used_at=utcnow()).where(
            VerificationCode.account == account, VerificationCode.purpose == purpose,
            VerificationCode.channel == channel, VerificationCode.used_at.is_null()).execute()
        row = VerificationCode.create(account=account, purpose=purpose, channel=channel,
                                      target=target, code_hash=_hash(code),
                                      expires_at=utcnow() + VALID_FOR)
        what = "手机号码" if channel == "mobile" else "电子邮箱"
        text = TEXTS[purpose].format(code=code, username=account.username, what=what)
        if channel == "mobile":
            notifications.sms(target, text, purpose=purpose)
        else:
            notifications.email(target, "备案系统验证码", text, purpose=purpose)
    return row


def match_code(account, purpose: str, channel: str, code: str, field: str) -> VerificationCode:
    """The open code if `code` matches it. A wrong try is counted (and kept) before the
    error is raised; nothing is used up until `use_codes`."""
    row = (VerificationCode.select().where(
        VerificationCode.account == account, VerificationCode.purpose == purpose,
        VerificationCode.channel == channel, VerificationCode.used_at.is_null())
        .order_by(VerificationCode.id.desc()).first())
    if row is None or row.expires_at < utcnow() or row.tries >= MAX_TRIES:
        raise ValidationError(_l("验证码已失效，请重新获取"), field=field)
    if not hmac.compare_digest(row.code_hash, _hash((code or "").strip())):
        with transaction():
            VerificationCode.update(tries=VerificationCode.tries + 1).where(
                VerificationCode.id == row.id).execute()
        raise ValidationError(_l("验证码不正确"), field=field)
    return row


def use_codes(*rows: VerificationCode) -> None:
    """Mark matched codes used (call inside the transaction that acts on them)."""
    VerificationCode.update(used_at=utcnow()).where(
        VerificationCode.id.in_([r.id for r in rows])).execute()


def has_open_code(account, purpose: str, channel: str) -> bool:
    return VerificationCode.select().where(
        VerificationCode.account == account, VerificationCode.purpose == purpose,
        VerificationCode.channel == channel, VerificationCode.used_at.is_null(),
        VerificationCode.expires_at > utcnow()).exists()
