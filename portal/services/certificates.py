"""Electronic certificates (电子证书, bazs.cert): one per website, signed by the bureau."""
import uuid

from flask_babel import lazy_gettext as _l

from portal.clock import utcnow
from portal.errors import ValidationError
from portal.models import Certificate, InstanceSettings, Service
from portal.signing import SignatureCheck, sign_document, verify_document
from portal.validators import normalise_domain

CERT_FORMAT = "bazs.cert/1"
PROBLEMS = {
    "malformed": _l("文件不是有效的备案电子证书"),
    "wrong_format": _l("文件不是有效的备案电子证书"),
    "bad_signature": _l("签名无效：证书被篡改或并非本局签发"),
    "wrong_domain": _l("证书未包含该域名"),
    "not_filed": _l("证书对应的网站当前不在已备案状态"),
    "voided": _l("证书已作废（网站已变更、注销或撤销）"),
}


def certificate_payload(service: Service, serial: str) -> dict:
    settings = InstanceSettings.get()
    subject = service.subject
    return {
        "serial": serial, "filing_number": service.filing_number,
        "subject_filing_number": subject.filing_number, "subject_name": subject.name,
        "website_name": service.name, "domains": list(service.details.get("domains", [])),
        "issued_at": utcnow().isoformat(timespec="seconds") + "Z",
        "bureau": settings.bureau_name, "province": settings.province,
    }


def issue_certificate(service: Service) -> Certificate:
    """Void the website's current certificate and sign a new one (approval, change)."""
    void_certificates(service, "reissued")
    serial = uuid.uuid4().hex
    document = sign_document(CERT_FORMAT, certificate_payload(service, serial))
    return Certificate.create(service=service, serial=serial, document=document)


def void_certificates(service: Service, reason: str) -> int:
    return (Certificate.update(voided_at=utcnow(), void_reason=reason)
            .where(Certificate.service == service, Certificate.voided_at.is_null())
            .execute())


def current_certificate(service: Service) -> Certificate | None:
    return (service.certificates.where(Certificate.voided_at.is_null())
            .order_by(Certificate.id.desc()).first())


def _normalised(domain: str) -> str | None:
    try:
        return normalise_domain(domain)
    except ValidationError:
        return None


def verify_certificate(text: str | bytes, domain: str | None = None) -> SignatureCheck:
    """Signature first, then (with a domain) that it names the domain, then that the
    certificate is the current one of a filed website."""
    check = verify_document(text, InstanceSettings.get().public_key_pem, CERT_FORMAT)
    if not check.valid:
        return check
    if domain is not None and _normalised(domain) not in check.payload.get("domains", []):
        return SignatureCheck(False, check.payload, "wrong_domain")
    cert = Certificate.get_or_none(Certificate.serial == check.payload.get("serial"))
    if cert is None or not cert.service.is_active:
        return SignatureCheck(False, check.payload, "not_filed")
    if cert.voided_at is not None:
        return SignatureCheck(False, check.payload, "voided")
    return check
