"""Applications an ISP files for its customers, above all access changes (变更接入,
DESIGN §3): the new ISP adds its access with the filer's authorisation code; once the
bureau approves, the old ISP cancels its own access, and the bureau approves again. The
filing number stays throughout. Each function opens and submits in one transaction."""
from flask_babel import lazy_gettext as _l

from portal import workflow
from portal.db import transaction
from portal.errors import NotFound, Refused, ValidationError
from portal.models import ACTIVE, AccessLink, Application, Service
from portal.scoping import get_customer_for_isp
from portal.services import changes
from portal.services.connect_check import on_access_list
from portal.states import Kind

# What an ISP files for a customer from data alone. Access is added and cancelled only
# through the two functions below (so an ISP can neither skip the filer's code nor cancel
# another ISP's access); cancellations and conflict resolution need uploaded materials
# (portal.services.behalf, on the ISP pages).
DATA_KINDS = (Kind.FIRST_FILING, Kind.ADD_SERVICE, Kind.CHANGE_SUBJECT, Kind.CHANGE_SERVICE,
              Kind.CHANGE_ACCESS, Kind.ANNUAL_REVIEW)

MAX_CUSTOMER_REF = 64


def _clean_customer_ref(customer_ref) -> str:
    customer_ref = str(customer_ref or "").strip()
    if len(customer_ref) > MAX_CUSTOMER_REF:
        raise ValidationError(_l("客户编号不能超过 %(n)d 个字符", n=MAX_CUSTOMER_REF),
                              field="customer_ref")
    return customer_ref


def add_access_with_code(isp_id: int, actor, code: str, customer_ref: str = "") -> Application:
    """Consume the filer's authorisation code and file a submitted add-access application
    for the service it names, on behalf of its filer. One transaction: an unknown, used or
    expired code (ValidationError) or any refusal leaves everything as it was, the code too."""
    customer_ref = _clean_customer_ref(customer_ref)
    with transaction():
        service = changes.consume_authorisation_code(code, isp_id, actor)
        if on_access_list(service, isp_id):
            raise Refused(_l("贵单位已是该网站/APP的接入服务商，无需新增接入"))
        app = workflow.create_application(
            Kind.ADD_ACCESS, account=service.subject.account, actor=actor, channel="isp",
            isp=isp_id, service_id=service.id,
            proposed={"isp_id": isp_id, "customer_ref": customer_ref})
        return workflow.submit_application(app.id, actor)


def get_served_service(service_id, isp_id: int) -> Service:
    """A service this ISP has active access to; anything else is NotFound."""
    service = (Service.select().join(AccessLink)
               .where(Service.id == service_id, Service.status == ACTIVE,
                      AccessLink.isp == isp_id, AccessLink.status == ACTIVE).first())
    if service is None:
        raise NotFound(_l("网站/APP不存在"))
    return service


def cancel_access_for_customer(isp_id: int, actor, service_id, reason: str) -> Application:
    """File a submitted cancel-access application for this ISP's own access to a service
    (取消接入), e.g. the second step of an access change. The ISP then verifies it."""
    reason = str(reason or "").strip()
    if not reason:
        raise ValidationError(_l("请填写取消接入的原因"), field="reason")
    with transaction():
        service = get_served_service(service_id, isp_id)
        app = workflow.create_application(
            Kind.CANCEL_ACCESS, account=service.subject.account, actor=actor, channel="isp",
            isp=isp_id, service_id=service.id, proposed={"isp_id": isp_id, "reason": reason})
        return workflow.submit_application(app.id, actor)


def file_for_customer(isp_id: int, actor, kind: str, customer_id, proposed: dict,
                      service_id=None) -> Application:
    """Open and submit an application of one of DATA_KINDS for a customer this ISP
    created or serves (another account is NotFound)."""
    if kind not in DATA_KINDS:
        raise ValidationError(_l("申请类型不正确：新增接入、取消接入请使用接入办理接口；"
                                 "注销和冲突解决须上传材料，请在接入商页面办理"), field="kind")
    with transaction():
        customer = get_customer_for_isp(customer_id, isp_id)
        app = workflow.create_application(kind, account=customer, actor=actor, channel="isp",
                                          isp=isp_id, service_id=service_id, proposed=proposed)
        return workflow.submit_application(app.id, actor)
