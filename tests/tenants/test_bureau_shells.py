"""The bureau's shell queue: candidates with their history, and the bulk cancellation with
its mandatory reason, its preview and its limit per action."""
import pytest

from portal.models import AuditEvent, RecordFlag, Service
from portal.services import shells
from tests.portal.test_shells import shell_service
from tests.tenants.test_filing import post


@pytest.fixture
def candidate(make_application, isp, reviewer):
    return shell_service(make_application, isp, reviewer)


@pytest.fixture
def as_reviewer(client, login, reviewer):
    login(reviewer.username, tenant="bureau")
    return client


def cancel(client, data, ids):
    payload = {"flag_ids": [str(i) for i in ids], **data}
    return post(client, "/bureau/shells/cancel", payload, page="/bureau/shells",
                follow_redirects=True)


def test_the_queue_shows_each_candidate_with_its_history(as_reviewer, candidate, isp):
    service, flag = candidate
    html = as_reviewer.get("/bureau/shells").get_data(as_text=True)
    assert service.filing_number in html and isp.name in html
    assert "尚未发出提醒" in html and str(shells.describe(flag).candidate_on) in html
    assert f'value="{flag.id}"' in html


def test_preview_lists_exactly_what_would_be_cancelled_then_confirm(as_reviewer, candidate,
                                                                    make_application, isp,
                                                                    reviewer):
    service, flag = candidate
    other, _ = shell_service(make_application, isp, reviewer)
    preview = cancel(as_reviewer, {"reason": "长期空壳"}, [flag.id]).get_data(as_text=True)
    assert "确认批量注销" in preview and service.filing_number in preview
    assert other.filing_number not in preview.split("<table")[1]
    assert Service.get_by_id(service.id).status == "active"
    html = cancel(as_reviewer, {"reason": "长期空壳", "confirm": "1"}, [flag.id]).get_data(
        as_text=True)
    assert "已注销 1 条记录" in html
    assert Service.get_by_id(service.id).status == "cancelled"
    assert Service.get_by_id(other.id).status == "active"
    assert AuditEvent.select().where(AuditEvent.action == "record.shell_bulk_cancel").count() == 1


def test_the_reason_is_mandatory(as_reviewer, candidate):
    service, flag = candidate
    html = cancel(as_reviewer, {"reason": " ", "confirm": "1"}, [flag.id]).get_data(as_text=True)
    assert "请填写批量注销的原因" in html
    assert Service.get_by_id(service.id).status == "active"


def test_more_than_the_limit_is_refused_with_a_clear_message(as_reviewer, candidate):
    service, flag = candidate
    ids = [flag.id] + list(range(10**6, 10**6 + shells.SHELL_BULK_LIMIT))
    for data in ({"reason": "空壳"}, {"reason": "空壳", "confirm": "1"}):
        html = cancel(as_reviewer, data, ids).get_data(as_text=True)
        assert f"每次最多批量注销 {shells.SHELL_BULK_LIMIT} 条" in html
    assert Service.get_by_id(service.id).status == "active"


def test_nothing_selected_is_refused(as_reviewer, candidate):
    assert "请至少选择一条注销候选" in cancel(as_reviewer, {"reason": "空壳"}, []).get_data(
        as_text=True)


def test_an_auditor_reads_the_queue_but_cannot_cancel(client, login, auditor, candidate):
    service, flag = candidate
    login(auditor.username, tenant="bureau")
    html = client.get("/bureau/shells").get_data(as_text=True)
    assert service.filing_number in html and "预览批量注销" not in html
    for data in ({"reason": "空壳"}, {"reason": "空壳", "confirm": "1"}):
        assert cancel(client, data, [flag.id]).status_code == 403
    assert Service.get_by_id(service.id).status == "active"
    assert RecordFlag.get_by_id(flag.id).cleared_at is None
