"""The bureau's review queue: filters, sorting, deadlines in working days (holidays
included), the dashboard counts, and a constant number of queries per page."""
import logging
from contextlib import contextmanager
from datetime import date, datetime

import pytest

from portal import sample_data, workflow
from portal.clock import freeze
from portal.models import Service, WorkingDayOverride
from portal.services.review_queue import (QueueFilters, dashboard_counts, queue_rows,
                                          review_queue)
from portal.states import Kind, State
from tests.factories import file_application, next_n

MONDAY_10AM_LOCAL = datetime(2026, 3, 2, 2, 0)      # 2026-03-02 is a Monday (UTC+8)


@pytest.fixture
def clock():
    yield freeze
    freeze(None)


def refs(filters: QueueFilters) -> list[str]:
    return [a.reference for a in review_queue(filters)]


def cancel_in_review(make_application, isp, reviewer):
    approved = make_application(state=State.APPROVED)
    service = Service.get(Service.subject == approved.subject_id)
    return file_application(Kind.CANCEL_SERVICE, approved.account, isp, reviewer,
                            {"reason": "不再运营"}, service_id=service.id, approve=False)


def test_only_applications_in_review_are_queued(make_application):
    waiting = make_application(state=State.REVIEW)
    for state in (State.SUBMITTED, State.SMS, State.APPROVED, State.RETURNED):
        make_application(state=state)
    assert refs(QueueFilters()) == [waiting.reference]


def test_filter_by_kind_and_the_cancellation_deadline(make_application, isp, reviewer, clock):
    clock(MONDAY_10AM_LOCAL)
    filing = make_application(state=State.REVIEW)
    cancel = cancel_in_review(make_application, isp, reviewer)
    assert refs(QueueFilters(kind=Kind.CANCEL_SERVICE)) == [cancel.reference]
    assert refs(QueueFilters(kind=Kind.FIRST_FILING)) == [filing.reference]
    assert cancel.due_on == date(2026, 3, 9) and filing.due_on == date(2026, 3, 30)
    rows = {r.app.id: r for r in queue_rows(list(review_queue(QueueFilters())))}
    assert rows[cancel.id].days_left == 5 and rows[filing.id].days_left == 20


def test_filter_by_named_isp(make_application, make_filer, make_isp, reviewer):
    first = make_application(state=State.REVIEW)
    other = make_isp()
    second = file_application(Kind.FIRST_FILING, make_filer(), other, reviewer,
                              sample_data.first_filing(next_n(), [other.id]), approve=False)
    assert refs(QueueFilters(isp=other.id)) == [second.reference]
    assert first.reference not in refs(QueueFilters(isp=other.id))
    rows = queue_rows(list(review_queue(QueueFilters(isp=other.id))))
    assert rows[0].isps == [other.name]


def test_filter_by_conflict(make_application, make_filer, isp, reviewer):
    holder = make_application(state=State.APPROVED)
    clean = make_application(state=State.REVIEW)
    proposal = sample_data.first_filing(next_n(), [isp.id],
                                        services=[dict(holder.proposed["services"][0])])
    clash = file_application(Kind.FIRST_FILING, make_filer(), isp, reviewer, proposal,
                             approve=False)
    assert refs(QueueFilters(conflict="yes")) == [clash.reference]
    assert refs(QueueFilters(conflict="no")) == [clean.reference]


def test_due_filters_and_overdue_flag(make_application, clock):
    clock(MONDAY_10AM_LOCAL)
    early = make_application(state=State.REVIEW)             # due 2026-03-30
    clock(datetime(2026, 3, 25, 2, 0))
    late = make_application(state=State.REVIEW)              # due 2026-04-22
    clock(datetime(2026, 3, 27, 2, 0))                       # Friday: early has 1 day left
    assert refs(QueueFilters(due="soon")) == [early.reference]
    assert refs(QueueFilters(due="overdue")) == []
    clock(datetime(2026, 3, 31, 2, 0))
    assert refs(QueueFilters(due="overdue")) == [early.reference]
    rows = {r.app.id: r for r in queue_rows(list(review_queue(QueueFilters())))}
    assert rows[early.id].overdue and rows[early.id].days_left == -1
    assert not rows[late.id].overdue and rows[late.id].days_left == 16


def test_deadline_counts_working_days_over_a_holiday(make_application, clock):
    WorkingDayOverride.create(day=date(2026, 3, 4), is_working=False, note="假日")
    WorkingDayOverride.create(day=date(2026, 3, 7), is_working=True, note="调休上班")
    clock(MONDAY_10AM_LOCAL)
    app = make_application(state=State.REVIEW)
    assert app.due_on == date(2026, 3, 30)                   # one lost, one made up
    WorkingDayOverride.create(day=date(2026, 3, 10), is_working=False, note="临时假日")
    [row] = queue_rows(list(review_queue(QueueFilters())))
    assert row.days_left == 19 and not row.overdue


def test_sorting_by_due_submitted_and_kind(make_application, isp, reviewer, clock):
    clock(MONDAY_10AM_LOCAL)
    filing = make_application(state=State.REVIEW)            # due 03-30, submitted first
    clock(datetime(2026, 3, 3, 2, 0))
    cancel = cancel_in_review(make_application, isp, reviewer)   # due 03-10
    assert refs(QueueFilters(sort="due")) == [cancel.reference, filing.reference]
    assert refs(QueueFilters(sort="submitted")) == [filing.reference, cancel.reference]
    assert refs(QueueFilters(sort="kind")) == [cancel.reference, filing.reference]


def test_filters_from_query_arguments_ignore_nonsense():
    filters = QueueFilters.from_args({"kind": "bogus", "isp": "x", "conflict": "maybe",
                                      "due": "never", "sort": "id; drop"})
    assert filters == QueueFilters()
    filters = QueueFilters.from_args({"kind": "first_filing", "isp": "3", "conflict": "yes",
                                      "due": "soon", "sort": "kind"})
    assert filters == QueueFilters("first_filing", 3, "yes", "soon", "kind")


@contextmanager
def counting_queries():
    """Count the SQL statements peewee runs (its debug log has one record per query)."""
    seen = []
    handler = logging.Handler()
    handler.emit = seen.append
    logger = logging.getLogger("peewee")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield seen
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def render_rows() -> list:
    """What the queue template reads of each row."""
    rows = queue_rows(list(review_queue(QueueFilters())))
    return [(r.app.account.username, r.app.subject, r.app.isp, r.isps, r.days_left)
            for r in rows]


def test_a_page_costs_the_same_queries_whatever_its_length(make_application):
    make_application(state=State.REVIEW)
    with counting_queries() as few:
        assert len(render_rows()) == 1
    for _ in range(4):
        make_application(state=State.REVIEW)
    with counting_queries() as many:
        assert len(render_rows()) == 5
    assert len(many) == len(few) <= 3


def test_dashboard_counts(make_application, make_filer, isp, reviewer, clock):
    clock(MONDAY_10AM_LOCAL)
    overdue = make_application(state=State.REVIEW)
    clock(datetime(2026, 3, 30, 2, 0))
    make_application(state=State.REVIEW)
    returned = make_application(state=State.REVIEW)
    workflow.return_application(returned.id, reviewer, "资料不全",
                                [{"field": "subject.name", "note": "请填写全称"}])
    clock(datetime(2026, 3, 31, 2, 0))
    counts = dashboard_counts()
    assert counts == {"review": 2, "overdue": 1, "soon": 0, "conflict": 0,
                      "returned_today": 0}
    clock(datetime(2026, 3, 30, 10, 0))
    assert dashboard_counts()["returned_today"] == 1
    assert dashboard_counts()["soon"] == 1 and overdue.due_on == date(2026, 3, 30)
