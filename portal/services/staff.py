"""Delegated logins: an ISP's admin manages its own staff accounts (admin, operator,
read-only); the bureau creates the organisation and its first admin."""
from flask_babel import lazy_gettext as _l

from portal.db import transaction
from portal.errors import NotFound, Refused, ValidationError
from portal.models import Account, AuditEvent
from portal.services import accounts

ISP_ROLES = ("admin", "operator", "readonly")


def isp_staff(isp_id: int):
    return (Account.select().where(Account.tenant == "isp", Account.organisation == isp_id)
            .order_by(Account.username))


def get_staff(isp_id: int, account_id) -> Account:
    account = isp_staff(isp_id).where(Account.id == account_id).first()
    if account is None:
        raise NotFound(_l("账号不存在"))
    return account


def create_staff(isp_id: int, actor, username: str, role: str, display_name: str = "",
                 mobile: str = "", email: str = "") -> tuple[Account, str]:
    """A staff account with a single-use initial password (shown once to the admin)."""
    if role not in ISP_ROLES:
        raise ValidationError(_l("请选择角色"), field="role")
    return accounts.create_account(username, None, tenant="isp", role=role,
                                   organisation=isp_id, created_via="isp_admin", actor=actor,
                                   display_name=display_name.strip(), mobile=mobile.strip(),
                                   email=email.strip())


def set_staff_active(isp_id: int, actor, account_id, active: bool) -> Account:
    """Disable (ending every session at once) or re-enable a staff member."""
    with transaction():
        account = get_staff(isp_id, account_id)
        if account.id == actor.id:
            raise Refused(_l("不能停用自己的账号"))
        accounts.set_account_active(account, actor, active,
                                    "staff.enable" if active else "staff.disable")
    return account


def reset_staff_password(isp_id: int, actor, account_id) -> str:
    """A new initial password, to be changed at the next login; old sessions end."""
    with transaction():
        account = get_staff(isp_id, account_id)
        return accounts.issue_initial_password(account, actor, "staff.reset_password")


def staff_activity(isp_id: int):
    """Audit events of this ISP's staff, newest first."""
    ids = isp_staff(isp_id).select(Account.id)
    return AuditEvent.select().where(AuditEvent.actor_id.in_(ids)).order_by(AuditEvent.seq.desc())
