"""Route-audit cases of the ISP tenant's pages (tests/tenants/test_route_audit.py)."""
import io

from portal import sample_data, workflow
from portal.models import Account, ImportJob, OutboxMessage, Service, Webhook
from portal.services import changes, webhooks
from portal.services.api_tokens import create_token
from portal.states import Kind, State
from tests.conftest import form_tokens
from tests.factories import PASSWORD
from tests.portal.test_imports import BASE, import_row, to_csv
from tests.route_audit_support import Req, case_registry, send

NEW_PASSWORD = "a brand new passphrase"
PDF = b"%PDF-1.7 materials"
CASES, case = case_registry()


def as_admin(w):
    return w.login(w.isp.admin, "isp")


def as_operator(w):
    return w.login(w.isp.operator, "isp")


def customer(w) -> Account:
    """A filer this ISP created (on behalf), identity verified."""
    return Account.create(username=f"cust-{w.isp.id}", tenant="public", role="filer",
                          created_via="isp_behalf", created_by_org=w.isp, password_hash="x",
                          identity_verified=True, email="cust@mail.example",
                          mobile="13900001111")


def isp_draft(w, proposal=None):
    """A first-filing draft this ISP files for its customer; the operator logged in."""
    proposal = proposal or sample_data.first_filing(800, [w.isp.id])
    app = workflow.create_application(Kind.FIRST_FILING, account=customer(w),
                                      actor=w.isp.operator, channel="isp", isp=w.isp.id,
                                      proposed=proposal)
    as_operator(w)
    return app


def served_service(w) -> Service:
    """An approved service this ISP connects (the `website` fixture names `isp`)."""
    return w.website


# -- logins --------------------------------------------------------------------------------
@case("/isp/login")
def login(w):
    return Req("/isp/login", {**form_tokens(w.client, "/isp/login"),
                              "username": w.isp.operator.username, "password": PASSWORD})


@case("/isp/logout")
def logout(w):
    as_operator(w)
    return Req("/isp/logout", w.csrf("/isp/"))


@case("/isp/password")
def password(w):
    as_operator(w)
    return Req("/isp/password", {**w.csrf("/isp/password"), "current": PASSWORD,
                                 "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})


# -- verification ---------------------------------------------------------------------------
def _submitted(w):
    app = w.make_application(state=State.SUBMITTED)
    as_operator(w)
    return app


@case("/isp/applications/<int:app_id>/verify")
def verify(w):
    app = _submitted(w)
    return Req(f"/isp/applications/{app.id}/verify",
               {**w.csrf(f"/isp/applications/{app.id}"), "version": str(app.version)})


@case("/isp/applications/<int:app_id>/return")
def return_(w):
    app = _submitted(w)
    return Req(f"/isp/applications/{app.id}/return", {
        **w.csrf(f"/isp/applications/{app.id}"), "version": str(app.version),
        "reason": "资料不全", "notes-0-field": "subject.name", "notes-0-note": "请填写全称"})


# -- customers ------------------------------------------------------------------------------
@case("/isp/customers/<int:account_id>/reset-password")
def customer_reset_password(w):
    account = customer(w)
    as_operator(w)
    return Req(f"/isp/customers/{account.id}/reset-password",
               w.csrf(f"/isp/customers/{account.id}"))


@case("/isp/behalf")
def behalf_start(w):
    as_operator(w)
    return Req("/isp/behalf", {**w.csrf("/isp/behalf"), "username": "behalf-new",
                               "mobile": "13900002222", "email": "behalf@mail.example"})


@case("/isp/customers/<int:account_id>/filing")
def behalf_continue(w):
    account = customer(w)
    as_operator(w)
    return Req(f"/isp/customers/{account.id}/filing", w.csrf(f"/isp/customers/{account.id}"))


@case("/isp/customers/<int:account_id>/apply")
def customer_apply(w):
    service = served_service(w)
    account = service.subject.account
    as_operator(w)
    page = f"/isp/customers/{account.id}/apply"
    return Req(page, {**w.csrf(page), "kind": "cancel_service", "service_id": str(service.id),
                      "reason": "客户书面申请注销", "materials": (io.BytesIO(PDF), "m.pdf")},
               content_type="multipart/form-data")


@case("/isp/access/add")
def access_add(w):
    service = served_service(w)
    code = changes.create_authorisation_code(service.subject.account, service)
    other = w.make_isp()
    w.login(other.operator, "isp")
    return Req("/isp/access/add", {**w.csrf("/isp/access/add"), "code": code,
                                   "customer_ref": "KH-1"})


@case("/isp/access/<int:service_id>/cancel")
def access_cancel(w):
    service = served_service(w)
    as_operator(w)
    page = f"/isp/access/{service.id}/cancel"
    return Req(page, {**w.csrf(page), "reason": "客户已迁出"})


# -- filing on behalf (the shared wizard) ---------------------------------------------------
@case("/isp/filing/<int:app_id>/subject")
def filing_subject(w):
    page = f"/isp/filing/{isp_draft(w).id}/subject"
    return Req(page, w.form(page, address="山西省太原市小店区长治路 2 号"))


@case("/isp/filing/<int:app_id>/services/<int:index>")
def filing_service(w):
    page = f"/isp/filing/{isp_draft(w).id}/services/0"
    return Req(page, w.form(page, name="代为备案改名网站"))


@case("/isp/filing/<int:app_id>/services/new")
def filing_service_new(w):
    page = f"/isp/filing/{isp_draft(w).id}/services/new?kind=website"
    site = sample_data.website(902, [])
    return Req(page, w.form(page, name=site["name"], domains="\n".join(site["domains"]),
                            homepage=site["homepage"], ips="\n".join(site["ips"]),
                            content_category="企业官网", languages="中文简体",
                            **{f"r_{k}": v for k, v in site["responsible"].items()
                               if k != "cert_type"}))


@case("/isp/filing/<int:app_id>/services/<int:index>/delete")
def filing_service_delete(w):
    app = isp_draft(w)
    return Req(f"/isp/filing/{app.id}/services/0/delete",
               w.csrf(f"/isp/filing/{app.id}/services"))


@case("/isp/filing/<int:app_id>/access")
def filing_access(w):
    app = isp_draft(w)
    page = f"/isp/filing/{app.id}/access"
    return Req(page, w.form(page, entries__0__location="北京"))


@case("/isp/filing/<int:app_id>/pre-approval")
def filing_pre_approval(w):
    proposal = sample_data.first_filing(803, [w.isp.id])
    proposal["services"][0]["content_category"] = "新闻"
    page = f"/isp/filing/{isp_draft(w, proposal).id}/pre-approval"
    data = w.form(page, entries__0__document_number="晋新审2026-2")
    data["entries-0-document"] = (io.BytesIO(b"%PDF-1.7 approval"), "approval.pdf")
    return Req(page, data, content_type="multipart/form-data")


@case("/isp/filing/<int:app_id>/submit")
def filing_submit(w):
    app = isp_draft(w)
    return Req(f"/isp/filing/{app.id}/submit", w.csrf(f"/isp/filing/{app.id}/review"))


# -- staff ----------------------------------------------------------------------------------
@case("/isp/staff")
def staff_list(w):
    as_admin(w)
    return Req("/isp/staff", {**w.csrf("/isp/staff"), "username": "isp-new-op",
                              "role": "operator", "display_name": "新员工"})


def _staff_action(w, action, **fields):
    account = w.make_account("isp", "operator", w.isp, **fields)
    as_admin(w)
    return Req(f"/isp/staff/{account.id}/{action}", w.csrf("/isp/staff"))


@case("/isp/staff/<int:account_id>/disable")
def staff_disable(w):
    return _staff_action(w, "disable")


@case("/isp/staff/<int:account_id>/enable")
def staff_enable(w):
    return _staff_action(w, "enable", is_active=False)


@case("/isp/staff/<int:account_id>/reset-password")
def staff_reset_password(w):
    return _staff_action(w, "reset-password")


# -- tokens, webhooks, imports ----------------------------------------------------------------
@case("/isp/tokens")
def create_token_page(w):
    as_admin(w)
    return Req("/isp/tokens", {**w.csrf("/isp/tokens"), "name": "对接令牌",
                               "scopes": ["read", "write"]})


@case("/isp/tokens/<int:token_id>/revoke")
def revoke_token(w):
    token, _ = create_token(w.isp.id, w.isp.admin, "旧令牌", ["read"])
    as_admin(w)
    return Req(f"/isp/tokens/{token.id}/revoke", w.csrf("/isp/tokens"))


def _hook(w) -> Webhook:
    w.app.config["ALLOW_LOOPBACK_OUTBOUND"] = True
    hook, _ = webhooks.register_webhook(w.isp.id, w.isp.admin, w.receiver.url("/hook"),
                                        allow_loopback=True)
    as_admin(w)
    return hook


@case("/isp/webhooks")
def webhooks_register(w):
    w.app.config["ALLOW_LOOPBACK_OUTBOUND"] = True
    as_admin(w)
    return Req("/isp/webhooks", {**w.csrf("/isp/webhooks"), "url": w.receiver.url("/hook")})


@case("/isp/webhooks/<int:webhook_id>/delete")
def webhooks_delete(w):
    return Req(f"/isp/webhooks/{_hook(w).id}/delete", w.csrf("/isp/webhooks"))


@case("/isp/webhooks/<int:webhook_id>/test")
def webhooks_test(w):
    return Req(f"/isp/webhooks/{_hook(w).id}/test", w.csrf("/isp/webhooks"))


@case("/isp/webhooks/deliveries/<int:message_id>/retry")
def webhooks_retry(w):
    hook = _hook(w)
    failed = OutboxMessage.create(
        message_id=f"evt_retry_{hook.id}", channel="webhook", status="failed", body="{}",
        recipient=f"isp:{w.isp.id}:webhook:{hook.id}",
        payload={"webhook_id": hook.id, "isp_id": w.isp.id, "url": hook.url, "event": {}})
    return Req(f"/isp/webhooks/deliveries/{failed.id}/retry",
               w.csrf("/isp/webhooks/deliveries"))


def upload_import(w, n):
    return Req("/isp/imports", {**w.csrf("/isp/imports"),
                                "file": (io.BytesIO(to_csv([import_row(BASE + n)])), "c.csv")},
               content_type="multipart/form-data")


@case("/isp/imports")
def importupload_import(w):
    as_operator(w)
    return upload_import(w, 7)


@case("/isp/imports/<int:job_id>/result")
def import_result(w):
    as_operator(w)
    assert send(w.client, upload_import(w, 8)).status_code == 302
    job = ImportJob.get(ImportJob.organisation == w.isp.id)
    assert job.result
    return Req(f"/isp/imports/{job.id}/result", w.csrf(f"/isp/imports/{job.id}"))
