"""The working-day calendar service: holidays and make-up days per year, audited, and the
review deadlines that follow them."""
from datetime import date, datetime

import pytest

from portal import workflow
from portal.clock import freeze
from portal.errors import Forbidden, NotFound, ValidationError
from portal.models import Application, AuditEvent, Subject, WorkingDayOverride
from portal.services import working_days as calendar
from portal.states import Kind, State

MONDAY_10AM_LOCAL = datetime(2026, 3, 2, 2, 0)      # 2026-03-02, a Monday, 10:00 in Shanghai


@pytest.fixture
def clock():
    yield freeze
    freeze(None)


def last_event() -> AuditEvent:
    return AuditEvent.select().order_by(AuditEvent.seq.desc()).first()


def test_add_and_remove_are_audited(bureau_admin):
    row = calendar.add_override(bureau_admin, date(2026, 10, 1), False, " 国庆节 ")
    assert (row.is_working, row.note) == (False, "国庆节")
    event = last_event()
    assert (event.action, event.actor_id) == ("calendar.add", bureau_admin.id)
    assert event.after == {"day": "2026-10-01", "is_working": False, "note": "国庆节"}
    calendar.remove_override(bureau_admin, row.id)
    assert not WorkingDayOverride.select().exists()
    assert last_event().action == "calendar.remove"
    assert last_event().before["day"] == "2026-10-01"


@pytest.mark.parametrize("day,is_working,note,field", [
    (date(2026, 10, 8), True, "", "day"),        # a Thursday is already a working day
    (date(1999, 10, 9), False, "", "year"),
    (date(2026, 10, 1), False, "长" * 101, "note"),
    ("2026-10-01", False, "", "day"),
])
def test_bad_days_are_refused_and_nothing_saved(bureau_admin, day, is_working, note, field):
    count = AuditEvent.select().count()
    with pytest.raises(ValidationError) as caught:
        calendar.add_override(bureau_admin, day, is_working, note)
    assert caught.value.field == field
    assert not WorkingDayOverride.select().exists() and AuditEvent.select().count() == count


def test_a_day_is_set_once(bureau_admin):
    calendar.add_override(bureau_admin, date(2026, 10, 1), False)
    with pytest.raises(ValidationError) as caught:
        calendar.add_override(bureau_admin, date(2026, 10, 1), False)
    assert "已有设置" in str(caught.value.message)
    assert WorkingDayOverride.select().count() == 1


def test_a_holiday_may_fall_on_a_weekend_to_record_the_whole_break(bureau_admin):
    calendar.add_override(bureau_admin, date(2026, 10, 3), False, "国庆节")   # a Saturday
    assert WorkingDayOverride.select().count() == 1


def test_only_a_bureau_admin_changes_the_calendar(reviewer, auditor, bureau_admin):
    row = calendar.add_override(bureau_admin, date(2026, 10, 1), False)
    for actor in (reviewer, auditor, None):
        with pytest.raises(Forbidden):
            calendar.add_override(actor, date(2026, 10, 2), False)
        with pytest.raises(Forbidden):
            calendar.remove_override(actor, row.id)
    assert WorkingDayOverride.select().count() == 1
    with pytest.raises(NotFound):
        calendar.remove_override(bureau_admin, row.id + 100)


def test_year_summary_counts_working_days_per_month(bureau_admin):
    for day in range(1, 8):
        calendar.add_override(bureau_admin, date(2026, 10, day), False, "国庆节")
    calendar.add_override(bureau_admin, date(2026, 9, 27), True, "国庆节调休")
    calendar.add_override(bureau_admin, date(2026, 10, 10), True, "国庆节调休")
    calendar.add_override(bureau_admin, date(2027, 1, 1), False, "元旦")
    months = {m.month: m for m in calendar.year_summary(2026)}
    assert (months[9].working_days, months[9].make_up_days) == (23, 1)    # 22 weekdays + Sun
    assert (months[10].working_days, months[10].holidays, months[10].make_up_days) == (
        18, 5, 1)   # 22 weekdays − 5 holidays + Sat 10th
    assert months[3].working_days == 22 and months[3].holidays == 0
    assert [r.day.month for r in calendar.year_overrides(2026)] == [9] + [10] * 8
    assert sum(m.working_days for m in calendar.year_summary(2027)) == 260
    with pytest.raises(ValidationError):
        calendar.year_summary(1800)


def _in_review_on_monday(make_application, clock):
    clock(MONDAY_10AM_LOCAL)
    app = make_application(state=State.REVIEW)
    assert app.due_on == date(2026, 3, 30)                  # 20 working days
    return app


def test_a_new_holiday_moves_open_deadlines_it_falls_within(make_application, bureau_admin,
                                                             clock):
    app = _in_review_on_monday(make_application, clock)
    other = make_application(state=State.REVIEW)
    calendar.add_override(bureau_admin, date(2026, 3, 10), False, "临时调整")
    assert Application.get_by_id(app.id).due_on == date(2026, 3, 31)
    moved = AuditEvent.select().where(AuditEvent.action == "application.deadline")
    assert {e.object_id for e in moved} == {str(app.id), str(other.id)}
    assert all(e.before == {"due_on": "2026-03-30"} for e in moved)


def test_a_day_after_the_deadline_moves_nothing(make_application, bureau_admin, clock):
    app = _in_review_on_monday(make_application, clock)
    calendar.add_override(bureau_admin, date(2026, 4, 1), False)
    assert Application.get_by_id(app.id).due_on == date(2026, 3, 30)
    assert not AuditEvent.select().where(AuditEvent.action == "application.deadline").exists()


def test_removing_a_holiday_brings_the_deadline_back(make_application, bureau_admin, clock):
    app = _in_review_on_monday(make_application, clock)
    row = calendar.add_override(bureau_admin, date(2026, 3, 10), False)
    calendar.add_override(bureau_admin, date(2026, 3, 14), True, "调休")   # a Saturday
    assert Application.get_by_id(app.id).due_on == date(2026, 3, 30)
    calendar.remove_override(bureau_admin, row.id)
    assert Application.get_by_id(app.id).due_on == date(2026, 3, 27)


def test_a_cancellation_counts_five_working_days_over_a_holiday(make_application,
                                                                  bureau_admin, isp, clock):
    calendar.add_override(bureau_admin, date(2026, 3, 4), False, "假日")
    clock(MONDAY_10AM_LOCAL)
    first = make_application(state=State.APPROVED)
    service = Subject.get(Subject.account == first.account_id).services.get()
    draft = workflow.create_application(Kind.CANCEL_ACCESS, account=first.account,
                                        actor=first.account, proposed={"isp_id": isp.id},
                                        service_id=service.id)
    app = workflow.submit_application(draft.id, first.account)
    assert app.state == State.REVIEW and app.due_on == date(2026, 3, 10)
