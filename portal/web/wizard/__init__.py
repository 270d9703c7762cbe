"""The filing wizard, shared by tenants: the filer files for itself, ISP staff file on a
customer's behalf (代为备案). Each tenant registers the same steps on its own blueprint
with its own scoping (`load_draft`) and actor."""
from dataclasses import dataclass
from typing import Callable

from flask_babel import lazy_gettext as _l

from portal.states import Kind

STEPS_BY_KIND = {
    Kind.FIRST_FILING: ("subject", "services", "access", "pre_approval", "review"),
    Kind.ADD_SERVICE: ("services", "access", "pre_approval", "review"),
    Kind.CHANGE_SUBJECT: ("subject", "review"),
    Kind.CHANGE_SERVICE: ("services", "access", "pre_approval", "review"),
    Kind.CHANGE_ACCESS: ("access", "review"),
    Kind.ANNUAL_REVIEW: ("subject", "services", "access", "pre_approval", "review"),
}
STEP_LABELS = {"subject": _l("主办者信息"), "services": _l("网站/APP信息"),
               "access": _l("接入信息"), "pre_approval": _l("前置审批"), "review": _l("确认提交")}
ADDS_SERVICES = (Kind.FIRST_FILING, Kind.ADD_SERVICE)


@dataclass
class Wizard:
    """How one tenant runs the wizard."""
    load_draft: Callable        # app_id → the actor's editable application, or abort(404)
    actor: Callable             # () → the account acting
    base_template: str          # the tenant's page layout
    after_submit: Callable      # application → URL to go to once submitted


def first_step(kind: str) -> str:
    return STEPS_BY_KIND[kind][0]


def register_wizard(bp, wizard: Wizard) -> None:
    from portal.web.wizard import steps, views
    views.register(bp, wizard)
    steps.register(bp, wizard)
