"""The bureau's record pages: search, the record with its decisions (revoke, cancel,
restrict, violation), the violation list and blacklist, and history by date and version."""
from datetime import datetime

import pytest

from portal import record_decisions, sample_data
from portal.clock import freeze
from portal.models import AuditEvent, BlacklistEntry, Service, Subject
from portal.states import State
from tests.factories import next_n
from tests.tenants.test_filing import fill_all, post


@pytest.fixture
def record(make_application, isp):
    """(subject, service) of an approved organisation's first filing."""
    app = make_application(state=State.APPROVED)
    subject = Subject.get(Subject.account == app.account_id)
    return subject, subject.services.get()


@pytest.fixture
def as_reviewer(client, login, reviewer):
    login(reviewer.username, tenant="bureau")
    return client


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def public_lookup(app, domain) -> list:
    """The public JSON API, from a fresh anonymous client."""
    return app.test_client().get(f"/api/v1/lookup?q={domain}").get_json()["results"]


def decide(client, url, data, subject):
    return post(client, url, data, page=f"/bureau/records/{subject.id}", follow_redirects=True
                ).get_data(as_text=True)


def test_search_by_number_name_certificate_and_domain(as_reviewer, record):
    subject, service = record
    for q in (subject.filing_number, service.filing_number, subject.name, subject.cert_number,
              service.details["domains"][0]):
        assert subject.name in page(as_reviewer, f"/bureau/records?q={q}"), q
    assert "没有找到备案记录" in page(as_reviewer, "/bureau/records?q=晋ICP备2099000001号")


def test_the_record_page_shows_services_access_flags_and_certificates(as_reviewer, record):
    subject, service = record
    html = page(as_reviewer, f"/bureau/records/{subject.id}")
    for text in (subject.filing_number, service.name, service.filing_number, "接入信息",
                 "电子证书", "撤销备案", "注销备案", "限制接入"):
        assert text in html, text


def test_an_auditor_reads_but_sees_no_decisions(client, login, auditor, record):
    subject, _ = record
    login(auditor.username, tenant="bureau")
    html = page(client, f"/bureau/records/{subject.id}")
    assert subject.name in html and "撤销备案" not in html and "标记为违法违规" not in html


def test_revocation_hides_the_record_from_the_public_lookup_at_once(app, as_reviewer, record):
    subject, service = record
    domain = service.details["domains"][0]
    assert len(public_lookup(app, domain)) == 1
    html = decide(as_reviewer, f"/bureau/records/{subject.id}/revoke",
                  {"service_id": str(service.id), "reason": "恶意抢注"}, subject)
    assert "已撤销" in html
    assert public_lookup(app, domain) == []
    assert Service.get_by_id(service.id).status == "revoked"
    assert Subject.get_by_id(subject.id).status == "active"


def test_a_missing_reason_is_shown_and_nothing_changes(as_reviewer, record):
    subject, service = record
    count = AuditEvent.select().count()
    for url in (f"/bureau/records/{subject.id}/revoke", f"/bureau/records/{subject.id}/cancel",
                f"/bureau/services/{service.id}/restrict", f"/bureau/services/{service.id}/violation"):
        assert "请填写原因" in decide(as_reviewer, url, {"service_id": "", "reason": " "}, subject)
    assert Subject.get_by_id(subject.id).status == "active"
    assert not Service.get_by_id(service.id).restricted
    assert AuditEvent.select().count() == count


def test_cancel_for_violation_with_blacklist(app, as_reviewer, record):
    subject, service = record
    html = decide(as_reviewer, f"/bureau/records/{subject.id}/cancel",
                  {"service_id": "", "reason": "传播违法信息", "for_violation": "y",
                   "blacklist": "y"}, subject)
    assert "已注销" in html
    assert Subject.get_by_id(subject.id).status == "cancelled"
    listed = page(as_reviewer, "/bureau/blacklist")
    assert subject.cert_number in listed and service.name.lower() in listed
    assert subject.filing_number in page(as_reviewer, "/bureau/violations")
    assert subject.filing_number in app.test_client().get("/violations").get_data(as_text=True)


def test_the_blacklist_box_needs_the_violation_box(as_reviewer, record):
    subject, _ = record
    html = decide(as_reviewer, f"/bureau/records/{subject.id}/cancel",
                  {"service_id": "", "reason": "空壳", "blacklist": "y"}, subject)
    assert "只有因违法违规注销时才能列入黑名单" in html
    assert Subject.get_by_id(subject.id).status == "active" and BlacklistEntry.select().count() == 0


def test_a_blacklisted_certificate_number_is_refused_in_the_filing_wizard(
        client, login, make_application, make_filer, isp, reviewer):
    n = next_n()
    theirs = make_application(state=State.APPROVED, n=n)
    record_decisions.cancel_record(reviewer, "诈骗", subject_id=theirs.subject_id,
                                   for_violation=True, blacklist=True)
    login(make_filer().username)
    app_id = fill_all(client, isp, n=n)
    html = post(client, f"/filing/{app_id}/submit", page=f"/filing/{app_id}/review",
                follow_redirects=True).get_data(as_text=True)
    assert "黑名单" in html
    assert sample_data.subject(n)["cert_number"] == Subject.get_by_id(theirs.subject_id).cert_number


def test_restricted_access_shows_in_the_public_lookup_and_lifts(app, as_reviewer, record):
    subject, service = record
    domain = service.details["domains"][0]
    decide(as_reviewer, f"/bureau/services/{service.id}/restrict", {"reason": "涉嫌违法"}, subject)
    assert public_lookup(app, domain)[0]["restricted"] is True
    assert "限制接入" in app.test_client().get(f"/lookup?q={domain}").get_data(as_text=True)
    assert "请填写原因" in decide(as_reviewer, f"/bureau/services/{service.id}/unrestrict",
                                 {"reason": ""}, subject)
    assert public_lookup(app, domain)[0]["restricted"] is True
    html = decide(as_reviewer, f"/bureau/services/{service.id}/unrestrict", {"reason": "已整改"},
                  subject)
    assert "已解除限制接入" in html and public_lookup(app, domain)[0]["restricted"] is False


def test_violation_marks_show_in_the_public_list_and_clear(app, as_reviewer, record):
    subject, service = record
    domain = service.details["domains"][0]
    decide(as_reviewer, f"/bureau/services/{service.id}/violation", {"reason": "虚假宣传"}, subject)
    public = app.test_client().get("/violations").get_data(as_text=True)
    assert service.filing_number in public and "虚假宣传" in public
    assert public_lookup(app, domain)[0]["violation"] is True
    assert "违法违规" in app.test_client().get(f"/lookup?q={domain}").get_data(as_text=True)
    assert service.filing_number in page(as_reviewer, "/bureau/violations")
    decide(as_reviewer, f"/bureau/services/{service.id}/violation/clear", {"reason": "已整改"},
           subject)
    assert service.filing_number not in app.test_client().get("/violations").get_data(as_text=True)
    assert not Service.get_by_id(service.id).violation
    assert public_lookup(app, domain)[0]["violation"] is False


def post_urls(subject, service, entry_id=1):
    return [f"/bureau/records/{subject.id}/revoke", f"/bureau/records/{subject.id}/cancel",
            f"/bureau/services/{service.id}/restrict", f"/bureau/services/{service.id}/unrestrict",
            f"/bureau/services/{service.id}/violation",
            f"/bureau/services/{service.id}/violation/clear",
            f"/bureau/blacklist/{entry_id}/remove"]


def test_an_auditor_gets_403_on_every_post_and_nothing_changes(client, login, auditor, record):
    subject, service = record
    login(auditor.username, tenant="bureau")
    count = AuditEvent.select().count()
    for url in post_urls(subject, service):
        response = post(client, url, {"reason": "试图", "service_id": ""}, page="/bureau/records")
        assert response.status_code == 403, url
    assert AuditEvent.select().count() == count
    assert Subject.get_by_id(subject.id).status == "active"


def test_only_an_admin_removes_a_blacklist_entry(client, login, reviewer, bureau_admin, record):
    _, service = record
    record_decisions.cancel_record(reviewer, "违法", service_id=service.id, for_violation=True,
                                   blacklist=True)
    entry = BlacklistEntry.get()
    login(reviewer.username, tenant="bureau")
    assert "移出黑名单" not in page(client, "/bureau/blacklist")
    assert post(client, f"/bureau/blacklist/{entry.id}/remove", {"reason": "误列"},
                page="/bureau/blacklist").status_code == 403
    login(bureau_admin.username, tenant="bureau")
    html = post(client, f"/bureau/blacklist/{entry.id}/remove", {"reason": ""},
                page="/bureau/blacklist", follow_redirects=True).get_data(as_text=True)
    assert "请填写原因" in html and BlacklistEntry.select().count() == 1
    html = post(client, f"/bureau/blacklist/{entry.id}/remove", {"reason": "误列"},
                page="/bureau/blacklist", follow_redirects=True).get_data(as_text=True)
    assert "已移出黑名单" in html and BlacklistEntry.select().count() == 0
    assert AuditEvent.get(AuditEvent.action == "blacklist.remove").reason == "误列"


@pytest.fixture
def clock():
    yield freeze
    freeze(None)


def test_history_by_date_and_side_by_side(as_reviewer, make_application, reviewer, clock):
    clock(datetime(2026, 3, 2, 2, 0))
    approved = make_application(state=State.APPROVED)
    subject = Subject.get(Subject.account == approved.account_id)
    service = subject.services.get()
    clock(datetime(2026, 3, 5, 2, 0))
    record_decisions.restrict_service(reviewer, service.id, "涉嫌违法")
    clock(None)
    url = f"/bureau/records/{subject.id}/history"
    assert "早于该主体首次审核通过" in page(as_reviewer, f"{url}?on=2026-03-01")
    before = page(as_reviewer, f"{url}?on=2026-03-03")
    after = page(as_reviewer, f"{url}?on=2026-03-06")
    assert "版本 1" in before and "限制接入" not in before.split("版本列表")[0]
    assert "版本 2" in after and "限制接入" in after.split("版本列表")[0]
    compare = page(as_reviewer, f"/bureau/records/{subject.id}/compare?left=1&right=2")
    assert compare.count('class="flagged"') == 1 and "有变化" in compare
    assert as_reviewer.get(f"/bureau/records/{subject.id}/compare?left=1&right=9").status_code == 404
    assert as_reviewer.get("/bureau/records/999999/history").status_code == 404


def test_another_tenant_never_sees_records(client, login, make_filer, record):
    subject, _ = record
    login(make_filer().username)
    assert client.get(f"/bureau/records/{subject.id}").status_code == 404

