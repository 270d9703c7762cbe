"""Normalised keys of live records and in-flight applications (the LookupKey table).

Records: written when approved, removed when cancelled or revoked, so the keys
only ever describe what counts. Applications: written at submission, removed
when the application ends.
"""
from portal.models import LookupKey, Service, Subject
from portal.validators import homepage_host, normalise_name

CONFLICT_KEYS = ("domain", "host", "subject_name", "cert_number")


def subject_keys(subject_data: dict) -> list[tuple[str, str]]:
    return [("subject_name", normalise_name(subject_data["name"])),
            ("cert_number", subject_data["cert_number"])]


def service_keys(service_data: dict) -> list[tuple[str, str]]:
    keys = [("domain", d) for d in service_data.get("domains", [])]
    if service_data.get("homepage"):
        keys.append(("host", homepage_host(service_data["homepage"])))
    keys.append(("service_name", normalise_name(service_data["name"])))
    return keys


def proposal_keys(proposal: dict) -> list[tuple[str, str]]:
    keys = subject_keys(proposal["subject"]) if "subject" in proposal else []
    for service in proposal.get("services", []):
        keys.extend(service_keys(service))
    return list(dict.fromkeys(keys))


def set_application_keys(app, proposal: dict) -> None:
    clear_application_keys(app)
    rows = [{"key": k, "value": v, "account": app.account_id, "application": app.id}
            for k, v in proposal_keys(proposal) if k in CONFLICT_KEYS]
    if rows:
        LookupKey.insert_many(rows).execute()


def clear_application_keys(app) -> None:
    LookupKey.delete().where(LookupKey.application == app.id).execute()


def rebuild_record_keys(subject: Subject) -> None:
    """Replace the keys of a subject and its services with those of what is active."""
    service_ids = [s.id for s in subject.services]
    LookupKey.delete().where((LookupKey.subject == subject.id)
                             | (LookupKey.service.in_(service_ids))).execute()
    if not subject.is_active:
        return
    rows = [{"key": k, "value": v, "account": subject.account_id, "subject": subject.id,
             "service": None}
            for k, v in subject_keys({"name": subject.name, "cert_number": subject.cert_number})]
    for service in subject.services.where(Service.status == "active"):
        data = {**service.details, "name": service.name, "homepage": service.homepage}
        rows += [{"key": k, "value": v, "account": subject.account_id, "subject": subject.id,
                  "service": service.id} for k, v in service_keys(data)]
    LookupKey.insert_many(rows).execute()
