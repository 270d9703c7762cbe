"""A record as it stood on a past (local) date, two versions side by side, and finding
records for the bureau."""
from datetime import date, datetime

import pytest

from portal import record_decisions, sample_data, workflow
from portal.clock import freeze
from portal.errors import NotFound
from portal.models import Service, Subject
from portal.services import record_history as history
from portal.states import Kind, State
from tests.factories import confirm_all_sms, next_n


@pytest.fixture
def clock():
    yield freeze
    freeze(None)


@pytest.fixture
def changed(make_application, isp, reviewer, clock):
    """Approved 2026-03-02 01:00 Shanghai (1 March UTC); renamed on 10 March; restricted
    on 20 March; revoked on 30 March."""
    n = next_n()
    clock(datetime(2026, 3, 1, 17, 0))
    app = make_application(state=State.APPROVED, n=n)
    subject = Subject.get(Subject.account == app.account_id)
    service = subject.services.get()
    clock(datetime(2026, 3, 10, 2, 0))
    site = {**sample_data.website(n, [isp.id]), "service_id": service.id, "name": "新的网站名称美食分享"}
    change = workflow.create_application(Kind.CHANGE_SERVICE, account=app.account,
                                         actor=app.account, proposed={"services": [site]},
                                         service_id=service.id)
    workflow.submit_application(change.id, app.account)
    if workflow.load_application(change.id).state == State.SUBMITTED:
        workflow.verify_application(change.id, isp.operator)
    confirm_all_sms(workflow.load_application(change.id))
    workflow.approve_application(change.id, reviewer)
    clock(datetime(2026, 3, 20, 2, 0))
    record_decisions.restrict_service(reviewer, service.id, "涉嫌违法")
    clock(datetime(2026, 3, 30, 2, 0))
    record_decisions.revoke_record(reviewer, "恶意抢注", subject_id=subject.id)
    return Subject.get_by_id(subject.id), service


def service_row(sections, label):
    return next(row for row in sections[1].rows if row.label == label)


def test_a_record_as_it_stood_on_each_date(changed, app):
    subject, service = changed
    assert history.version_on(subject, date(2026, 3, 1)) is None     # before the approval (local)
    with app.test_request_context():
        expected = {date(2026, 3, 2): ("1", service.name.split("新的")[0], "已备案", ""),
                    date(2026, 3, 15): ("2", "新的网站名称美食分享", "已备案", ""),
                    date(2026, 3, 25): ("3", "新的网站名称美食分享", "已备案", "限制接入"),
                    date(2026, 4, 1): ("4", "新的网站名称美食分享", "已撤销", "限制接入")}
        for day, (number, name, status, flags) in expected.items():
            version = history.version_on(subject, day)
            moment = history.end_of_local_day(day)
            sections = history.describe(history.state_of(version, moment))
            assert str(version.version) == number, day
            assert name in service_row(sections, "名称").left, day
            assert service_row(sections, "状态").left == status, day
            assert service_row(sections, "标记").left == flags, day


def test_the_day_ends_in_shanghai(changed):
    subject, _ = changed
    # the change was approved at 10:00 local on 10 March: that day shows it, the 9th does not
    assert history.version_on(subject, date(2026, 3, 9)).version == 1
    assert history.version_on(subject, date(2026, 3, 10)).version == 2
    assert history.end_of_local_day(date(2026, 3, 10)) == datetime(2026, 3, 10, 16, 0)


def test_two_versions_side_by_side(changed, app):
    subject, _ = changed
    left, right = history.get_version(subject, 1), history.get_version(subject, 3)
    with app.test_request_context():
        sections = history.compare(history.state_of(left), history.state_of(right))
        assert service_row(sections, "名称").changed and service_row(sections, "标记").changed
        assert not service_row(sections, "状态").changed
        assert service_row(sections, "标记").right == "限制接入"
        assert not any(row.changed for row in sections[0].rows)
    with pytest.raises(NotFound):
        history.get_version(subject, 99)


def test_search_finds_live_and_ended_records(make_application, reviewer):
    app = make_application(state=State.APPROVED)
    subject = Subject.get(Subject.account == app.account_id)
    service = subject.services.get()
    record_decisions.revoke_record(reviewer, "恶意抢注", subject_id=subject.id)
    other = make_application(state=State.APPROVED)
    for q in (subject.filing_number, service.filing_number, subject.name,
              subject.cert_number.lower(), service.details["domains"][0], service.name):
        assert [s.id for s in history.search_records(q)] == [subject.id], q
    assert history.search_records("晋ICP备2099999999号").count() == 0
    assert history.search_records("").count() == 2
    assert other.subject_id in [s.id for s in history.search_records("")]
    assert Service.get_by_id(service.id).status == "revoked"
