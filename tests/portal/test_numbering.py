"""Filing numbers (备案号): format, one shared service sequence, never reused, never
duplicated under concurrent allocation."""
import re
import threading

import pytest

from portal import sample_data, workflow
from portal.audit import verify_chain
from portal.clock import local_today
from portal.db import db, transaction
from portal.models import FilingCounter, InstanceSettings, Service, Subject
from portal.services.numbering import allocate_subject_number, find_by_number
from portal.states import Kind, State
from tests.factories import file_application, next_n

NUMBER_RE = re.compile(r"^晋ICP备(\d{4})(\d{6})号$")


def subject_of(filer) -> Subject:
    return Subject.get(Subject.account == filer.id)


def service_numbers(subject) -> list[str]:
    return [s.filing_number for s in subject.services.order_by(Service.id)]


def test_subject_number_format_and_year(make_application):
    app = make_application(state=State.APPROVED)
    number = subject_of(app.account).filing_number
    match = NUMBER_RE.match(number)
    assert match, number
    assert int(match.group(1)) == local_today().year
    assert number == f"晋ICP备{local_today().year}000001号"


def test_every_service_kind_shares_one_sequence(make_filer, isp, reviewer):
    n = next_n()
    services = [sample_data.website(n, [isp.id]), sample_data.app_service(n, [isp.id]),
                sample_data.mini_service(n, [isp.id]),
                sample_data.mini_service(n, [isp.id], kind="quickapp")]
    filer = make_filer()
    file_application(Kind.FIRST_FILING, filer, isp, reviewer,
                     sample_data.first_filing(n, [isp.id], services=services))
    subject = subject_of(filer)
    base = subject.filing_number
    assert service_numbers(subject) == [f"{base}-1", f"{base}-2A", f"{base}-3X", f"{base}-4K"]
    kinds = [s.kind for s in subject.services.order_by(Service.id)]
    assert kinds == ["website", "app", "miniprogram", "quickapp"]
    assert find_by_number(f"{base}-2A").kind == "app"
    assert find_by_number(base).id == subject.id


def test_numbers_issued_flag_set_by_first_approval(make_application):
    assert InstanceSettings.get().numbers_issued is False
    make_application(state=State.REVIEW)
    assert InstanceSettings.get().numbers_issued is False
    make_application(state=State.APPROVED)
    assert InstanceSettings.get().numbers_issued is True


def test_consecutive_subjects_get_consecutive_serials(make_application):
    numbers = [subject_of(make_application(state=State.APPROVED).account).filing_number
               for _ in range(3)]
    serials = [int(NUMBER_RE.match(n).group(2)) for n in numbers]
    assert serials == [1, 2, 3]


def test_cancelled_service_index_is_never_reused(make_filer, isp, reviewer):
    n = next_n()
    filer = make_filer()
    proposal = sample_data.first_filing(n, [isp.id], services=[
        sample_data.website(n, [isp.id]), sample_data.website(n + 100000, [isp.id])])
    file_application(Kind.FIRST_FILING, filer, isp, reviewer, proposal)
    subject = subject_of(filer)
    base = subject.filing_number
    second = Service.get(Service.filing_number == f"{base}-2")
    file_application(Kind.CANCEL_SERVICE, filer, isp, reviewer, {"reason": "不再运营"},
                     service_id=second.id)
    assert Service.get_by_id(second.id).status == "cancelled"
    file_application(Kind.ADD_SERVICE, filer, isp, reviewer,
                     {"services": [sample_data.app_service(n + 200000, [isp.id])]})
    assert service_numbers(subject) == [f"{base}-1", f"{base}-2", f"{base}-3A"]


def test_cancelled_subject_serial_is_never_reused(make_application, isp, reviewer):
    first = make_application(state=State.APPROVED)
    number = subject_of(first.account).filing_number
    file_application(Kind.CANCEL_SUBJECT, first.account, isp, reviewer, {"reason": "公司注销"})
    assert subject_of(first.account).status == "cancelled"
    second = make_application(state=State.APPROVED)
    new_number = subject_of(second.account).filing_number
    assert new_number != number
    assert int(NUMBER_RE.match(new_number).group(2)) == int(NUMBER_RE.match(number).group(2)) + 1
    assert FilingCounter.get_by_id(local_today().year).value == 2


def _run_threads(count, target):
    """Run `target(index)` in `count` threads; return the errors they raised."""
    errors = []

    def guarded(index):
        try:
            target(index)
        except BaseException as exc:  # noqa: BLE001 -- reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return errors


@pytest.mark.slow
def test_concurrent_allocation_never_duplicates(app):
    threads, rounds = 4, 50
    barrier = threading.Barrier(threads)
    numbers, lock = [], threading.Lock()

    def worker(_index):
        with app.app_context():
            for _ in range(rounds):
                try:
                    barrier.wait(timeout=60)
                except threading.BrokenBarrierError:
                    return
                try:
                    with db.connection_context():
                        with transaction():
                            number = allocate_subject_number()
                except BaseException:
                    barrier.abort()
                    raise
                with lock:
                    numbers.append(number)

    errors = _run_threads(threads, worker)
    assert errors == []
    assert len(numbers) == threads * rounds
    assert len(set(numbers)) == len(numbers)
    assert FilingCounter.get_by_id(local_today().year).value == threads * rounds
    assert InstanceSettings.get().numbers_issued is True


@pytest.mark.slow
def test_concurrent_first_approvals_get_distinct_numbers(app, make_application, reviewer):
    pending = [make_application(state=State.REVIEW) for _ in range(2)]
    barrier = threading.Barrier(len(pending))

    def worker(index):
        with app.app_context():
            barrier.wait(timeout=60)
            with db.connection_context():
                workflow.approve_application(pending[index].id, reviewer)

    assert _run_threads(len(pending), worker) == []
    numbers = [subject_of(a.account).filing_number for a in pending]
    assert len(set(numbers)) == 2
    assert all(NUMBER_RE.match(n) for n in numbers)
    services = [Service.get(Service.subject == subject_of(a.account)).filing_number
                for a in pending]
    assert services == [f"{n}-1" for n in numbers]
    assert all(workflow.load_application(a.id).state == State.APPROVED for a in pending)
    assert verify_chain().ok        # the audit head was taken by one writer at a time


def test_abbreviation_is_fixed_once_a_number_is_issued(app, make_application):
    from portal.errors import Refused
    from portal.setup_instance import init_instance
    init_instance("山西", "晋", "山西省通信管理局")  # same values: allowed, idempotent
    make_application(state=State.APPROVED)
    with pytest.raises(Refused):
        init_instance("北京", "京", "北京市通信管理局")
    settings = InstanceSettings.get()
    assert (settings.province, settings.abbreviation) == ("山西", "晋")


def test_abbreviation_can_change_before_the_first_number(app):
    from portal.setup_instance import init_instance
    init_instance("北京", "京", "北京市通信管理局")
    with transaction():
        number = allocate_subject_number()
    assert number.startswith("京ICP备")
