"""The bureau's review queue: filters, sorting, deadlines in working days (holidays
included), the dashboard counts, and a constant number of queries per page."""
import logging
from contextlib import contextmanager
from datetime import date, datetime

import pytest

from portal import sample_data, workflow
from portal.clock import freeze
from portal.models import Service, WorkingDayOverride
from portal.db import db, is_sqlite
from portal.pagination import capped_count
from portal.services.review_queue import (QueueFilters, dashboard_counts, queue_count,
                                          queue_page, queue_rows, review_queue)
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


# -- keyset pagination ---------------------------------------------------------

def walk(filters: QueueFilters, per_page: int) -> list[list[str]]:
    """Every page, following the next links from the first page."""
    pages, after = [], None
    while True:
        page = queue_page(filters, after=after, per_page=per_page)
        pages.append([a.reference for a in page.items])
        if not page.has_next:
            return pages
        after = page.next_after


def walk_back(filters: QueueFilters, before: str, per_page: int) -> list[list[str]]:
    """The pages before the `before` token, following the previous links."""
    pages = []
    while before:
        page = queue_page(filters, before=before, per_page=per_page)
        pages.insert(0, [a.reference for a in page.items])
        before = page.prev_before
    return pages


@pytest.fixture
def five_in_review(make_application, isp, reviewer, clock):
    """Five applications in review over three days, two of them cancellations."""
    apps = []
    for day in (2, 2, 3, 3, 4):
        clock(datetime(2026, 3, day, 2, 0))
        apps.append(make_application(state=State.REVIEW))
    apps.append(cancel_in_review(make_application, isp, reviewer))
    return apps


@pytest.mark.parametrize("sort", ["due", "submitted", "kind"])
def test_next_and_previous_links_walk_the_whole_queue_in_order(five_in_review, sort):
    filters = QueueFilters(sort=sort)
    pages = walk(filters, per_page=2)
    assert [ref for page in pages for ref in page] == refs(filters)
    assert [len(p) for p in pages] == [2, 2, 2]
    last = queue_page(filters, after=queue_page(filters, per_page=4).next_after, per_page=4)
    assert not last.has_next and last.has_prev
    assert [ref for p in walk_back(filters, last.prev_before, 2) for ref in p] == refs(filters)[:4]


def test_the_first_page_has_no_previous_link(five_in_review):
    page = queue_page(QueueFilters(), per_page=2)
    assert not page.has_prev and page.has_next
    back = queue_page(QueueFilters(), before=queue_page(
        QueueFilters(), after=page.next_after, per_page=2).prev_before, per_page=2)
    assert back.items == page.items and not back.has_prev


def test_paging_keeps_the_filters(five_in_review):
    filters = QueueFilters(kind=Kind.FIRST_FILING, sort="submitted")
    pages = walk(filters, per_page=2)
    assert [ref for page in pages for ref in page] == refs(filters)
    assert len(refs(filters)) == 5


@pytest.mark.parametrize("token", ["garbage", "e30", "W10", "WyJkdWUiLFsxLDJdXQ",
                                   "WyJzdWJtaXR0ZWQiLFtdXQ", "!!!", "x" * 300])
def test_a_malformed_or_foreign_token_gives_the_first_page(five_in_review, token):
    first = queue_page(QueueFilters(), per_page=2)
    assert queue_page(QueueFilters(), after=token, per_page=2).items == first.items
    assert queue_page(QueueFilters(), before=token, per_page=2).items == first.items


def test_a_token_of_another_sort_order_is_ignored(five_in_review):
    token = queue_page(QueueFilters(sort="submitted"), per_page=2).next_after
    assert (queue_page(QueueFilters(sort="kind"), after=token, per_page=2).items
            == queue_page(QueueFilters(sort="kind"), per_page=2).items)


def test_the_count_is_capped(five_in_review, monkeypatch):
    assert queue_page(QueueFilters(), per_page=2).total == 6
    monkeypatch.setattr("portal.services.review_queue.capped_count",
                        lambda query: capped_count(query, cap=4))
    page = queue_page(QueueFilters(), per_page=2)
    assert (page.total, page.total_capped) == (4, True)
    assert queue_count(QueueFilters(kind=Kind.CANCEL_SERVICE)) == (1, False)


def test_any_page_costs_the_same_queries(five_in_review):
    first = queue_page(QueueFilters(), per_page=2)
    with counting_queries() as on_first:
        queue_page(QueueFilters(), per_page=2)
    with counting_queries() as on_second:
        queue_page(QueueFilters(), after=first.next_after, per_page=2)
    assert len(on_first) == len(on_second) == 2          # the page and its capped count


@pytest.mark.parametrize("sort", ["due", "submitted", "kind"])
@pytest.mark.parametrize("direction", ["after", "before"])
def test_each_sort_order_seeks_on_its_own_index(five_in_review, sort, direction):
    """The plan of a page after (or before) a token: an index search, no sort."""
    if not is_sqlite():
        pytest.skip("reads SQLite's query plan")
    filters = QueueFilters(sort=sort)
    second = queue_page(filters, after=queue_page(filters, per_page=2).next_after, per_page=2)
    token = second.next_after if direction == "after" else second.prev_before
    with counting_queries() as seen:
        queue_page(filters, per_page=2, **{direction: token})
    sql, params = seen[0].msg
    plan = " | ".join(row[-1] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
    assert f"USING INDEX application_state_{'kind_' if sort == 'kind' else ''}" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize("sort", ["due", "submitted"])
def test_a_busy_isp_is_filtered_by_probing_with_the_same_rows(
        make_application, make_filer, make_isp, reviewer, monkeypatch, sort):
    """An ISP named in many applications is probed row by row (EXISTS): same rows, same
    pages, no count (it would probe the whole queue)."""
    make_application(state=State.REVIEW)
    other = make_isp()
    mine = [file_application(Kind.FIRST_FILING, make_filer(), other, reviewer,
                             sample_data.first_filing(next_n(), [other.id]), approve=False)
            for _ in range(3)]
    filters = QueueFilters(isp=other.id, sort=sort)
    quiet = walk(filters, per_page=2)
    assert queue_page(filters, per_page=2).total == 3
    monkeypatch.setattr("portal.services.review_queue.NAMED_LIST_LIMIT", 1)
    assert walk(filters, per_page=2) == quiet
    assert sorted(r for page in quiet for r in page) == sorted(a.reference for a in mine)
    page = queue_page(filters, per_page=2)
    assert page.total is None and page.has_next
    sql, _ = review_queue(filters).sql()
    assert "EXISTS" in sql.upper()
