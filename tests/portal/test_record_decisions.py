"""The bureau's decisions on records: revocation, cancellation (for violations, with the
blacklist), restricted access, violation marks. One transaction each; audit event per
changed object; a record version; the filer emailed; the public lookup follows at once."""
import pytest

from portal import record_decisions, sample_data, workflow
from portal.errors import FormErrors, NotFound, Refused, ValidationError
from portal.models import (Account, AuditEvent, BlacklistEntry, OutboxMessage, RecordFlag,
                           RecordVersion, Service, Subject)
from portal.services import violations
from portal.services.connect_check import is_restricted
from portal.services.lookup import lookup
from portal.states import Kind, State
from tests.factories import next_n


def approved_subject(make_application, isp, services=1, nature="企业"):
    """An approved subject with `services` websites."""
    n = next_n()
    sites = [sample_data.website(n * 10 + i, [isp.id]) for i in range(services)]
    app = make_application(state=State.APPROVED, n=n,
                           proposal=sample_data.first_filing(n, [isp.id], nature, sites))
    return Subject.get(Subject.account == app.account_id)


@pytest.fixture
def subject(make_application, isp):
    return approved_subject(make_application, isp, services=2)


def first(subject) -> Service:
    return subject.services.order_by(Service.id).first()


def domain_of(service) -> str:
    return service.details["domains"][0]


def events(action) -> list[AuditEvent]:
    return list(AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.seq))


def versions(subject) -> int:
    return RecordVersion.select().where(RecordVersion.subject == subject.id).count()


def mails_to(subject) -> list[OutboxMessage]:
    email = Account.get_by_id(subject.account_id).email
    return list(OutboxMessage.select().where(OutboxMessage.recipient == email)
                .order_by(OutboxMessage.id))


def test_revoking_a_service_hides_it_and_keeps_the_rest(subject, reviewer):
    one, other = list(subject.services.order_by(Service.id))
    before = versions(subject)
    record_decisions.revoke_record(reviewer, "恶意抢注", service_id=one.id)
    assert Service.get_by_id(one.id).status == "revoked"
    assert lookup(domain_of(one)).total == 0 and lookup(domain_of(other)).total == 1
    assert [e.object_id for e in events("record.revoke")] == [str(one.id)]
    assert versions(subject) == before + 1
    assert "已被撤销" in mails_to(subject)[-1].subject


def test_revoking_a_subject_writes_one_event_per_record(subject, reviewer):
    record_decisions.revoke_record(reviewer, "恶意抢注", subject_id=subject.id)
    assert Subject.get_by_id(subject.id).status == "revoked"
    assert sorted((e.object_type, e.object_id) for e in events("record.revoke")) == sorted(
        [("subject", str(subject.id))] + [("service", str(s.id)) for s in subject.services])
    assert lookup(subject.name).total == 0


def test_cancelling_the_last_service_leaves_a_shell_subject(make_application, isp, reviewer):
    subject = approved_subject(make_application, isp)
    service = first(subject)
    record_decisions.cancel_record(reviewer, "长期无法访问", service_id=service.id)
    assert Service.get_by_id(service.id).status == "cancelled"
    assert lookup(domain_of(service)).total == 0
    assert RecordFlag.get(RecordFlag.subject == subject.id, RecordFlag.service.is_null(),
                          RecordFlag.kind == "shell").cleared_at is None
    assert "已被注销" in mails_to(subject)[-1].subject
    assert events("record.cancel")[-1].after == {"status": "cancelled"}


def test_cancelling_a_subject_disables_the_account(subject, reviewer):
    record_decisions.cancel_record(reviewer, "主体已注销", subject_id=subject.id)
    assert Subject.get_by_id(subject.id).status == "cancelled"
    assert not Account.get_by_id(subject.account_id).is_active
    assert all(s.status == "cancelled" for s in Service.select().where(Service.subject == subject.id))


def test_cancellation_for_violation_lists_and_blacklists_the_subject(subject, reviewer):
    names = [s.name for s in subject.services]
    record_decisions.cancel_record(reviewer, "传播违法信息", subject_id=subject.id,
                                   for_violation=True, blacklist=True)
    entries = {(e.kind, e.value) for e in BlacklistEntry.select()}
    assert ("cert_number", subject.cert_number) in entries
    assert {("site_name", name.lower()) for name in names} <= entries
    assert [f.subject_id for f in violations.open_violations()] == [subject.id]
    assert len(events("blacklist.add")) == 3
    assert events("record.cancel")[-1].after == {"status": "cancelled", "violation": True}


def test_a_blacklisted_certificate_number_or_site_name_is_refused_at_submit(
        make_application, isp, reviewer, make_filer):
    theirs = approved_subject(make_application, isp)
    n = next_n()
    proposal = sample_data.first_filing(n, [isp.id])
    proposal["subject"]["cert_number"] = theirs.cert_number
    site = sample_data.first_filing(next_n(), [isp.id])
    site["services"][0]["name"] = first(theirs).name
    record_decisions.cancel_record(reviewer, "诈骗", subject_id=theirs.id, for_violation=True,
                                   blacklist=True)
    for data, field in ((proposal, "subject.cert_number"), (site, "services.0.name")):
        filer = make_filer()
        draft = workflow.create_application(Kind.FIRST_FILING, account=filer, actor=filer,
                                            proposed=data)
        with pytest.raises(FormErrors) as caught:
            workflow.submit_application(draft.id, filer)
        assert "黑名单" in str(caught.value.errors[field][0])
        assert workflow.load_application(draft.id).state == State.DRAFT


def test_cancelling_one_service_for_violation_blacklists_only_its_name(subject, reviewer):
    service = first(subject)
    record_decisions.cancel_record(reviewer, "违法", service_id=service.id, for_violation=True,
                                   blacklist=True)
    assert [(e.kind, e.value) for e in BlacklistEntry.select()] == [("site_name",
                                                                     service.name.lower())]
    assert Service.get_by_id(service.id).violation
    assert [f.service_id for f in violations.open_violations()] == [service.id]


@pytest.mark.parametrize("call, field", [
    (lambda r, s: record_decisions.cancel_record(r, "  ", subject_id=s.id), "reason"),
    (lambda r, s: record_decisions.revoke_record(r, "", subject_id=s.id), "reason"),
    (lambda r, s: record_decisions.cancel_record(r, "违法", subject_id=s.id, blacklist=True),
     "blacklist"),
    (lambda r, s: record_decisions.restrict_service(r, first(s).id, ""), "reason"),
])
def test_bad_input_changes_nothing(subject, reviewer, call, field):
    count = AuditEvent.select().count()
    with pytest.raises(ValidationError) as caught:
        call(reviewer, subject)
    assert caught.value.field == field
    assert Subject.get_by_id(subject.id).status == "active"
    assert not first(subject).restricted and BlacklistEntry.select().count() == 0
    assert AuditEvent.select().count() == count


def test_an_auditor_decides_nothing(subject, auditor):
    count = AuditEvent.select().count()
    for call in (lambda: record_decisions.revoke_record(auditor, "x", subject_id=subject.id),
                 lambda: record_decisions.cancel_record(auditor, "x", subject_id=subject.id),
                 lambda: record_decisions.restrict_service(auditor, first(subject).id, "x")):
        with pytest.raises(Refused):
            call()
    assert Subject.get_by_id(subject.id).status == "active"
    assert AuditEvent.select().count() == count


def test_a_service_of_another_subject_or_an_ended_record_is_refused(make_application, isp,
                                                                    subject, reviewer):
    other = approved_subject(make_application, isp)
    with pytest.raises(NotFound):
        record_decisions.cancel_record(reviewer, "x", subject_id=subject.id,
                                       service_id=first(other).id)
    record_decisions.revoke_record(reviewer, "恶意抢注", subject_id=other.id)
    with pytest.raises(Refused):
        record_decisions.cancel_record(reviewer, "x", subject_id=other.id)


def test_restricted_access_shows_in_the_lookup_and_lifts(subject, reviewer):
    service = first(subject)
    before = versions(subject)
    record_decisions.restrict_service(reviewer, service.id, "涉嫌违法")
    assert lookup(domain_of(service)).results[0]["restricted"] is True
    assert is_restricted(Service.get_by_id(service.id))
    record_decisions.restrict_service(reviewer, service.id, "再次")      # already: no change
    assert len(events("service.restrict")) == 1 and versions(subject) == before + 1
    assert "限制接入" in mails_to(subject)[-1].subject
    record_decisions.lift_restriction(reviewer, service.id, "已整改")
    assert lookup(domain_of(service)).results[0]["restricted"] is False
    assert not is_restricted(Service.get_by_id(service.id))
    assert RecordFlag.get(RecordFlag.service == service.id,
                          RecordFlag.kind == "restricted").cleared_at is not None
    with pytest.raises(Refused):
        record_decisions.lift_restriction(reviewer, service.id, "没有限制")


def test_violation_marks_keep_a_version_and_tell_the_filer(subject, reviewer):
    service = first(subject)
    before = versions(subject)
    violations.mark_violation(reviewer, service.id, "传播违法信息")
    assert versions(subject) == before + 1 and "违法违规" in mails_to(subject)[-1].subject
    violations.clear_violation(reviewer, service.id, "已整改")
    assert versions(subject) == before + 2 and "解除" in mails_to(subject)[-1].subject


def test_only_an_admin_removes_a_blacklist_entry_with_a_reason(subject, reviewer, bureau_admin):
    record_decisions.cancel_record(reviewer, "违法", service_id=first(subject).id,
                                   for_violation=True, blacklist=True)
    entry = BlacklistEntry.get()
    with pytest.raises(Refused):
        record_decisions.remove_blacklist_entry(reviewer, entry.id, "误列")
    with pytest.raises(ValidationError):
        record_decisions.remove_blacklist_entry(bureau_admin, entry.id, " ")
    assert BlacklistEntry.select().count() == 1
    record_decisions.remove_blacklist_entry(bureau_admin, entry.id, "误列")
    assert BlacklistEntry.select().count() == 0
    assert events("blacklist.remove")[-1].before == {"kind": entry.kind, "value": entry.value}
    with pytest.raises(NotFound):
        record_decisions.remove_blacklist_entry(bureau_admin, entry.id, "误列")
