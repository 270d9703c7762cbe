"""An ISP's customers: search, the username behind a filing number, and a new initial
password for an imported customer who has never changed it."""
from flask_babel import lazy_gettext as _l

from portal.audit import record_event
from portal.db import transaction
from portal.errors import NotFound, Refused
from portal.models import Account, Service, Subject
from portal.scoping import get_customer_for_isp, isp_customer_accounts
from portal.services import accounts
from portal.validators import parse_filing_number


def search_customers(isp_id: int, query: str = ""):
    customers = isp_customer_accounts(isp_id)
    query = (query or "").strip()
    if query:
        names = Subject.select(Subject.account).where(Subject.name.contains(query))
        customers = customers.where((Account.username.contains(query))
                                    | (Account.mobile == query) | (Account.email == query)
                                    | Account.id.in_(names))
    return customers.order_by(Account.id.desc())


def username_for_number(isp_id: int, number: str, actor) -> Account:
    """The customer account behind a filing number (subject or service form); audited."""
    parsed = parse_filing_number(number)
    subject = Subject.get_or_none(Subject.filing_number == parsed.subject_number)
    if subject is None and parsed.service_index:
        service = Service.get_or_none(Service.filing_number == number.strip())
        subject = service.subject if service else None
    if subject is None:
        raise NotFound(_l("没有找到该备案号"))
    account = get_customer_for_isp(subject.account_id, isp_id)
    with transaction():
        record_event("customer.username_lookup", account, actor=actor,
                     after={"filing_number": subject.filing_number})
    return account


def reset_customer_initial_password(isp_id: int, actor, account_id) -> str:
    """Only for a customer this ISP created who has never chosen a password; after that
    only the bureau resets, on a written application."""
    with transaction():
        account = get_customer_for_isp(account_id, isp_id)
        if account.created_by_org_id != isp_id or account.password_changed_at is not None:
            raise Refused(_l("该用户已修改过密码，或不是由本单位开通：请用户向管局提交书面找回密码申请"))
        return accounts.issue_initial_password(account, actor, "customer.reset_initial_password")


def customer_services(account) -> list:
    """The customer's active services (for choosing one in a form)."""
    return list(Service.select().join(Subject).where(Subject.account == account.id,
                                                     Service.status == "active")
                .order_by(Service.id))
