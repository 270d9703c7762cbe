"""Conflicts (冲突) found at submission: domain, homepage host, subject full name and
subject certificate number against other accounts' live records and pending
applications; never against the filer's own, cancelled, revoked or ended ones."""
import copy

import pytest

from portal import sample_data, record_decisions, workflow
from portal.errors import Refused
from portal.db import db, is_sqlite
from portal.models import LookupKey, OutboxMessage, Service, Subject
from portal.services.conflicts import find_conflicts, keys_match
from portal.services.lookup_keys import CONFLICT_KEYS, proposal_keys
from portal.states import Kind, State
from tests.factories import file_application, next_n


def clashing(kind: str, other: dict, n: int, isp) -> dict:
    """A fresh valid first filing that shares exactly one kind of key with `other`."""
    proposal = sample_data.first_filing(n, [isp.id])
    theirs, mine = other["services"][0], proposal["services"][0]
    if kind == "domain":
        mine["domains"] = mine["domains"] + theirs["domains"]
    elif kind == "host":
        mine["domains"] = mine["domains"] + theirs["domains"]
        mine["homepage"] = theirs["homepage"]
    elif kind == "subject_name":
        proposal["subject"]["name"] = other["subject"]["name"]
    elif kind == "cert_number":
        proposal["subject"]["cert_number"] = other["subject"]["cert_number"]
    return proposal


def owner_proposal(isp) -> dict:
    return sample_data.first_filing(next_n(), [isp.id])


def submit_clash(make_application, kind, other_proposal, isp):
    return make_application(state=State.SUBMITTED,
                            proposal=clashing(kind, other_proposal, next_n(), isp))


def keys_of(app) -> set:
    return {c["key"] for c in app.conflicts}


@pytest.mark.parametrize("kind", ["domain", "host", "subject_name", "cert_number"])
@pytest.mark.parametrize("other_state", [State.APPROVED, State.REVIEW])
def test_conflict_with_another_accounts_record_or_pending_application(
        make_application, isp, kind, other_state):
    theirs = owner_proposal(isp)
    other = make_application(state=other_state, proposal=copy.deepcopy(theirs))
    mine = submit_clash(make_application, kind, theirs, isp)
    assert mine.in_conflict is True
    assert kind in keys_of(mine)
    if kind != "host":  # a homepage host is always one of the domains, so it hits both
        assert keys_of(mine) == {kind}
    for entry in mine.conflicts:
        assert entry["other_username"] == other.account.username
        assert entry["value"]
        if other_state == State.APPROVED:
            assert entry["subject"] == Subject.get(Subject.account == other.account_id).id
            assert entry["application"] is None
        else:
            assert entry["application"] == other.id
    hit = next(c for c in mine.conflicts if c["key"] == kind)
    expected = {"domain": theirs["services"][0]["domains"][0],
                "host": theirs["services"][0]["domains"][0],
                "subject_name": theirs["subject"]["name"],
                "cert_number": theirs["subject"]["cert_number"]}[kind]
    assert hit["value"] == expected
    assert not workflow.load_application(other.id).in_conflict


@pytest.mark.parametrize("other_state", [State.APPROVED, State.REVIEW])
def test_conflict_entry_names_the_other_account_id(make_application, isp, other_state):
    theirs = owner_proposal(isp)
    other = make_application(state=other_state, proposal=copy.deepcopy(theirs))
    mine = submit_clash(make_application, "cert_number", theirs, isp)
    assert [c["other_account"] for c in mine.conflicts] == [other.account_id]


def test_change_adding_another_accounts_domain_is_in_conflict(make_application, isp, reviewer):
    theirs = owner_proposal(isp)
    other = make_application(state=State.APPROVED, proposal=copy.deepcopy(theirs))
    mine = make_application(state=State.APPROVED)
    service = Service.get(Service.subject == mine.subject_id)
    data = dict(mine.proposed["services"][0], service_id=service.id)
    data["domains"] = data["domains"] + theirs["services"][0]["domains"]
    change = file_application(Kind.CHANGE_SERVICE, mine.account, isp, reviewer,
                              {"services": [data]}, service_id=service.id, approve=False)
    assert keys_of(change) == {"domain"}
    assert change.conflicts[0]["other_username"] == other.account.username
    with pytest.raises(Refused):
        workflow.approve_application(change.id, reviewer)


def test_change_subject_to_another_accounts_name_is_in_conflict(make_application, isp,
                                                                reviewer):
    theirs = owner_proposal(isp)
    make_application(state=State.APPROVED, proposal=copy.deepcopy(theirs))
    mine = make_application(state=State.APPROVED)
    subject = dict(mine.proposed["subject"], name=theirs["subject"]["name"])
    change = file_application(Kind.CHANGE_SUBJECT, mine.account, isp, reviewer,
                              {"subject": subject}, approve=False)
    assert keys_of(change) == {"subject_name"}


def test_conflict_emails_the_filer(make_application, isp):
    theirs = owner_proposal(isp)
    make_application(state=State.APPROVED, proposal=copy.deepcopy(theirs))
    mine = submit_clash(make_application, "domain", theirs, isp)
    mails = OutboxMessage.select().where(OutboxMessage.channel == "email",
                                         OutboxMessage.recipient == mine.account.email,
                                         OutboxMessage.subject.contains("冲突"))
    assert mails.count() == 1
    assert theirs["services"][0]["domains"][0] in mails.get().body
    assert mails.get().payload["application"] == mine.reference


def test_conflict_found_through_normalised_variants(make_application, isp):
    theirs = owner_proposal(isp)
    make_application(state=State.APPROVED, proposal=copy.deepcopy(theirs))
    mine = sample_data.first_filing(next_n(), [isp.id])
    mine["services"][0]["domains"].append(theirs["services"][0]["domains"][0].upper() + ".")
    full_width = theirs["subject"]["name"].translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)})
    assert full_width != theirs["subject"]["name"]
    mine["subject"]["name"] = full_width
    mine["subject"]["cert_number"] = theirs["subject"]["cert_number"].lower()
    app = make_application(state=State.SUBMITTED, proposal=mine)
    assert keys_of(app) == {"domain", "subject_name", "cert_number"}


def test_no_conflict_without_shared_keys(make_application, isp):
    make_application(state=State.APPROVED)
    mine = make_application(state=State.SUBMITTED)
    assert mine.in_conflict is False and mine.conflicts == []


def test_no_conflict_with_own_record(make_application, isp, reviewer):
    approved = make_application(state=State.APPROVED)
    filer = approved.account
    service = Service.get(Service.subject == approved.subject_id)
    changed = dict(approved.proposed["services"][0], name="旅游攻略新版网站",
                   service_id=service.id)
    change = file_application(Kind.CHANGE_SERVICE, filer, isp, reviewer,
                              {"services": [changed]}, service_id=service.id, approve=False)
    assert change.in_conflict is False and change.conflicts == []
    assert find_conflicts(filer.id, approved.proposed) == []
    workflow.approve_application(change.id, reviewer)
    subject_change = file_application(Kind.CHANGE_SUBJECT, filer, isp, reviewer,
                                      {"subject": approved.proposed["subject"]}, approve=False)
    assert subject_change.in_conflict is False


def test_no_conflict_with_own_pending_application_on_replace(make_application, isp):
    pending = make_application(state=State.REVIEW)
    replaced = workflow.replace_application(pending.id, pending.account,
                                            copy.deepcopy(pending.proposed))
    assert replaced.in_conflict is False


def test_no_conflict_with_cancelled_service(make_application, isp, reviewer):
    theirs = owner_proposal(isp)
    other = make_application(state=State.APPROVED, proposal=copy.deepcopy(theirs))
    service = Service.get(Service.subject == other.subject_id)
    file_application(Kind.CANCEL_SERVICE, other.account, isp, reviewer, {"reason": "网站关闭"},
                     service_id=service.id)
    mine = submit_clash(make_application, "host", theirs, isp)
    assert mine.in_conflict is False and mine.conflicts == []


def test_no_conflict_with_cancelled_subject(make_application, isp, reviewer):
    theirs = owner_proposal(isp)
    other = make_application(state=State.APPROVED, proposal=copy.deepcopy(theirs))
    file_application(Kind.CANCEL_SUBJECT, other.account, isp, reviewer, {"reason": "公司注销"})
    for kind in ("host", "subject_name", "cert_number"):
        mine = submit_clash(make_application, kind, theirs, isp)
        assert mine.in_conflict is False, kind


@pytest.mark.parametrize("target", ["subject", "service"])
def test_no_conflict_with_revoked_record(make_application, isp, reviewer, target):
    theirs = owner_proposal(isp)
    other = make_application(state=State.APPROVED, proposal=copy.deepcopy(theirs))
    if target == "subject":
        record_decisions.revoke_record(reviewer, "恶意抢注", subject_id=other.subject_id)
        kinds = ("host", "subject_name", "cert_number")
    else:
        service = Service.get(Service.subject == other.subject_id)
        record_decisions.revoke_record(reviewer, "恶意抢注", service_id=service.id)
        kinds = ("host",)
    for kind in kinds:
        mine = submit_clash(make_application, kind, theirs, isp)
        assert mine.in_conflict is False, kind


@pytest.mark.parametrize("ending", ["withdraw", "abandon", "delete_on_request"])
def test_no_conflict_with_ended_application(make_application, isp, reviewer, ending):
    theirs = owner_proposal(isp)
    if ending == "withdraw":
        make_application(state=State.WITHDRAWN, proposal=copy.deepcopy(theirs))
    elif ending == "abandon":
        other = make_application(state=State.RETURNED, proposal=copy.deepcopy(theirs))
        workflow.abandon_application(other.id, other.account)
    else:
        other = make_application(state=State.REVIEW, proposal=copy.deepcopy(theirs))
        workflow.delete_application_on_request(other.id, reviewer, "书面申请删除")
    for kind in ("host", "subject_name", "cert_number"):
        mine = submit_clash(make_application, kind, theirs, isp)
        assert mine.in_conflict is False, kind


def test_returned_application_still_counts(make_application, isp):
    theirs = owner_proposal(isp)
    make_application(state=State.RETURNED, proposal=copy.deepcopy(theirs))
    mine = submit_clash(make_application, "cert_number", theirs, isp)
    assert mine.in_conflict is True


def test_approval_refused_while_in_conflict_then_allowed_after_revocation(
        make_application, isp, reviewer):
    theirs = owner_proposal(isp)
    other = make_application(state=State.APPROVED, proposal=copy.deepcopy(theirs))
    mine = make_application(state=State.REVIEW, proposal=clashing("domain", theirs, next_n(), isp))
    assert mine.in_conflict is True
    with pytest.raises(Refused):
        workflow.approve_application(mine.id, reviewer)
    assert workflow.load_application(mine.id).state == State.REVIEW
    assert Subject.get_or_none(Subject.account == mine.account_id) is None
    record_decisions.revoke_record(reviewer, "恶意抢注", subject_id=other.subject_id)
    approved = workflow.approve_application(mine.id, reviewer)
    assert approved.state == State.APPROVED


def test_a_value_only_hits_under_its_own_kind_of_key(make_application, make_filer, isp):
    """`(key, value)` pairs, not values: a domain equal to another's cert number is no hit."""
    theirs = owner_proposal(isp)
    other = make_application(state=State.APPROVED, proposal=copy.deepcopy(theirs))
    domain = theirs["services"][0]["domains"][0]
    LookupKey.create(key="cert_number", value="x" + domain, account=other.account_id)
    mine = clashing("cert_number", theirs, next_n(), isp)
    mine["services"][0]["domains"].append("x" + domain)
    hits = find_conflicts(make_filer().id, mine)
    assert [(h["key"], h["value"]) for h in hits] == [
        ("cert_number", theirs["subject"]["cert_number"])]


def test_the_check_seeks_the_key_value_index(make_application, isp):
    """Each kind of key is one search of the (key, value) index, never a table scan."""
    if not is_sqlite():
        pytest.skip("reads SQLite's query plan")
    proposal = owner_proposal(isp)
    make_application(state=State.APPROVED, proposal=copy.deepcopy(proposal))
    pairs = [(k, v) for k, v in proposal_keys(proposal) if k in CONFLICT_KEYS]
    assert len({k for k, _ in pairs}) == 4
    sql, params = (LookupKey.select().where(keys_match(pairs), LookupKey.account != 0)).sql()
    plan = [row[-1] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params)]
    searches = [step for step in plan if step.startswith("SEARCH")]
    assert not any(step.startswith("SCAN") for step in plan), plan
    assert len(searches) == 4 and all("_key_value (key=? AND value=?)" in step
                                      for step in searches), plan
