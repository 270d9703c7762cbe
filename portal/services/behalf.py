"""ISP staff acting for a customer (代为办理): a first filing with a new filer account,
and cancellations or conflict resolution with the materials they checked."""
from flask_babel import lazy_gettext as _l

from portal import workflow
from portal.db import transaction
from portal.errors import Refused
from portal.models import Subject
from portal.scoping import get_customer_for_isp
from portal.services import accounts, filing
from portal.services.registration import _clean
from portal.states import Kind

MATERIAL_KINDS = (Kind.CANCEL_SUBJECT, Kind.CANCEL_SERVICE, Kind.CANCEL_ACCESS,
                  Kind.CONFLICT_RESOLUTION)


def open_behalf_filing(isp_id: int, actor, username: str, mobile: str, email: str):
    """A new filer account (single-use initial password, handed over by the ISP) and a
    first-filing draft filed by this ISP. Returns (account, initial password, draft)."""
    username, mobile, email = _clean(username, mobile, email)
    with transaction():
        account, initial = accounts.create_account(
            username, None, tenant="public", role="filer", created_via="isp_behalf",
            created_by_org=isp_id, actor=actor, mobile=mobile, email=email)
        draft = filing.open_draft(account, actor, channel="isp", isp=isp_id)
    return account, initial, draft


def continue_behalf_filing(isp_id: int, actor, account_id):
    """The draft of a customer this ISP created and who has no record yet."""
    account = get_customer_for_isp(account_id, isp_id)
    if Subject.select().where(Subject.account == account.id).exists():
        raise Refused(_l("该客户已有备案主体，请办理新增、变更或注销"))
    return filing.open_draft(account, actor, channel="isp", isp=isp_id)


def file_with_materials(isp_id: int, actor, account_id, kind: str, proposed: dict,
                        materials: list, service_id=None):
    """A cancellation or conflict resolution for a customer, with its materials; it goes
    to this ISP's verification queue like any submission, then on."""
    if kind not in MATERIAL_KINDS:
        raise Refused(_l("不支持的申请类型"))
    if not materials:
        from portal.errors import ValidationError
        raise ValidationError(_l("请上传申请材料"), field="materials")
    account = get_customer_for_isp(account_id, isp_id)
    with transaction():
        app = workflow.create_application(kind, account=account, actor=actor, proposed=proposed,
                                          channel="isp", isp=isp_id, service_id=service_id,
                                          materials=materials)
        return workflow.submit_application(app.id, actor)
