"""Written applications (书面申请) received on paper, by fax or by email.

Bureau staff record one on the filer's behalf with its scans; a reviewer then accepts
it, which sets the normal workflow going (a cancellation application filed by the
bureau, the deletion of a pending application, or a password reset), or refuses it
with the reason (an incomplete application is void), which the filer is emailed.
Each written application is due within 5 working days of its receipt.
"""
import io
import os
import secrets
from datetime import date

from flask_babel import lazy_gettext as _l

from portal import notifications, workflow
from portal.audit import record_event
from portal.calendar import add_working_days, load_overrides
from portal.clock import local_today, utcnow
from portal.db import transaction
from portal.errors import FormErrors, NotFound, Refused, ValidationError
from portal.enumerations import certificate_types_for
from portal.models import (ACTIVE, AccessLink, Account, Application, Service, Subject,
                           WrittenApplication)
from portal.models.written import ACCEPTED, RECORDED, REFUSED
from portal.services import password_resets, uploads
from portal.services.filer_search import filers
from portal.states import CANCEL_KINDS, IN_FLIGHT, is_bureau_decider
from portal.validators import format_service_number, parse_filing_number, validate_certificate

DUE_DAYS = 5
KIND_LABELS = {"cancel_subject": _l("注销主体"), "cancel_service": _l("注销网站/APP"),
               "cancel_access": _l("取消接入"), "password_recovery": _l("找回密码"),
               "conflict_deletion": _l("删除冲突申请")}
STATE_LABELS = {RECORDED: _l("待处理"), ACCEPTED: _l("已受理"), REFUSED: _l("不予受理")}


def require_decider(actor) -> None:
    if not is_bureau_decider(actor):
        raise Refused(_l("只有管局管理员和审核员可以办理书面申请"))


def due_date(received_on: date) -> date:
    """5 working days after the day the application was received."""
    return add_working_days(received_on, DUE_DAYS, load_overrides())


def new_reference() -> str:
    return "WA" + local_today().strftime("%Y%m%d") + secrets.token_hex(4).upper()


# -- checking what was received ---------------------------------------------

RECEIVED_VIA = {"paper": _l("纸质（邮寄或现场）"), "fax": _l("传真"), "email": _l("电子邮件")}
CAPACITIES = {"self": _l("本人（个人主办者）"), "legal_representative": _l("法定代表人"),
              "agent": _l("委托经办人")}
NEEDS_NOTE = CANCEL_KINDS | {"conflict_deletion"}


def applicant_cert_types() -> list[str]:
    """A person signs and sends the form: the personal certificate types."""
    return certificate_types_for("个人")


def clean_written(data: dict, errors: dict) -> dict:
    """The model fields of a written application, or messages added to `errors`."""
    def fail(field, message):
        errors.setdefault(field, []).append(message)

    kind = data.get("kind") or ""
    if kind not in KIND_LABELS:
        fail("kind", _l("请选择书面申请的类型"))
    account = filers().where(Account.username == (data.get("username") or "").strip()).first()
    if account is None:
        fail("username", _l("没有找到该用户名的主办者账号"))
    if data.get("received_via") not in RECEIVED_VIA:
        fail("received_via", _l("请选择收到申请的方式"))
    received_on = _received_on(data.get("received_on"), fail)
    note = (data.get("note") or "").strip()
    if kind in NEEDS_NOTE and not note:
        fail("note", _l("请填写申请事由（注销原因，或要求删除的说明）"))
    fields = {"kind": kind, "account": account, "received_via": data.get("received_via"),
              "received_on": received_on, "note": note[:1000],
              "applicant": _applicant(data, fail)}
    if account is not None and kind in KIND_LABELS:
        fields.update(_target(kind, account, data, fail))
    return fields


def _received_on(value, fail):
    if isinstance(value, str) and value:
        try:
            value = date.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, date):
        fail("received_on", _l("请填写收到申请的日期"))
        return None
    if value > local_today():
        fail("received_on", _l("收到日期不能晚于今天"))
    return value


def _applicant(data: dict, fail) -> dict:
    """Who signed it, with the identity document they attached."""
    name = (data.get("applicant_name") or "").strip()
    cert_type = data.get("applicant_cert_type") or ""
    capacity = data.get("applicant_capacity") or ""
    if not name:
        fail("applicant_name", _l("请填写申请人姓名"))
    if cert_type not in applicant_cert_types():
        fail("applicant_cert_type", _l("请选择申请人的证件类型"))
    try:
        number = validate_certificate(cert_type, data.get("applicant_cert_number"))
    except ValidationError as exc:
        number = ""
        fail("applicant_cert_number", exc.message)
    if capacity not in CAPACITIES:
        fail("applicant_capacity", _l("请选择申请人的身份"))
    return {"name": name[:50], "cert_type": cert_type, "cert_number": number,
            "capacity": capacity}


def _target(kind: str, account, data: dict, fail) -> dict:
    """What the application is about: the filer's subject, one of its services (and the
    access to end), or a pending application of this filer."""
    subject = Subject.get_or_none(Subject.account == account.id)
    if kind == "password_recovery":
        return {}
    if kind == "conflict_deletion":
        target = Application.get_or_none(
            Application.reference == (data.get("target_reference") or "").strip().upper())
        if target is None or target.account_id != account.id or target.state not in IN_FLIGHT:
            fail("target_reference", _l("请填写该主办者正在办理中的申请编号"))
        return {"target_application": target}
    if subject is None or subject.status != ACTIVE:
        fail("username", _l("该账号没有已备案的主体"))
        return {}
    if kind == "cancel_subject":
        return {}
    service = _service(subject, data.get("service_number"))
    if service is None:
        fail("service_number", _l("请填写该主体下已备案网站/APP的备案号"))
        return {}
    if kind == "cancel_service":
        return {"service": service}
    link = AccessLink.get_or_none(AccessLink.service == service.id, AccessLink.status == ACTIVE,
                                  AccessLink.isp == (data.get("isp") or None))
    if link is None or link.isp_id is None:
        fail("isp", _l("请选择该网站/APP当前的接入服务商"))
        return {"service": service}
    return {"service": service, "isp": link.isp_id}


def _service(subject, number):
    try:
        parsed = parse_filing_number(number)
    except ValidationError:
        return None
    if not parsed.is_service:
        return None
    canonical = format_service_number(parsed.subject_number, parsed.service_index, parsed.kind)
    return Service.get_or_none(Service.filing_number == canonical, Service.subject == subject.id,
                               Service.status == ACTIVE)


# -- recording --------------------------------------------------------------

def read_scans(files, errors: dict) -> list[tuple[bytes, str]]:
    """Every scan's content, checked before anything is stored: at least one, each a
    PDF, PNG or JPEG (by content) of at most 10 MB."""
    payloads = []
    for stream, filename in files or []:
        data = stream.read(uploads.MAX_BYTES + 1)
        if not data:
            continue
        if len(data) > uploads.MAX_BYTES:
            errors.setdefault("scans", []).append(_l("文件不能超过 10 MB"))
        elif uploads.sniff(data) is None:
            errors.setdefault("scans", []).append(
                _l("“%(name)s”不是 PDF、PNG 或 JPEG 文件（按文件内容判断）", name=filename))
        payloads.append((data, filename))
    if not payloads:
        errors.setdefault("scans", []).append(_l("请上传书面申请及其材料的扫描件"))
    return payloads


def record_written_application(actor, data: dict, files) -> WrittenApplication:
    """Record a written application as received (state "recorded"). Bad input raises
    FormErrors naming each field; nothing is stored then."""
    require_decider(actor)
    errors: dict = {}
    fields = clean_written(data, errors)
    payloads = read_scans(files, errors)
    if errors:
        raise FormErrors(errors)
    scans = [uploads.store_upload(io.BytesIO(body), name, "scans") for body, name in payloads]
    try:
        with transaction():
            written = WrittenApplication.create(
                reference=new_reference(), scans=scans, recorded_by=actor,
                due_on=due_date(fields["received_on"]), **fields)
            record_event("written.record", written, actor=actor,
                         after={"kind": written.kind, "account": written.account_id,
                                "received_via": written.received_via, "scans": len(scans)})
    except BaseException:
        _discard(scans)
        raise
    return written


def _discard(scans: list) -> None:
    for scan in scans:
        try:
            os.remove(uploads.upload_path(scan["stored"]))
        except OSError:
            pass


# -- deciding ---------------------------------------------------------------

def get_written(written_id) -> WrittenApplication:
    written = WrittenApplication.get_or_none(WrittenApplication.id == written_id)
    if written is None:
        raise NotFound(_l("书面申请不存在"))
    return written


def _claim(written_id, actor, state: str, **changes) -> WrittenApplication:
    """Decide under the state the row had: a second reviewer is told it was decided."""
    written = get_written(written_id)
    updated = (WrittenApplication.update(state=state, decided_at=utcnow(), decided_by=actor,
                                         **changes)
               .where(WrittenApplication.id == written.id,
                      WrittenApplication.state == RECORDED).execute())
    if updated != 1:
        raise Refused(_l("该书面申请已被处理，请刷新后查看"))
    return get_written(written.id)


def accept_written_application(written_id, actor) -> tuple[WrittenApplication, str | None]:
    """Accept: open and submit the cancellation, delete the pending application, or
    reset the password. Returns the written application and, for a password reset,
    the initial password (shown once, never stored)."""
    require_decider(actor)
    initial, app = None, None
    with transaction():
        written = _claim(written_id, actor, ACCEPTED)
        if written.kind in CANCEL_KINDS:
            app = _open_cancellation(written, actor)
        elif written.kind == "conflict_deletion":
            app = workflow.delete_application_on_request(
                written.target_application_id, actor,
                f"书面申请{written.reference}：{written.note}")
        else:
            initial = password_resets.reset_on_written_application(written, actor)
        if app is not None:
            WrittenApplication.update(application=app.id).where(
                WrittenApplication.id == written.id).execute()
        record_event("written.accept", written, actor=actor, before={"state": RECORDED},
                     after={"state": ACCEPTED, "application": app.id if app else None})
    return get_written(written.id), initial


def _open_cancellation(written: WrittenApplication, actor):
    """A cancellation filed by the bureau (channel "bureau"): it skips ISP verification
    and goes on to SMS verification or straight to review (5 working days)."""
    proposed = {"reason": written.note}
    if written.kind == "cancel_access":
        proposed["isp_id"] = written.isp_id
    materials = [{**scan, "written": written.reference} for scan in written.scans]
    app = workflow.create_application(written.kind, account=written.account, actor=actor,
                                      channel="bureau", service_id=written.service_id,
                                      proposed=proposed, materials=materials)
    return workflow.submit_application(app.id, actor)


def refuse_written_application(written_id, actor, reason: str) -> WrittenApplication:
    """Refuse (e.g. incomplete) with the reason; the filer is emailed the reason."""
    require_decider(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_l("请填写不予受理的原因"), field="reason")
    with transaction():
        written = _claim(written_id, actor, REFUSED, refuse_reason=reason)
        record_event("written.refuse", written, actor=actor, before={"state": RECORDED},
                     after={"state": REFUSED}, reason=reason)
        _email_refusal(written, reason)
    return written


def _email_refusal(written: WrittenApplication, reason: str) -> None:
    kind = KIND_LABELS[written.kind]
    notifications.email(
        written.account.email, f"您的书面申请{written.reference}（{kind}）未予受理",
        f"您于{written.received_on}提交的{kind}书面申请（编号 {written.reference}）未予受理。\n"
        f"原因：{reason}\n如需继续办理，请按要求补齐材料后重新提交。",
        written=written.reference, action="refuse")


# -- reading ----------------------------------------------------------------

def written_applications(state: str | None = None, kind: str | None = None):
    """Open ones first, earliest due first; then the decided ones, newest first."""
    query = (WrittenApplication.select(WrittenApplication, Account)
             .join(Account, on=(WrittenApplication.account == Account.id)))
    if state:
        query = query.where(WrittenApplication.state == state)
    if kind:
        query = query.where(WrittenApplication.kind == kind)
    return query.order_by(WrittenApplication.state != RECORDED, WrittenApplication.due_on,
                          WrittenApplication.id.desc())


def scan_of(written: WrittenApplication, index: int) -> dict:
    """One scan by its position, with its path, or NotFound."""
    if not 0 <= index < len(written.scans or []):
        raise NotFound(_l("文件不存在"))
    scan = written.scans[index]
    try:
        return {**scan, "path": uploads.upload_path(scan.get("stored", ""))}
    except ValidationError:
        raise NotFound(_l("文件不存在")) from None


def applicant_matches(written: WrittenApplication) -> bool | None:
    """Whether the applicant's certificate number is one the filer's record knows (the
    subject's, its responsible person's or a service's): a hint for the reviewer. None
    for an agent, who is checked against the authorisation letter instead."""
    if written.applicant.get("capacity") == "agent":
        return None
    subject = Subject.get_or_none(Subject.account == written.account_id)
    if subject is None:
        return False
    known = {subject.cert_number, (subject.responsible or {}).get("cert_number")}
    known |= {(s.details.get("responsible") or {}).get("cert_number") for s in subject.services}
    return written.applicant.get("cert_number") in known
