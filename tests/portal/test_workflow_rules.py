"""The lifecycle rules of DESIGN.md §3: routing of returns, skipped steps, SMS tries and
timeouts, deadlines, replacement, changes, exclusivity, immutable keys, stale decisions,
cancellation, revocation, audit and outbox."""
from datetime import date, datetime, timedelta

import pytest

from portal import sample_data, record_decisions, workflow
from portal.clock import freeze, utcnow
from portal.errors import FormErrors, Refused, StaleDecision
from portal.models import (Account, Application, AuditEvent, Certificate, OutboxMessage,
                           RecordFlag, RecordVersion, Service, SmsVerification, Subject,
                           WorkingDayOverride)
from portal.services.lookup import lookup
from portal.states import Kind, State
from tests.factories import confirm_all_sms, next_n

NOTES = [{"field": "services.0.name", "note": "网站名称须与网站内容一致"}]
MONDAY_10AM_LOCAL = datetime(2026, 3, 2, 2, 0)      # 2026-03-02 is a Monday (UTC+8)


@pytest.fixture
def clock():
    """freeze(moment) for one test; the clock is always released afterwards."""
    yield freeze
    freeze(None)


def reload(app):
    return workflow.load_application(app.id)


def row(app) -> dict:
    return Application.select().where(Application.id == app.id).dicts().get()


def db_state(app) -> tuple:
    """The application row and the counts a refused or repeated call must not change."""
    return (row(app), AuditEvent.select().count(), OutboxMessage.select().count(),
            RecordVersion.select().count())


def approved(make_application, n=None, **kwargs):
    """An approved first filing: (application, subject, its first service)."""
    app = make_application(state=State.APPROVED, n=n, **kwargs)
    subject = Subject.get(Subject.account == app.account_id)
    return app, subject, subject.services.order_by(Service.id).first()


def open_and_submit(kind, filer, proposed, service_id=None):
    draft = workflow.create_application(kind, account=filer, actor=filer, proposed=proposed,
                                        service_id=service_id)
    return workflow.submit_application(draft.id, filer)


def to_review(app, isp):
    """From submitted (or SMS) on through verification and SMS to bureau review."""
    if reload(app).state == State.SUBMITTED:
        workflow.verify_application(app.id, isp.operator)
    confirm_all_sms(reload(app))
    assert reload(app).state == State.REVIEW
    return reload(app)


def _live_certificates(service):
    return Certificate.select().where(Certificate.service == service,
                                      Certificate.voided_at.is_null()).count()


def renamed_website(n, isp_ids, service, name, **changes):
    return {**sample_data.website(n, isp_ids), "service_id": service.id, "name": name, **changes}


@pytest.mark.parametrize("channel", ["isp", "filer"])
def test_bureau_return_goes_back_to_the_party_that_filed(channel, make_filer, isp, reviewer):
    filer = make_filer(created_by_org=isp)      # the ISP's customer in both cases
    submitter, other = (isp.operator, filer) if channel == "isp" else (filer, isp.operator)
    proposal = sample_data.first_filing(next_n(), [isp.id])
    draft = workflow.create_application(Kind.FIRST_FILING, account=filer, actor=submitter,
                                        channel=channel, isp=isp if channel == "isp" else None,
                                        proposed=proposal)
    workflow.submit_application(draft.id, submitter)
    app = to_review(draft, isp)
    workflow.return_application(app.id, reviewer, "主体名称有误", NOTES)
    with pytest.raises(Refused):
        workflow.submit_application(app.id, other)
    assert workflow.submit_application(app.id, submitter).state == State.SUBMITTED


def test_first_filing_with_all_services_abroad_skips_isp_verification(make_filer):
    n, filer = next_n(), make_filer()
    proposal = sample_data.first_filing(n, [], services=[sample_data.website(n, [], abroad=True)])
    app = open_and_submit(Kind.FIRST_FILING, filer, proposal)
    assert reload(app).state == State.SMS


@pytest.mark.parametrize("kind, by_filer, expected", [
    (Kind.CANCEL_SERVICE, True, State.SMS),           # filer: no ISP step
    (Kind.CANCEL_SERVICE, False, State.SUBMITTED),    # ISP-filed: the ISP checks first
    (Kind.CANCEL_ACCESS, True, State.REVIEW),         # no ISP step, empty SMS matrix entry
])
def test_cancellation_skips_isp_step_only_when_filed_by_the_filer(make_application, isp,
                                                                kind, by_filer, expected):
    app, _, service = approved(make_application)
    proposal = {"reason": "不再运营", "isp_id": isp.id}
    actor = app.account if by_filer else isp.operator
    draft = workflow.create_application(kind, account=app.account, actor=actor,
                                        channel="filer" if by_filer else "isp",
                                        isp=None if by_filer else isp,
                                        service_id=service.id, proposed=proposal)
    assert workflow.submit_application(draft.id, actor).state == expected


def _person_and_code(app):
    """The first person to confirm and the code the outbox sent them."""
    person = SmsVerification.select().where(SmsVerification.application == app.id).first()
    sms = (OutboxMessage.select().where(OutboxMessage.recipient == person.mobile,
                                        OutboxMessage.channel == "sms")
           .order_by(OutboxMessage.id.desc()).first())
    return person, sms.body.split("核验码为")[1][:6]


def test_four_wrong_sms_codes_are_counted_and_the_fifth_returns(make_application):
    app = make_application(state=State.SMS)
    person, right = _person_and_code(app)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for tries in range(1, 5):
        with pytest.raises(Refused):
            workflow.confirm_sms(app.reference, person.cert_number, person.mobile, wrong)
        assert SmsVerification.get_by_id(person.id).tries == tries
        assert reload(app).state == State.SMS
    with pytest.raises(Refused):
        workflow.confirm_sms(app.reference, person.cert_number, person.mobile, wrong)
    returned = reload(app)
    assert returned.state == State.RETURNED and returned.return_reason


def test_sms_timeout_returns_the_application_once(make_application, clock):
    app = make_application(state=State.SMS)
    clock(utcnow() + timedelta(hours=25))
    assert workflow.expire_sms_verifications() == 1
    returned = reload(app)
    assert returned.state == State.RETURNED and returned.return_reason
    before = db_state(app)
    assert workflow.expire_sms_verifications() == 0
    assert db_state(app) == before


def test_two_persons_sharing_a_mobile_can_each_confirm(make_application, isp):
    n = next_n()
    proposal = sample_data.first_filing(n, [isp.id])
    proposal["services"][0]["responsible"]["mobile"] = proposal["subject"]["responsible"]["mobile"]
    app = make_application(state=State.SMS, proposal=proposal, n=n)
    people = list(SmsVerification.select().where(SmsVerification.application == app.id)
                  .order_by(SmsVerification.id))
    sent = OutboxMessage.select().where(OutboxMessage.channel == "sms").order_by(OutboxMessage.id)
    codes = [m.body.split("核验码为")[1][:6] for m in sent][-len(people):]
    assert len(people) == 2
    for person, code in zip(people, codes):
        workflow.confirm_sms(app.reference, person.cert_number, person.mobile, code)
    assert reload(app).state == State.REVIEW


@pytest.mark.parametrize("kind, holiday, due", [
    (Kind.FIRST_FILING, None, date(2026, 3, 30)),            # 20 working days
    (Kind.FIRST_FILING, date(2026, 3, 10), date(2026, 3, 31)),
    (Kind.CANCEL_ACCESS, None, date(2026, 3, 9)),            # 5 working days
    (Kind.CANCEL_ACCESS, date(2026, 3, 4), date(2026, 3, 10)),
])
def test_entering_review_sets_due_on_in_working_days(make_application, isp, clock, kind,
                                                     holiday, due):
    clock(MONDAY_10AM_LOCAL)
    if holiday:
        WorkingDayOverride.create(day=holiday, is_working=False, note="测试假日")
    if kind == Kind.FIRST_FILING:
        app = make_application(state=State.REVIEW)
    else:
        first, _, service = approved(make_application)
        app = open_and_submit(kind, first.account, {"isp_id": isp.id}, service.id)
    app = reload(app)
    assert app.state == State.REVIEW and app.due_on == due


def test_replace_in_review_takes_new_data_and_starts_again(make_application, isp, clock):
    clock(MONDAY_10AM_LOCAL)
    n = next_n()
    app = make_application(state=State.REVIEW, n=n)
    clock(MONDAY_10AM_LOCAL + timedelta(days=7))
    new = sample_data.first_filing(n, [isp.id])
    new["services"][0]["name"] = "替换后的美食分享网站"
    replaced = workflow.replace_application(app.id, app.account, new)
    assert (replaced.id, replaced.revision, replaced.state) == (app.id, app.revision + 1,
                                                                State.SUBMITTED)
    assert reload(app).proposed["services"][0]["name"] == "替换后的美食分享网站"
    assert reload(app).due_on is None
    again = to_review(app, isp)
    assert again.due_on > app.due_on


@pytest.mark.parametrize("case", ["approved first filing", "add_service in flight"])
def test_replace_is_refused_after_approval_and_for_other_kinds(make_application, isp, case):
    n = next_n()
    app, _, _ = approved(make_application, n=n)
    if case == "add_service in flight":
        app = open_and_submit(Kind.ADD_SERVICE, app.account,
                              {"services": [sample_data.website(n + 100000, [isp.id])]})
    before = db_state(app)
    with pytest.raises(Refused):
        workflow.replace_application(app.id, app.account, app.proposed)
    assert db_state(app) == before


def test_change_service_keeps_public_data_until_approved(make_application, isp, reviewer):
    n = next_n()
    first, subject, service = approved(make_application, n=n)
    domain, old_name = service.details["domains"][0], service.name
    versions = RecordVersion.select().where(RecordVersion.subject == subject).count()
    change = open_and_submit(Kind.CHANGE_SERVICE, first.account, {"services": [
        renamed_website(n, [isp.id], service, "新的网站名称美食分享")]}, service.id)
    assert [r["service_name"] for r in lookup(domain).results] == [old_name]
    change = to_review(change, isp)
    assert [r["service_name"] for r in lookup(domain).results] == [old_name]
    assert Service.get_by_id(service.id).name == old_name
    workflow.approve_application(change.id, reviewer)
    shown = lookup(domain).results
    assert [r["service_name"] for r in shown] == ["新的网站名称美食分享"]
    assert shown[0]["service_filing_number"] == service.filing_number
    assert shown[0]["subject_filing_number"] == subject.filing_number
    latest = RecordVersion.select().where(RecordVersion.subject == subject).order_by(
        RecordVersion.version.desc()).first()
    assert latest.version == versions + 1
    previous = RecordVersion.get(subject=subject, version=latest.version - 1)
    assert [s["name"] for s in previous.snapshot["services"]] == [old_name]


def test_domain_added_in_a_change_is_checked_for_conflicts(make_application, isp):
    n = next_n()
    first, _, service = approved(make_application, n=n)
    _, _, others = approved(make_application)
    taken = others.details["domains"][0]
    website = sample_data.website(n, [isp.id])
    change = open_and_submit(Kind.CHANGE_SERVICE, first.account, {"services": [
        renamed_website(n, [isp.id], service, website["name"],
                        domains=website["domains"] + [taken])]}, service.id)
    change = reload(change)
    assert change.in_conflict
    assert {"key": "domain", "value": taken} in [
        {"key": c["key"], "value": c["value"]} for c in change.conflicts]


@pytest.fixture
def change_in_flight(make_application, isp):
    n = next_n()
    first, subject, service = approved(make_application, n=n)
    change = open_and_submit(Kind.CHANGE_SERVICE, first.account, {"services": [
        renamed_website(n, [isp.id], service, "新的网站名称美食分享")]}, service.id)
    return n, first.account, service, change


@pytest.mark.parametrize("kind, proposal", [
    (Kind.ADD_SERVICE, "website"),
    (Kind.CANCEL_SUBJECT, {"reason": "公司注销"}),
])
def test_second_application_is_refused_naming_the_blocker(change_in_flight, isp, kind,
                                                           proposal):
    n, filer, _, change = change_in_flight
    if proposal == "website":
        proposal = {"services": [sample_data.website(n + 100000, [isp.id])]}
    with pytest.raises(Refused) as refused:
        open_and_submit(kind, filer, proposal)
    assert change.reference in str(refused.value)
    assert reload(change).state == State.SUBMITTED


def test_annual_review_may_run_beside_another_application(change_in_flight, isp):
    n, filer, service, change = change_in_flight
    proposal = sample_data.first_filing(n, [isp.id])
    proposal["services"][0]["service_id"] = service.id
    review = open_and_submit(Kind.ANNUAL_REVIEW, filer, proposal)
    assert reload(review).state in (State.SUBMITTED, State.SMS, State.REVIEW)
    assert reload(change).state == State.SUBMITTED


def test_change_subject_cannot_change_the_certificate_number(make_application):
    n = next_n()
    first, subject, _ = approved(make_application, n=n)
    data = sample_data.subject(n)
    data["cert_number"] = sample_data.subject(n + 1)["cert_number"]
    draft = workflow.create_application(Kind.CHANGE_SUBJECT, account=first.account,
                                        actor=first.account, proposed={"subject": data})
    before = (row(draft), Subject.select().where(Subject.id == subject.id).dicts().get())
    with pytest.raises(FormErrors) as refused:
        workflow.submit_application(draft.id, first.account)
    assert "subject.cert_number" in refused.value.errors
    assert (row(draft), Subject.select().where(Subject.id == subject.id).dicts().get()) == before


@pytest.mark.parametrize("second", ["approve", "return"])
def test_decision_on_an_older_version_or_by_a_second_reviewer_is_stale(
        make_application, reviewer, make_account, second):
    app = make_application(state=State.REVIEW)
    seen = app.version
    with pytest.raises(StaleDecision):
        workflow.approve_application(app.id, reviewer, expected_version=seen - 1)
    workflow.approve_application(app.id, reviewer, expected_version=seen)
    before, other = db_state(app), make_account("bureau", "reviewer")
    with pytest.raises(StaleDecision):
        if second == "approve":
            workflow.approve_application(app.id, other, expected_version=seen)
        else:
            workflow.return_application(app.id, other, "名称不符", NOTES, expected_version=seen)
    assert db_state(app) == before


def test_cancel_subject_cancels_everything_and_disables_the_account(make_application, isp,
                                                                    reviewer):
    n = next_n()
    proposal = sample_data.first_filing(n, [isp.id], services=[
        sample_data.website(n, [isp.id]), sample_data.website(n + 100000, [isp.id])])
    first, subject, _ = approved(make_application, n=n, proposal=proposal)
    services = list(subject.services)
    domains = [s.details["domains"][0] for s in services]
    assert all(lookup(d).total == 1 for d in domains)
    assert [_live_certificates(s) for s in services] == [1, 1]
    cancel = open_and_submit(Kind.CANCEL_SUBJECT, first.account, {"reason": "公司注销"})
    workflow.approve_application(to_review(cancel, isp).id, reviewer)
    assert {s.status for s in Subject.get_by_id(subject.id).services} == {"cancelled"}
    assert [_live_certificates(s) for s in services] == [0, 0]
    assert Account.get_by_id(first.account_id).is_active is False
    assert all(lookup(d).total == 0 for d in domains)


def _open_shell_flags(service):
    return RecordFlag.select().where(RecordFlag.kind == "shell", RecordFlag.service == service,
                                     RecordFlag.cleared_at.is_null()).count()


def test_cancelling_the_last_access_flags_shell_and_adding_access_clears_it(
        make_application, make_isp, isp, reviewer):
    first, _, service = approved(make_application)
    cancel = open_and_submit(Kind.CANCEL_ACCESS, first.account, {"isp_id": isp.id}, service.id)
    workflow.approve_application(cancel.id, reviewer)    # straight in review, no SMS
    assert _open_shell_flags(service) == 1
    new_isp = make_isp()
    add = open_and_submit(Kind.ADD_ACCESS, first.account,
                          {"isp_id": new_isp.id, "customer_ref": "KH-0001"}, service.id)
    workflow.approve_application(to_review(add, new_isp).id, reviewer)
    assert _open_shell_flags(service) == 0


def test_auditor_cannot_revoke_and_a_revocation_hides_the_service_at_once(
        make_application, make_account, reviewer):
    _, _, service = approved(make_application)
    domain = service.details["domains"][0]
    with pytest.raises(Refused):
        record_decisions.revoke_record(make_account("bureau", "auditor"), "恶意抢注", service_id=service.id)
    assert lookup(domain).total == 1 and _live_certificates(service) == 1
    record_decisions.revoke_record(reviewer, "恶意抢注", service_id=service.id)
    assert lookup(domain).total == 0 and _live_certificates(service) == 0


def test_change_in_flight_cannot_be_approved_once_its_service_is_revoked(change_in_flight,
                                                                         isp, reviewer):
    _, _, service, change = change_in_flight
    to_review(change, isp)
    record_decisions.revoke_record(reviewer, "恶意抢注", service_id=service.id)
    with pytest.raises(Refused):
        workflow.approve_application(change.id, reviewer)
    assert _live_certificates(service) == 0
