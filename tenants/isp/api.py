"""The ISP API (/api/v1/isp): bearer-token JSON for access providers' systems.

Every route takes a token with the read or write scope (portal.web.api_auth; cookies
never authorise a call, CSRF does not apply) and acts as the token's creator. Objects
load only through portal.scoping, so another ISP's object is a 404. Errors have one
shape, {"error": {"code", "message"[, "fields"]}}; portal/openapi.py documents it all.
"""
from functools import wraps

from flask import current_app, g, jsonify, request
from flask_babel import lazy_gettext as _l

from portal import workflow
from portal.errors import DomainError, Forbidden, FormErrors, NotFound, ValidationError
from portal.models import ACTIVE, AccessLink, Application, Service
from portal.models.base import MAX_ID
from portal.scoping import (
    filer_subject,
    get_application_for_isp,
    get_customer_for_isp,
    isp_applications,
    proposal_visible_to_isp,
)
from portal.services import access_changes, changes, customers
from portal.services.connect_check import may_connect
from portal.services.progress import application_events
from portal.states import Kind, State
from portal.web.api_auth import api_actor, api_error, token_required
from tenants.isp import api_bp

MAX_PER_PAGE = 100


class BadRequest(DomainError):
    """The request itself is malformed (not JSON, a bad query parameter)."""


# -- plumbing ---------------------------------------------------------------

def _validation_error(exc: ValidationError):
    errors = exc.errors if isinstance(exc, FormErrors) else (
        {exc.field: [exc.message]} if exc.field else {})
    response = jsonify(error={"code": "validation", "message": str(exc.message),
                              "fields": {k: [str(m) for m in v] for k, v in errors.items()}})
    response.status_code = 422
    return response


ERROR_CODES = ((BadRequest, "bad_request", 400), (NotFound, "not_found", 404),
               (Forbidden, "forbidden", 403), (DomainError, "conflict", 409))  # Refused, Stale


def _domain_error(exc: DomainError):
    if isinstance(exc, ValidationError):
        return _validation_error(exc)
    code, status = next((code, status) for kind, code, status in ERROR_CODES
                        if isinstance(exc, kind))
    return api_error(code, exc.message, status)


def route(rule: str, scope: str, methods=("GET",)):
    """An API route: bearer token with `scope`, domain errors answered as JSON."""
    def decorator(view):
        @wraps(view)
        def answered(*args, **kwargs):
            # Every DomainError, not just FIXABLE: the API answers each one itself, in
            # JSON with its own status (NotFound 404 included), never with a page.
            try:
                return view(*args, **kwargs)
            except DomainError as exc:
                return _domain_error(exc)
        return api_bp.route(rule, methods=list(methods))(
            token_required(scope)(answered))
    return decorator


def body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest(_l("请求体须为 JSON 对象"))
    return data


def _int(value, field: str, required: bool = True):
    if value in (None, "") and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdecimal():
        raise ValidationError(_l("须为正整数"), field=field)
    if len(str(value)) > len(str(MAX_ID)) or int(value) > MAX_ID:   # int() refuses 4300+ digits
        raise ValidationError(_l("超出取值范围"), field=field)
    return int(value)


def _text(data: dict, field: str) -> str:
    value = data.get(field, "")
    if not isinstance(value, str):
        raise ValidationError(_l("须为字符串"), field=field)
    return value


def _arg_int(name: str, default: int) -> int:
    try:
        return min(max(int(request.args.get(name, default)), 1), MAX_ID)
    except ValueError:
        raise BadRequest(_l("查询参数 %(name)s 须为整数", name=name)) from None


def paginated(query, serialise):
    page = _arg_int("page", 1)
    per_page = min(_arg_int("per_page", current_app.config["PAGE_SIZE"]), MAX_PER_PAGE)
    return jsonify(items=[serialise(row) for row in query.paginate(page, per_page)],
                   page=page, per_page=per_page, total=query.count())


def created(payload):
    return jsonify(payload), 201


def _time(moment):
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


# -- what an ISP sees -------------------------------------------------------

def application_summary(app: Application) -> dict:
    return {"id": app.id, "reference": app.reference, "kind": app.kind, "state": app.state,
            "channel": app.channel, "filed_by_this_isp": app.isp_id == g.api_isp_id,
            "customer_id": app.account_id, "service_id": app.service_id,
            "version": app.version, "in_conflict": app.in_conflict,
            "due_on": app.due_on.isoformat() if app.due_on else None,
            "submitted_at": _time(app.submitted_at), "updated_at": _time(app.updated_at)}


def application_detail(app: Application) -> dict:
    events = application_events(app)
    return {**application_summary(app), "return_reason": app.return_reason,
            "return_notes": app.return_notes or [], "proposed": proposal_visible_to_isp(app, g.api_isp_id),
            "created_at": _time(app.created_at), "decided_at": _time(app.decided_at),
            "history": [{"action": e.action.removeprefix("application."), "at": _time(e.at)}
                        for e in events]}


def customer_summary(account) -> dict:
    subject = filer_subject(account)
    return {"id": account.id, "username": account.username, "created_via": account.created_via,
            "created_at": _time(account.created_at),
            "subject_name": subject.name if subject else None,
            "filing_number": subject.filing_number if subject else None,
            "subject_status": subject.status if subject else None}


def customer_detail(account) -> dict:
    return {**customer_summary(account), "services": [
        service_summary(s) for s in customers.customer_services(account)]}


def service_summary(service: Service) -> dict:
    """A customer's service as this ISP sees it (full data only where it serves it)."""
    link = service.access_links.where(AccessLink.isp == g.api_isp_id,
                                      AccessLink.status == ACTIVE).first()
    return {"id": service.id, "kind": service.kind, "name": service.name,
            "filing_number": service.filing_number, "domains": service.details.get("domains", []),
            "restricted": service.restricted, "on_access_list": link is not None,
            "customer_ref": link.customer_ref if link else None,
            # the approved data a change starts from, for the ISP that serves the service
            "current": changes.current_service_data(service) if link else None}


# -- routes -----------------------------------------------------------------

@route("/check", "read")
def check_domain():
    return jsonify(may_connect(request.args.get("domain", ""), g.api_isp_id))


@route("/applications", "read")
def list_applications():
    query = isp_applications(g.api_isp_id)
    for name, allowed, column in (("state", State, Application.state),
                                  ("kind", Kind, Application.kind)):
        value = request.args.get(name)
        if value and value not in set(allowed):
            raise BadRequest(_l("查询参数 %(name)s 的取值不正确", name=name))
        if value:
            query = query.where(column == value)
    return paginated(query.order_by(Application.id.desc()), application_summary)


@route("/applications/<int:app_id>", "read")
def get_application(app_id):
    return jsonify(application_detail(get_application_for_isp(app_id, g.api_isp_id)))


@route("/applications", "write", methods=["POST"])
def create_application():
    data = body()
    proposed = data.get("proposed", {})
    if not isinstance(proposed, dict):
        raise ValidationError(_l("须为 JSON 对象"), field="proposed")
    app = access_changes.file_for_customer(
        g.api_isp_id, api_actor(), data.get("kind"), _int(data.get("customer_id"), "customer_id"),
        proposed, _int(data.get("service_id"), "service_id", required=False))
    return created(application_detail(app))


@route("/applications/<int:app_id>/verify", "write", methods=["POST"])
def verify_application(app_id):
    app = get_application_for_isp(app_id, g.api_isp_id)
    version = _int(body().get("version"), "version")
    return jsonify(application_detail(workflow.verify_application(app.id, api_actor(), version)))


@route("/applications/<int:app_id>/return", "write", methods=["POST"])
def return_application(app_id):
    app = get_application_for_isp(app_id, g.api_isp_id)
    data = body()
    notes = data.get("notes") or []
    if not isinstance(notes, list) or not all(
            isinstance(n, dict) and all(isinstance(n.get(k, ""), str) for k in ("field", "note"))
            for n in notes):
        raise ValidationError(_l("须为 [{\"field\": ..., \"note\": ...}] 列表"), field="notes")
    app = workflow.isp_return_application(app.id, api_actor(), _text(data, "reason"), notes,
                                          _int(data.get("version"), "version"))
    return jsonify(application_detail(app))


@route("/access", "write", methods=["POST"])
def add_access():
    data = body()
    app = access_changes.add_access_with_code(g.api_isp_id, api_actor(), _text(data, "code"),
                                              _text(data, "customer_ref"))
    return created(application_detail(app))


@route("/access/<int:service_id>/cancel", "write", methods=["POST"])
def cancel_access(service_id):
    access_changes.get_served_service(service_id, g.api_isp_id)
    app = access_changes.cancel_access_for_customer(g.api_isp_id, api_actor(), service_id,
                                                    _text(body(), "reason"))
    return created(application_detail(app))


@route("/customers", "read")
def list_customers():
    return paginated(customers.search_customers(g.api_isp_id, request.args.get("q", "")),
                     customer_summary)


@route("/customers/<int:account_id>", "read")
def get_customer(account_id):
    return jsonify(customer_detail(get_customer_for_isp(account_id, g.api_isp_id)))
