"""What the bureau's application page is built from: fields and their paths, differences
from the record and since the last return, the conflict panel, the SMS record,
attachments; the approval email's certificates and instructions; and two reviewers
deciding the same application at once."""
import io
import os
import threading

import pytest

from portal import sample_data, workflow
from portal.db import db
from portal.errors import NotFound, Refused, StaleDecision
from portal.models import (Application, AuditEvent, Certificate, InstanceSettings,
                           OutboxMessage, PreApprovalDocument, Service, SmsVerification, Subject)
from portal.notifications import approval_contents
from portal.services import proposal_fields, review_detail, uploads
from portal.services.changes import current_service_data, current_subject_data
from portal.states import Kind, State
from tests.factories import file_application, next_n, push_through

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
PDF = b"%PDF-1.4\n" + b"0" * 32


def stored(data=PNG, name="scan.png"):
    return uploads.store_upload(io.BytesIO(data), name, "materials")


def approved_site(make_application):
    app = make_application(state=State.APPROVED)
    return app, Service.get(Service.subject == app.subject_id)


def paths(fields) -> list[str]:
    return [f.path for f in fields]


# -- fields ---------------------------------------------------------------------

def test_every_field_of_a_first_filing_with_the_paths_the_filer_sees(make_application, isp):
    app = make_application(state=State.REVIEW)
    fields = proposal_fields.proposal_fields(app.proposed, proposal_fields.isp_names_for(app))
    names = paths(fields)
    for path in ("subject.name", "subject.cert_number", "subject.address",
                 "subject.responsible.mobile", "services.0.name", "services.0.domains",
                 "services.0.isps", "services.0.responsible.email"):
        assert path in names, path
    values = {f.path: f.value for f in fields}
    assert values["services.0.isps"] == isp.name
    assert values["services.0.domains"] == "、".join(app.proposed["services"][0]["domains"])
    assert values["subject.responsible.mobile"] == app.proposed["subject"]["responsible"]["mobile"]


def test_cancellation_fields_and_the_materials_entry(make_application, isp, reviewer):
    app, service = approved_site(make_application)
    cancel = file_application(Kind.CANCEL_SERVICE, app.account, isp, reviewer,
                              {"reason": "不再运营"}, service_id=service.id, approve=False)
    assert [(f.path, f.value) for f in review_detail.return_fields(cancel)] == [
        ("reason", "不再运营")]
    Application.update(materials=[stored()]).where(Application.id == cancel.id).execute()
    assert paths(review_detail.return_fields(workflow.load_application(cancel.id))) == [
        "reason", "materials"]


# -- differences ----------------------------------------------------------------

def change_name(make_application, isp, reviewer, approve=False):
    app, service = approved_site(make_application)
    data = current_service_data(service)
    data["name"] = data["name"] + "新版"
    change = file_application(Kind.CHANGE_SERVICE, app.account, isp, reviewer,
                              {"services": [data]}, service_id=service.id, approve=approve)
    return change, service, data["name"]


def test_a_change_is_compared_with_the_approved_record(make_application, isp, reviewer):
    change, service, new_name = change_name(make_application, isp, reviewer)
    diff = proposal_fields.record_differences(change, {})
    assert [(d["path"], d["old"], d["new"]) for d in diff] == [
        ("services.0.name", service.name, new_name)]


def test_an_approved_change_is_compared_with_the_record_before_it(make_application, isp,
                                                                   reviewer):
    change, service, new_name = change_name(make_application, isp, reviewer, approve=True)
    assert Service.get_by_id(service.id).name == new_name
    diff = proposal_fields.record_differences(workflow.load_application(change.id), {})
    assert [(d["old"], d["new"]) for d in diff] == [(service.name, new_name)]


def test_a_subject_change_lists_changed_subject_fields(make_application, isp, reviewer):
    app, _ = approved_site(make_application)
    data = current_subject_data(Subject.get_by_id(app.subject_id))
    data["mailing_address"] = "山西省太原市新建路1号"
    change = file_application(Kind.CHANGE_SUBJECT, app.account, isp, reviewer,
                              {"subject": data}, approve=False)
    diff = proposal_fields.record_differences(change, {})
    assert [d["path"] for d in diff] == ["subject.mailing_address"]


def test_first_filings_have_no_record_to_compare(make_application):
    assert proposal_fields.record_differences(make_application(state=State.REVIEW), {}) is None


def test_what_changed_since_the_return(make_application, isp, reviewer):
    app = make_application(state=State.REVIEW)
    assert proposal_fields.since_return(app, {}) is None
    notes = [{"field": "services.0.name", "note": "请与网站内容一致"},
             {"field": "subject.address", "note": "请填写详细地址"}]
    workflow.return_application(app.id, reviewer, "名称不符", notes)
    proposed = dict(app.proposed)
    proposed["services"] = [dict(proposed["services"][0], name="读书笔记分享网站新名")]
    workflow.update_draft(app.id, app.account, proposed)
    resubmitted = push_through(app.id, app.account, isp, reviewer, approve=False)
    since = proposal_fields.since_return(resubmitted, {})
    assert [(c["path"], c["new"]) for c in since["changes"]] == [
        ("services.0.name", "读书笔记分享网站新名")]
    assert [(n["field"], n["changed"]) for n in since["notes"]] == [
        ("services.0.name", True), ("subject.address", False)]
    assert since["notes"][1]["label"].endswith("证件住所")


# -- conflicts, SMS, history ----------------------------------------------------

def test_conflict_panel_shows_the_other_record_and_contact(make_application, make_filer,
                                                           isp, reviewer):
    holder = make_application(state=State.APPROVED)
    site = holder.proposed["services"][0]
    proposal = sample_data.first_filing(next_n(), [isp.id], services=[dict(site)])
    app = file_application(Kind.FIRST_FILING, make_filer(), isp, reviewer, proposal,
                           approve=False)
    panel = review_detail.conflict_panel(app)
    domain = next(p for p in panel if p["value"] == site["domains"][0])
    other = holder.account
    assert domain["key"] == "域名" and domain["username"] == other.username
    assert (domain["mobile"], domain["email"]) == (other.mobile, other.email)
    assert Service.get(Service.subject == holder.subject_id).filing_number in domain["other"]
    assert domain["name"] == holder.proposed["subject"]["name"]


def test_conflict_with_a_pending_application(make_application, make_filer, isp, reviewer):
    pending = make_application(state=State.SUBMITTED)
    proposal = sample_data.first_filing(next_n(), [isp.id],
                                        services=[dict(pending.proposed["services"][0])])
    app = file_application(Kind.FIRST_FILING, make_filer(), isp, reviewer, proposal,
                           approve=False)
    [first, *_] = review_detail.conflict_panel(app)
    assert first["other_application"].id == pending.id and pending.reference in first["other"]
    assert first["username"] == pending.account.username


def test_sms_record_masks_the_mobile_and_keeps_tries(make_application):
    app = make_application(state=State.REVIEW)
    SmsVerification.update(tries=2).where(SmsVerification.application == app.id,
                                          SmsVerification.role == "subject").execute()
    record = {r["role"]: r for r in review_detail.sms_record(app)}
    subject = record["主体负责人"]
    mobile = app.proposed["subject"]["responsible"]["mobile"]
    assert subject["mobile"] == f"{mobile[:3]}****{mobile[-4:]}" and subject["tries"] == 2
    assert subject["sent_at"] and subject["confirmed_at"]


def test_history_names_who_acted_and_the_notes(make_application, reviewer):
    app = make_application(state=State.REVIEW)
    workflow.return_application(app.id, reviewer, "资料不全",
                                [{"field": "subject.name", "note": "请填写全称"}])
    history = review_detail.full_history(app)
    assert [h["action"] for h in history][:2] == ["创建草稿", "提交"]
    last = history[-1]
    assert last["actor"] == reviewer.username and last["reason"] == "资料不全"
    assert last["notes"][0]["note"] == "请填写全称"
    assert last["notes"][0]["label"].endswith("主办单位名称")


# -- attachments ------------------------------------------------------------------

def test_attachments_from_the_proposal_materials_and_documents(make_filer, isp):
    n = next_n()
    proposal = sample_data.first_filing(n, [isp.id])
    proposal["services"][0]["pre_approvals"] = [
        {"category": "企业官网", "document_number": "晋文1号", "document": stored(PDF, "批文.pdf")}]
    filer = make_filer()
    app = workflow.create_application(Kind.FIRST_FILING, account=filer, actor=filer,
                                      proposed=proposal, materials=[stored()])
    extra = stored(PDF, "x.pdf")
    PreApprovalDocument.create(category="新闻", document_number="晋新1号",
                               stored_name=extra["stored"], original_name="新闻批文.pdf",
                               application=app.id)
    listed = review_detail.attachments(app)
    assert [(a["index"], a["name"]) for a in listed] == [(0, "批文.pdf"), (1, "scan.png"),
                                                         (2, "新闻批文.pdf")]
    assert review_detail.find_attachment(app, 0)["type"] == "application/pdf"
    assert review_detail.find_attachment(app, 1)["type"] == "image/png"
    with pytest.raises(NotFound):
        review_detail.find_attachment(app, 3)
    os.remove(review_detail.find_attachment(app, 2)["path"])
    with pytest.raises(NotFound):
        review_detail.find_attachment(app, 2)


def test_a_stored_name_outside_the_upload_folder_is_not_found(make_filer, isp):
    filer = make_filer()
    app = workflow.create_application(
        Kind.FIRST_FILING, account=filer, actor=filer,
        proposed=sample_data.first_filing(next_n(), [isp.id]),
        materials=[{"stored": "../../etc/passwd", "name": "passwd"}])
    with pytest.raises(NotFound):
        review_detail.find_attachment(app, 0)


# -- the approval email ------------------------------------------------------------

def approval_mail(app) -> OutboxMessage:
    return (OutboxMessage.select().where(OutboxMessage.channel == "email",
                                         OutboxMessage.recipient == app.account.email)
            .order_by(OutboxMessage.id.desc()).first())


def test_approval_email_carries_each_websites_certificate(make_filer, isp, reviewer):
    n = next_n()
    proposal = sample_data.first_filing(n, [isp.id], services=[
        sample_data.website(n, [isp.id]), sample_data.website(n + 100000, [isp.id]),
        sample_data.app_service(n, [isp.id])])
    app = file_application(Kind.FIRST_FILING, make_filer(), isp, reviewer, proposal)
    mail = approval_mail(app)
    sites = list(Service.select().where(Service.subject == app.subject_id,
                                        Service.kind == "website").order_by(Service.id))
    names = [a["filename"] for a in mail.payload["attachments"]]
    assert names == [f"{s.details['domains'][0]}-bazs.cert" for s in sites]
    for site, attachment in zip(sites, mail.payload["attachments"]):
        certificate = Certificate.get(Certificate.service == site, Certificate.voided_at.is_null())
        assert attachment["content"] == certificate.document
        assert site.filing_number in mail.body
    url = InstanceSettings.get().public_site_url
    link = f'<a href="{url}" target="_blank" rel="noopener">{sites[0].filing_number}</a>'
    assert link in mail.body and "http://" + sites[1].details["domains"][0] in mail.body


def test_add_service_email_carries_only_the_new_certificate(make_application, isp, reviewer):
    app, service = approved_site(make_application)
    new_site = sample_data.website(next_n(), [isp.id])
    added = file_application(Kind.ADD_SERVICE, app.account, isp, reviewer,
                             {"services": [new_site]})
    mail = approval_mail(added)
    [attachment] = mail.payload["attachments"]
    new = Service.get(Service.subject == app.subject_id, Service.id != service.id)
    assert attachment["filing_number"] == new.filing_number
    assert attachment["filename"] == "bazs.cert" and service.filing_number not in mail.body


def test_cancellation_email_has_no_certificate(make_application, isp, reviewer):
    app, service = approved_site(make_application)
    cancel = file_application(Kind.CANCEL_SERVICE, app.account, isp, reviewer,
                              {"reason": "不再运营"}, service_id=service.id)
    assert "attachments" not in approval_mail(cancel).payload
    assert approval_contents(workflow.load_application(cancel.id)) == ("", [])


# -- two reviewers at once ------------------------------------------------------

def test_two_reviewers_deciding_at_once_one_wins(app, make_application, reviewer, make_account):
    pending = make_application(state=State.REVIEW)
    other = make_account("bureau", "reviewer")
    barrier = threading.Barrier(2)
    outcomes, lock = [], threading.Lock()
    decisions = [
        lambda: workflow.approve_application(pending.id, reviewer, pending.version),
        lambda: workflow.return_application(pending.id, other, "资料不全",
                                            [{"field": "subject.name", "note": "请填写全称"}],
                                            pending.version)]

    def worker(index):
        with app.app_context():
            barrier.wait(timeout=60)
            with db.connection_context():
                try:
                    decisions[index]()
                    result = "done"
                except StaleDecision:
                    result = "stale"
                except Refused as exc:      # reported by the assertion below
                    result = f"refused: {exc.message}"
            with lock:
                outcomes.append((index, result))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(r for _, r in outcomes) == ["done", "stale"]
    winner = next(i for i, r in outcomes if r == "done")
    final = workflow.load_application(pending.id)
    assert final.state == (State.APPROVED if winner == 0 else State.RETURNED)
    assert final.version == pending.version + 1
    decided = AuditEvent.select().where(AuditEvent.object_type == "application",
                                        AuditEvent.object_id == str(pending.id),
                                        AuditEvent.action.in_(["application.approve",
                                                               "application.return"]))
    assert decided.count() == 1
