"""Bureau staff accounts (admin, reviewer, auditor), managed by a bureau admin only.

Guards: the last active admin can be neither demoted nor disabled (the bureau would lose
its administration), and an admin cannot disable their own account or reset their own
password here (the password page does that). Disabling and password resets are the
shared `portal.services.accounts` functions the ISP's staff service also uses.
"""
from flask_babel import lazy_gettext as _l

from portal.audit import record_event
from portal.db import transaction
from portal.errors import NotFound, Refused, ValidationError
from portal.models import Account
from portal.services import accounts
from portal.states import BUREAU_ADMINS, is_bureau_admin

BUREAU_ROLES = ("admin", "reviewer", "auditor")


# -- shared with the ISP's staff service (candidates for portal.services.accounts) --------

# -- bureau staff ------------------------------------------------------------------------

def _check_admin(actor) -> None:
    if not is_bureau_admin(actor):
        raise Refused(_l("只有管局管理员可以管理工作人员账号"))


def _check_role(role) -> str:
    if role not in BUREAU_ROLES:
        raise ValidationError(_l("请选择角色：管理员、审核员或审计员"), field="role")
    return role


def bureau_staff():
    return Account.select().where(Account.tenant == "bureau").order_by(Account.username)


def get_bureau_account(account_id) -> Account:
    """A bureau account, or NotFound (an account of another tenant is not found either)."""
    account = bureau_staff().where(Account.id == account_id).first()
    if account is None:
        raise NotFound(_l("账号不存在"))
    return account


def _active_admins():
    return bureau_staff().where(Account.role.in_(BUREAU_ADMINS), Account.is_active == True)  # noqa: E712


def _check_not_last_admin(account: Account) -> None:
    """Refuse to take away the last active admin. The no-op UPDATE takes the admins' row
    locks (PostgreSQL), so two admins demoting each other at once cannot both succeed."""
    if account.role not in BUREAU_ADMINS or not account.is_active:
        return
    Account.update(role=Account.role).where(
        Account.id.in_(_active_admins().select(Account.id))).execute()
    if not _active_admins().where(Account.id != account.id).exists():
        raise Refused(_l("这是最后一个启用的管理员账号，不能降级或停用；"
                         "请先为其他人设置管理员角色"))


def create_bureau_account(actor, username: str, role: str, display_name: str = "",
                          mobile: str = "", email: str = "") -> tuple[Account, str]:
    """A staff account with a single-use initial password (shown once to the admin)."""
    _check_admin(actor)
    _check_role(role)
    return accounts.create_account(username, None, tenant="bureau", role=role,
                                   created_via="bureau", actor=actor,
                                   display_name=(display_name or "").strip(),
                                   mobile=(mobile or "").strip(), email=(email or "").strip())


def change_role(actor, account_id, role: str, reason: str = "") -> Account:
    """Give a staff member another role; it applies from their next request."""
    _check_admin(actor)
    _check_role(role)
    with transaction():
        account = get_bureau_account(account_id)
        if account.role == role:
            return account
        if role not in BUREAU_ADMINS:
            _check_not_last_admin(account)
        Account.update(role=role).where(Account.id == account.id).execute()
        record_event("bureau_staff.role", account, actor=actor, before={"role": account.role},
                     after={"role": role}, reason=(reason or "").strip())
    return get_bureau_account(account_id)


def set_active(actor, account_id, active: bool) -> Account:
    """Disable (ending every session at once) or re-enable a staff member."""
    _check_admin(actor)
    with transaction():
        account = get_bureau_account(account_id)
        if not active:
            if account.id == actor.id:
                raise Refused(_l("不能停用自己的账号"))
            _check_not_last_admin(account)
        accounts.set_account_active(account, actor, active,
                           "bureau_staff.enable" if active else "bureau_staff.disable")
    return get_bureau_account(account_id)


def end_staff_sessions(actor, account_id) -> Account:
    """Log a staff member out everywhere (their next request goes to the login page)."""
    _check_admin(actor)
    with transaction():
        account = get_bureau_account(account_id)
        accounts.end_sessions(account, actor=actor)
    return account


def reset_staff_password(actor, account_id) -> tuple[Account, str]:
    """A new initial password for a staff member; returns (account, password)."""
    _check_admin(actor)
    with transaction():
        account = get_bureau_account(account_id)
        if account.id == actor.id:
            raise Refused(_l("不能在这里重置自己的密码，请使用“修改密码”页面"))
        initial = accounts.issue_initial_password(account, actor, "bureau_staff.reset_password")
    return account, initial
