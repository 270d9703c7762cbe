"""What the bureau's application page shows: every field of the proposal, the
attachments, the differences from the approved record and since the last return, the
conflict panel, the SMS verification record and the full history.
"""
import os

from flask_babel import lazy_gettext as _l

from portal.calendar import load_overrides
from portal.clock import local_today
from portal.errors import NotFound, ValidationError
from portal.masking import mask_mobile
from portal.models import (Account, Application, ApplicationIsp, PreApprovalDocument, Service,
                           SmsVerification, Subject)
from portal.services import uploads
from portal.services.progress import ACTION_LABELS, application_events
from portal.services.proposal_fields import (CONFLICT_KEY_LABELS, OTHER_LABELS, Field,
                                             isp_names_for, labelled_notes, proposal_fields,
                                             record_differences, since_return)
from portal.services.review_queue import deadline
from portal.services.sms_checks import SMS_ROLES
from portal.states import KIND_LABELS, STATE_LABELS

# -- what a return may mark ---------------------------------------------------

def return_fields(app: Application) -> list[Field]:
    """The fields a reviewer may mark in a return: the proposal's, plus the materials."""
    fields = proposal_fields(app.proposed, isp_names_for(app))
    if attachments(app):
        fields.append(Field("materials", OTHER_LABELS["materials"], "", str(_l("申请材料"))))
    return fields



# -- conflicts, SMS, history ---------------------------------------------------

def _by_id(model, ids) -> dict:
    ids = [i for i in ids if i]
    return {row.id: row for row in model.select().where(model.id.in_(ids))} if ids else {}


def conflict_panel(app: Application) -> list[dict]:
    """Each conflicting value beside the record or application it collides with and the
    other account's username and contact (four batched lookups)."""
    hits = app.conflicts or []
    accounts = _by_id(Account, {c.get("other_account") for c in hits})
    subjects = _by_id(Subject, {c.get("subject") for c in hits})
    services = _by_id(Service, {c.get("service") for c in hits})
    others = _by_id(Application, {c.get("application") for c in hits})
    panel = []
    for c in hits:
        account = accounts.get(c.get("other_account"))
        service, subject = services.get(c.get("service")), subjects.get(c.get("subject"))
        other = others.get(c.get("application"))
        if service is not None:
            what, name = f"{service.filing_number} {service.name}", subject.name if subject else ""
        elif subject is not None:
            what, name = f"{subject.filing_number} {subject.name}", subject.name
        elif other is not None:
            what = f"{other.reference}（{KIND_LABELS[other.kind]}，{STATE_LABELS[other.state]}）"
            name = ((other.proposed or {}).get("subject") or {}).get("name", "")
        else:
            what, name = "", ""
        panel.append({"key": CONFLICT_KEY_LABELS.get(c.get("key"), c.get("key")),
                      "value": c.get("value"), "other": what, "other_application": other,
                      "username": account.username if account else c.get("other_username", ""),
                      "name": name or (account.display_name if account else ""),
                      "mobile": account.mobile if account else "",
                      "email": account.email if account else ""})
    return panel


def sms_record(app: Application) -> list[dict]:
    rows = SmsVerification.select().where(SmsVerification.application == app.id).order_by(
        SmsVerification.id)
    return [{"role": SMS_ROLES.get(r.role, r.role), "name": r.name,
             "mobile": mask_mobile(r.mobile), "sent_at": r.sent_at, "expires_at": r.expires_at,
             "confirmed_at": r.confirmed_at, "tries": r.tries} for r in rows]


def full_history(app: Application) -> list[dict]:
    """Every event of the application with who acted and the notes of a return."""
    return [{"at": e.at, "action": ACTION_LABELS.get(e.action, e.action),
             "actor": e.actor_name, "tenant": e.tenant, "reason": e.reason,
             "notes": labelled_notes(app, (e.after or {}).get("notes"))}
            for e in application_events(app)]


# -- attachments --------------------------------------------------------------

def attachments(app: Application) -> list[dict]:
    """Pre-approval documents, materials and written-application scans, numbered."""
    found = []
    for service in (app.proposed or {}).get("services") or []:
        for item in service.get("pre_approvals") or []:
            doc = item.get("document")
            if isinstance(doc, dict) and doc.get("stored"):
                detail = f"{item.get('category', '')} {item.get('document_number', '')}"
                found.append({"source": _l("前置审批文件"), "stored": doc["stored"],
                              "name": doc.get("name") or doc["stored"], "detail": detail})
    source = _l("书面申请扫描件") if app.channel == "bureau" else _l("申请材料")
    for item in app.materials or []:
        if isinstance(item, dict) and item.get("stored"):
            found.append({"source": source, "stored": item["stored"],
                          "name": item.get("name") or item["stored"],
                          "detail": item.get("label") or item.get("kind") or ""})
    for row in PreApprovalDocument.select().where(PreApprovalDocument.application == app.id):
        if row.stored_name:
            found.append({"source": _l("前置审批文件"), "stored": row.stored_name,
                          "name": row.original_name or row.stored_name,
                          "detail": f"{row.category} {row.document_number}"})
    unique = list({a["stored"]: a for a in found}.values())
    return [{**a, "index": i} for i, a in enumerate(unique)]


def find_attachment(app: Application, index: int) -> dict:
    """One of the application's files with its path and type (read from its content)."""
    listed = attachments(app)
    if not 0 <= index < len(listed):
        raise NotFound(_l("文件不存在"))
    try:
        path = uploads.upload_path(listed[index]["stored"])
    except ValidationError as exc:
        raise NotFound(exc.message) from exc
    if not os.path.isfile(path):
        raise NotFound(_l("文件不存在"))
    with open(path, "rb") as handle:
        kind = uploads.sniff(handle.read(16))
    if kind is None:
        raise NotFound(_l("文件不存在"))
    return {**listed[index], "path": path, "type": kind[0]}


# -- the page ------------------------------------------------------------------

def application_page(app: Application) -> dict:
    """Everything the bureau's application page shows."""
    isp_names = isp_names_for(app)
    days_left, overdue = deadline(app, local_today(), load_overrides())
    return {
        "fields": proposal_fields(app.proposed, isp_names),
        "attachments": attachments(app),
        "record_diff": record_differences(app, isp_names),
        "since_return": since_return(app, isp_names),
        "conflicts": conflict_panel(app) if app.in_conflict or app.conflicts else [],
        "sms": sms_record(app),
        "history": full_history(app),
        "return_notes": labelled_notes(app, app.return_notes),
        "filer": Account.get_by_id(app.account_id),
        "named_isps": [isp_names[r.isp_id] for r in ApplicationIsp.select(ApplicationIsp.isp)
                       .where(ApplicationIsp.application == app.id) if r.isp_id in isp_names],
        "filing_isp": isp_names.get(app.isp_id) if app.isp_id else None,
        "days_left": days_left, "overdue": overdue,
    }
