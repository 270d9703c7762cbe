"""Rules an application must pass before it moves: exclusivity, immutable keys,
the blacklist and who may open which kind. Each refusal names what blocks it."""
from flask_babel import lazy_gettext as _l

from portal.errors import FormErrors, Refused, ValidationError
from portal.models import ACTIVE, Application, BlacklistEntry, Service, Subject
from portal.services.lookup_keys import normalise_name
from portal.states import IN_FLIGHT, KIND_LABELS, SERVICE_TARGET_KINDS, STATE_LABELS, Kind


def describe(app: Application) -> str:
    return f"{app.reference}（{KIND_LABELS[app.kind]}，{STATE_LABELS[app.state]}）"


# Kinds that run beside others: the yearly confirmation, and the request to settle a
# conflict of the very application that is in flight.
ALONGSIDE = (Kind.ANNUAL_REVIEW, Kind.CONFLICT_RESOLUTION)


def find_blocker(app: Application) -> Application | None:
    """Another application of the same filer in flight (annual review and conflict
    resolution aside)."""
    if app.kind in ALONGSIDE:
        return None
    return (Application.select().where(Application.account == app.account_id,
                                       Application.id != app.id,
                                       Application.state.in_(list(IN_FLIGHT)),
                                       Application.kind.not_in(list(ALONGSIDE)))
            .order_by(Application.id).first())


def check_exclusive(app: Application) -> None:
    blocker = find_blocker(app)
    if blocker is not None:
        raise Refused(_l("申请 %(other)s 正在办理中：同一主体同一时间只能有一个申请在办，"
                         "请待其办结或撤回后再提交", other=describe(blocker)),
                      blocker=blocker.id)


def check_immutable_keys(app: Application, proposal: dict) -> None:
    """Province and the subject's certificate number never change."""
    new = proposal.get("subject")
    if not new or app.subject_id is None:
        return
    subject = app.subject
    errors = {}
    if new["cert_number"] != subject.cert_number or new["cert_type"] != subject.cert_type:
        errors["subject.cert_number"] = [_l("主办单位证件类型和号码不可变更；如需变更请注销后重新备案")]
    if new["province"] != subject.province:
        errors["subject.province"] = [_l("主办单位所属省份不可变更")]
    if errors:
        raise FormErrors(errors)


def check_blacklist(proposal: dict) -> None:
    pairs = []
    if "subject" in proposal:
        pairs.append(("cert_number", proposal["subject"]["cert_number"], "subject.cert_number"))
    for i, service in enumerate(proposal.get("services", [])):
        pairs.append(("site_name", normalise_name(service["name"]), f"services.{i}.name"))
    errors = {}
    for kind, value, field in pairs:
        if BlacklistEntry.select().where(BlacklistEntry.kind == kind,
                                         BlacklistEntry.value == value).exists():
            errors[field] = [_l("该信息因违法违规注销已被列入黑名单，不能再次备案")]
    if errors:
        raise FormErrors(errors)


def check_can_open(kind: str, account, service_id=None) -> tuple:
    """The subject and service an application of `kind` is about, or a refusal."""
    subject = Subject.get_or_none(Subject.account == account.id)
    if kind == Kind.FIRST_FILING:
        if subject is not None:
            raise Refused(_l("该账号已有备案主体（%(number)s）：请通过新增、变更或注销办理；"
                             "注销主体后如需重新备案，请重新注册账号", number=subject.filing_number))
        return None, None
    if kind == Kind.CONFLICT_RESOLUTION:
        return subject, None
    if subject is None or subject.status != ACTIVE:
        raise Refused(_l("该账号没有已备案的主体，请先办理首次备案"))
    if kind not in SERVICE_TARGET_KINDS:
        return subject, None
    service = Service.get_or_none(Service.id == service_id, Service.subject == subject)
    if service is None or service.status != ACTIVE:
        raise Refused(_l("请选择本主体下已备案的网站/APP"))
    return subject, service


def serves_subject(isp_id: int, subject) -> bool:
    from portal.models import AccessLink
    return (AccessLink.select().join(Service)
            .where(Service.subject == subject, AccessLink.isp == isp_id,
                   AccessLink.status == ACTIVE).exists())


def names_isp(account, isp_id: int) -> bool:
    """The customer has an application in flight that names this ISP."""
    from portal.models import ApplicationIsp
    return (ApplicationIsp.select().join(Application)
            .where(Application.account == account.id, ApplicationIsp.isp == isp_id,
                   Application.state.in_(list(IN_FLIGHT))).exists())


def check_channel(kind: str, channel: str, actor, account, isp) -> None:
    """Who may open an application for `account`: the filer itself, an ISP acting
    for its customer, or bureau staff recording a written application."""
    from portal.states import CANCEL_KINDS, is_bureau_decider, is_isp_writer
    if channel == "filer":
        allowed = actor is not None and actor.id == account.id
    elif channel == "isp":
        isp_id = getattr(isp, "id", isp)
        allowed = is_isp_writer(actor, isp_id) and (
            account.created_by_org_id == isp_id or kind == Kind.ADD_ACCESS
            or (kind != Kind.FIRST_FILING and serves_subject(isp_id, Subject.get_or_none(
                Subject.account == account.id)))
            or (kind == Kind.CONFLICT_RESOLUTION and names_isp(account, isp_id)))
    elif channel == "bureau":
        allowed = is_bureau_decider(actor) and (kind in CANCEL_KINDS
                                                or kind == Kind.CONFLICT_RESOLUTION)
    else:
        allowed = False
    if not allowed:
        raise Refused(_l("您无权为该用户办理此类申请"))


def clean_return_notes(reason: str, notes: list) -> tuple[str, list]:
    """A return needs a reason and at least one field named with what to fix."""
    reason = (reason or "").strip()
    notes = [{"field": n["field"], "note": n["note"].strip()} for n in notes or []
             if n.get("field") and (n.get("note") or "").strip()]
    if not reason:
        raise ValidationError(_l("请填写退回原因"), field="reason")
    if not notes:
        raise ValidationError(_l("请至少标出一个有问题的字段并说明如何修改"), field="notes")
    return reason, notes
