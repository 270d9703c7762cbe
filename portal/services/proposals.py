"""Checking and normalising the data an application proposes.

Returns the cleaned proposal or raises FormErrors naming every field at fault
(dotted paths such as ``services.0.domains``), so a form can show each message
beside its field.
"""
from flask_babel import lazy_gettext as _l

from portal import enumerations as enums
from portal import validators as v
from portal.errors import FormErrors, ValidationError
from portal.models import InstanceSettings, IspOrganisation
from portal.services.proposal_shape import normalise_shape

SERVICE_KINDS = ("website", "app", "miniprogram", "quickapp")
ABROAD = "其它"


class Collector:
    """Runs field checks, keeping the cleaned value or the error under its path."""

    def __init__(self):
        self.errors: dict[str, list] = {}

    def check(self, path, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ValidationError as exc:
            self.errors.setdefault(path, []).append(exc.message)
            return None

    def require(self, path, value, message=_l("此项为必填项")):
        if value in (None, "", [], {}):
            self.errors.setdefault(path, []).append(message)
            return None
        return value.strip() if isinstance(value, str) else value

    def raise_if_any(self):
        if self.errors:
            raise FormErrors(self.errors)


def clean_person(c: Collector, path: str, data: dict, need_email=True) -> dict:
    data = data or {}
    cert_type = c.require(f"{path}.cert_type", data.get("cert_type")) or "居民身份证"
    person = {
        "name": c.require(f"{path}.name", data.get("name")),
        "cert_type": cert_type,
        "cert_number": c.check(f"{path}.cert_number", v.validate_certificate, cert_type,
                               data.get("cert_number") or ""),
        "mobile": c.check(f"{path}.mobile", v.validate_mobile, data.get("mobile") or ""),
        "phone": c.check(f"{path}.phone", v.validate_landline, data["phone"])
        if data.get("phone") else "",
        "email": c.check(f"{path}.email", v.validate_email, data.get("email") or "")
        if need_email or data.get("email") else "",
        "emergency_contact": (data.get("emergency_contact") or "").strip(),
    }
    return person


def clean_subject(c: Collector, data: dict) -> dict:
    data = data or {}
    province = InstanceSettings.get().province
    natures = [n["name"] for n in enums.get_enumeration("subject_natures")]
    nature = c.require("subject.nature", data.get("nature"))
    if nature and nature not in natures:
        c.errors.setdefault("subject.nature", []).append(_l("请选择列表中的主办单位性质"))
    cert_type = c.require("subject.cert_type", data.get("cert_type"))
    if nature and cert_type and cert_type not in enums.certificate_types_for(nature):
        c.errors.setdefault("subject.cert_type", []).append(_l("该证件类型不适用于所选主办单位性质"))
    return {
        "nature": nature, "name": c.require("subject.name", data.get("name")),
        "cert_type": cert_type,
        "cert_number": c.check("subject.cert_number", v.validate_certificate, cert_type or "",
                               data.get("cert_number") or ""),
        "province": province,
        "address": c.check("subject.address", v.validate_address_in_province,
                           data.get("address") or "", province),
        "mailing_address": (data.get("mailing_address") or "").strip(),
        "investor": (data.get("investor") or "").strip(),
        "licence_number": c.check("subject.licence_number", v.parse_licence_number,
                                  data["licence_number"]) if data.get("licence_number") else "",
        "responsible": clean_person(c, "subject.responsible", data.get("responsible")),
    }


def clean_isps(c: Collector, path: str, location: str, isp_ids) -> list:
    """Access providers: ISP ids, or [None] for 其它 when the server is abroad."""
    if location == ABROAD:
        return [None]
    ids = [int(i) for i in (isp_ids or []) if i not in (None, "", "其它")]
    if not ids:
        c.errors.setdefault(path, []).append(_l("请至少选择一个接入服务商"))
        return []
    found = {o.id for o in IspOrganisation.select(IspOrganisation.id)
             .where(IspOrganisation.id.in_(ids), IspOrganisation.is_suspended == False)}  # noqa: E712
    if found != set(ids):
        c.errors.setdefault(path, []).append(_l("所选接入服务商不存在或已暂停服务"))
    return sorted(set(ids))


def clean_pre_approvals(c: Collector, path: str, category: str, items) -> list:
    needed = enums.pre_approval_for(category) if category else None
    items = [i for i in (items or []) if i.get("document_number")]
    if needed and not items:
        c.errors.setdefault(path, []).append(
            _l("“%(category)s”类服务须取得%(authority)s的前置审批，请填写审批文号并上传批文",
               category=category, authority=needed["authority"]))
    return [{"category": i.get("category") or category,
             "document_number": str(i["document_number"]).strip(),
             "document": i.get("document", "")} for i in items]


def clean_service(c: Collector, path: str, data: dict, nature: str) -> dict:
    data = data or {}
    kind = data.get("kind")
    if kind not in SERVICE_KINDS:
        c.errors.setdefault(f"{path}.kind", []).append(_l("请选择服务类型"))
        kind = "website"
    domains = [d for d in (c.check(f"{path}.domains", v.normalise_domain, d)
                           for d in data.get("domains") or []) if d]
    if kind == "website" and not domains and f"{path}.domains" not in c.errors:
        c.errors.setdefault(f"{path}.domains", []).append(_l("网站至少需要一个域名"))
    domains = list(dict.fromkeys(domains))
    location = c.require(f"{path}.location", data.get("location")) or ""
    category = (data.get("content_category") or "").strip()
    service = {
        "kind": kind,
        "name": c.check(f"{path}.name", v.check_service_name, data.get("name") or "",
                        enums.get_enumeration("naming_rules"), nature, domains=domains,
                        registered_name=bool(data.get("registered_name"))),
        "homepage": c.check(f"{path}.homepage", v.validate_homepage, data.get("homepage") or "",
                            domains) if kind == "website" else "",
        "domains": domains,
        "ips": [ip for ip in (c.check(f"{path}.ips", v.validate_ip, ip)
                              for ip in data.get("ips") or []) if ip],
        "location": location,
        "isps": clean_isps(c, f"{path}.isps", location, data.get("isps")),
        "content_category": category,
        "languages": list(data.get("languages") or ["中文简体"]),
        "pre_approvals": clean_pre_approvals(c, f"{path}.pre_approvals", category,
                                             data.get("pre_approvals")),
        "responsible": clean_person(c, f"{path}.responsible", data.get("responsible")),
        "extra": {k: data[k] for k in ("platforms", "app_id", "sdks", "icon") if k in data},
    }
    if data.get("service_id"):
        service["service_id"] = int(data["service_id"])
    return service


def clean_services(c: Collector, items, nature: str) -> list:
    items = items or []
    if not items:
        c.errors.setdefault("services", []).append(_l("请至少填写一个网站或APP"))
    return [clean_service(c, f"services.{i}", item, nature) for i, item in enumerate(items)]


def _clean_cancel(c: Collector, data: dict) -> dict:
    return {"reason": c.require("reason", (data or {}).get("reason"),
                                _l("请填写注销原因"))}


def _clean_access(c: Collector, data: dict) -> dict:
    data = data or {}
    isp_id = data.get("isp_id")
    isp_ids = clean_isps(c, "isp_id", "" if isp_id not in (None, "", "其它") else ABROAD,
                         [isp_id])
    return {"isp_id": isp_ids[0] if isp_ids else None,
            "customer_ref": (data.get("customer_ref") or "").strip(),
            "reason": (data.get("reason") or "").strip()}


def clean_proposal(kind: str, proposed: dict, subject=None) -> dict:
    """Validate the proposal of an application of `kind`; raise FormErrors."""
    c = Collector()
    proposed = normalise_shape(proposed)
    nature = subject.nature if subject else (proposed.get("subject") or {}).get("nature", "")
    if kind in ("first_filing", "annual_review", "change_subject"):
        cleaned = {"subject": clean_subject(c, proposed.get("subject"))}
        nature = cleaned["subject"]["nature"]
        if kind != "change_subject":
            cleaned["services"] = clean_services(c, proposed.get("services"), nature)
    elif kind in ("add_service", "change_service", "change_access"):
        cleaned = {"services": clean_services(c, proposed.get("services"), nature)}
    elif kind in ("add_access", "cancel_access"):
        cleaned = _clean_access(c, proposed)
    elif kind in ("cancel_subject", "cancel_service"):
        cleaned = _clean_cancel(c, proposed)
    else:  # conflict_resolution
        cleaned = {"description": c.require("description", proposed.get("description"))}
    c.raise_if_any()
    return cleaned
