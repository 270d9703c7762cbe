"""Record statements (备案证明): a document, signed with the bureau's key like a
certificate, stating that a subject and its services were filed, as of now or as of a
past local date, read from the record versions (services/record_history.py).

A statement is not stored: it is the signed JSON itself. Anyone can check it on the
public verification page; what it states comes from its signed payload only.
It carries what the public lookup shows (numbers, names, domains, marks), never the
responsible persons' contact data or certificate numbers.
"""
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l

from portal import keys
from portal.clock import local_today, to_local, utcnow
from portal.errors import ValidationError
from portal.models import InstanceSettings, RecordVersion, Subject
from portal.services import record_history
from portal.signing import sign_document, verify_document

STATEMENT_FORMAT = "record-statement/1"
STATEMENT_TYPE = "record_statement"
ALGORITHM = "Ed25519"
MAX_BYTES = 256 * 1024
SERVICE_FIELDS = ("filing_number", "kind", "name", "homepage", "domains", "status", "flags")
PROBLEMS = {
    "malformed": _l("内容不是有效的 JSON 签名文件，请粘贴或上传下载得到的完整文件"),
    "wrong_format": _l("这不是备案证明文件（证书请到“证书核验”页核验）"),
    "unknown_key": _l("签名所用的密钥不是本局的签名密钥：文件并非本局签发"),
    "bad_signature": _l("签名无效：证明内容已被改动，或并非本局签发"),
    "too_large": _l("文件过大，不是备案证明文件"),
}


# -- issuing ------------------------------------------------------------------------------

def version_for(subject: Subject, on: date | None = None) -> RecordVersion:
    """The record version a statement for `on` (default: today, local) describes."""
    today = local_today()
    on = on or today
    if on > today:
        raise ValidationError(_l("不能开具今天以后日期的备案证明"), field="on")
    version = record_history.version_on(subject, on)
    if version is None:
        first = record_history.versions(subject).first()
        since = first.valid_from if first else None
        raise ValidationError(_first_approval_message(on, since), field="on")
    if version.snapshot.get("status") != "active":
        raise ValidationError(_l("%(day)s 本备案不在已备案状态，无法开具证明", day=on.isoformat()),
                              field="on")
    return version


def _first_approval_message(on: date, since: datetime | None):
    if since is None:
        return _l("本备案尚未通过审核，无法开具证明")
    return _l("%(day)s 本备案尚未通过审核（首次通过审核的日期是 %(first)s），请选择该日期及以后的日期",
              day=on.isoformat(), first=to_local(since).date().isoformat())


def statement_payload(subject: Subject, on: date | None = None) -> dict:
    """What the statement states: the record as it stood at the end of `on`."""
    on = on or local_today()
    version = version_for(subject, on)
    moment = min(utcnow(), record_history.end_of_local_day(on) - timedelta(microseconds=1))
    state = record_history.state_of(version, moment)
    settings = InstanceSettings.get()
    return {
        "type": STATEMENT_TYPE, "statement_id": uuid.uuid4().hex,
        "issued_at": _iso(utcnow()), "as_of": on.isoformat(), "version": version.version,
        "version_valid_from": _iso(version.valid_from),
        "bureau": settings.bureau_name, "province": settings.province,
        "subject": {"filing_number": state.get("filing_number"), "name": state.get("name"),
                    "nature": state.get("nature"), "status": state.get("status"),
                    "licence_number": state.get("licence_number") or "",
                    "flags": state.get("flags", [])},
        "services": [_service(s) for s in state.get("services", []) if s.get("status") == "active"],
    }


def _service(service: dict) -> dict:
    shown = {k: service.get(k) for k in SERVICE_FIELDS}
    shown["domains"] = list(shown["domains"] or [])
    shown["homepage"] = shown["homepage"] or ""
    return shown


def issue_statement(subject: Subject, on: date | None = None) -> str:
    """The signed statement (JSON text), as the filer downloads it."""
    return sign_document(STATEMENT_FORMAT, statement_payload(subject, on))


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds") + "Z"


def parse_time(text: str) -> datetime | None:
    """A payload time ("…Z") back to the naive UTC datetime templates show with |local."""
    try:
        return datetime.fromisoformat(str(text).removesuffix("Z"))
    except ValueError:
        return None


def payload_times(payload: dict) -> dict:
    """The payload's times as naive UTC datetimes, for pages to show in local time."""
    return {"issued_at": parse_time(payload.get("issued_at", "")),
            "valid_from": parse_time(payload.get("version_valid_from", ""))}


# -- verifying ----------------------------------------------------------------------------

@dataclass
class StatementCheck:
    ok: bool
    problem: str = ""
    payload: dict = field(default_factory=dict)
    current_status: str = ""    # the subject's status today, for a genuine statement

    @property
    def message(self):
        return PROBLEMS.get(self.problem, "")

    @property
    def times(self) -> dict:
        return payload_times(self.payload)


def _envelope(text: str | bytes) -> dict | None:
    try:
        document = json.loads(text)
    except (ValueError, TypeError):
        return None
    return document if isinstance(document, dict) else None


def verify(text: str | bytes) -> StatementCheck:
    """Is this a genuine statement of this bureau, unchanged? Envelope first (format,
    algorithm, key), then the signature over the payload, then the payload's type."""
    if len(text) > MAX_BYTES:
        return StatementCheck(False, "too_large")
    document = _envelope(text)
    if document is None:
        return StatementCheck(False, "malformed")
    if document.get("format") != STATEMENT_FORMAT or document.get("alg") != ALGORITHM:
        return StatementCheck(False, "wrong_format")
    public_pem = InstanceSettings.get().public_key_pem
    if document.get("key_id") != keys.key_id(public_pem):
        return StatementCheck(False, "unknown_key")
    check = verify_document(text, public_pem, STATEMENT_FORMAT)
    if not check.valid:
        return StatementCheck(False, check.problem)
    if check.payload.get("type") != STATEMENT_TYPE:
        return StatementCheck(False, "wrong_format")
    return StatementCheck(True, payload=check.payload,
                          current_status=_current_status(check.payload))


def _current_status(payload: dict) -> str:
    """"active", "cancelled", "revoked" (the record today), or "" if not found."""
    number = (payload.get("subject") or {}).get("filing_number")
    subject = Subject.get_or_none(Subject.filing_number == number) if number else None
    return subject.status if subject else ""
