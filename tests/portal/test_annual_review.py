"""The annual review from the bureau's side: the window, done and pending subjects,
reminders sent once a day."""
from datetime import date, datetime, timedelta

import pytest

from portal.clock import freeze
from portal.errors import Forbidden, Refused
from portal.models import Account, AuditEvent, InstanceSettings, OutboxMessage, Subject
from portal.services import annual_review as review
from portal.services.changes import start_change
from portal.states import State
from tests.factories import push_through

MARCH_10_LOCAL = datetime(2026, 3, 10, 2, 0)     # 10:00 in Shanghai


@pytest.fixture
def clock(app):
    freeze(MARCH_10_LOCAL)
    yield freeze
    freeze(None)


def set_window(start, end):
    InstanceSettings.update(annual_review_start=start, annual_review_end=end).execute()


@pytest.fixture
def window(clock):
    set_window(date(2026, 3, 1), date(2026, 4, 30))


@pytest.fixture
def subjects(make_application):
    """Four approved subjects: stamped done, not done, cancelled, not done."""
    made = [Subject.get(Subject.account == make_application(state=State.APPROVED).account_id)
            for _ in range(4)]
    Subject.update(annual_review_year=2026).where(Subject.id == made[0].id).execute()
    Subject.update(annual_review_year=2025).where(Subject.id == made[1].id).execute()
    Subject.update(status="cancelled").where(Subject.id == made[2].id).execute()
    return made


def ids(query) -> set:
    return {s.id for s in query}


def reminders() -> list:
    return list(OutboxMessage.select().where(OutboxMessage.message_id.startswith("annual-review-"))
                .order_by(OutboxMessage.id))


@pytest.mark.parametrize("start,end,status", [
    (None, None, review.UNSET), (date(2026, 3, 11), date(2026, 4, 30), review.UPCOMING),
    (date(2026, 3, 10), date(2026, 3, 10), review.OPEN), (date(2026, 1, 1), date(2026, 3, 9),
                                                          review.CLOSED),
])
def test_window_status(clock, start, end, status):
    set_window(start, end)
    window = review.current_window()
    assert window.status == status and window.year == 2026
    assert window.is_overdue == (status == review.CLOSED)


def test_done_and_pending_lists(window, subjects):
    done, pending, _cancelled, fresh = subjects
    assert ids(review.done_subjects()) == {done.id}
    assert ids(review.pending_subjects()) == {pending.id, fresh.id}
    assert review.counts() == {"total": 3, "done": 1, "pending": 2}


def test_an_approved_annual_review_counts_and_one_on_its_way_shows(window, subjects, isp,
                                                                  reviewer):
    _, pending, _, fresh = subjects
    for subject in (pending, fresh):
        account = Account.get_by_id(subject.account_id)
        draft = start_change(account, "annual_review")
        push_through(draft.id, account, isp, reviewer, approve=subject is pending)
    assert pending.id in ids(review.done_subjects())
    assert review.in_progress([pending.id, fresh.id]) == {fresh.id}
    assert review.in_progress([]) == set()


def test_an_approval_since_the_window_opened_counts_across_new_year(clock, subjects, isp,
                                                                    reviewer):
    set_window(date(2026, 3, 1), date(2026, 4, 30))
    _, pending, _, _ = subjects
    account = Account.get_by_id(pending.account_id)
    push_through(start_change(account, "annual_review").id, account, isp, reviewer)
    Subject.update(annual_review_year=2027).where(Subject.id == pending.id).execute()
    assert pending.id in ids(review.done_subjects())


def test_reminders_go_once_a_day_to_each_pending_subject(window, subjects, bureau_admin, isp,
                                                         reviewer):
    _, pending, _, fresh = subjects
    account = Account.get_by_id(fresh.account_id)
    push_through(start_change(account, "annual_review").id, account, isp, reviewer,
                 approve=False)
    result = review.send_reminders(bureau_admin)
    assert (result.sent, result.already_reminded) == (1, 0)
    sent = reminders()
    account = Account.get_by_id(pending.account_id)
    assert [(m.channel, m.recipient) for m in sent] == [("email", account.email),
                                                        ("sms", account.mobile)]
    assert pending.filing_number in sent[0].body and "2026-04-30" in sent[0].body
    assert fresh.id not in {m.payload["subject_id"] for m in sent}
    event = AuditEvent.select().order_by(AuditEvent.seq.desc()).first()
    assert (event.action, event.object_id, event.actor_id) == (
        "annual_review.remind", "2026", bureau_admin.id)
    assert event.after == {"date": "2026-03-10", "sent": 1, "already_reminded": 0}

    events = AuditEvent.select().count()
    again = review.send_reminders(bureau_admin)
    assert (again.sent, again.already_reminded) == (0, 1)
    assert len(reminders()) == 2 and AuditEvent.select().count() == events

    freeze(MARCH_10_LOCAL + timedelta(days=1))
    assert review.send_reminders(bureau_admin).sent == 1
    assert len(reminders()) == 4


def test_overdue_reminders_say_so(clock, subjects, bureau_admin):
    set_window(date(2026, 1, 1), date(2026, 2, 28))
    assert review.send_reminders(bureau_admin).sent == 2
    assert all("已逾期" in m.body for m in reminders())


def test_reminders_need_a_window_and_an_admin_or_the_system(clock, subjects, bureau_admin, reviewer, auditor):
    with pytest.raises(Refused):
        review.send_reminders(bureau_admin)
    set_window(date(2026, 3, 1), date(2026, 4, 30))
    for actor in (reviewer, auditor):
        with pytest.raises(Forbidden):
            review.send_reminders(actor)
    assert reminders() == []


def test_set_and_close_the_window(clock, bureau_admin, reviewer):
    review.set_window(bureau_admin, date(2026, 3, 1), date(2026, 4, 30))
    assert review.current_window().status == review.OPEN
    review.close_window(bureau_admin)
    window = review.current_window()
    assert (window.end, window.status) == (date(2026, 3, 9), review.CLOSED)
    review.set_window(bureau_admin, date(2026, 5, 1), date(2026, 5, 31))
    review.close_window(bureau_admin)
    assert review.current_window().status == review.UNSET
    with pytest.raises(Forbidden):
        review.set_window(reviewer, date(2026, 3, 1), date(2026, 4, 30))
