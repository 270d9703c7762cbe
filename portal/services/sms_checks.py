"""SMS verification (短信核验): the persons an application's kind requires each confirm
with their certificate number, mobile and a code, within 24 hours and 5 tries."""
import hashlib
import hmac
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from portal import notifications
from portal.clock import utcnow
from portal.enumerations import sms_roles_for
from portal.errors import Refused
from portal.models import Service, SmsVerification
from portal.validators import normalise_cert_number

VALID_FOR = timedelta(hours=24)
MAX_TRIES = 5


def _hash(row_salt: str, code: str) -> str:
    return hashlib.sha256(f"{row_salt}:{code}".encode()).hexdigest()


def persons_for(app, proposal: dict) -> list[tuple[str, dict]]:
    """(role, person) pairs the kind requires, each distinct person once."""
    roles = sms_roles_for(app.kind)
    people = []
    if "subject" in roles:
        subject = proposal.get("subject") or (app.subject.__data__ if app.subject_id else {})
        people.append(("subject", subject.get("responsible") or {}))
    if "service" in roles:
        services = proposal.get("services") or []
        if not services and app.service_id:
            services = [Service.get_by_id(app.service_id).details]
        people += [("service", s.get("responsible") or {}) for s in services]
    seen, unique = set(), []
    for role, person in people:
        key = (person.get("cert_number"), person.get("mobile"))
        if person.get("mobile") and key not in seen:
            seen.add(key)
            unique.append((role, person))
    return unique


def start_checks(app, proposal: dict) -> int:
    """Create the rows and send each person a code. Returns how many must confirm."""
    SmsVerification.delete().where(SmsVerification.application == app.id).execute()
    persons = persons_for(app, proposal)
    for role, person in persons:
        row = SmsVerification.create(application=app, role=role, name=person.get("name", ""),
                                     cert_number=person.get("cert_number", ""),
                                     mobile=person["mobile"], expires_at=utcnow() + VALID_FOR)
        send_code(row, app)
    return len(persons)


def send_code(row: SmsVerification, app) -> None:
    code = f"{secrets.randbelow(10**6):06d}"
    row.code_hash, row.sent_at = _hash(str(row.id) + app.reference, code), utcnow()
    row.save()
    notifications.sms(row.mobile, f"【备案短信核验】您的核验码为{code}，用于备案申请{app.reference}，"
                                  f"24小时内有效。如非本人操作请忽略。",
                      application=app.reference, purpose="sms_verification")


def find_person(app, cert_number: str, mobile: str) -> SmsVerification:
    """The person with this mobile AND certificate number (two people may share a mobile)."""
    wanted = normalise_cert_number(cert_number or "")
    for row in SmsVerification.select().where(SmsVerification.application == app.id,
                                              SmsVerification.mobile == (mobile or "").strip()):
        if normalise_cert_number(row.cert_number) == wanted:
            return row
    raise Refused(_l("证件号码或手机号码与该申请的核验人不符"))


def code_matches(row: SmsVerification, app, code: str) -> bool:
    expected = _hash(str(row.id) + app.reference, (code or "").strip())
    return hmac.compare_digest(expected, row.code_hash)


def all_confirmed(app) -> bool:
    return not SmsVerification.select().where(SmsVerification.application == app.id,
                                              SmsVerification.confirmed_at.is_null()).exists()
