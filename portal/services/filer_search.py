"""Finding a filer (主办者账号) for the bureau: by filing number, username, subject name,
certificate number, mobile or email; and the filer's page, an audited read.

Every exact lookup is one indexed query (unique username and filing numbers, indexed
mobile, email, subject certificate number and the LookupKey table); only a partial
subject name scans, and it scans subjects, never the accounts table.
"""
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.audit import record_event
from portal.db import transaction
from portal.errors import DomainError, NotFound
from portal.models import (Account, Application, IspOrganisation, LookupKey, Service, Subject,
                           WrittenApplication)
from portal.validators import (format_service_number, is_filing_number_like,
                               normalise_cert_number, normalise_name, parse_filing_number,
                               to_half_width, validate_mobile)

SEARCH_KEYS = ("number", "username", "name", "cert", "mobile", "email")
SEARCH_LABELS = {"number": _l("备案号"), "username": _l("用户名"), "name": _l("主办单位名称"),
                 "cert": _l("证件号码"), "mobile": _l("手机号码"), "email": _l("电子邮箱")}
CREATED_VIA_LABELS = {"self": _l("自行注册"), "isp_import": _l("接入商导入"),
                      "isp_behalf": _l("接入商代为开通"), "bureau": _l("管局开通"),
                      "cli": _l("命令行创建")}
RECORD_STATUS_LABELS = {"active": _l("已备案"), "cancelled": _l("已注销"), "revoked": _l("已撤销")}
_MOBILE_RE = re.compile(r"(\+?86)?1[3-9][0-9]{9}")
# A resident ID (old 15 digits or 18 with its check character) or a credit code (GB 32100).
_CERT_RE = re.compile(r"[0-9]{15}|[0-9]{17}[0-9X]"
                      r"|[1-9ANY][0-9A-HJ-NP-RTUWXY][0-9]{6}[0-9A-HJ-NP-RTUWXY]{10}")


def filers():
    return Account.select().where(Account.tenant == "public")


def detect_key(query: str) -> str | None:
    """Guess what the query is: a filing number, an email, a mobile, a certificate
    number; None for free text (username or subject name)."""
    text = to_half_width(query).strip()
    compact = re.sub(r"[\s-]", "", text)
    if is_filing_number_like(text):
        return "number"
    if "@" in text:
        return "email"
    if _MOBILE_RE.fullmatch(compact):
        return "mobile"
    if _CERT_RE.fullmatch(compact.upper()):
        return "cert"
    return None


def _nobody():
    return Account.select(Account.id).where(Account.id.in_([]))


def _by_number(query: str):
    """A subject number, or a service number (its subject's number is its prefix)."""
    try:
        parsed = parse_filing_number(query)
    except DomainError:
        return _nobody()
    ids = Subject.select(Subject.account).where(Subject.filing_number == parsed.subject_number)
    if parsed.is_service:
        number = format_service_number(parsed.subject_number, parsed.service_index, parsed.kind)
        ids = ids | (Subject.select(Subject.account).join(Service)
                     .where(Service.filing_number == number))
    return ids


def _by_cert(query: str):
    """Approved subjects and the subjects of applications in flight (LookupKey)."""
    number = normalise_cert_number(query)
    return (Subject.select(Subject.account).where(Subject.cert_number == number)
            | LookupKey.select(LookupKey.account).where(LookupKey.key == "cert_number",
                                                        LookupKey.value == number))


def _by_name(query: str):
    """Part of an approved subject's name, or the exact name of a pending one."""
    return (Subject.select(Subject.account).where(Subject.name.contains(query.strip()))
            | LookupKey.select(LookupKey.account).where(LookupKey.key == "subject_name",
                                                        LookupKey.value == normalise_name(query)))


def _by_mobile(query: str):
    try:
        number = validate_mobile(query)
    except DomainError:
        number = query.strip()
    return Account.select(Account.id).where(Account.mobile == number)


def _by_email(query: str):
    text = query.strip()
    return Account.select(Account.id).where(Account.email.in_(sorted({text, text.lower()})))


def _by_username(query: str):
    return Account.select(Account.id).where(Account.username == query.strip())


def _guessed(query: str):
    """The guessed key's matches, and always an exact username (a username may look like
    a mobile number); free text is a username, a subject name or a certificate number."""
    key = detect_key(query)
    if key is None:
        return key, _by_username(query) | _by_name(query) | _by_cert(query)
    return key, MATCHERS[key](query) | _by_username(query)


MATCHERS = {"number": _by_number, "username": _by_username, "name": _by_name,
            "cert": _by_cert, "mobile": _by_mobile, "email": _by_email}


def search_filers(query: str, by: str | None = None, actor=None):
    """Filer accounts matching `query` (newest first); `by` picks the key, or it is
    guessed. Each matcher yields account ids from indexed lookups; the accounts are
    then read by primary key. The search shows usernames, so it is audited."""
    query = (query or "").strip()[:100]
    if not query:
        return filers().where(Account.id.in_(_nobody()))
    key, ids = (by, MATCHERS[by](query)) if by in MATCHERS else _guessed(query)
    found = filers().where(Account.id.in_(ids)).order_by(Account.id.desc())
    with transaction():
        record_event("account.search", actor=actor, object_type="account",
                     after={"by": key or "auto", "query": query})
    return found


@dataclass
class FilerRow:
    """One line of the result list: the account, its subject and the ISP that created it."""
    account: Account
    subject: Subject | None
    created_by: IspOrganisation | None

    @property
    def created_via_label(self):
        return CREATED_VIA_LABELS.get(self.account.created_via, self.account.created_via)


def filer_rows(accounts: list) -> list[FilerRow]:
    """Subjects and creating ISPs for a page of accounts, in two queries."""
    ids = [a.id for a in accounts]
    subjects = {s.account_id: s for s in Subject.select().where(Subject.account.in_(ids))}
    org_ids = {a.created_by_org_id for a in accounts if a.created_by_org_id}
    orgs = {o.id: o for o in IspOrganisation.select().where(IspOrganisation.id.in_(org_ids))}
    return [FilerRow(a, subjects.get(a.id), orgs.get(a.created_by_org_id)) for a in accounts]


@dataclass
class FilerDetail:
    row: FilerRow
    services: list
    applications: object     # query, paginated by the page
    written: list


def get_filer(account_id) -> Account:
    account = filers().where(Account.id == account_id).first()
    if account is None:
        raise NotFound(_l("主办者账号不存在"))
    return account


def view_filer(account_id, actor) -> FilerDetail:
    """Everything the bureau sees of a filer. Each view writes an audit event."""
    with transaction():
        account = get_filer(account_id)
        record_event("account.view", account, actor=actor,
                     after={"username": account.username})
    row = filer_rows([account])[0]
    services = list(row.subject.services.order_by(Service.id)) if row.subject else []
    applications = (Application.select().where(Application.account == account.id)
                    .order_by(Application.id.desc()))
    written = list(WrittenApplication.select().where(WrittenApplication.account == account.id)
                   .order_by(WrittenApplication.id.desc()))
    return FilerDetail(row, services, applications, written)
