"""Applying an approved application to the records. Called only by portal.workflow,
inside the approval's transaction."""
from portal.audit import record_event
from portal.clock import utcnow
from portal.models import (ACTIVE, CANCELLED, AccessLink, Account, RecordVersion, Service,
                           ServiceIp, Subject)
from portal.services import certificates, flags
from portal.services.lookup_keys import rebuild_record_keys
from portal.services.numbering import allocate_service_number, allocate_subject_number

SUBJECT_FIELDS = ("nature", "name", "cert_type", "cert_number", "province", "address",
                  "mailing_address", "investor", "responsible", "licence_number")
SERVICE_DETAIL_FIELDS = ("domains", "ips", "location", "isps", "content_category", "languages",
                         "pre_approvals", "responsible", "extra")


def create_subject(account_id: int, data: dict) -> Subject:
    values = {f: data[f] for f in SUBJECT_FIELDS}
    return Subject.create(account=account_id, filing_number=allocate_subject_number(), **values)


def update_subject(subject: Subject, data: dict) -> None:
    """Province and certificate number are immutable keys; the workflow checks them.
    Certificates name the subject, so its websites get new ones."""
    for field in SUBJECT_FIELDS:
        if field not in ("province", "cert_number", "cert_type"):
            setattr(subject, field, data[field])
    subject.save()
    for website in subject.services.where(Service.status == ACTIVE, Service.kind == "website"):
        certificates.issue_certificate(website)


def _set_access(service: Service, isp_ids: list, customer_ref: str = "") -> None:
    """Make the service's active links exactly `isp_ids` (None = 其它, abroad)."""
    current = {link.isp_id: link for link in service.access_links.where(
        AccessLink.status == ACTIVE)}
    for isp_id, link in current.items():
        if isp_id not in isp_ids:
            end_access(link)
    for isp_id in isp_ids:
        if isp_id not in current:
            AccessLink.create(service=service, isp=isp_id, customer_ref=customer_ref)


def _set_ips(service: Service, ips: list) -> None:
    ServiceIp.delete().where(ServiceIp.service == service).execute()
    if ips:
        ServiceIp.insert_many([{"service": service.id, "address": ip} for ip in ips]).execute()


def write_service(subject: Subject, data: dict, service: Service | None = None) -> Service:
    details = {f: data.get(f) for f in SERVICE_DETAIL_FIELDS}
    if service is None:
        service = Service.create(subject=subject, kind=data["kind"], name=data["name"],
                                 homepage=data.get("homepage", ""), details=details,
                                 filing_number=allocate_service_number(subject, data["kind"]))
    else:
        service.name, service.homepage, service.details = data["name"], data.get("homepage", ""), details
        service.save()
    _set_ips(service, data.get("ips", []))
    _set_access(service, data.get("isps", []))
    if service.kind == "website":
        certificates.issue_certificate(service)
    return service          # shell flags: refreshed once per approval, by apply_application


def end_access(link: AccessLink) -> None:
    link.status, link.ended_at = CANCELLED, utcnow()
    link.save()


def end_service(service: Service, status: str) -> None:
    service.status, service.ended_at = status, utcnow()
    service.save()
    for link in service.access_links.where(AccessLink.status == ACTIVE):
        end_access(link)
    certificates.void_certificates(service, status)


def end_subject(subject: Subject, status: str, actor=None) -> None:
    """Cancel or revoke a subject with every service; a cancelled owner's account closes,
    audited on the account (the caller audits the record itself)."""
    for service in subject.services.where(Service.status == ACTIVE):
        end_service(service, status)
    subject.status, subject.ended_at = status, utcnow()
    subject.save()
    if status == CANCELLED:
        Account.update(is_active=False, session_generation=Account.session_generation + 1
                       ).where(Account.id == subject.account_id).execute()
        record_event("account.close", object_type="account", object_id=subject.account_id,
                     actor=actor, before={"is_active": True}, after={"is_active": False},
                     reason="subject cancelled")


def snapshot(subject: Subject) -> dict:
    data = {f: getattr(subject, f) for f in SUBJECT_FIELDS}
    data.update(filing_number=subject.filing_number, status=subject.status)
    data["services"] = [
        {"id": s.id, "kind": s.kind, "name": s.name, "homepage": s.homepage,
         "filing_number": s.filing_number, "status": s.status, **s.details,
         "access": [{"isp": link.isp_id, "status": link.status}
                    for link in s.access_links.order_by(AccessLink.id)]}
        for s in subject.services.order_by(Service.id)]
    return data


def record_version(subject: Subject, application_id: int | None) -> RecordVersion:
    """Keep the record as it now stands; earlier versions stay for 'as of a date'."""
    last = (RecordVersion.select(RecordVersion.version).where(RecordVersion.subject == subject)
            .order_by(RecordVersion.version.desc()).first())
    version = last.version + 1 if last else 1
    Subject.update(version=version).where(Subject.id == subject.id).execute()
    rebuild_record_keys(subject)
    return RecordVersion.create(subject=subject, version=version, snapshot=snapshot(subject),
                                application=application_id)


def refresh_after_change(subject: Subject) -> None:
    flags.refresh_shell_flags(Subject.get_by_id(subject.id))
