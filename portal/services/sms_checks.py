"""SMS verification (短信核验): the persons an application's kind requires each confirm
with their certificate number, mobile and a code, within 24 hours and 5 tries."""
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from portal import notifications
from portal.clock import utcnow
from portal.enumerations import sms_roles_for
from portal.errors import Refused
from portal.masking import mask_mobile, mask_name
from portal.models import Application, Service, SmsVerification
from portal.states import State
from portal.validators import normalise_cert_number

SMS_ROLES = {"subject": _l("主体负责人"), "service": _l("网站/APP负责人")}
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


# -- what the public SMS page may show ---------------------------------------

@dataclass
class SmsSummary:
    """What the SMS page may show about an application: nothing personal unmasked."""
    reference: str
    kind: str
    subject_name: str
    persons: list
    expires_at: datetime | None
    hours_left: int

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= utcnow()

    @property
    def pending(self) -> int:
        return sum(1 for person in self.persons if not person["confirmed"])


def _subject_name(app: Application) -> str:
    subject = (app.proposed or {}).get("subject") or {}
    name, nature = subject.get("name"), subject.get("nature")
    if not name and app.subject_id:
        name, nature = app.subject.name, app.subject.nature
    return mask_name(name) if name and nature == "个人" else (name or "")


def _person(row: SmsVerification) -> dict:
    return {"role": SMS_ROLES.get(row.role, row.role), "name": mask_name(row.name or "?"),
            "mobile": mask_mobile(row.mobile), "confirmed": row.confirmed_at is not None}


def sms_summary(reference: str) -> SmsSummary | None:
    """The application awaiting SMS verification under `reference`, or None."""
    app = Application.get_or_none(Application.reference == (reference or "").strip())
    if app is None or app.state != State.SMS:
        return None
    rows = list(app.sms_checks.order_by(SmsVerification.id))
    expires = min((r.expires_at for r in rows if r.confirmed_at is None), default=None)
    seconds = (expires - utcnow()).total_seconds() if expires else 0
    return SmsSummary(app.reference, app.kind, _subject_name(app), [_person(r) for r in rows],
                      expires, max(int(seconds // 3600), 0))
