"""What an application's owner sees of its progress: deadline in working days, history,
SMS status and the next step spelled out."""
from flask_babel import lazy_gettext as _l

from portal.calendar import load_overrides, working_days_between
from portal.clock import local_today, utcnow
from portal.masking import mask_name
from portal.models import AuditEvent, SmsVerification
from portal.states import State

ACTION_LABELS = {
    "application.create": _l("创建草稿"), "application.edit": _l("修改"),
    "application.submit": _l("提交"), "application.resubmit": _l("重新提交"),
    "application.replace": _l("重新提交（替换原申请）"), "application.verify": _l("接入服务商核实通过"),
    "application.isp_return": _l("接入服务商退回"), "application.sms_confirmed": _l("短信核验完成"),
    "application.sms_failed": _l("短信核验未通过"), "application.approve": _l("管局审核通过"),
    "application.return": _l("管局退回"), "application.withdraw": _l("撤回"),
    "application.delete_on_request": _l("应书面申请删除"), "application.abandon": _l("放弃"),
    "application.conflict_recheck": _l("管局重新核查冲突"),
    "application.deadline": _l("审核期限因工作日调整而更新"),
    "application.expire": _l("草稿过期，系统自动放弃"),
}


def working_days_left(app) -> int | None:
    if app.due_on is None or app.state != State.REVIEW:
        return None
    return working_days_between(local_today(), app.due_on, load_overrides())


def application_events(app):
    """The audit events of an application, in order: its history (indexed lookup)."""
    return (AuditEvent.select().where(AuditEvent.object_type == "application",
                                      AuditEvent.object_id == str(app.id))
            .order_by(AuditEvent.seq))


def history(app) -> list[dict]:
    events = application_events(app)
    return [{"at": e.at, "action": ACTION_LABELS.get(e.action, e.action), "reason": e.reason,
             "tenant": e.tenant} for e in events]


def sms_status(app) -> list[dict]:
    rows = SmsVerification.select().where(SmsVerification.application == app.id)
    return [{"role": r.role, "name": mask_name(r.name), "confirmed": r.confirmed_at is not None,
             "hours_left": max(int((r.expires_at - utcnow()).total_seconds() // 3600), 0)}
            for r in rows]


def next_step(app):
    """One sentence telling the owner what happens next and who acts."""
    if app.state == State.DRAFT:
        return _l("草稿：填写完整后提交。")
    if app.state == State.SUBMITTED:
        return _l("等待接入服务商核实；如有疑问请联系您的接入服务商。")
    if app.state == State.SMS:
        waiting = [p for p in sms_status(app) if not p["confirmed"]]
        if waiting:
            return _l("等待 %(name)s 完成短信核验：还剩 %(hours)d 小时。请在“短信核验”页面输入申请编号、"
                      "证件号码、手机号码和收到的核验码。", name=waiting[0]["name"],
                      hours=waiting[0]["hours_left"])
    if app.state == State.REVIEW:
        days = working_days_left(app)
        if days is not None and days < 0:
            return _l("管局审核已超过期限 %(days)d 个工作日，管局将尽快处理。", days=-days)
        return _l("等待管局审核：还剩 %(days)d 个工作日。", days=days or 0)
    if app.state == State.RETURNED:
        if app.channel == "isp":
            return _l("已退回给代为办理的接入服务商，请联系接入服务商修改后重新提交。")
        return _l("已退回：请按下方标出的 %(n)d 处问题修改后重新提交。", n=len(app.return_notes or []))
    if app.state == State.APPROVED:
        return _l("审核通过。")
    return _l("申请已结束。")
