"""Tenant scoping: the one place that says what an ISP or a filer may see.

"An ISP's applications" are those it filed or that name it as an access
provider; it keeps seeing them after they leave its queue. A filer sees only
its own. Anything outside the scope is NotFound (HTTP 404), never Forbidden.
"""
import copy

from flask_babel import lazy_gettext as _l
from peewee import fn

from portal.errors import NotFound
from portal.models import AccessLink, Account, Application, ApplicationIsp, Service, Subject


def isp_applications(isp_id: int):
    named = ApplicationIsp.select(ApplicationIsp.application).where(ApplicationIsp.isp == isp_id)
    return Application.select().where((Application.isp == isp_id) | (Application.id.in_(named)))


def get_application_for_isp(app_id, isp_id: int) -> Application:
    """One application in the ISP's scope. A correlated EXISTS on (isp, application)
    rather than isp_applications' IN: SQLite would build the ISP's whole list of named
    applications (tens of thousands at provincial scale) to answer for one row."""
    named = ApplicationIsp.select(ApplicationIsp.id).where(
        ApplicationIsp.isp == isp_id, ApplicationIsp.application == Application.id)
    app = Application.select().where(Application.id == app_id,
                                     (Application.isp == isp_id) | fn.EXISTS(named)).first()
    if app is None:
        raise NotFound(_l("申请不存在"))
    return app


def isp_customer_accounts(isp_id: int):
    """Filers this ISP serves (an active access link) or created (import, on behalf)."""
    served = (Subject.select(Subject.account).join(Service).join(AccessLink)
              .where(AccessLink.isp == isp_id, AccessLink.status == "active"))
    return Account.select().where(Account.tenant == "public",
                                  (Account.created_by_org == isp_id) | Account.id.in_(served))


def get_customer_for_isp(account_id, isp_id: int) -> Account:
    account = isp_customer_accounts(isp_id).where(Account.id == account_id).first()
    if account is None:
        raise NotFound(_l("客户不存在"))
    return account


def filer_applications(account):
    return Application.select().where(Application.account == account.id)


def get_application_for_filer(app_id, account) -> Application:
    app = filer_applications(account).where(Application.id == app_id).first()
    if app is None:
        raise NotFound(_l("申请不存在"))
    return app


def filer_subject(account) -> Subject | None:
    return Subject.get_or_none(Subject.account == account.id)


def get_service_for_filer(service_id, account) -> Service:
    service = (Service.select().join(Subject)
               .where(Service.id == service_id, Subject.account == account.id).first())
    if service is None:
        raise NotFound(_l("网站/APP不存在"))
    return service


def _served_among(isp_id: int, service_ids: list) -> set:
    """Which of these services this ISP has access links to (asked for the few services
    of one application, never the ISP's whole customer base)."""
    ids = [i for i in service_ids if i]
    if not ids:
        return set()
    return {row[0] for row in AccessLink.select(AccessLink.service)
            .where(AccessLink.isp == isp_id, AccessLink.service.in_(ids)).tuples()}


def proposal_visible_to_isp(app: Application, isp_id: int) -> dict:
    """What an ISP sees of an application's data: no stored file names, and an ISP that
    did not file it sees the subject and only the services that name it or that it serves."""
    proposed = copy.deepcopy(app.proposed or {})
    if app.isp_id != isp_id and "services" in proposed:
        served = _served_among(isp_id, [s.get("service_id") for s in proposed["services"]])
        proposed["services"] = [s for s in proposed["services"]
                                if isp_id in (s.get("isps") or []) or s.get("service_id") in served]
    for service in proposed.get("services", []):
        for item in service.get("pre_approvals") or []:
            item.pop("document", None)
    return proposed
