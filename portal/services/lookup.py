"""The public lookup (是否备案): approved services that are neither cancelled nor
revoked, found by domain, filing number, subject name or service name."""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.clock import to_local
from portal.errors import ValidationError
from portal.masking import mask_name
from portal.models import ACTIVE, LookupKey, Service, Subject
from portal.pagination import Page
from portal.validators import (format_service_number, is_filing_number_like, normalise_domain,
                               normalise_name, parse_filing_number, to_half_width)

TYPES = ("domain", "number", "subject", "service")
KINDS = ("website", "app", "miniprogram", "quickapp")
MAX_PER_PAGE = 50


@dataclass
class LookupResult:
    query: str
    type: str
    results: list
    page: int
    total: int
    per_page: int

    @property
    def pager(self):
        return Page(self.results, self.page, self.per_page, self.total)


DOT_LIKE = str.maketrans({"。": ".", "｡": ".", "．": "."})


def guess_type(q: str) -> str:
    if is_filing_number_like(q):
        return "number"
    text = to_half_width(q).translate(DOT_LIKE).strip()
    if "." in text and " " not in text:
        return "domain"
    return "subject"


def prefix_range(prefix: str) -> tuple[str, str]:
    """[prefix, successor): every string that starts with prefix, for an indexed range scan."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def starts_with(field, prefix: str):
    low, high = prefix_range(prefix)
    return (field >= low) & (field < high)


def _domain_candidates(q: str) -> list[str]:
    """The domain and its parents (www.a.example.cn → a.example.cn → example.cn)."""
    domain = normalise_domain(q)
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def _service_ids(kind_of_query: str, q: str):
    if kind_of_query == "domain":
        keys = (LookupKey.key.in_(["domain", "host"]))
        value = LookupKey.value.in_(_domain_candidates(q))
    elif kind_of_query == "service":
        name = normalise_name(q)
        keys, value = LookupKey.key == "service_name", starts_with(LookupKey.value, name)
    else:
        return None
    return (LookupKey.select(LookupKey.service).where(keys, value, LookupKey.service.is_null(False),
                                                      LookupKey.application.is_null()))


def _base_query(kind_of_query: str, q: str):
    query = (Service.select(Service, Subject).join(Subject)
             .where(Service.status == ACTIVE, Subject.status == ACTIVE))
    if kind_of_query == "number":
        parsed = parse_filing_number(q)
        if parsed.service_index:
            number = format_service_number(parsed.subject_number, parsed.service_index,
                                           parsed.kind)
            return query.where(Service.filing_number == number)
        return query.where(Subject.filing_number == parsed.subject_number)
    if kind_of_query == "subject":
        name = normalise_name(q)
        subjects = LookupKey.select(LookupKey.subject).where(
            LookupKey.key == "subject_name", starts_with(LookupKey.value, name),
            LookupKey.application.is_null())
        return query.where(Subject.id.in_(subjects))
    return query.where(Service.id.in_(_service_ids(kind_of_query, q)))


def to_public(service: Service) -> dict:
    subject = service.subject
    details = service.details or {}
    return {
        "subject_filing_number": subject.filing_number,
        "service_filing_number": service.filing_number,
        "subject_name": mask_name(subject.name) if subject.is_individual else subject.name,
        "subject_nature": subject.nature, "service_name": service.name,
        "service_kind": service.kind, "homepage": service.homepage,
        "domains": details.get("domains", []),
        "pre_approvals": [{"category": p["category"], "document_number": p["document_number"]}
                          for p in details.get("pre_approvals", [])],
        "restricted": service.restricted,
        "violation": service.violation,
        "approved_on": to_local(service.approved_at).date().isoformat(),
    }


def lookup(q: str, type_: str | None = None, kind: str | None = None, page: int = 1,
           per_page: int = 20) -> LookupResult:
    """Search the public records; raises ValidationError for a malformed query."""
    q = (q or "").strip()
    if not q or len(q) > 253:
        raise ValidationError(_l("请输入域名、备案号、主办单位名称或网站名称"), field="q")
    type_ = type_ or guess_type(q)
    if type_ not in TYPES or (kind and kind not in KINDS):
        raise ValidationError(_l("查询类型不正确"), field="type")
    page, per_page = max(int(page), 1), min(max(int(per_page), 1), MAX_PER_PAGE)
    query = _base_query(type_, q)
    if kind:
        query = query.where(Service.kind == kind)
    total = query.count()
    rows = query.order_by(Service.id).paginate(page, per_page)
    return LookupResult(q, type_, [to_public(s) for s in rows], page, total, per_page)
