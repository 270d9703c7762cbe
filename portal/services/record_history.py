"""Records for the bureau: finding them (live or ended), and any record as it stood on a
past date or at one of its versions, side by side with another.

A version (RecordVersion) is the subject with all its services, kept at every approval
and bureau decision. Restricted access and violation marks are read from the flags'
own history (set_at / cleared_at), so a record "as of" a moment shows the marks open then.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from peewee import Value

from portal.clock import local_midnight_utc
from portal.errors import NotFound, ValidationError
from portal.models import IspOrganisation, RecordFlag, RecordVersion, Service, Subject
from portal.services.flags import RESTRICTED, SHELL, VIOLATION
from portal.states import SERVICE_KIND_LABELS
from portal.validators import (format_service_number, is_filing_number_like,
                               normalise_cert_number, parse_filing_number, to_half_width)

FIELD_LABELS = {
    "name": _l("名称"), "nature": _l("主体性质"), "cert_type": _l("证件类型"),
    "cert_number": _l("证件号码"), "province": _l("省份"), "address": _l("证件住所"),
    "mailing_address": _l("通信地址"), "investor": _l("投资人或主管单位"),
    "responsible": _l("负责人"), "licence_number": _l("经营许可证"),
    "filing_number": _l("备案号"), "status": _l("状态"), "flags": _l("标记"),
    "kind": _l("类型"), "homepage": _l("首页网址"), "domains": _l("域名"), "ips": _l("IP 地址"),
    "location": _l("服务器所在地"), "isps": _l("接入服务商"), "access": _l("接入信息"),
    "content_category": _l("服务内容"), "languages": _l("语言"), "pre_approvals": _l("前置审批"),
    "extra": _l("其他信息"),
}
ORDER = list(FIELD_LABELS)
FLAG_LABELS = {RESTRICTED: _l("限制接入"), VIOLATION: _l("违法违规"), SHELL: _l("空壳")}
STATUS_LABELS = {"active": _l("已备案"), "cancelled": _l("已注销"), "revoked": _l("已撤销")}
ACCESS_LABELS = {"active": _l("有效"), "cancelled": _l("已取消")}
PERSON_LABELS = {"name": _l("姓名"), "cert_type": _l("证件类型"), "cert_number": _l("证件号码"),
                 "mobile": _l("手机"), "phone": _l("座机"), "email": _l("邮箱"),
                 "emergency_contact": _l("应急联系电话")}


# -- finding records ---------------------------------------------------------------------

def search_records(q: str = ""):
    """Subjects (any status) by filing number (subject or service), subject name,
    certificate number, domain or service name; newest first."""
    query = Subject.select().order_by(Subject.id.desc())
    q = to_half_width((q or "").strip())
    if not q:
        return query
    if is_filing_number_like(q):
        return query.where(_number_match(q))
    in_details = Value(f"%{q.lower()}%", converter=False)   # not JSON-encoded like the column
    services = Service.select(Service.subject).where(
        Service.name.contains(q) | (Service.details ** in_details))
    return query.where(Subject.name.contains(q)
                       | (Subject.cert_number == normalise_cert_number(q))
                       | Subject.id.in_(services))


def _number_match(q: str):
    try:
        parsed = parse_filing_number(q)
    except ValidationError:
        return Subject.id.is_null()   # matches nothing
    if parsed.service_index is None:
        return Subject.filing_number == parsed.subject_number
    number = format_service_number(parsed.subject_number, parsed.service_index, parsed.kind)
    return Subject.id.in_(Service.select(Service.subject).where(Service.filing_number == number))


def get_subject(subject_id) -> Subject:
    subject = Subject.get_or_none(Subject.id == subject_id)
    if subject is None:
        raise NotFound(_l("备案不存在"))
    return subject


# -- versions and dates -------------------------------------------------------------------

def versions(subject: Subject):
    return (RecordVersion.select().where(RecordVersion.subject == subject)
            .order_by(RecordVersion.version))


def end_of_local_day(day: date) -> datetime:
    """The first UTC moment after `day` ends in Asia/Shanghai (naive, as stored)."""
    return local_midnight_utc(day + timedelta(days=1))


def version_on(subject: Subject, day: date) -> RecordVersion | None:
    """The version in force at the end of `day` (local date); None before the first."""
    return (versions(subject).where(RecordVersion.valid_from < end_of_local_day(day))
            .order_by(RecordVersion.version.desc()).first())


def get_version(subject: Subject, number) -> RecordVersion:
    found = versions(subject).where(RecordVersion.version == number).first()
    if found is None:
        raise NotFound(_l("没有这个版本"))
    return found


def flags_at(subject: Subject, moment: datetime) -> dict:
    """Flags open at `moment`: {"subject": [kinds], <service id>: [kinds]}."""
    rows = RecordFlag.select().where(
        RecordFlag.subject == subject, RecordFlag.set_at <= moment,
        RecordFlag.cleared_at.is_null() | (RecordFlag.cleared_at > moment))
    found: dict = {}
    for flag in rows:
        found.setdefault(flag.service_id or "subject", set()).add(flag.kind)
    return found


def state_of(version: RecordVersion, moment: datetime | None = None) -> dict:
    """The version's snapshot with the flags open at `moment` (default: when it was kept)."""
    snapshot = dict(version.snapshot)
    open_flags = flags_at(version.subject, moment or version.valid_from)
    snapshot["flags"] = sorted(open_flags.get("subject", ()))
    snapshot["services"] = [{**s, "flags": sorted(open_flags.get(s["id"], ()))}
                            for s in snapshot.get("services", [])]
    return snapshot


# -- showing and comparing ------------------------------------------------------------------

@dataclass
class Row:
    label: str
    left: str
    right: str = ""

    @property
    def changed(self) -> bool:
        return self.left != self.right


@dataclass
class Section:
    title: str
    rows: list = field(default_factory=list)
    only: str = ""          # "left" / "right": the service exists on one side only


def _parts(snapshot: dict, isps: dict) -> dict:
    subject = {k: v for k, v in snapshot.items() if k != "services"}
    parts = {"subject": (f"{_l('主体')} {snapshot.get('filing_number', '')}",
                         _shown(subject, isps))}
    for service in snapshot.get("services", []):
        title = f"{service.get('filing_number', '')} {service.get('name', '')}"
        parts[f"service:{service['id']}"] = (title, _shown(
            {k: v for k, v in service.items() if k != "id"}, isps))
    return parts


def _shown(data: dict, isps: dict) -> dict:
    keys = sorted(data, key=lambda k: (ORDER.index(k) if k in ORDER else len(ORDER), k))
    return {str(FIELD_LABELS.get(k, k)): show(data[k], k, isps) for k in keys}


def show(value, key: str = "", isps: dict | None = None) -> str:
    """A stored value as text: lists joined, people and documents spelled out."""
    if key == "status":
        return str(STATUS_LABELS.get(value, value))
    if key == "flags":
        return "、".join(str(FLAG_LABELS.get(k, k)) for k in value)
    if key == "kind":
        return str(SERVICE_KIND_LABELS.get(value, value))
    if key == "access":
        return "；".join(f"{(isps or {}).get(a.get('isp'), _l('其它（境外）'))}"
                        f"（{ACCESS_LABELS.get(a.get('status'), a.get('status'))}）" for a in value)
    if key == "isps":
        return "、".join(str((isps or {}).get(i, _l("其它（境外）"))) for i in value or [])
    if isinstance(value, dict):
        order = list(PERSON_LABELS)
        keys = sorted(value, key=lambda k: (order.index(k) if k in order else len(order), k))
        return "，".join(f"{PERSON_LABELS.get(k, k)}：{show(value[k])}" for k in keys
                        if value[k] not in ("", None))
    if isinstance(value, list):
        return "、".join(show(v) for v in value)
    return "" if value is None else str(value)


def _isp_names(*snapshots) -> dict:
    ids = {a.get("isp") for snap in snapshots for s in snap.get("services", [])
           for a in s.get("access", [])}
    ids |= {i for snap in snapshots for s in snap.get("services", []) for i in s.get("isps") or []}
    ids.discard(None)
    return {o.id: o.name for o in IspOrganisation.select().where(IspOrganisation.id.in_(list(ids)))}


def describe(snapshot: dict) -> list[Section]:
    """A snapshot as sections of (label, value) rows."""
    parts = _parts(snapshot, _isp_names(snapshot))
    return [Section(title, [Row(label, value) for label, value in rows.items()])
            for title, rows in parts.values()]


def compare(left: dict, right: dict) -> list[Section]:
    """Two snapshots side by side, section by section (services matched by id)."""
    isps = _isp_names(left, right)
    lparts, rparts = _parts(left, isps), _parts(right, isps)
    sections = []
    for key in list(dict.fromkeys([*lparts, *rparts])):
        ltitle, lrows = lparts.get(key, ("", {}))
        rtitle, rrows = rparts.get(key, ("", {}))
        only = "" if (key in lparts and key in rparts) else ("left" if key in lparts else "right")
        labels = list(dict.fromkeys([*lrows, *rrows]))
        sections.append(Section(rtitle or ltitle, [Row(label, lrows.get(label, ""),
                                                       rrows.get(label, "")) for label in labels],
                                only))
    return sections
