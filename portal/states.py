"""Application states and kinds, and who may act on an application.

These are pure predicates: `portal.workflow` asks them before any change.
"""
from enum import StrEnum

from flask_babel import lazy_gettext as _l


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"              # 待接入商核实
    SMS = "sms_verification"             # 短信核验
    REVIEW = "bureau_review"             # 待管局审核
    APPROVED = "approved"
    RETURNED = "returned"                # 退回
    WITHDRAWN = "withdrawn"
    ABANDONED = "abandoned"


class Kind(StrEnum):
    FIRST_FILING = "first_filing"
    ADD_SERVICE = "add_service"
    ADD_ACCESS = "add_access"
    CHANGE_SUBJECT = "change_subject"
    CHANGE_SERVICE = "change_service"
    CHANGE_ACCESS = "change_access"
    CANCEL_SUBJECT = "cancel_subject"
    CANCEL_SERVICE = "cancel_service"
    CANCEL_ACCESS = "cancel_access"
    CONFLICT_RESOLUTION = "conflict_resolution"
    ANNUAL_REVIEW = "annual_review"


STATE_LABELS = {
    State.DRAFT: _l("草稿"), State.SUBMITTED: _l("待接入商核实"), State.SMS: _l("短信核验"),
    State.REVIEW: _l("待管局审核"), State.APPROVED: _l("审核通过"), State.RETURNED: _l("退回"),
    State.WITHDRAWN: _l("已撤回"), State.ABANDONED: _l("已放弃"),
}
KIND_LABELS = {
    Kind.FIRST_FILING: _l("首次备案"), Kind.ADD_SERVICE: _l("新增网站/APP"),
    Kind.ADD_ACCESS: _l("新增接入"), Kind.CHANGE_SUBJECT: _l("变更主体"),
    Kind.CHANGE_SERVICE: _l("变更网站/APP"), Kind.CHANGE_ACCESS: _l("变更接入"),
    Kind.CANCEL_SUBJECT: _l("注销主体"), Kind.CANCEL_SERVICE: _l("注销网站/APP"),
    Kind.CANCEL_ACCESS: _l("取消接入"), Kind.CONFLICT_RESOLUTION: _l("冲突解决"),
    Kind.ANNUAL_REVIEW: _l("年度审核"),
}

SERVICE_KIND_LABELS = {"website": _l("网站"), "app": _l("APP"), "miniprogram": _l("小程序"),
                       "quickapp": _l("快应用")}
ROLE_LABELS = {
    "filer": _l("主办者"), "admin": _l("管理员"), "reviewer": _l("审核员"), "auditor": _l("审计员"),
    "operator": _l("操作员"), "readonly": _l("只读"),
}

IN_FLIGHT = frozenset({State.SUBMITTED, State.SMS, State.REVIEW, State.RETURNED})
FINAL = frozenset({State.APPROVED, State.WITHDRAWN, State.ABANDONED})
CANCEL_KINDS = frozenset({Kind.CANCEL_SUBJECT, Kind.CANCEL_SERVICE, Kind.CANCEL_ACCESS})
SUBJECT_KINDS = frozenset({Kind.FIRST_FILING, Kind.CHANGE_SUBJECT, Kind.ANNUAL_REVIEW})
SERVICE_TARGET_KINDS = frozenset({Kind.ADD_ACCESS, Kind.CHANGE_SERVICE, Kind.CHANGE_ACCESS,
                                  Kind.CANCEL_SERVICE, Kind.CANCEL_ACCESS})
REVIEW_DAYS = 20
CANCEL_REVIEW_DAYS = 5

BUREAU_DECIDERS = frozenset({"admin", "reviewer"})
BUREAU_READERS = frozenset({"admin", "reviewer", "auditor"})
BUREAU_ADMINS = frozenset({"admin"})
ISP_WRITERS = frozenset({"admin", "operator"})


def review_days(kind: str) -> int:
    return CANCEL_REVIEW_DAYS if kind in CANCEL_KINDS else REVIEW_DAYS


def is_bureau_decider(actor) -> bool:
    return actor is not None and actor.tenant == "bureau" and actor.role in BUREAU_DECIDERS


def is_bureau_admin(actor) -> bool:
    return actor is not None and actor.tenant == "bureau" and actor.role in BUREAU_ADMINS


def is_isp_writer(actor, isp_id) -> bool:
    return (actor is not None and actor.tenant == "isp" and actor.role in ISP_WRITERS
            and isp_id is not None and actor.organisation_id == isp_id)


def is_owner(app, actor) -> bool:
    return actor is not None and actor.tenant == "public" and actor.id == app.account_id


def is_submitter_side(app, actor) -> bool:
    """The party that files the application and gets it back when returned."""
    if app.channel == "isp":
        return is_isp_writer(actor, app.isp_id)
    if app.channel == "bureau":
        return is_bureau_decider(actor)
    return is_owner(app, actor)


def is_verifying_isp(app, actor, named_isp_ids) -> bool:
    """Staff of an ISP the application names as access provider (or that filed it)."""
    return any(is_isp_writer(actor, isp_id) for isp_id in set(named_isp_ids) | {app.isp_id})
