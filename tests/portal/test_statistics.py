"""The dashboard's numbers on a small crafted data set with controlled times: counts by
state and kind, weekly approvals, decision times, overdue, per ISP, return fields."""
from datetime import date, datetime

import pytest

from portal import clock, sample_data, workflow
from portal.audit import record_event
from portal.db import transaction
from portal.errors import ValidationError
from portal.services import statistics
from portal.services.statistics import Period, percentile, resolve_period
from portal.states import Kind, State
from tests.factories import next_n

PERIOD = Period(date(2026, 3, 2), date(2026, 3, 15))      # two local weeks, Mondays 2 and 9
TODAY = date(2026, 3, 18)
UTC = datetime


@pytest.fixture(autouse=True)
def release_clock():
    yield
    clock.freeze(None)


def at(*parts) -> None:
    clock.freeze(UTC(*parts))


def in_review(make_application, *moment, **kwargs):
    at(*moment)
    return make_application(state=State.REVIEW, **kwargs)


def bureau_return(app, reviewer, fields):
    return workflow.return_application(app.id, reviewer, "资料有误",
                                       [{"field": f, "note": "请修改"} for f in fields])


@pytest.fixture
def crafted(make_application, make_isp, make_filer, isp, reviewer):
    """Decisions of 24 h, 144 h, 12 h and 6.5 h; one overdue; returns naming fields."""
    a1 = in_review(make_application, 2026, 3, 2, 2)           # Mon 10:00 local
    at(2026, 3, 3, 2)
    workflow.approve_application(a1.id, reviewer)             # 24 h, week of 2 March
    a2 = in_review(make_application, 2026, 3, 4, 0)
    at(2026, 3, 10, 0)
    workflow.approve_application(a2.id, reviewer)             # 144 h, week of 9 March
    a3 = in_review(make_application, 2026, 3, 5, 0)
    at(2026, 3, 5, 12)
    bureau_return(a3, reviewer, ["subject.name", "services.0.domains"])   # 12 h
    a7 = in_review(make_application, 2026, 3, 8, 10)
    at(2026, 3, 8, 16, 30)                                    # Mon 9 March 00:30 local
    workflow.approve_application(a7.id, reviewer)             # 6.5 h, week of 9 March
    at(2026, 3, 6, 1)
    make_application(state=State.RETURNED)                    # ISP return on subject.name
    at(2026, 3, 10, 3)
    make_application(state=State.DRAFT)
    in_review(make_application, 2026, 1, 5, 3)                # before the period; overdue
    other = make_isp("另一家接入商")
    at(2026, 3, 11, 3)
    customer = make_filer(created_by_org=other)
    filed = workflow.create_application(Kind.FIRST_FILING, account=customer,
                                        actor=other.operator, channel="isp", isp=other,
                                        proposed=sample_data.first_filing(next_n(), [other.id]))
    workflow.submit_application(filed.id, other.operator)     # filed by and naming `other`
    clock.freeze(None)
    return {"other": other, "isp": isp}


def test_counts_by_state_and_kind(crafted):
    counts = statistics.count_by_state_kind(PERIOD)
    assert counts == {(Kind.FIRST_FILING, State.APPROVED): 3,
                      (Kind.FIRST_FILING, State.RETURNED): 2,
                      (Kind.FIRST_FILING, State.DRAFT): 1,
                      (Kind.FIRST_FILING, State.SUBMITTED): 1}


def test_approvals_by_local_week(crafted):
    assert statistics.approvals_by_week(PERIOD) == [(date(2026, 3, 2), 1), (date(2026, 3, 9), 2)]


def test_decision_times_median_and_p90(crafted):
    overall, by_kind = statistics.decision_times(PERIOD)
    assert overall.count == 4
    assert overall.median == pytest.approx(18.0)          # (12 + 24) / 2
    assert overall.p90 == pytest.approx(108.0)            # 24 + (144 - 24) * 0.7
    assert by_kind[Kind.FIRST_FILING].count == 4


def test_overdue_uses_local_today(crafted):
    assert statistics.overdue_count(TODAY) == 1
    assert statistics.overdue_count(date(2026, 1, 6)) == 0


def test_per_isp_counts_filed_or_named_once(crafted):
    rows = {row.name: row for row in statistics.per_isp(PERIOD)}
    main = rows[crafted["isp"].name]
    # the draft names no ISP yet (access providers are recorded on submission)
    assert (main.applications, main.approved, main.returned) == (5, 3, 2)
    assert main.times.count == 4 and main.times.median == pytest.approx(18.0)
    other = rows["另一家接入商"]
    assert (other.applications, other.approved, other.returned) == (1, 0, 0)
    assert other.times.count == 0 and other.times.median is None


def test_return_fields_by_source(crafted):
    assert statistics.return_fields(PERIOD) == [("subject.name", 1, 1),
                                                ("services.0.domains", 1, 0)]


def test_return_events_without_notes_are_skipped(app, reviewer):
    at(2026, 3, 3, 0)
    with transaction():
        record_event("application.return", reviewer, after={"state": "returned", "version": 2})
        record_event("application.return", reviewer, after=None)
    assert statistics.return_fields(PERIOD) == []


def test_outside_the_period_counts_nothing(crafted):
    later = Period(date(2026, 4, 1), date(2026, 4, 30))
    board = statistics.build_dashboard(later, today=TODAY)
    assert board.opened == 0 and board.approved == 0 and board.times.count == 0
    assert board.isps == [] and board.fields == []
    assert board.overdue == 1        # overdue is now, whatever the period


def test_dashboard_and_tables(crafted):
    board = statistics.build_dashboard(PERIOD, today=TODAY)
    assert (board.opened, board.approved, board.overdue) == (7, 3, 1)
    tables = statistics.build_tables(board)
    assert set(tables) == set(statistics.TABLE_NAMES)
    total = tables["by_state_kind"].rows[-1]
    assert total[-1] == 7
    assert tables["approvals_weekly"].rows == [["2026-03-02", 1], ["2026-03-09", 2]]
    assert tables["decision_times"].rows[-1][1:] == [4, "18.0", "108.0"]
    assert tables["return_fields"].rows[0] == ["subject.name", 1, 1, 2]


@pytest.mark.parametrize("values, q, expected", [
    ([], 50, None), ([5], 90, 5), ([1, 2, 3, 4], 50, 2.5), ([1, 2, 3, 4, 5], 50, 3),
    ([10, 20], 90, 19), ([3, 1, 2], 0, 1), ([3, 1, 2], 100, 3)])
def test_percentile(values, q, expected):
    assert percentile(values, q) == (pytest.approx(expected) if expected is not None else None)


def test_default_period_is_twelve_weeks_ending_today():
    period = resolve_period(today=TODAY)
    assert period.end == TODAY and period.start == date(2025, 12, 29)
    assert period.start.weekday() == 0 and len(period.weeks()) == 12


def test_period_rules():
    with pytest.raises(ValidationError):
        resolve_period(date(2026, 3, 2), date(2026, 3, 1))
    with pytest.raises(ValidationError):
        resolve_period(date(2020, 1, 1), date(2026, 1, 1))
    assert resolve_period(date(2026, 3, 4), date(2026, 3, 4)).weeks() == [date(2026, 3, 2)]


def test_weeks_are_clipped_to_the_period():
    period = Period(date(2026, 3, 4), date(2026, 3, 10))     # Wed to the next Tue
    assert period.weeks() == [date(2026, 3, 2), date(2026, 3, 9)]
    (first_lo, first_hi), (second_lo, second_hi) = period.week_bounds()
    assert first_lo == UTC(2026, 3, 3, 16) and first_hi == UTC(2026, 3, 8, 16)
    assert second_lo == UTC(2026, 3, 8, 16) and second_hi == UTC(2026, 3, 10, 16)


def test_local_dates_become_utc_bounds():
    assert statistics.utc_bounds(date(2026, 3, 2), date(2026, 3, 2)) == (
        UTC(2026, 3, 1, 16), UTC(2026, 3, 2, 16))
