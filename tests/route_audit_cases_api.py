"""Route-audit cases of the ISP API (/api/v1/isp, bearer tokens; tests/tenants/
test_route_audit.py). Tokens are made before the request, so their creation is setup."""
from portal import sample_data
from portal.models import ImportJob
from portal.services import changes, webhooks
from portal.services.api_tokens import create_token
from portal.states import State
from tests.factories import next_n
from tests.portal.test_imports import BASE, import_row, to_csv
from tests.route_audit_cases_isp import as_operator, upload_import
from tests.route_audit_support import Req, case_registry, send

API = "/api/v1/isp"
CASES, case = case_registry()


def call(w, path, json=None, method="POST", org=None, **kwargs):
    return Req(API + path, method=method, json=json, headers=w.bearer(org=org), **kwargs)


@case("/api/v1/isp/applications")
def create_application(w):
    customer = w.make_account("public", created_by_org=w.isp, created_via="isp_behalf")
    return call(w, "/applications", {"kind": "first_filing", "customer_id": customer.id,
                                     "proposed": sample_data.first_filing(next_n(),
                                                                          [w.isp.id])})


@case("/api/v1/isp/applications/<int:app_id>/verify")
def verify_application(w):
    app = w.make_application(state=State.SUBMITTED)
    return call(w, f"/applications/{app.id}/verify", {"version": app.version})


@case("/api/v1/isp/applications/<int:app_id>/return")
def return_application(w):
    app = w.make_application(state=State.SUBMITTED)
    return call(w, f"/applications/{app.id}/return", {
        "reason": "材料不全", "version": app.version,
        "notes": [{"field": "services.0.domains", "note": "请提供域名证书"}]})


@case("/api/v1/isp/access")
def add_access(w):
    service = w.website
    code = changes.create_authorisation_code(service.subject.account, service)
    return call(w, "/access", {"code": code, "customer_ref": "KH-7"}, org=w.make_isp())


@case("/api/v1/isp/access/<int:service_id>/cancel")
def cancel_access(w):
    return call(w, f"/access/{w.website.id}/cancel", {"reason": "客户迁出"})


def _hook(w):
    w.app.config["ALLOW_LOOPBACK_OUTBOUND"] = True
    hook, _ = webhooks.register_webhook(w.isp.id, w.isp.admin, w.receiver.url("/hook"),
                                        allow_loopback=True)
    return hook


@case("/api/v1/isp/webhooks")
def api_webhooks_register(w):
    w.app.config["ALLOW_LOOPBACK_OUTBOUND"] = True
    return call(w, "/webhooks", {"url": w.receiver.url("/hook")})


@case("/api/v1/isp/webhooks/<int:webhook_id>")
def api_webhooks_delete(w):
    return call(w, f"/webhooks/{_hook(w).id}", method="DELETE")


@case("/api/v1/isp/webhooks/<int:webhook_id>/test")
def api_webhooks_test(w):
    return call(w, f"/webhooks/{_hook(w).id}/test")


def _import(w, n):
    return Req(f"{API}/imports?dry_run=false", data=to_csv([import_row(BASE + n)]),
               headers=w.bearer(), content_type="text/csv")


@case("/api/v1/isp/imports")
def create_import(w):
    return _import(w, 11)


@case("/api/v1/isp/imports/<int:job_id>/result")
def take_import_result(w):
    """A job run from the page keeps its initial passwords until the first download (the
    API's own imports hand them out at once): its operator takes the file by API."""
    as_operator(w)
    assert send(w.client, upload_import(w, 12)).status_code == 302
    job = ImportJob.get(ImportJob.organisation == w.isp.id)
    _, plain = create_token(w.isp.id, w.isp.operator, "操作员令牌", ["read", "write"])
    return Req(f"{API}/imports/{job.id}/result", headers={"Authorization": f"Bearer {plain}"})
