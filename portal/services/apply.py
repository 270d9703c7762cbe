"""What an approval does to the records, kind by kind (called by portal.workflow)."""
from portal.audit import record_event
from portal.clock import local_today
from portal.models import ACTIVE, CANCELLED, AccessLink, Service, Subject
from portal.services import flags, records
from portal.states import Kind


def named_isp_ids(app, proposal: dict) -> list[int]:
    """ISPs an application names as access providers, plus the current ISPs of the
    service or subject it changes: they verify it and see it in their lists."""
    ids = {i for s in proposal.get("services", []) for i in s.get("isps", []) if i}
    ids |= {i for i in (proposal.get("isp_id"), app.isp_id) if i}
    if app.kind in (Kind.CHANGE_SUBJECT, Kind.CANCEL_SUBJECT, Kind.ANNUAL_REVIEW) and app.subject_id:
        ids |= {link.isp_id for link in AccessLink.select(AccessLink.isp).join(Service).where(
            Service.subject == app.subject_id, AccessLink.status == ACTIVE) if link.isp_id}
    if app.kind in (Kind.CHANGE_SERVICE, Kind.CHANGE_ACCESS, Kind.CANCEL_SERVICE) and app.service_id:
        ids |= {link.isp_id for link in AccessLink.select(AccessLink.isp).where(
            AccessLink.service == app.service_id, AccessLink.status == ACTIVE) if link.isp_id}
    return sorted(ids)


def _first_filing(app, p):
    subject = records.create_subject(app.account_id, p["subject"])
    return subject, [records.write_service(subject, s) for s in p["services"]]


def _add_service(app, p):
    return app.subject, [records.write_service(app.subject, s) for s in p["services"]]


def _change_subject(app, p):
    records.update_subject(app.subject, p["subject"])
    return app.subject, []


def _change_service(app, p):
    return app.subject, [records.write_service(app.subject, p["services"][0], app.service)]


def _annual_review(app, p):
    subject = app.subject
    records.update_subject(subject, p["subject"])
    own = {s.id: s for s in subject.services.where(Service.status == ACTIVE)}
    touched = [records.write_service(subject, s, own[s["service_id"]])
               for s in p["services"] if s.get("service_id") in own]
    Subject.update(annual_review_year=local_today().year).where(Subject.id == subject.id).execute()
    return subject, touched


def _add_access(app, p):
    AccessLink.create(service=app.service, isp=p["isp_id"], customer_ref=p["customer_ref"])
    return app.subject, [app.service]


def _cancel_access(app, p):
    for link in app.service.access_links.where(AccessLink.status == ACTIVE,
                                               AccessLink.isp == p["isp_id"]):
        records.end_access(link)
    return app.subject, [app.service]


def _cancel_service(app, p):
    records.end_service(app.service, CANCELLED)
    return app.subject, [app.service]


def _cancel_subject(app, p):
    records.end_subject(app.subject, CANCELLED)
    return app.subject, list(app.subject.services)


def _conflict_resolution(app, p):
    return app.subject, []


APPLY = {
    Kind.FIRST_FILING: _first_filing, Kind.ADD_SERVICE: _add_service,
    Kind.CHANGE_SUBJECT: _change_subject, Kind.CHANGE_SERVICE: _change_service,
    Kind.CHANGE_ACCESS: _change_service, Kind.ANNUAL_REVIEW: _annual_review,
    Kind.ADD_ACCESS: _add_access, Kind.CANCEL_ACCESS: _cancel_access,
    Kind.CANCEL_SERVICE: _cancel_service, Kind.CANCEL_SUBJECT: _cancel_subject,
    Kind.CONFLICT_RESOLUTION: _conflict_resolution,
}


def apply_application(app, actor) -> Subject | None:
    """Change the records as the approved application says; one audit event per
    changed record, then a new record version."""
    subject, services = APPLY[app.kind](app, app.proposed)
    if subject is None:
        return None
    subject = Subject.get_by_id(subject.id)
    flags.refresh_shell_flags(subject)      # once, after every service is written
    record_event(f"subject.{app.kind}", subject, actor=actor,
                 after={"filing_number": subject.filing_number, "status": subject.status,
                        "application": app.id})
    for service in services:
        service = Service.get_by_id(service.id)
        record_event(f"service.{app.kind}", service, actor=actor,
                     after={"filing_number": service.filing_number, "status": service.status,
                            "application": app.id})
    records.record_version(subject, app.id)
    return subject
