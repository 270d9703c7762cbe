"""The conflict workbench: applications in conflict beside what they collide with, the
other party's contact; re-check, revoke or cancel the other record, delete the other
party's pending application on its written request, the pre-filled return reason."""
import copy
from urllib.parse import parse_qs, urlparse

import pytest

from portal import record_decisions
from portal.models import Account, Application, AuditEvent, Subject
from portal.services import conflict_desk
from portal.states import State
from tests.factories import next_n
from tests.portal.test_conflicts import clashing, owner_proposal
from tests.tenants.test_filing import post


def clash(make_application, isp, other_state=State.APPROVED, kind="domain"):
    """(mine in bureau review, theirs): mine shares a `kind` key with theirs."""
    theirs = owner_proposal(isp)
    other = make_application(state=other_state, proposal=copy.deepcopy(theirs))
    mine = make_application(state=State.REVIEW, proposal=clashing(kind, theirs, next_n(), isp))
    assert mine.in_conflict
    return mine, other


@pytest.fixture
def as_reviewer(client, login, reviewer):
    login(reviewer.username, tenant="bureau")
    return client


def html(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def act(client, mine, action, data=None):
    return post(client, f"/bureau/conflicts/{mine.id}/{action}", data or {},
                page=f"/bureau/conflicts/{mine.id}", follow_redirects=True).get_data(as_text=True)


def test_the_list_and_the_page_show_both_sides_and_the_contact(as_reviewer, make_application,
                                                              isp):
    mine, other = clash(make_application, isp)
    listed = html(as_reviewer, "/bureau/conflicts")
    assert mine.reference in listed and other.account.username in listed
    page = html(as_reviewer, f"/bureau/conflicts/{mine.id}")
    subject = Subject.get(Subject.account == other.account_id)
    for text in (other.account.username, subject.filing_number, subject.name,
                 subject.responsible["mobile"], subject.responsible["email"], "重新核查冲突",
                 "撤销或注销对方的备案", mine.proposed["services"][0]["domains"][-1]):
        assert text in page, text


def test_an_auditor_reads_the_workbench_without_actions(client, login, auditor,
                                                        make_application, isp):
    mine, _ = clash(make_application, isp)
    login(auditor.username, tenant="bureau")
    page = html(client, f"/bureau/conflicts/{mine.id}")
    assert mine.reference in page and "重新核查冲突" not in page


def test_revoke_the_other_record_then_the_application_is_clear(as_reviewer, make_application,
                                                              isp):
    mine, other = clash(make_application, isp)
    subject = Subject.get(Subject.account == other.account_id)
    page = act(as_reviewer, mine, "revoke-other", {"target": f"subject:{subject.id}",
                                                   "how": "revoke", "reason": "恶意抢注"})
    assert "已无冲突" in page
    assert Subject.get_by_id(subject.id).status == "revoked"
    assert not Application.get_by_id(mine.id).in_conflict
    assert AuditEvent.get(AuditEvent.action == "application.conflict_recheck").object_id == str(mine.id)


def test_cancel_one_service_of_the_other_record(as_reviewer, make_application, isp):
    mine, other = clash(make_application, isp)
    service = Subject.get(Subject.account == other.account_id).services.get()
    act(as_reviewer, mine, "revoke-other", {"target": f"service:{service.id}", "how": "cancel",
                                            "reason": "对方同意注销"})
    assert service.__class__.get_by_id(service.id).status == "cancelled"
    assert not Application.get_by_id(mine.id).in_conflict


def test_a_missing_reason_or_a_foreign_target_changes_nothing(as_reviewer, make_application,
                                                             isp):
    mine, other = clash(make_application, isp)
    _, stranger = clash(make_application, isp)
    subject = Subject.get(Subject.account == other.account_id)
    outsider = Subject.get(Subject.account == stranger.account_id)
    page = act(as_reviewer, mine, "revoke-other", {"target": f"subject:{subject.id}",
                                                   "how": "revoke", "reason": ""})
    assert "请选择对方的备案并填写原因" in page
    act(as_reviewer, mine, "revoke-other", {"target": f"subject:{outsider.id}", "how": "revoke",
                                            "reason": "恶意抢注"})
    assert Subject.get_by_id(subject.id).status == "active"
    assert Subject.get_by_id(outsider.id).status == "active"
    assert Application.get_by_id(mine.id).in_conflict


def test_delete_the_other_pending_application_on_its_written_request(as_reviewer,
                                                                    make_application, isp):
    mine, other = clash(make_application, isp, other_state=State.REVIEW, kind="cert_number")
    assert "应对方书面申请删除其在办申请" in html(as_reviewer, f"/bureau/conflicts/{mine.id}")
    assert "请选择对方的在办申请" in act(as_reviewer, mine, "delete-other",
                                          {"other_id": str(other.id), "reason": ""})
    assert Application.get_by_id(other.id).state == State.REVIEW
    act(as_reviewer, mine, "delete-other",
        {"other_id": str(other.id), "reason": "2026-03-01 收到对方纸质书面申请（编号 SM-01）"})
    assert Application.get_by_id(other.id).state == State.WITHDRAWN
    assert not Application.get_by_id(mine.id).in_conflict


def test_recheck_after_the_other_record_was_revoked_elsewhere(as_reviewer, make_application,
                                                             isp, reviewer):
    mine, other = clash(make_application, isp)
    record_decisions.revoke_record(reviewer, "恶意抢注", subject_id=other.subject_id)
    assert "已不再有效" in html(as_reviewer, f"/bureau/conflicts/{mine.id}")
    assert "已无冲突" in act(as_reviewer, mine, "recheck")
    assert mine.reference not in html(as_reviewer, "/bureau/conflicts")


def test_recheck_keeps_a_live_conflict(as_reviewer, make_application, isp):
    mine, _ = clash(make_application, isp)
    act(as_reviewer, mine, "recheck")
    assert Application.get_by_id(mine.id).in_conflict


def test_the_return_link_prefills_the_conflict_and_the_contact(app, as_reviewer,
                                                              make_application, isp):
    mine, other = clash(make_application, isp)
    subject = Subject.get(Subject.account == other.account_id)
    page = html(as_reviewer, f"/bureau/conflicts/{mine.id}")
    with app.test_request_context():
        text = conflict_desk.suggested_return_reason(Application.get_by_id(mine.id))
    for part in (other.account.username, subject.filing_number, subject.responsible["mobile"],
                 mine.proposed["services"][0]["domains"][-1]):
        assert part in text, part
    href = next(line for line in page.split('"') if f"/applications/{mine.id}/return" in line)
    assert parse_qs(urlparse(href.replace("&amp;", "&")).query)["reason"] == [text]


def test_an_auditor_gets_403_on_every_post(client, login, auditor, make_application, isp):
    mine, other = clash(make_application, isp, other_state=State.REVIEW)
    login(auditor.username, tenant="bureau")
    count = AuditEvent.select().count()
    for action, data in (("recheck", {}), ("revoke-other", {"target": "x", "how": "revoke",
                                                             "reason": "x"}),
                         ("delete-other", {"other_id": str(other.id), "reason": "x"})):
        response = post(client, f"/bureau/conflicts/{mine.id}/{action}", data,
                        page=f"/bureau/conflicts/{mine.id}")
        assert response.status_code == 403, action
    assert AuditEvent.select().count() == count
    assert Application.get_by_id(other.id).state == State.REVIEW


def test_unknown_application_is_not_found(as_reviewer):
    assert as_reviewer.get("/bureau/conflicts/999999").status_code == 404


def test_other_account_contact_falls_back_to_the_account(make_application, isp, app):
    mine, other = clash(make_application, isp, other_state=State.REVIEW)
    collision = conflict_desk.collisions(Application.get_by_id(mine.id))[0]
    assert collision.application.id == other.id and collision.is_live
    assert collision.contact["mobile"] == other.proposed["subject"]["responsible"]["mobile"]
    Account.update(display_name="对方").where(Account.id == other.account_id).execute()
    assert collision.account.username == other.account.username
