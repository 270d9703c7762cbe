"""The bureau's annual-review page: the window, who has done it, who is pending or
overdue, reminders sent once a day."""
from datetime import date, datetime, timedelta

import pytest

from portal.clock import freeze
from portal.models import AuditEvent, InstanceSettings, OutboxMessage, Subject
from portal.states import State
from tests.conftest import form_tokens
from tests.tenants.test_filing import post

MARCH_10_LOCAL = datetime(2026, 3, 10, 2, 0)


@pytest.fixture
def clock(app):
    freeze(MARCH_10_LOCAL)
    yield freeze
    freeze(None)


@pytest.fixture
def admin(client, login, bureau_admin):
    login(bureau_admin.username, tenant="bureau")
    return bureau_admin


@pytest.fixture
def subjects(make_application):
    """Two approved subjects: the first has done this year's review, the second not."""
    done, pending = (Subject.get(Subject.account == make_application(
        state=State.APPROVED).account_id) for _ in range(2))
    Subject.update(annual_review_year=2026).where(Subject.id == done.id).execute()
    return done, pending


def reminders() -> int:
    return OutboxMessage.select().where(
        OutboxMessage.message_id.startswith("annual-review-")).count()


def test_open_the_window_and_see_done_and_pending(client, admin, clock, subjects):
    done, pending = subjects
    response = post(client, "/bureau/annual/window", {"start": "2026-03-01", "end": "2026-04-30",
                                                      "action": "save"}, page="/bureau/annual")
    assert response.status_code == 302
    settings = InstanceSettings.get()
    assert (settings.annual_review_start, settings.annual_review_end) == (
        date(2026, 3, 1), date(2026, 4, 30))
    html = client.get("/bureau/annual").get_data(as_text=True)
    assert "进行中" in html and pending.filing_number in html and done.filing_number not in html
    html = client.get("/bureau/annual?show=done").get_data(as_text=True)
    assert done.filing_number in html and pending.filing_number not in html


def test_after_the_window_the_pending_are_overdue(client, admin, clock, subjects):
    InstanceSettings.update(annual_review_start=date(2026, 1, 1),
                            annual_review_end=date(2026, 2, 28)).execute()
    html = client.get("/bureau/annual").get_data(as_text=True)
    assert "已结束" in html and "逾期" in html and subjects[1].filing_number in html


def test_close_the_window_now(client, admin, clock):
    InstanceSettings.update(annual_review_start=date(2026, 3, 1),
                            annual_review_end=date(2026, 4, 30)).execute()
    post(client, "/bureau/annual/window", {"start": "2026-03-01", "end": "2026-04-30",
                                           "action": "close"}, page="/bureau/annual")
    assert InstanceSettings.get().annual_review_end == date(2026, 3, 9)


def test_a_bad_window_is_refused_with_a_message(client, admin, clock):
    response = post(client, "/bureau/annual/window", {"start": "2026-05-01", "end": "2026-04-01",
                                                      "action": "save"}, page="/bureau/annual",
                    follow_redirects=True)
    assert "不能早于" in response.get_data(as_text=True)
    assert InstanceSettings.get().annual_review_start is None


def test_remind_sends_once_a_day(client, admin, clock, subjects):
    InstanceSettings.update(annual_review_start=date(2026, 3, 1),
                            annual_review_end=date(2026, 4, 30)).execute()
    html = post(client, "/bureau/annual/remind", page="/bureau/annual",
                follow_redirects=True).get_data(as_text=True)
    assert "已向 1 个主体发送提醒" in html and reminders() == 2
    html = post(client, "/bureau/annual/remind", page="/bureau/annual",
                follow_redirects=True).get_data(as_text=True)
    assert "已向 0 个主体发送提醒" in html and reminders() == 2
    assert AuditEvent.select().where(AuditEvent.action == "annual_review.remind").count() == 1
    freeze(MARCH_10_LOCAL + timedelta(days=1))
    post(client, "/bureau/annual/remind", page="/bureau/annual")
    assert reminders() == 4


def test_remind_without_a_window_says_why(client, admin, clock, subjects):
    html = post(client, "/bureau/annual/remind", page="/bureau/annual",
                follow_redirects=True).get_data(as_text=True)
    assert "请先设置年度审核期" in html and reminders() == 0


@pytest.mark.parametrize("role", ["reviewer", "auditor"])
def test_readers_see_the_page_but_change_nothing(client, login, make_account, clock, subjects,
                                                 role):
    InstanceSettings.update(annual_review_start=date(2026, 3, 1),
                            annual_review_end=date(2026, 4, 30)).execute()
    login(make_account("bureau", role).username, tenant="bureau")
    html = client.get("/bureau/annual").get_data(as_text=True)
    assert subjects[1].filing_number in html and "立即发送提醒" not in html
    token = form_tokens(client, "/bureau/annual")["csrf_token"]
    assert client.post("/bureau/annual/window", data={
        "csrf_token": token, "start": "", "end": "", "action": "save"}).status_code == 403
    assert client.post("/bureau/annual/remind", data={"csrf_token": token}).status_code == 403
    assert InstanceSettings.get().annual_review_start == date(2026, 3, 1)
    assert reminders() == 0
