"""One world with two of each party and every kind of object a route takes an id of,
built through the real services and workflow (tests/security/conftest.py builds it once
per session and gives each test a copy).

Each party's data carries its own marker (`qalpha` for party A, `qbravo` for party B) in
usernames, domains, customer references, token names and webhook URLs, and its subject
names carry the party's number: a response that shows another party's data shows one of
its markers (`world["markers"]`).
"""
import io
from datetime import date

from portal import sample_data, workflow
from portal.clock import local_today
from portal.demo import confirm_codes
from portal.demo_bureau import SCAN
from portal.models import (Account, Application, AuditEvent, BlacklistEntry, IspOrganisation,
                           OutboxMessage, RecordFlag, Service, Subject, Webhook)
from portal.record_decisions import cancel_record, restrict_service
from portal.services import announcements, behalf, imports, uploads, working_days
from portal.services.api_tokens import create_token
from portal.services.violations import mark_violation
from portal.services.written_applications import record_written_application
from portal.states import Kind, State
from tests.factories import password_hash
from tests.portal.test_imports import import_row, to_csv

PARTIES = {"A": ("qalpha", 61001), "B": ("qbravo", 62002)}
PDF = b"%PDF-1.4\n%" + b"x" * 40 + b"\n%%EOF\n"


def account(username, tenant, role, org=None, **fields):
    n = abs(hash(username)) % 10**8
    fields.setdefault("mobile", f"135{n:08d}")
    fields.setdefault("email", f"{username}@mail.example")
    return Account.create(username=username, tenant=tenant, role=role, organisation=org,
                          password_hash=password_hash(), identity_verified=True,
                          mobile_verified=True, email_verified=True, **fields)


def marked_filing(token: str, n: int, isp_id: int) -> dict:
    """A first filing with a website and an APP whose domains carry the party's marker."""
    site = sample_data.website(n, [isp_id])
    site.update(domains=[f"www.{token}-site.example"], homepage=f"http://www.{token}-site.example/")
    app = sample_data.app_service(n + 1, [isp_id])
    app["domains"] = [f"api.{token}-app.test"]
    return sample_data.first_filing(n, [isp_id], services=[site, app])


def drive_to(app, state, filer, isp, reviewer=None):
    """Take a fresh application along the happy path to `state` (review or approved)."""
    workflow.submit_application(app.id, filer)
    if workflow.load_application(app.id).state == State.SUBMITTED:
        workflow.verify_application(app.id, isp.operator)
    if workflow.load_application(app.id).state == State.SMS:
        confirm_codes(workflow.load_application(app.id))
    if state == State.APPROVED:
        workflow.approve_application(app.id, reviewer)
    return workflow.load_application(app.id)


def build_party(key: str, reviewer) -> dict:
    """An ISP with its staff, tokens, import jobs and webhook, and a filer it serves."""
    token, n = PARTIES[key]
    isp = IspOrganisation.create(name=f"测试接入商{key}{n}", consultation_phone="0351-1234567")
    isp.operator = account(f"isp-{token}-op", "isp", "operator", isp,
                           display_name=f"操作员{key}")
    admin = account(f"isp-{token}-admin", "isp", "admin", isp, display_name=f"管理员{key}")
    readonly = account(f"isp-{token}-ro", "isp", "readonly", isp, display_name=f"只读{key}")
    filer = account(f"filer-{token}", "public", "filer")
    found = {"isp": isp.id, "isp_admin": admin.id, "isp_op": isp.operator.id,
             "isp_ro": readonly.id, "filer": filer.id, "zero": 0}
    found.update(filer_objects(token, n, filer, isp, reviewer))
    found.update(isp_objects(token, n, isp, admin))
    return found


def filer_objects(token, n, filer, isp, reviewer) -> dict:
    """An approved record (website, APP, certificate), a change in review with a document,
    an ADD_SERVICE draft with a document, a CHANGE_SUBJECT draft, and the ISP's draft for
    a customer it opened on the filer's behalf."""
    first = workflow.create_application(Kind.FIRST_FILING, account=filer, actor=filer,
                                        proposed=marked_filing(token, n, isp.id))
    approved = drive_to(first, State.APPROVED, filer, isp, reviewer)
    subject = Subject.get_by_id(approved.subject_id)
    website = subject.services.where(Service.kind == "website").get()
    app_service = subject.services.where(Service.kind == "app").get()
    current = {**website.details, "kind": "website", "name": website.name,
               "homepage": website.homepage, "service_id": website.id}
    review_doc = uploads.store_upload(io.BytesIO(PDF), f"{token}-变更.pdf", "materials")
    review = workflow.create_application(
        Kind.CHANGE_SERVICE, account=filer, actor=filer, service_id=website.id,
        materials=[review_doc],
        proposed={"services": [{**current, "domains": current["domains"]
                                + [f"www2.{token}-site.example"]}]})
    review = drive_to(review, State.REVIEW, filer, isp)
    document = uploads.store_upload(io.BytesIO(PDF), f"{token}-材料.pdf", "materials")
    extra = sample_data.mini_service(n + 2, [isp.id])
    extra["name"] = f"{token}小程序"
    draft = workflow.create_application(Kind.ADD_SERVICE, account=filer, actor=filer,
                                        proposed={"services": [extra]}, materials=[document])
    base_subject = {**subject.__data__, "responsible": subject.responsible}
    subject_draft = workflow.create_application(
        Kind.CHANGE_SUBJECT, account=filer, actor=filer,
        proposed={"subject": {**base_subject,
                              "mailing_address": f"山西省太原市{token}路1号"}})
    customer, _initial, isp_draft = behalf.open_behalf_filing(
        isp.id, isp.operator, f"cust-{token}", f"136{n:08d}", f"cust-{token}@mail.example")
    isp_doc = uploads.store_upload(io.BytesIO(PDF), f"{token}-isp.pdf", "materials")
    workflow.update_draft(isp_draft.id, isp.operator, {
        **marked_filing(f"{token}-behalf", n + 10, isp.id)})
    Application.update(materials=[isp_doc]).where(Application.id == isp_draft.id).execute()
    return {"subject": subject.id, "website": website.id, "app": app_service.id,
            "app_approved": approved.id, "app_review": review.id, "app_draft": draft.id,
            "app_subject_draft": subject_draft.id, "document": document["stored"],
            "customer": customer.id, "isp_draft": isp_draft.id,
            "isp_document": isp_doc["stored"], "number": subject.filing_number}


def isp_objects(token, n, isp, admin) -> dict:
    """API tokens (all scopes, read only), an import with errors and a finished one, a
    webhook and a failed delivery."""
    full, _ = create_token(isp.id, admin, f"令牌-{token}-all", ["read", "write"])
    read_only, _ = create_token(isp.id, admin, f"令牌-{token}-read", ["read"])
    tokens = {"all": create_token(isp.id, admin, f"令牌-{token}-api", ["read", "write"])[1],
              "read": create_token(isp.id, admin, f"令牌-{token}-ro", ["read"])[1]}
    bad_rows = [import_row(n * 10, mobile="1"), import_row(n * 10 + 1, website_ips="10.0.0.1")]
    job = imports.start_job(isp.id, admin, to_csv(bad_rows), f"{token}.csv", True)
    done = imports.start_job(isp.id, admin, to_csv([import_row(500_000 + n)]), f"{token}-ok.csv",
                             False)
    webhook = Webhook.create(organisation=isp, url=f"https://203.0.113.5/hook-{token}",
                             secret=f"secret-{token}")
    delivery = OutboxMessage.create(
        message_id=f"evt_{token}", channel="webhook",
        recipient=f"isp:{isp.id}:webhook:{webhook.id}",
        status="failed", body="{}", payload={"webhook_id": webhook.id, "isp_id": isp.id,
                                             "url": webhook.url, "event": {}})
    return {"token_all": full.id, "token_read": read_only.id, "tokens": tokens, "job": job.id,
            "job_done": done.id, "webhook": webhook.id, "delivery": delivery.id}


def build_bureau(parties: dict, reviewer, admin, auditor) -> dict:
    """Announcements, a holiday, a written application with its scan, a blacklist entry,
    a restricted and violation-marked website, an application in conflict, a spare
    reviewer for the staff pages."""
    spare = account("reviewer-spare", "bureau", "reviewer", display_name="备用审核员")
    announcement = announcements.create_announcement(admin, "公告草稿", "草稿内容")
    announcements.create_announcement(admin, "已发布公告", "公告内容", publish=True)
    today = local_today()
    override = working_days.add_override(admin, date(today.year + 1, 1, 2), False, "假期")
    written = record_written_application(admin, {
        "kind": "password_recovery", "username": "filer-qalpha", "received_via": "fax",
        "received_on": today.isoformat(), "applicant_name": "张三",
        "applicant_cert_type": "居民身份证", "applicant_cert_number": "11010519491231002X",
        "applicant_capacity": "legal_representative"}, [(io.BytesIO(SCAN), "书面申请.pdf")])
    victim = _third_filer(parties, 63003, "qcharlie", reviewer)
    victim_subject = Subject.get(Subject.account == victim.id)
    doomed = victim_subject.services.where(Service.kind == "app").get()
    cancel_record(reviewer, "违法", service_id=doomed.id, for_violation=True, blacklist=True)
    site = victim_subject.services.where(Service.kind == "website").get()
    restrict_service(admin, site.id, "限制接入")
    mark_violation(admin, site.id, "违法信息")
    conflict = _conflicting_filer(parties)
    message = OutboxMessage.select().where(OutboxMessage.channel != "webhook").first()
    return {
        "admin": admin.id, "reviewer": reviewer.id, "auditor": auditor.id, "spare": spare.id,
        "announcement": announcement.id, "override": override.id, "written": written.id,
        "blacklist": BlacklistEntry.select().first().id, "restricted": site.id,
        "victim_subject": victim_subject.id, "conflict_app": conflict.id,
        "message": message.id, "zero": 0,
        "seq": AuditEvent.select().order_by(AuditEvent.id.desc()).first().seq,
        "flag": RecordFlag.select().first().id if RecordFlag.select().exists() else 0,
    }


def _third_filer(parties, n, token, reviewer):
    isp = IspOrganisation.get_by_id(parties["A"]["isp"])
    isp.operator = Account.get_by_id(parties["A"]["isp_op"])
    filer = account(f"filer-{token}", "public", "filer")
    app = workflow.create_application(Kind.FIRST_FILING, account=filer, actor=filer,
                                      proposed=marked_filing(token, n, isp.id))
    drive_to(app, State.APPROVED, filer, isp, reviewer)
    return filer


def _conflicting_filer(parties):
    """A fourth filer whose website takes filer B's domain: an application in conflict."""
    isp = IspOrganisation.get_by_id(parties["B"]["isp"])
    isp.operator = Account.get_by_id(parties["B"]["isp_op"])
    filer = account("filer-qdelta", "public", "filer")
    proposal = marked_filing("qdelta", 64004, isp.id)
    proposal["services"][0]["domains"] = ["www.qbravo-site.example"]
    proposal["services"][0]["homepage"] = "http://www.qbravo-site.example/"
    app = workflow.create_application(Kind.FIRST_FILING, account=filer, actor=filer,
                                      proposed=proposal)
    return drive_to(app, State.REVIEW, filer, isp)


def build_world() -> dict:
    """Everything, in the order the ids depend on; returns the ids by party."""
    reviewer = account("bureau-reviewer", "bureau", "reviewer", display_name="审核员")
    admin = account("bureau-admin", "bureau", "admin", display_name="管理员")
    auditor = account("bureau-auditor", "bureau", "auditor", display_name="审计员")
    parties = {key: build_party(key, reviewer) for key in PARTIES}
    bureau = build_bureau(parties, reviewer, admin, auditor)
    return {"A": parties["A"], "B": parties["B"], "bureau": bureau,
            "markers": {key: [token] for key, (token, _n) in PARTIES.items()}}
