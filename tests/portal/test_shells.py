"""The shell (空壳) cancellation candidates and their bulk cancellation."""
from datetime import timedelta

import pytest

from portal import record_decisions, workflow
from portal.clock import utcnow
from portal.errors import Refused, ValidationError
from portal.models import (Account, AuditEvent, InstanceSettings, RecordFlag, Service,
                           Subject)
from portal.services import shells
from portal.states import Kind, State


def shell_service(make_application, isp, reviewer, age_days=61):
    """An approved website whose only access was cancelled `age_days` ago."""
    app = make_application(state=State.APPROVED)
    subject = Subject.get(Subject.account == app.account_id)
    service = subject.services.get()
    cancel = workflow.create_application(Kind.CANCEL_ACCESS, account=app.account,
                                         actor=app.account, proposed={"isp_id": isp.id},
                                         service_id=service.id)
    workflow.submit_application(cancel.id, app.account)
    workflow.approve_application(cancel.id, reviewer)
    flag = RecordFlag.get(RecordFlag.service == service.id, RecordFlag.kind == "shell")
    RecordFlag.update(set_at=utcnow() - timedelta(days=age_days)).where(
        RecordFlag.id == flag.id).execute()
    return service, RecordFlag.get_by_id(flag.id)


@pytest.fixture
def candidate(make_application, isp, reviewer):
    return shell_service(make_application, isp, reviewer)


def test_old_shells_on_live_records_are_candidates(make_application, isp, reviewer, candidate):
    _, young = shell_service(make_application, isp, reviewer, age_days=10)
    _, flag = candidate
    assert [f.id for f in shells.candidates()] == [flag.id]
    InstanceSettings.update(shell_candidate_days=5).execute()
    assert {f.id for f in shells.candidates()} == {flag.id, young.id}


def test_a_candidate_shows_its_history(candidate):
    service, flag = candidate
    row = shells.describe(flag)
    assert row.record.id == service.id and row.candidate_on == (flag.set_at + timedelta(days=60)).date()
    assert [a.status for a in row.access] == ["cancelled"] and row.last_access_ended_at
    assert row.access[0].isp_name and row.flag.warned_at is None


@pytest.mark.parametrize("ids, limit, error", [
    ([], 100, ValidationError), (["x"], 100, ValidationError), ([1, 2], 1, ValidationError),
    ([999999], 100, Refused)])
def test_a_bad_selection_is_refused(candidate, ids, limit, error):
    with pytest.raises(error):
        shells.load_candidates(ids, limit)


def test_the_limit_message_names_it(candidate):
    with pytest.raises(ValidationError) as caught:
        shells.preview([candidate[1].id, 2, 3], limit=2)
    assert "2" in str(caught.value) and "3" in str(caught.value)


def test_bulk_cancellation_cancels_all_and_audits_each_plus_the_request(
        make_application, isp, reviewer, candidate):
    other_service, other_flag = shell_service(make_application, isp, reviewer)
    service, flag = candidate
    done = record_decisions.bulk_cancel_shells(reviewer, "长期空壳", [flag.id, other_flag.id])
    assert {f.id for f in done} == {flag.id, other_flag.id}
    for s, f in ((service, flag), (other_service, other_flag)):
        assert Service.get_by_id(s.id).status == "cancelled"
        assert RecordFlag.get_by_id(f.id).cleared_at is not None
    assert AuditEvent.select().where(AuditEvent.action == "record.cancel").count() == 2
    batch = AuditEvent.get(AuditEvent.action == "record.shell_bulk_cancel")
    assert batch.reason == "长期空壳" and sorted(batch.after["flags"]) == sorted([flag.id, other_flag.id])
    assert list(shells.candidates()) == []      # the subjects are shells now, but young


def test_bulk_cancellation_is_all_or_nothing(candidate, reviewer, auditor):
    service, flag = candidate
    with pytest.raises(Refused):
        record_decisions.bulk_cancel_shells(reviewer, "空壳", [flag.id, 999999])
    with pytest.raises(ValidationError):
        record_decisions.bulk_cancel_shells(reviewer, "", [flag.id])
    with pytest.raises(Refused):
        record_decisions.bulk_cancel_shells(auditor, "空壳", [flag.id])
    assert Service.get_by_id(service.id).status == "active"
    assert not AuditEvent.select().where(AuditEvent.action.startswith("record.")).exists()


def test_a_shell_subject_is_cancelled_whole(candidate, reviewer):
    service, flag = candidate
    record_decisions.bulk_cancel_shells(reviewer, "空壳", [flag.id])
    subject_flag = RecordFlag.get(RecordFlag.subject == service.subject_id,
                                  RecordFlag.service.is_null(), RecordFlag.kind == "shell")
    RecordFlag.update(set_at=utcnow() - timedelta(days=90)).where(
        RecordFlag.id == subject_flag.id).execute()
    assert [f.id for f in shells.candidates()] == [subject_flag.id]
    record_decisions.bulk_cancel_shells(reviewer, "空壳主体", [subject_flag.id])
    subject = Subject.get_by_id(service.subject_id)
    assert subject.status == "cancelled" and not Account.get_by_id(subject.account_id).is_active
    assert RecordFlag.get_by_id(subject_flag.id).cleared_at is not None
