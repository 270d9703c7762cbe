"""Password reset by the bureau, on a written application with identity documents.

Once a filer has chosen a password, neither the filer's ISP nor the codes can help
someone who lost both: the bureau sets a new single-use initial password, which
must be changed at the next login, and ends every session of the account.
"""
from flask_babel import lazy_gettext as _l

from portal import notifications
from portal.db import transaction
from portal.errors import Refused
from portal.models import Account
from portal.services import accounts
from portal.states import is_bureau_decider


def reset_on_written_application(written, actor) -> str:
    """New initial password for the written application's account; returns it (to be
    shown once). The audit event names the written application and the applicant,
    never the password."""
    if not is_bureau_decider(actor):
        raise Refused(_l("只有管局管理员和审核员可以重置密码"))
    with transaction():
        account = Account.get_by_id(written.account_id)
        if account.tenant != "public" or not account.is_active:
            raise Refused(_l("该账号已停用，不能重置密码"))
        initial = accounts.issue_initial_password(
            account, actor, "account.password_reset",
            after={"written_application": written.reference, "applicant": written.applicant,
                   "sessions_ended": True})
        notifications.email(
            account.email, "您的备案系统登录密码已由管局重置",
            f"根据您的书面申请（编号 {written.reference}），管局已重置账号 {account.username} "
            f"的登录密码，原密码和已登录的会话均已失效。初始密码由管局另行告知，首次登录时须修改。"
            f"如非本人申请，请立即联系管局。", written=written.reference, action="password_reset")
    return initial
