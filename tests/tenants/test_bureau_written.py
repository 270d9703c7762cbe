"""Bureau pages: written applications recorded, viewed, accepted and refused."""
import io
from datetime import date, datetime, timedelta

import pytest

from portal import clock as portal_clock
from portal.models import (Account, Application, AuditEvent, OutboxMessage, WorkingDayOverride,
                           WrittenApplication)
from portal.services import written_applications as written_service
from portal.states import Kind, State
from portal.validators import make_resident_id
from tests.conftest import csrf_token, form_tokens
from tests.factories import PASSWORD
from tests.tenants.test_filing import post

PDF = b"%PDF-1.4\n% a scanned form\n"
MONDAY_10AM_LOCAL = datetime(2026, 3, 2, 2, 0)      # 2026-03-02 is a Monday (UTC+8)


@pytest.fixture
def filer(website):
    return Account.get_by_id(website.subject.account_id)


@pytest.fixture
def clock():
    yield portal_clock.freeze
    portal_clock.freeze(None)


def fields(account, kind, **overrides):
    data = {"kind": kind, "username": account.username, "received_via": "fax",
            "received_on": portal_clock.local_today().isoformat(), "applicant_name": "李四",
            "applicant_capacity": "self", "applicant_cert_type": "居民身份证",
            "applicant_cert_number": make_resident_id("14010519850505003"),
            "note": "网站已关闭", "scans": [(io.BytesIO(PDF), "申请表.pdf")]}
    data.update(overrides)
    return data


def record_page(client, account, kind, **overrides):
    return post(client, "/bureau/written/new", fields(account, kind, **overrides),
                content_type="multipart/form-data")


def recorded(reviewer, account, kind, **overrides):
    data = fields(account, kind, **overrides)
    files = data.pop("scans")
    data["received_on"] = date.fromisoformat(data["received_on"])
    return written_service.record_written_application(reviewer, data, files)


def test_a_reviewer_records_a_written_application(client, login, reviewer, filer):
    login(reviewer.username, tenant="bureau")
    response = record_page(client, filer, "cancel_subject")
    written = WrittenApplication.get()
    assert response.status_code == 302 and response.location.endswith(f"/written/{written.id}")
    html = client.get(response.location).get_data(as_text=True)
    assert written.reference in html and "申请表.pdf" in html and "李四" in html
    assert written.reference in client.get("/bureau/written").get_data(as_text=True)


@pytest.mark.parametrize("scans, message", [
    ([], "请上传书面申请及其材料的扫描件"),
    ([(io.BytesIO(b"GIF89a..."), "scan.gif")], "不是 PDF、PNG 或 JPEG 文件"),
])
def test_no_scan_or_a_bad_type_is_shown_and_nothing_stored(client, login, reviewer, filer,
                                                           scans, message):
    login(reviewer.username, tenant="bureau")
    response = record_page(client, filer, "cancel_subject", scans=scans)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert WrittenApplication.select().count() == 0


def test_an_unknown_username_is_named_next_to_the_field(client, login, reviewer, filer):
    login(reviewer.username, tenant="bureau")
    html = record_page(client, filer, "cancel_subject", username="nobody").get_data(as_text=True)
    assert "没有找到该用户名的主办者账号" in html and WrittenApplication.select().count() == 0


def test_the_form_is_prefilled_from_the_query(client, login, reviewer, make_application):
    app = make_application(state=State.REVIEW)
    login(reviewer.username, tenant="bureau")
    html = client.get(f"/bureau/written/new?account={app.account_id}&kind=password_recovery"
                      ).get_data(as_text=True)
    assert f'value="{app.account.username}"' in html
    assert '<option selected value="password_recovery">' in html
    html = client.get(f"/bureau/written/new?application={app.id}").get_data(as_text=True)
    assert f'value="{app.reference}"' in html
    assert '<option selected value="conflict_deletion">' in html


def test_an_auditor_reads_but_cannot_record_or_decide(client, login, auditor, reviewer, filer):
    written = recorded(reviewer, filer, "cancel_subject")
    login(auditor.username, tenant="bureau")
    for url in ("/bureau/written", f"/bureau/written/{written.id}",
                f"/bureau/written/{written.id}/scans/0"):
        response = client.get(url)
        response.close()
        assert response.status_code == 200
    assert client.get("/bureau/written/new").status_code == 403
    token = csrf_token(client, f"/bureau/written/{written.id}")
    response = client.post("/bureau/written/new", data={"csrf_token": token,
                                                        **fields(filer, "cancel_subject")},
                           content_type="multipart/form-data")
    assert response.status_code == 403 and WrittenApplication.select().count() == 1
    for action in ("accept", "refuse"):
        response = client.post(f"/bureau/written/{written.id}/{action}",
                               data={"csrf_token": token, "reason": "材料不全"})
        assert response.status_code == 403
    assert WrittenApplication.get_by_id(written.id).state == "recorded"


def test_a_scan_is_served_inline_without_sniffing(client, login, reviewer, filer):
    written = recorded(reviewer, filer, "cancel_subject")
    login(reviewer.username, tenant="bureau")
    response = client.get(f"/bureau/written/{written.id}/scans/0")
    body = response.get_data()
    response.close()
    assert body == PDF and response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" not in response.headers.get("Content-Disposition", "")
    assert client.get(f"/bureau/written/{written.id}/scans/1").status_code == 404
    assert client.get("/bureau/written/999999").status_code == 404


def test_other_tenants_get_404(client, login, isp, reviewer, filer):
    written = recorded(reviewer, filer, "cancel_subject")
    login(isp.admin.username, tenant="isp")
    for url in ("/bureau/written", f"/bureau/written/{written.id}",
                f"/bureau/written/{written.id}/scans/0", "/bureau/written/new"):
        assert client.get(url).status_code == 404


def test_accepting_a_cancellation_starts_review_due_in_5_working_days(client, login, reviewer,
                                                                      filer, website, clock):
    clock(MONDAY_10AM_LOCAL)
    WorkingDayOverride.create(day=date(2026, 3, 5), is_working=False, note="测试假日")
    isp_id = website.access_links.first().isp_id
    written = recorded(reviewer, filer, "cancel_access", service_number=website.filing_number,
                       isp=str(isp_id))
    login(reviewer.username, tenant="bureau")
    response = post(client, f"/bureau/written/{written.id}/accept",
                    page=f"/bureau/written/{written.id}", follow_redirects=True)
    assert "书面申请已受理" in response.get_data(as_text=True)
    app = Application.get_by_id(WrittenApplication.get_by_id(written.id).application_id)
    assert (app.channel, app.state, app.kind) == ("bureau", State.REVIEW, Kind.CANCEL_ACCESS)
    assert app.due_on == date(2026, 3, 10)


def test_refusing_needs_a_reason_and_emails_the_filer(client, login, reviewer, filer):
    written = recorded(reviewer, filer, "cancel_subject")
    login(reviewer.username, tenant="bureau")
    page = f"/bureau/written/{written.id}"
    html = post(client, f"{page}/refuse", {"reason": ""}, page=page,
                follow_redirects=True).get_data(as_text=True)
    assert "请填写不予受理的原因" in html
    assert WrittenApplication.get_by_id(written.id).state == "recorded"
    post(client, f"{page}/refuse", {"reason": "法定代表人未签字"}, page=page)
    assert WrittenApplication.get_by_id(written.id).state == "refused"
    mail = OutboxMessage.get(OutboxMessage.subject.contains(written.reference))
    assert mail.recipient == filer.email and "法定代表人未签字" in mail.body
    assert "法定代表人未签字" in client.get(page).get_data(as_text=True)


def test_password_recovery_shows_the_initial_password_once_and_ends_sessions(
        app, client, login, reviewer, filer):
    other = app.test_client()
    data = form_tokens(other, "/login")
    data.update(username=filer.username, password=PASSWORD)
    other.post("/login", data=data)
    assert other.get("/home").status_code == 200
    written = recorded(reviewer, filer, "password_recovery", note="")
    login(reviewer.username, tenant="bureau")
    response = post(client, f"/bureau/written/{written.id}/accept",
                    page=f"/bureau/written/{written.id}")
    html = response.get_data(as_text=True)
    assert "只显示这一次" in html and response.headers["Cache-Control"] == "no-store"
    initial = html.split('<p class="code">')[1].split("</p>")[0].strip()
    assert other.get("/home").status_code == 302                   # the old session ended
    assert "/login" in other.get("/home").location
    again = app.test_client()
    data = form_tokens(again, "/login")
    data.update(username=filer.username, password=PASSWORD)
    assert again.post("/login", data=data).status_code == 200      # the old password fails
    data = form_tokens(again, "/login")
    data.update(username=filer.username, password=initial)
    assert again.post("/login", data=data).status_code == 302
    assert again.get("/home").location.endswith("/password")       # must change it first
    event = AuditEvent.get(AuditEvent.action == "account.password_reset")
    assert event.actor_id == reviewer.id and initial not in str(event.after)
    assert "只显示这一次" not in client.get(f"/bureau/written/{written.id}").get_data(as_text=True)


def test_conflict_deletion_withdraws_the_target_with_the_reason(client, login, reviewer,
                                                                make_application):
    pending = make_application(state=State.REVIEW)
    written = recorded(reviewer, pending.account, "conflict_deletion",
                       target_reference=pending.reference, note="申请人书面撤回")
    login(reviewer.username, tenant="bureau")
    post(client, f"/bureau/written/{written.id}/accept", page=f"/bureau/written/{written.id}")
    assert Application.get_by_id(pending.id).state == State.WITHDRAWN
    event = AuditEvent.get(AuditEvent.action == "application.delete_on_request")
    assert written.reference in event.reason and "申请人书面撤回" in event.reason


def test_overdue_ones_stand_out_and_filters_work(client, login, reviewer, filer, clock):
    clock(MONDAY_10AM_LOCAL)
    late = recorded(reviewer, filer, "cancel_subject")
    clock(MONDAY_10AM_LOCAL + timedelta(days=14))
    fresh = recorded(reviewer, filer, "password_recovery", note="")
    login(reviewer.username, tenant="bureau")
    html = client.get("/bureau/written").get_data(as_text=True)
    assert html.count("已超期") == 1 and html.index(late.reference) < html.index(fresh.reference)
    html = client.get("/bureau/written?kind=password_recovery").get_data(as_text=True)
    assert fresh.reference in html and late.reference not in html
    html = client.get("/bureau/written?state=refused").get_data(as_text=True)
    assert late.reference not in html and "暂无书面申请" in html
