"""Route-audit cases of the public tenant (tests/tenants/test_route_audit.py): for each
state-changing rule, the setup and the valid request its rightful actor sends."""
import io
import re
from datetime import timedelta

from portal import sample_data
from portal.clock import utcnow
from portal.models import (
    Account,
    Certificate,
    InstanceSettings,
    OutboxMessage,
    Service,
    SmsVerification,
)
from portal.services import statements
from portal.states import State
from tests.conftest import form_tokens
from tests.factories import PASSWORD
from tests.route_audit_support import Req, case_registry

NEW_PASSWORD = "a brand new passphrase"
CASES, case = case_registry()


def last_code(target: str, pattern=r"验证码为(\d{6})") -> str:
    message = (OutboxMessage.select().where(OutboxMessage.recipient == target)
               .order_by(OutboxMessage.id.desc()).first())
    return re.search(pattern, message.body).group(1)


def approved(w):
    """A filer with an approved record, logged in: (filer, subject, first service)."""
    app = w.make_application(state=State.APPROVED)
    filer = w.login(app.account)
    return filer, app.subject, Service.get(Service.subject == app.subject_id)


def draft(w, proposal=None):
    """A logged-in filer's complete first-filing draft."""
    app = w.make_application(state=State.DRAFT, proposal=proposal)
    w.login(app.account)
    return app


def registered(w):
    """A filer registered through the form (codes sent), logged in, not yet verified."""
    data = form_tokens(w.client, "/register")
    data.update(username="newfiler", password=PASSWORD, confirm=PASSWORD,
                mobile="13912345678", email="new@mail.example")
    assert w.client.post("/register", data=data).status_code == 302
    return w.login(Account.get(Account.username == "newfiler"))


# -- accounts -------------------------------------------------------------------------------
@case("/login")
def login(w):
    filer = w.make_filer()
    return Req("/login", {**form_tokens(w.client, "/login"), "username": filer.username,
                          "password": PASSWORD})


@case("/logout")
def logout(w):
    w.login(w.make_filer())
    return Req("/logout", w.csrf("/home"))


@case("/password")
def password(w):
    w.login(w.make_filer())
    return Req("/password", {**w.csrf("/password"), "current": PASSWORD, "new": NEW_PASSWORD,
                             "confirm": NEW_PASSWORD})


@case("/register")
def register(w):
    return Req("/register", {**form_tokens(w.client, "/register"), "username": "newfiler",
                             "password": PASSWORD, "confirm": PASSWORD,
                             "mobile": "13912345678", "email": "new@mail.example"})


@case("/verify")
def verify_identity(w):
    registered(w)
    return Req("/verify", {**w.csrf("/verify"), "mobile_code": last_code("13912345678"),
                           "email_code": last_code("new@mail.example")})


@case("/verify/resend")
def resend_identity_codes(w):
    registered(w)
    return Req("/verify/resend", w.csrf("/verify"))


@case("/verify/email")
def change_email(w):
    registered(w)
    return Req("/verify/email", {**w.csrf("/verify"), "email": "other@mail.example"})


@case("/password/forgot")
def forgot_password(w):
    filer = w.make_filer(created_via="self", email_verified=True)
    return Req("/password/forgot", {**form_tokens(w.client, "/password/forgot"),
                                    "identifier": filer.username})


@case("/password/reset")
def reset_password(w):
    filer = w.make_filer(created_via="self", email_verified=True)
    data = {**form_tokens(w.client, "/password/forgot"), "identifier": filer.username}
    assert w.client.post("/password/forgot", data=data).status_code == 302
    return Req("/password/reset", {**w.csrf("/password/reset"), "username": filer.username,
                                   "code": last_code(filer.email), "password": NEW_PASSWORD,
                                   "confirm": NEW_PASSWORD})


@case("/username/forgot")
def forgot_username(w):
    filer = w.make_filer()
    return Req("/username/forgot", {**form_tokens(w.client, "/username/forgot"),
                                    "email": filer.email})


# -- public checks --------------------------------------------------------------------------
@case("/cert-check")
def certificate_check(w):
    certificate = Certificate.get(Certificate.service == w.website.id)
    return Req("/cert-check", {**w.csrf("/cert-check"), "text": certificate.document})


@case("/statement/verify")
def statement_verify(w):
    document = statements.issue_statement(w.website.subject, None)
    return Req("/statement/verify", {**w.csrf("/statement/verify"), "text": document})


@case("/sms-verification")
def sms_verification(w):
    app = w.make_application(state=State.SMS)
    row = SmsVerification.get(SmsVerification.application == app.id)
    page = f"/sms-verification?reference={app.reference}"
    return Req("/sms-verification", {
        **w.csrf(page), "reference": app.reference, "cert_number": row.cert_number,
        "mobile": row.mobile, "code": last_code(row.mobile, r"核验码为(\d{6})"),
        "confirm": "确认核验"})


# -- the filing wizard ----------------------------------------------------------------------
@case("/filing")
def filing_start(w):
    w.login(w.make_filer())
    return Req("/filing", w.csrf("/filing"))


@case("/filing/<int:app_id>/subject")
def filing_subject(w):
    app = draft(w)
    page = f"/filing/{app.id}/subject"
    return Req(page, w.form(page, address="山西省太原市小店区长治路 1 号"))


@case("/filing/<int:app_id>/services/<int:index>")
def filing_service(w):
    app = draft(w)
    page = f"/filing/{app.id}/services/0"
    return Req(page, w.form(page, name="改过名字的网站"))


@case("/filing/<int:app_id>/services/new")
def filing_service_new(w):
    app = draft(w)
    page = f"/filing/{app.id}/services/new?kind=website"
    site = sample_data.website(900, [])
    return Req(page, w.form(page, name=site["name"], domains="\n".join(site["domains"]),
                            homepage=site["homepage"], ips="\n".join(site["ips"]),
                            content_category="企业官网", languages="中文简体",
                            **{f"r_{k}": v for k, v in site["responsible"].items()
                               if k != "cert_type"}))


@case("/filing/<int:app_id>/services/<int:index>/delete")
def filing_service_delete(w):
    app = draft(w)
    return Req(f"/filing/{app.id}/services/0/delete", w.csrf(f"/filing/{app.id}/services"))


@case("/filing/<int:app_id>/access")
def filing_access(w):
    app = draft(w)
    other = w.make_isp()
    page = f"/filing/{app.id}/access"
    return Req(page, w.form(page, entries__0__isps=str(other.id)))


@case("/filing/<int:app_id>/pre-approval")
def filing_pre_approval(w):
    proposal = sample_data.first_filing(901, [w.isp.id])
    proposal["services"][0]["content_category"] = "新闻"
    app = draft(w, proposal)
    page = f"/filing/{app.id}/pre-approval"
    data = w.form(page, entries__0__document_number="晋新审2026-1")
    data["entries-0-document"] = (io.BytesIO(b"%PDF-1.7 approval"), "approval.pdf")
    return Req(page, data, content_type="multipart/form-data")


@case("/filing/<int:app_id>/submit")
def filing_submit(w):
    app = draft(w)
    return Req(f"/filing/{app.id}/submit", w.csrf(f"/filing/{app.id}/review"))


# -- the filer's applications ---------------------------------------------------------------
def _application_action(w, state, action):
    app = w.make_application(state=state)
    w.login(app.account)
    return Req(f"/applications/{app.id}/{action}", w.csrf(f"/applications/{app.id}"))


@case("/applications/<int:app_id>/submit")
def application_submit(w):
    return _application_action(w, State.DRAFT, "submit")


@case("/applications/<int:app_id>/withdraw")
def application_withdraw(w):
    return _application_action(w, State.SUBMITTED, "withdraw")


@case("/applications/<int:app_id>/abandon")
def application_abandon(w):
    return _application_action(w, State.DRAFT, "abandon")


# -- the approved record --------------------------------------------------------------------
@case("/record/change-subject")
def change_subject(w):
    approved(w)
    return Req("/record/change-subject", w.csrf("/record"))


@case("/record/add-service")
def add_service(w):
    approved(w)
    return Req("/record/add-service", w.csrf("/record"))


@case("/record/annual-review")
def annual_review(w):
    now = utcnow()
    InstanceSettings.update(annual_review_start=(now - timedelta(days=5)).date(),
                            annual_review_end=(now + timedelta(days=5)).date()).execute()
    approved(w)
    return Req("/record/annual-review", w.csrf("/record"))


@case("/record/services/<int:service_id>/change")
def change_service(w):
    _, _, service = approved(w)
    return Req(f"/record/services/{service.id}/change", w.csrf("/record"))


@case("/record/services/<int:service_id>/change-access")
def change_access(w):
    _, _, service = approved(w)
    return Req(f"/record/services/{service.id}/change-access", w.csrf("/record"))


def _cancel(w, url):
    return Req(url, {**w.csrf(url), "reason": "不再运营", "confirm": "y"})


@case("/record/cancel")
def cancel_subject(w):
    approved(w)
    return _cancel(w, "/record/cancel")


@case("/record/services/<int:service_id>/cancel")
def cancel_service(w):
    _, _, service = approved(w)
    return _cancel(w, f"/record/services/{service.id}/cancel")


@case("/record/services/<int:service_id>/access/<int:isp_id>/cancel")
def cancel_access(w):
    _, _, service = approved(w)
    return _cancel(w, f"/record/services/{service.id}/access/{w.isp.id}/cancel")


@case("/record/services/<int:service_id>/authorisation-code")
def authorisation_code(w):
    _, _, service = approved(w)
    return Req(f"/record/services/{service.id}/authorisation-code", w.csrf("/record"))


@case("/record/services/<int:service_id>/check-site")
def check_site(w):
    from portal import outbound
    from tests.sites import local_fetcher
    _, _, service = approved(w)
    w.monkeypatch.setattr(outbound, "fetch", local_fetcher(w.site))
    w.app.config["ALLOW_LOOPBACK_OUTBOUND"] = True
    return Req(f"/record/services/{service.id}/check-site", w.csrf("/record"))

