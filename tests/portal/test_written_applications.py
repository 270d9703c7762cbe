"""Written applications: recording with scans, the deadline, accepting each kind,
refusing with a reason, and what a failed step leaves behind (nothing)."""
import io
import json
import os
from datetime import date, datetime

import pytest

from portal import clock as portal_clock
from portal.errors import FormErrors, Refused, ValidationError
from portal.models import (Account, Application, AuditEvent, OutboxMessage, Service,
                           WorkingDayOverride, WrittenApplication)
from portal.services import accounts, uploads
from portal.services import written_applications as written_service
from portal.states import Kind, State
from portal.validators import make_resident_id
from tests.factories import PASSWORD, confirm_all_sms

PDF = b"%PDF-1.4\n% a scanned form\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
MONDAY_10AM_LOCAL = datetime(2026, 3, 2, 2, 0)      # 2026-03-02 is a Monday (UTC+8)
APPLICANT_ID = make_resident_id("14010519800101002")


@pytest.fixture
def clock():
    yield portal_clock.freeze
    portal_clock.freeze(None)


@pytest.fixture
def filer(website):
    return Account.get_by_id(website.subject.account_id)


def scans(*files):
    return [(io.BytesIO(data), name) for data, name in (files or [(PDF, "申请表.pdf")])]


def form(account, of_kind, **overrides):
    data = {"kind": of_kind, "username": account.username, "received_via": "paper",
            "received_on": portal_clock.local_today(), "applicant_name": "张三",
            "applicant_cert_type": "居民身份证", "applicant_cert_number": APPLICANT_ID,
            "applicant_capacity": "legal_representative", "note": "网站不再运营"}
    data.update(overrides)
    return data


def record(actor, account, of_kind, files=None, **overrides):
    return written_service.record_written_application(actor, form(account, of_kind, **overrides),
                                                      files if files is not None else scans())


def stored_files() -> set:
    return set(os.listdir(uploads._state["folder"]))


def test_recording_keeps_the_scans_and_sets_the_deadline(filer, website, reviewer, clock):
    clock(MONDAY_10AM_LOCAL)
    WorkingDayOverride.create(day=date(2026, 3, 4), is_working=False, note="测试假日")
    written = record(reviewer, filer, "cancel_service", scans((PDF, "表.pdf"), (PNG, "证.png")),
                     service_number=website.filing_number)
    assert written.state == "recorded" and written.service_id == website.id
    assert written.due_on == date(2026, 3, 10)          # 5 working days, the 4th off
    assert [s["type"] for s in written.scans] == ["application/pdf", "image/png"]
    assert {s["stored"] for s in written.scans} <= stored_files()
    event = AuditEvent.get(AuditEvent.action == "written.record")
    assert event.actor_id == reviewer.id and event.object_id == str(written.id)


@pytest.mark.parametrize("files, message", [
    ([], "请上传书面申请及其材料的扫描件"),
    ([(b"GIF89a not accepted", "scan.gif")], "不是 PDF、PNG 或 JPEG 文件"),
    ([(PDF, "ok.pdf"), (b"<html>", "evil.pdf")], "不是 PDF、PNG 或 JPEG 文件"),
])
def test_no_scan_or_a_bad_file_is_refused_and_nothing_is_stored(filer, reviewer, files,
                                                                 message):
    before = stored_files()
    with pytest.raises(FormErrors) as caught:
        record(reviewer, filer, "cancel_subject", scans(*files) if files else [])
    assert message in str(caught.value.errors["scans"][0])
    assert WrittenApplication.select().count() == 0 and stored_files() == before


@pytest.mark.parametrize("overrides, field", [
    ({"username": "nobody-here"}, "username"),
    ({"kind": "first_filing"}, "kind"),
    ({"received_via": "pigeon"}, "received_via"),
    ({"received_on": date(2099, 1, 1)}, "received_on"),
    ({"applicant_cert_number": "140105198001010020"}, "applicant_cert_number"),
    ({"applicant_capacity": ""}, "applicant_capacity"),
    ({"note": " "}, "note"),
    ({"service_number": "晋ICP备2026999999号-1"}, "service_number"),
])
def test_bad_fields_are_named(filer, reviewer, overrides, field):
    with pytest.raises(FormErrors) as caught:
        record(reviewer, filer, "cancel_service", **overrides)
    assert field in caught.value.errors
    assert WrittenApplication.select().count() == 0


def test_cancel_access_names_a_current_isp_and_deletion_a_pending_application(
        filer, website, reviewer, make_isp, make_application):
    stranger = make_isp()
    with pytest.raises(FormErrors) as caught:
        record(reviewer, filer, "cancel_access", service_number=website.filing_number,
               isp=str(stranger.id))
    assert "isp" in caught.value.errors
    other = make_application(state=State.REVIEW)
    with pytest.raises(FormErrors) as caught:
        record(reviewer, filer, "conflict_deletion", target_reference=other.reference)
    assert "target_reference" in caught.value.errors


def test_an_auditor_cannot_record(filer, auditor):
    with pytest.raises(Refused):
        record(auditor, filer, "cancel_subject")
    assert WrittenApplication.select().count() == 0


def current_isp(service):
    return service.access_links.first().isp_id


def test_accepted_cancel_access_enters_review_due_in_5_working_days(filer, website, reviewer,
                                                                    clock):
    clock(MONDAY_10AM_LOCAL)
    WorkingDayOverride.create(day=date(2026, 3, 4), is_working=False, note="测试假日")
    written = record(reviewer, filer, "cancel_access", service_number=website.filing_number,
                     isp=str(current_isp(website)))
    accepted, initial = written_service.accept_written_application(written.id, reviewer)
    app = Application.get_by_id(accepted.application_id)
    assert initial is None and accepted.state == "accepted"
    assert (app.kind, app.channel, app.state) == (Kind.CANCEL_ACCESS, "bureau", State.REVIEW)
    assert app.due_on == date(2026, 3, 10) and app.service_id == website.id
    assert [m["stored"] for m in app.materials] == [s["stored"] for s in written.scans]
    assert AuditEvent.select().where(AuditEvent.action == "written.accept").count() == 1


def test_accepted_cancel_service_goes_through_sms_then_review(filer, website, reviewer):
    written = record(reviewer, filer, "cancel_service", service_number=website.filing_number)
    accepted, _ = written_service.accept_written_application(written.id, reviewer)
    app = Application.get_by_id(accepted.application_id)
    assert app.state == State.SMS and app.proposed == {"reason": "网站不再运营"}
    confirm_all_sms(app)
    app = Application.get_by_id(app.id)
    assert app.state == State.REVIEW and app.due_on is not None


def test_a_second_decision_is_refused_and_changes_nothing(filer, reviewer, bureau_admin):
    written = record(reviewer, filer, "cancel_subject")
    written_service.accept_written_application(written.id, reviewer)
    for decide in (lambda: written_service.accept_written_application(written.id, bureau_admin),
                   lambda: written_service.refuse_written_application(written.id, bureau_admin,
                                                                      "材料不全")):
        with pytest.raises(Refused):
            decide()
    assert Application.select().count() == 2          # the first filing and one cancellation
    assert WrittenApplication.get_by_id(written.id).decided_by_id == reviewer.id


def test_a_blocked_cancellation_leaves_the_written_application_open(filer, website, reviewer,
                                                                    isp):
    from portal import sample_data
    from tests.factories import file_application
    change = sample_data.website(99, [current_isp(website)])
    change["service_id"] = website.id
    file_application(Kind.CHANGE_SERVICE, filer, isp, reviewer, {"services": [change]},
                     service_id=website.id, approve=False)
    written = record(reviewer, filer, "cancel_subject")
    count = Application.select().count()
    with pytest.raises(Refused):
        written_service.accept_written_application(written.id, reviewer)
    assert WrittenApplication.get_by_id(written.id).state == "recorded"
    assert Application.select().count() == count


def test_refusal_needs_a_reason_and_emails_it_to_the_filer(filer, reviewer):
    written = record(reviewer, filer, "cancel_subject")
    with pytest.raises(ValidationError):
        written_service.refuse_written_application(written.id, reviewer, "  ")
    assert WrittenApplication.get_by_id(written.id).state == "recorded"
    written_service.refuse_written_application(written.id, reviewer, "缺少授权委托书")
    refused = WrittenApplication.get_by_id(written.id)
    assert (refused.state, refused.refuse_reason) == ("refused", "缺少授权委托书")
    mail = OutboxMessage.get(OutboxMessage.recipient == filer.email,
                             OutboxMessage.subject.contains(written.reference))
    assert "缺少授权委托书" in mail.body
    event = AuditEvent.get(AuditEvent.action == "written.refuse")
    assert event.reason == "缺少授权委托书"


def test_password_recovery_sets_a_single_use_password_and_ends_sessions(filer, reviewer):
    written = record(reviewer, filer, "password_recovery", note="")
    _, initial = written_service.accept_written_application(written.id, reviewer)
    account = Account.get_by_id(filer.id)
    assert not accounts.verify_password(account, PASSWORD)
    assert accounts.verify_password(account, initial) and account.must_change_password
    assert account.session_generation == filer.session_generation + 1
    event = AuditEvent.get(AuditEvent.action == "account.password_reset")
    assert event.after["written_application"] == written.reference
    assert event.after["applicant"]["cert_number"] == APPLICANT_ID
    every_event = json.dumps([e.after for e in AuditEvent.select()], ensure_ascii=False)
    assert initial not in every_event
    mail = OutboxMessage.get(OutboxMessage.recipient == filer.email,
                             OutboxMessage.subject.contains("密码"))
    assert initial not in mail.body


def test_conflict_deletion_withdraws_the_pending_application(make_application, reviewer):
    pending = make_application(state=State.REVIEW)
    written = record(reviewer, pending.account, "conflict_deletion",
                     target_reference=pending.reference, note="我方已放弃该域名")
    accepted, _ = written_service.accept_written_application(written.id, reviewer)
    assert Application.get_by_id(pending.id).state == State.WITHDRAWN
    assert accepted.application_id == pending.id
    event = AuditEvent.get(AuditEvent.action == "application.delete_on_request")
    assert written.reference in event.reason and "我方已放弃该域名" in event.reason


def test_applicant_matches_the_record(filer, reviewer):
    subject = Service.select().first().subject
    same = record(reviewer, filer, "password_recovery",
                  applicant_cert_number=subject.responsible["cert_number"],
                  applicant_cert_type=subject.responsible["cert_type"])
    other = record(reviewer, filer, "password_recovery")
    agent = record(reviewer, filer, "password_recovery", applicant_capacity="agent")
    assert [written_service.applicant_matches(w) for w in (same, other, agent)] == [
        True, False, None]
