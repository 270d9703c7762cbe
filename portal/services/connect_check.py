"""The access rule (DESIGN §3): an ISP must not connect an unfiled service, and may
reconnect a closed site once it is filed. `may_connect` answers for one domain whether
it is filed, restricted, and whether the asking ISP is on its access list."""
from flask_babel import lazy_gettext as _l

from portal.errors import ValidationError
from portal.models import ACTIVE, AccessLink, LookupKey, RecordFlag, Service, Subject
from portal.services.flags import RESTRICTED
from portal.validators import normalise_domain


def parent_domains(domain: str) -> list[str]:
    """The domain and its parents down to two labels, most specific first
    (www.a.example.cn → a.example.cn → example.cn), as the public lookup finds them."""
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def find_filed_service(domain: str) -> Service | None:
    """The live service whose domain (or homepage host) is `domain` or its nearest parent."""
    candidates = parent_domains(domain)
    rows = (LookupKey.select(LookupKey.value, LookupKey.service)
            .join(Service, on=(LookupKey.service == Service.id)).join(Subject)
            .where(LookupKey.key.in_(["domain", "host"]), LookupKey.value.in_(candidates),
                   LookupKey.application.is_null(), Service.status == ACTIVE,
                   Subject.status == ACTIVE)
            .tuples())
    best = min(rows, key=lambda row: candidates.index(row[0]), default=None)
    return Service.get_by_id(best[1]) if best else None


def is_restricted(service: Service) -> bool:
    """Restricted access (限制接入), set by the bureau on the service or its subject."""
    if service.restricted:
        return True
    return RecordFlag.select().where(
        RecordFlag.kind == RESTRICTED, RecordFlag.cleared_at.is_null(),
        (RecordFlag.service == service.id)
        | ((RecordFlag.subject == service.subject_id) & RecordFlag.service.is_null())).exists()


def on_access_list(service: Service, isp_id: int) -> bool:
    return service.access_links.where(AccessLink.isp == isp_id,
                                      AccessLink.status == ACTIVE).exists()


def may_connect(domain: str, isp_id: int) -> dict:
    """Whether ISP `isp_id` may connect `domain`; raises ValidationError for a bad domain."""
    try:
        domain = normalise_domain(domain)
    except ValidationError as exc:
        raise ValidationError(exc.message, field="domain") from exc
    service = find_filed_service(domain)
    if service is None:
        return {"domain": domain, "filed": False, "filing_number": None, "service_name": None,
                "restricted": False, "on_access_list": False, "may_connect": False,
                "reason": str(_l("该域名未在本省备案，不得接入"))}
    restricted, listed = is_restricted(service), on_access_list(service, isp_id)
    if restricted:
        reason = _l("该网站/APP已被管局限制接入，不得接入")
    elif not listed:
        reason = _l("贵单位不在该网站/APP的接入服务商列表中：请先凭主办者的授权码办理新增接入")
    else:
        reason = _l("已备案，贵单位在接入服务商列表中，可以接入")
    return {"domain": domain, "filed": True, "filing_number": service.filing_number,
            "service_name": service.name, "restricted": restricted, "on_access_list": listed,
            "may_connect": listed and not restricted, "reason": str(reason)}
