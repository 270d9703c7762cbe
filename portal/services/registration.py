"""Self-service accounts of filers: registration with codes, the identity check at the
first login, a new email when the code never came, and password and username recovery.

Nothing here tells a caller whether an account exists or how it was created: answers
go to the account's own email.
"""
import re

from flask_babel import lazy_gettext as _l

from portal import notifications
from portal.audit import record_event
from portal.clock import utcnow
from portal.db import transaction
from portal.errors import FormErrors, ValidationError
from portal.models import Account
from portal.security_log import security_event
from portal.services import accounts, codes, throttle
from portal.validators import validate_email, validate_mobile

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{3,31}$")
TAKEN_TEXT = ("您在备案系统提交的注册未完成：用户名“{username}”已被使用。"
              "请换一个用户名重新注册；如果这是您自己的账号，请直接登录或找回密码。")


def _clean(username: str, mobile: str, email: str) -> tuple[str, str, str]:
    errors, values = {}, {}
    if not USERNAME.match((username or "").strip()):
        errors["username"] = [_l("用户名为 4 至 32 位字母、数字、下划线、点或连字符，以字母或数字开头")]
    for field, check, raw in (("mobile", validate_mobile, mobile), ("email", validate_email, email)):
        try:
            values[field] = check(raw or "")
        except ValidationError as exc:
            errors[field] = [exc.message]
    if errors:
        raise FormErrors(errors)
    return username.strip(), values["mobile"], values["email"]


def register_filer(username: str, password: str, mobile: str, email: str, client: str = ""):
    """Create a self-registered filer; codes go to the mobile and the email. Returns the
    account, or None when the username is taken.

    A taken username gets the caller the same answer as a free one: the email, not the
    page, says it is taken. Whether an account exists is then learnt only by someone who
    reads that mailbox, one throttled message at a time, not by anyone with a form."""
    username, mobile, email = _clean(username, mobile, email)
    accounts.check_new_password(password)     # the same errors whatever the username
    try:
        account, _ = accounts.create_account(username, password, tenant="public",
                                             role="filer", created_via="self", mobile=mobile,
                                             email=email)
    except ValidationError as exc:
        if exc.field != "username":
            raise
        _tell_username_taken(username, password, mobile, email, client)
        return None
    send_identity_codes(account, client)
    return account


def _tell_username_taken(username: str, password: str, mobile: str, email: str,
                         client: str) -> None:
    """What a registration does, with a taken username: the same KDF run and the same
    code-sending throttle, and an email saying so instead of the codes."""
    accounts.hash_password(password)
    for target in (mobile, email):
        throttle.check_code_send(target, client)
    security_event("register.username_taken")
    with transaction():
        notifications.email(email, "备案系统注册提醒", TAKEN_TEXT.format(username=username),
                            purpose="register")


def send_identity_codes(account, client: str = "") -> None:
    for channel in ("mobile", "email"):
        codes.send_code(account, "verify", channel, client)


def verify_identity(account, mobile_code: str, email_code: str) -> None:
    """Both codes right: the mobile, the email and the identity are verified."""
    found, errors = [], {}
    for channel, code in (("mobile", mobile_code), ("email", email_code)):
        try:
            found.append(codes.match_code(account, "verify", channel, code, f"{channel}_code"))
        except ValidationError as exc:
            errors[exc.field] = [exc.message]
    if errors:
        raise FormErrors(errors)
    with transaction():
        codes.use_codes(*found)
        Account.update(mobile_verified=True, email_verified=True, identity_verified=True).where(
            Account.id == account.id).execute()
        record_event("account.verify_identity", account, actor=account)


def change_email(account, new_email: str, client: str = "") -> None:
    """My email code never came: a new address gets a new code (until verified)."""
    if account.email_verified:
        raise ValidationError(_l("邮箱已验证，如需修改请在账号设置中办理"), field="email")
    email = validate_email(new_email or "")
    with transaction():
        Account.update(email=email).where(Account.id == account.id).execute()
        record_event("account.change_email", account, actor=account,
                     before={"email": account.email}, after={"email": email})
    account.email = email
    codes.send_code(account, "verify", "email", client)


def _find_filer(identifier: str) -> Account | None:
    identifier = (identifier or "").strip()
    return (Account.select().where(Account.tenant == "public", Account.is_active == True,  # noqa
                                   (Account.username == identifier) | (Account.email == identifier))
            .order_by(Account.id).first())


def request_password_reset(identifier: str, client: str = "") -> None:
    """Send instructions to the account's own email; say nothing to the caller."""
    account = _find_filer(identifier)
    if account is None or not account.email:
        return
    if account.created_via == "self" and account.email_verified:
        codes.send_code(account, "reset", "email", client)
        return
    isp = account.created_by_org
    with transaction():
        notifications.email(account.email, "找回备案系统密码",
                            f"账号{account.username}由接入服务商"
                            f"{isp.name if isp else ''}代为开通，请联系该接入服务商"
                            f"（{isp.consultation_phone if isp else ''}）重置初始密码；"
                            f"如已修改过密码，请向省通信管理局提交书面找回密码申请。",
                            purpose="reset_help")


def reset_password(username: str, code: str, new_password: str) -> None:
    """A reset code and a new password; the same error whatever was wrong."""
    account = Account.get_or_none(Account.username == (username or "").strip(),
                                  Account.tenant == "public")
    if account is None:
        raise ValidationError(_l("验证码已失效，请重新获取"), field="code")
    row = codes.match_code(account, "reset", "email", code, "code")
    accounts.check_new_password(new_password)
    with transaction():
        codes.use_codes(row)
        Account.update(password_hash=accounts.hash_password(new_password),
                       must_change_password=False, password_changed_at=utcnow(),
                       session_generation=Account.session_generation + 1).where(
            Account.id == account.id).execute()
        record_event("account.password_reset", account, actor=account)


def remind_username(email: str) -> None:
    """Email the usernames registered with this address; say nothing to the caller."""
    try:
        email = validate_email(email or "")
    except ValidationError:
        return
    names = [a.username for a in Account.select().where(Account.tenant == "public",
                                                        Account.email == email)]
    if names:
        with transaction():
            notifications.email(email, "您的备案系统用户名",
                                "使用该邮箱的用户名：" + "、".join(names), purpose="username")
