"""Reminders by the clock: reviewers' deadlines (once per working day) and the annual
review's reminder days."""
from datetime import date, datetime

import pytest

from portal.clock import freeze
from portal.models import Account, Application, AuditEvent, InstanceSettings, OutboxMessage
from portal.services import annual_review, deadline_reminders
from portal.services.deadline_reminders import is_annual_reminder_day
from portal.states import State

MONDAY = datetime(2026, 3, 2, 0, 30)        # 08:30 in Shanghai, Monday 2 March 2026


@pytest.fixture(autouse=True)
def frozen():
    freeze(MONDAY)
    yield
    freeze(None)


def due(app, day: date):
    Application.update(due_on=day).where(Application.id == app.id).execute()
    return app


def reminders():
    return list(OutboxMessage.select().where(OutboxMessage.payload.contains("review_deadlines"))
                .order_by(OutboxMessage.id))


@pytest.fixture
def queue(make_application):
    """Overdue, due in 2 working days, and due later."""
    return (due(make_application(state=State.REVIEW), date(2026, 2, 27)),
            due(make_application(state=State.REVIEW), date(2026, 3, 4)),
            due(make_application(state=State.REVIEW), date(2026, 3, 10)))


def test_each_reviewer_gets_one_list_a_day(app, queue, reviewer, bureau_admin, auditor,
                                           make_account):
    overdue, soon, later = queue
    make_account("bureau", "reviewer", is_active=False)
    result = deadline_reminders.send_deadline_reminders()
    assert (result.applications, result.sent) == (2, 2)
    sent = reminders()
    assert sorted(m.recipient for m in sent) == sorted([reviewer.email, bureau_admin.email])
    body = sent[0].body
    assert overdue.reference in body and "已逾期 1 个工作日" in body
    assert soon.reference in body and "剩余 2 个工作日" in body
    assert later.reference not in body
    assert deadline_reminders.send_deadline_reminders().sent == 0     # again today: nothing
    assert len(reminders()) == 2
    assert AuditEvent.select().where(AuditEvent.action == "review.remind_deadlines").count() == 1
    freeze(datetime(2026, 3, 3, 0, 30))
    assert deadline_reminders.send_deadline_reminders().sent == 2      # the next day: again


def test_nothing_on_a_weekend(app, queue, reviewer):
    freeze(datetime(2026, 3, 7, 0, 30))          # Saturday
    assert deadline_reminders.send_deadline_reminders().sent == 0 and reminders() == []


def test_nothing_when_nothing_is_due(app, make_application, reviewer):
    due(make_application(state=State.REVIEW), date(2026, 3, 20))
    assert deadline_reminders.send_deadline_reminders() == (
        deadline_reminders.DeadlineReminders(0, 0))
    assert reminders() == []


def test_a_long_list_is_cut(app, queue, reviewer, monkeypatch):
    monkeypatch.setattr(deadline_reminders, "LISTED", 1)
    deadline_reminders.send_deadline_reminders()
    assert "另有 1 件" in reminders()[0].body


# -- the annual review ----------------------------------------------------------------

def window(start, end, today):
    return annual_review.Window(start, end, today)


@pytest.mark.parametrize("today, expected", [
    (date(2026, 3, 18), True),     # 14 days before it opens
    (date(2026, 3, 20), False),
    (date(2026, 3, 25), True),     # 7 days before
    (date(2026, 3, 31), True),     # the day before
    (date(2026, 4, 1), True),      # the first day (a Wednesday)
    (date(2026, 4, 2), False),
    (date(2026, 4, 6), True),      # a Monday in the window
    (date(2026, 4, 23), True),     # 7 days before it closes
    (date(2026, 4, 27), True),     # 3 days before (also a Monday)
    (date(2026, 4, 29), True),     # the day before
    (date(2026, 4, 30), False),    # the last day (a Thursday)
    (date(2026, 5, 4), False),     # closed
])
def test_annual_reminder_days(today, expected):
    assert is_annual_reminder_day(window(date(2026, 4, 1), date(2026, 4, 30), today)) is expected


def test_no_window_no_reminders():
    assert not is_annual_reminder_day(window(None, None, date(2026, 4, 6)))


def test_annual_reminders_go_out_once_on_a_reminder_day(app, make_application):
    approved = make_application(state=State.APPROVED)
    InstanceSettings.update(annual_review_start=date(2026, 3, 2),
                            annual_review_end=date(2026, 3, 31)).execute()
    first = deadline_reminders.send_annual_reminders()
    assert first.sent == 1 and first.already_reminded == 0
    assert deadline_reminders.send_annual_reminders() == annual_review.ReminderResult(0, 1)
    filer = Account.get_by_id(approved.account_id)
    assert OutboxMessage.select().where(OutboxMessage.recipient == filer.email,
                                        OutboxMessage.subject.contains("年度")).count() == 1
    event = AuditEvent.get(AuditEvent.action == "annual_review.remind")
    assert event.actor_name == "system"


def test_no_annual_reminders_on_other_days(app, make_application):
    make_application(state=State.APPROVED)
    InstanceSettings.update(annual_review_start=date(2026, 2, 25),
                            annual_review_end=date(2026, 3, 31)).execute()
    freeze(datetime(2026, 3, 3, 1, 0))    # Tuesday, not a reminder day
    assert deadline_reminders.send_annual_reminders() is None
