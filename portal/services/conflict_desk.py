"""The conflict workbench (冲突): every application in conflict beside what it collides
with (another account's live record or pending application), that account's username,
name and contact; the re-check after the other record ends; the bureau's resolutions;
and the return text that names the conflict and how to reach the other party."""
from dataclasses import dataclass, field

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from portal import record_decisions, workflow
from portal.audit import record_event
from portal.db import transaction
from portal.errors import Refused, ValidationError
from portal.models import ACTIVE, Account, Application, Service, Subject
from portal.services.conflicts import find_conflicts
from portal.states import IN_FLIGHT, is_bureau_decider

KEY_LABELS = {"domain": _l("域名"), "host": _l("首页网址"), "subject_name": _l("主办单位名称"),
              "cert_number": _l("主办单位证件号码")}
ENDINGS = ("revoke", "cancel")


def conflicted_applications():
    """Applications in flight marked in conflict, the oldest submission first."""
    return (Application.select()
            .where(Application.in_conflict == True,
                   Application.state.in_(list(IN_FLIGHT)))
            .order_by(Application.submitted_at, Application.id))


@dataclass
class Collision:
    """What one application collides with: a record (subject, with the services whose
    keys clash) or a pending application, and the other account."""
    account: Account
    keys: list = field(default_factory=list)          # [(label, value)]
    subject: Subject | None = None
    services: list = field(default_factory=list)
    application: Application | None = None

    @property
    def is_record(self) -> bool:
        return self.subject is not None

    @property
    def is_live(self) -> bool:
        """Still a conflict: the record active, the application in flight."""
        if self.is_record:
            return self.subject.status == ACTIVE
        return self.application is not None and self.application.state in IN_FLIGHT

    @property
    def name(self) -> str:
        if self.is_record:
            return self.subject.name
        subject = (self.application.proposed or {}).get("subject") if self.application else None
        return (subject or {}).get("name") or self.account.display_name

    @property
    def contact(self) -> dict:
        """The responsible person (负责人) with the account's own mobile and email as the
        fallback: how the other party can be reached."""
        if self.is_record:
            person = self.subject.responsible or {}
        else:
            person = ((self.application.proposed or {}).get("subject") or {}).get(
                "responsible") or {}
        return {"name": person.get("name") or self.account.display_name,
                "mobile": person.get("mobile") or self.account.mobile,
                "email": person.get("email") or self.account.email}

    @property
    def targets(self) -> list[tuple[str, str]]:
        """The records the bureau may revoke or cancel: (value, label)."""
        if not self.is_record or self.subject.status != ACTIVE:
            return []
        options = [(f"subject:{self.subject.id}",
                    f"{gettext('主体')} {self.subject.filing_number} {self.subject.name}")]
        options += [(f"service:{s.id}", f"{s.filing_number} {s.name}")
                    for s in self.services if s.status == ACTIVE]
        return options


def collisions(app: Application) -> list[Collision]:
    """Group the application's stored conflict hits by the other record or application."""
    groups: dict = {}
    for hit in app.conflicts or []:
        ident = ("application", hit["application"]) if hit.get("application") else (
            "subject", hit.get("subject"))
        group = groups.get(ident)
        if group is None:
            group = groups[ident] = _new_collision(ident, hit)
        group.keys.append((KEY_LABELS.get(hit["key"], hit["key"]), hit["value"]))
        if hit.get("service") and hit["service"] not in [s.id for s in group.services]:
            group.services.append(Service.get_by_id(hit["service"]))
    return list(groups.values())


def _new_collision(ident, hit) -> Collision:
    account = Account.get_by_id(hit["other_account"])
    if ident[0] == "application":
        return Collision(account, application=Application.get_or_none(
            Application.id == ident[1]))
    return Collision(account, subject=Subject.get_or_none(Subject.id == ident[1]))


def load_application(app_id) -> Application:
    return workflow.load_application(app_id)


def _require_decider(actor) -> None:
    if not is_bureau_decider(actor):
        raise Refused(_l("您无权对该申请进行此操作"))


def recheck_conflicts(actor, app_id) -> Application:
    """Compute the application's conflicts again (after the other record was revoked or
    cancelled, or the other application ended). Audited."""
    with transaction():
        _require_decider(actor)
        app = load_application(app_id)
        if app.state not in IN_FLIGHT:
            raise Refused(_l("该申请已办结，无需重新核查冲突"))
        found = find_conflicts(app.account_id, app.proposed or {})
        before = {"in_conflict": app.in_conflict, "conflicts": len(app.conflicts or [])}
        Application.update(in_conflict=bool(found), conflicts=found).where(
            Application.id == app.id).execute()
        app.in_conflict, app.conflicts = bool(found), found
        record_event("application.conflict_recheck", app, actor=actor, before=before,
                     after={"in_conflict": bool(found), "conflicts": len(found)})
        return app


def _find_collision(app: Application, match) -> Collision:
    for collision in collisions(app):
        if match(collision):
            return collision
    raise ValidationError(_l("请选择与本申请冲突的记录"), field="target")


def end_other_record(actor, app_id, target: str, how: str, reason: str) -> Application:
    """Revoke or cancel the other party's record named in this application's conflicts,
    then re-check this application; all or nothing."""
    with transaction():
        _require_decider(actor)
        if how not in ENDINGS:
            raise ValidationError(_l("请选择撤销或注销"), field="how")
        app = load_application(app_id)
        _find_collision(app, lambda c: target in [value for value, _ in c.targets])
        kind, _, record_id = (target or "").partition(":")
        ids = {"subject_id": record_id} if kind == "subject" else {"service_id": record_id}
        decide = record_decisions.revoke_record if how == "revoke" else record_decisions.cancel_record
        decide(actor, reason, **ids)
        return recheck_conflicts(actor, app.id)


def delete_other_application(actor, app_id, other_id, reason: str) -> Application:
    """Delete the other party's pending application on its written request, then re-check
    this application; all or nothing."""
    with transaction():
        _require_decider(actor)
        app = load_application(app_id)
        _find_collision(app, lambda c: c.application is not None and c.is_live
                        and str(c.application.id) == str(other_id))
        workflow.delete_application_on_request(int(other_id), actor, reason)
        return recheck_conflicts(actor, app.id)


def suggested_return_reason(app: Application) -> str:
    """The return text the form pre-fills: what clashes, with whom, and how to reach them."""
    parts = [_describe(c) for c in collisions(app) if c.is_live]
    if not parts:
        return ""
    return gettext("本申请的信息与其他账号的备案或申请冲突：%(parts)s。请与对方联系协商；"
                   "如确属您所有，请提交冲突解决申请并附相关证明材料后重新提交。",
                   parts="；".join(parts))


def _describe(collision: Collision) -> str:
    keys = "、".join(f"{label} {value}" for label, value in collision.keys)
    where = (gettext("已备案记录 %(number)s", number=collision.subject.filing_number)
             if collision.is_record else
             gettext("在办申请 %(reference)s", reference=collision.application.reference))
    contact = collision.contact
    return gettext("%(keys)s 与账号 %(username)s（%(name)s）的%(where)s冲突，联系人 %(person)s，"
                   "电话 %(mobile)s，邮箱 %(email)s", keys=keys, username=collision.account.username,
                   name=collision.name, where=where, person=contact["name"],
                   mobile=contact["mobile"], email=contact["email"])
