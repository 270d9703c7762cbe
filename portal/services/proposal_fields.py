"""An application's proposal as a flat list of labelled fields, and the differences
between two such lists: from the approved record (for a change) and since the last
return. Fields are named by the dotted paths the proposal checks use (``subject.name``,
``services.0.domains``): a return note on such a path is what the filer's pages highlight.
"""
import json
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.models import (ApplicationIsp, Application, IspOrganisation, RecordVersion,
                           Service, Subject)
from portal.services.records import SUBJECT_FIELDS
from portal.states import SERVICE_KIND_LABELS, Kind, State

SUBJECT_LABELS = {
    "nature": _l("主办单位性质"), "name": _l("主办单位名称"), "cert_type": _l("主办单位证件类型"),
    "cert_number": _l("主办单位证件号码"), "province": _l("所属省份"), "address": _l("证件住所"),
    "mailing_address": _l("通信地址"), "investor": _l("投资人或主管单位"),
    "licence_number": _l("经营许可证编号"), "responsible": _l("负责人")}
PERSON_LABELS = {
    "name": _l("姓名"), "cert_type": _l("证件类型"), "cert_number": _l("证件号码"),
    "mobile": _l("手机号码"), "phone": _l("固定电话"), "email": _l("电子邮箱"),
    "emergency_contact": _l("应急联系电话")}
SERVICE_LABELS = {
    "kind": _l("类型"), "name": _l("名称"), "homepage": _l("首页网址"), "domains": _l("域名"),
    "ips": _l("IP 地址"), "location": _l("服务器所在地"), "isps": _l("接入服务商"),
    "content_category": _l("服务内容"), "languages": _l("语言"), "pre_approvals": _l("前置审批"),
    "extra": _l("平台、应用标识与SDK"), "responsible": _l("负责人")}
OTHER_LABELS = {"reason": _l("原因"), "isp_id": _l("接入服务商"), "customer_ref": _l("客户编号"),
                "description": _l("情况说明"), "materials": _l("申请材料")}
CONFLICT_KEY_LABELS = {"domain": _l("域名"), "host": _l("首页网址"),
                       "subject_name": _l("主办单位名称"), "cert_number": _l("主办单位证件号码")}


@dataclass
class Field:
    path: str
    label: str
    value: str
    section: str


# -- the proposal as a flat list of fields ---------------------------------------

def _show(value) -> str:
    if value in (None, "", [], {}):
        return ""
    if isinstance(value, bool):
        return str(_l("是") if value else _l("否"))
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "、".join(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _isps(ids, isp_names: dict) -> str:
    return "、".join(isp_names.get(i, str(i)) if i else str(_l("其它（境外）")) for i in ids or [])


def _pre_approvals(items) -> str:
    return "；".join(f"{i.get('category', '')} {_l('文号')} {i.get('document_number', '')}"
                    for i in items or [])


def _person(path: str, section: str, data: dict) -> list[Field]:
    return [Field(f"{path}.{k}", f"{SUBJECT_LABELS['responsible']}{label}",
                  _show((data or {}).get(k)), section) for k, label in PERSON_LABELS.items()]


def _service_fields(i: int, data: dict, isp_names: dict) -> list[Field]:
    kind = SERVICE_KIND_LABELS.get(data.get("kind"), data.get("kind", ""))
    section = f"{kind}：{data.get('name', '')}"
    out = []
    for key, label in SERVICE_LABELS.items():
        path = f"services.{i}.{key}"
        if key == "responsible":
            out += _person(path, section, data.get(key))
        elif key == "isps":
            out.append(Field(path, label, _isps(data.get(key), isp_names), section))
        elif key == "pre_approvals":
            out.append(Field(path, label, _pre_approvals(data.get(key)), section))
        elif key == "kind":
            out.append(Field(path, label, str(kind), section))
        else:
            out.append(Field(path, label, _show(data.get(key)), section))
    return out


def proposal_fields(proposed: dict, isp_names: dict) -> list[Field]:
    """Every field of a proposal (or of a record in the same shape), in page order."""
    proposed = proposed or {}
    out = []
    if "subject" in proposed:
        subject, section = proposed["subject"] or {}, str(_l("主办者信息"))
        for key, label in SUBJECT_LABELS.items():
            if key == "responsible":
                out += _person("subject.responsible", str(_l("主办单位负责人")), subject.get(key))
            else:
                out.append(Field(f"subject.{key}", label, _show(subject.get(key)), section))
    for i, service in enumerate(proposed.get("services") or []):
        out += _service_fields(i, service or {}, isp_names)
    section = str(_l("申请内容"))
    for key in ("reason", "isp_id", "customer_ref", "description"):
        if key in proposed:
            value = (_isps([proposed[key]], isp_names) if key == "isp_id"
                     else _show(proposed[key]))
            out.append(Field(key, OTHER_LABELS[key], value, section))
    return out


def isp_names_for(app: Application, *more: dict) -> dict[int, str]:
    """Names of every ISP the application, its earlier data or `more` mention (one query)."""
    ids = {app.isp_id} if app.isp_id else set()
    for data in (app.proposed, app.returned_proposed, *more):
        data = data or {}
        ids |= {i for s in data.get("services") or [] for i in s.get("isps") or [] if i}
        if data.get("isp_id"):
            ids.add(data["isp_id"])
    ids |= {r.isp_id for r in ApplicationIsp.select(ApplicationIsp.isp)
            .where(ApplicationIsp.application == app.id)}
    if not ids:
        return {}
    return dict(IspOrganisation.select(IspOrganisation.id, IspOrganisation.name)
                .where(IspOrganisation.id.in_(list(ids))).tuples())


def differences(old: list[Field], new: list[Field]) -> list[dict]:
    """Fields whose shown value differs, by path (added and removed fields included)."""
    before = {f.path: f for f in old}
    after = {f.path: f for f in new}
    out = []
    for path in list(dict.fromkeys([*after, *before])):
        a, b = before.get(path), after.get(path)
        if (a.value if a else "") != (b.value if b else ""):
            field = b or a
            out.append({"path": path, "label": field.label, "section": field.section,
                        "old": a.value if a else "", "new": b.value if b else ""})
    return out


# -- the approved record a change is compared with ------------------------------

CHANGE_KINDS = (Kind.CHANGE_SUBJECT, Kind.CHANGE_SERVICE, Kind.CHANGE_ACCESS, Kind.ANNUAL_REVIEW)


def _service_data(service: Service) -> dict:
    return {"kind": service.kind, "name": service.name, "homepage": service.homepage,
            **(service.details or {})}


def _record_as_proposal(app: Application) -> dict | None:
    """The approved record in the proposal's shape: before the approval for an approved
    change (its previous record version), the current rows otherwise."""
    ids = [s.get("service_id") or app.service_id for s in app.proposed.get("services") or []]
    if app.state == State.APPROVED:
        mine = RecordVersion.get_or_none(RecordVersion.application == app.id)
        prev = mine and RecordVersion.get_or_none(RecordVersion.subject == mine.subject_id,
                                                  RecordVersion.version == mine.version - 1)
        if prev is None:
            return None
        subject = {f: prev.snapshot.get(f) for f in SUBJECT_FIELDS}
        by_id = {s["id"]: s for s in prev.snapshot.get("services", [])}
    else:
        record = Subject.get_or_none(Subject.id == app.subject_id)
        subject = {f: getattr(record, f) for f in SUBJECT_FIELDS} if record else {}
        by_id = {s.id: _service_data(s) for s in Service.select().where(Service.id.in_(ids))}
    data = {"subject": subject} if "subject" in app.proposed else {}
    if "services" in app.proposed:
        data["services"] = [by_id.get(i, {}) for i in ids]
    return data


def record_differences(app: Application, isp_names: dict) -> list[dict] | None:
    """For a change: field by field, the approved record against the proposal."""
    if app.kind not in CHANGE_KINDS:
        return None
    record = _record_as_proposal(app)
    if record is None:
        return None
    isp_names = {**isp_names, **isp_names_for(app, record)}
    return differences(proposal_fields(record, isp_names), proposal_fields(app.proposed, isp_names))


def since_return(app: Application, isp_names: dict) -> dict | None:
    """What changed since the last return, and that return's notes."""
    if app.returned_proposed is None:
        return None
    changed = differences(proposal_fields(app.returned_proposed, isp_names),
                          proposal_fields(app.proposed, isp_names))
    paths = {c["path"] for c in changed}
    notes = [{**n, "changed": any(p == n["field"] or p.startswith(n["field"] + ".")
                                  for p in paths)}
             for n in labelled_notes(app, app.return_notes)]
    return {"changes": changed, "notes": notes}


def labelled_notes(app: Application, notes) -> list[dict]:
    """Return notes with the label of the field each names ("网站：X · 域名")."""
    labels = {f.path: f"{f.section} · {f.label}" for f in proposal_fields(app.proposed, {})}
    return [{**n, "label": labels.get(n.get("field"), str(OTHER_LABELS.get(n.get("field"),
                                                                           n.get("field"))))}
            for n in notes or []]
