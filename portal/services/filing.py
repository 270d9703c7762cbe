"""The filing wizard: a draft application edited step by step (subject → services →
access → pre-approval → review → submit). Each step is checked on its own and saved
only when it passes, so nothing half-saved is kept; the draft survives logout.

Before the first approval, submitting again replaces the pending first filing
(same application, new data, back to submission)."""
import copy

from flask_babel import lazy_gettext as _l

from portal import workflow
from portal.errors import Refused
from portal.models import Application
from portal.services import proposals
from portal.states import IN_FLIGHT, Kind, State

STEPS = ("subject", "services", "access", "pre_approval", "review")


def open_draft(account, actor, kind: str = Kind.FIRST_FILING, *, channel="filer", isp=None,
               service_id=None, proposed=None) -> Application:
    """The filer's open draft of this kind (and service), or a new one."""
    query = Application.select().where(Application.account == account.id,
                                       Application.kind == kind, Application.state == State.DRAFT,
                                       Application.channel == channel)
    if service_id:
        query = query.where(Application.service == service_id)
    existing = query.order_by(Application.id.desc()).first()
    if existing is not None:
        return existing
    if kind == Kind.FIRST_FILING and proposed is None:
        proposed = pending_first_filing_data(account)
    return workflow.create_application(kind, account=account, actor=actor, channel=channel,
                                       isp=isp, service_id=service_id, proposed=proposed or {})


def pending_first_filing(account) -> Application | None:
    return (Application.select().where(Application.account == account.id,
                                       Application.kind == Kind.FIRST_FILING,
                                       Application.state.in_(list(IN_FLIGHT)))
            .order_by(Application.id.desc()).first())


def pending_first_filing_data(account) -> dict:
    """Filing again before the first approval starts from the pending data."""
    pending = pending_first_filing(account)
    return copy.deepcopy(pending.proposed) if pending else {}


def _merged(app: Application, **parts) -> dict:
    data = copy.deepcopy(app.proposed or {})
    data.update(parts)
    return data


def save_subject(app_id, actor, subject: dict) -> Application:
    c = proposals.Collector()
    proposals.clean_subject(c, subject)
    c.raise_if_any()
    app = workflow.load_application(app_id)
    return workflow.update_draft(app.id, actor, _merged(app, subject=subject))


def subject_nature(app: Application) -> str:
    if app.subject_id:
        return app.subject.nature
    return (app.proposed.get("subject") or {}).get("nature", "")


def save_service(app_id, actor, index: int | None, service: dict) -> Application:
    """Add (index None) or replace one service; checks its own fields only. Access and
    pre-approval are later steps, so their checks wait until then."""
    app = workflow.load_application(app_id)
    services = list(app.proposed.get("services") or [])
    if index is not None and index < len(services):
        service = {**services[index], **service}
    c = proposals.Collector()
    proposals.clean_service(c, "service", {**service, "location": "其它"}, subject_nature(app))
    c.errors = {k: v for k, v in c.errors.items() if not k.startswith(("service.isps",
                                                                        "service.pre_approvals"))}
    c.raise_if_any()
    if index is None or index >= len(services):
        services.append(service)
    else:
        services[index] = service
    return workflow.update_draft(app.id, actor, _merged(app, services=services))


def remove_service(app_id, actor, index: int) -> Application:
    app = workflow.load_application(app_id)
    services = list(app.proposed.get("services") or [])
    if 0 <= index < len(services):
        services.pop(index)
    return workflow.update_draft(app.id, actor, _merged(app, services=services))


def save_access(app_id, actor, choices: list[dict]) -> Application:
    """choices[i] = {"location": ..., "isps": [...]} for service i."""
    app = workflow.load_application(app_id)
    services = copy.deepcopy(app.proposed.get("services") or [])
    c = proposals.Collector()
    for i, (service, choice) in enumerate(zip(services, choices)):
        location = c.require(f"services.{i}.location", choice.get("location"))
        service["location"] = location
        service["isps"] = proposals.clean_isps(c, f"services.{i}.isps", location or "",
                                               choice.get("isps"))
    c.raise_if_any()
    return workflow.update_draft(app.id, actor, _merged(app, services=services))


def save_pre_approvals(app_id, actor, items: dict[int, list]) -> Application:
    """items[i] = the pre-approval documents of service i."""
    app = workflow.load_application(app_id)
    services = copy.deepcopy(app.proposed.get("services") or [])
    c = proposals.Collector()
    for i, service in enumerate(services):
        service["pre_approvals"] = proposals.clean_pre_approvals(
            c, f"services.{i}.pre_approvals", service.get("content_category", ""),
            items.get(i, service.get("pre_approvals")))
    c.raise_if_any()
    return workflow.update_draft(app.id, actor, _merged(app, services=services))


def check_complete(app: Application) -> None:
    """The whole proposal, as submission will check it (raises FormErrors)."""
    proposals.clean_proposal(app.kind, app.proposed, app.subject if app.subject_id else None)


def submit_filing(app_id, actor) -> Application:
    """Submit the draft; before the first approval it replaces the pending filing."""
    app = workflow.load_application(app_id)
    pending = pending_first_filing(app.account) if app.kind == Kind.FIRST_FILING else None
    if pending is None:
        return workflow.submit_application(app.id, actor)
    if pending.channel != app.channel:
        raise Refused(_l("该主办者已有由他方提交的首次备案正在办理，请联系提交方"))
    check_complete(app)
    replaced = workflow.replace_application(pending.id, actor, app.proposed)
    workflow.abandon_application(app.id, actor)
    return replaced
