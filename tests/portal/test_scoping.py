"""Tenant scoping: what an ISP and a filer may see. Outside the scope is NotFound."""
import pytest

from portal import sample_data, scoping, workflow
from portal.errors import NotFound
from portal.models import Service, Subject
from portal.states import Kind, State
from tests.factories import confirm_all_sms, next_n


def advance(app_id, submitter, isp, reviewer, until=State.APPROVED):
    """Submit and take the application along the happy path until `until`."""
    workflow.submit_application(app_id, submitter)
    if until == State.SUBMITTED:
        return workflow.load_application(app_id)
    if workflow.load_application(app_id).state == State.SUBMITTED:
        workflow.verify_application(app_id, isp.operator)
    if workflow.load_application(app_id).state == State.SMS:
        confirm_all_sms(workflow.load_application(app_id))
    if until == State.APPROVED:
        workflow.approve_application(app_id, reviewer)
    elif until == State.RETURNED:
        workflow.return_application(app_id, reviewer, "资料有误",
                                    [{"field": "subject.name", "note": "与营业执照不符"}])
    return workflow.load_application(app_id)


def ids(query) -> set:
    return {row.id for row in query}


def isp_filed(make_filer, isp, proposal=None):
    """A first filing the ISP opens for a customer it created (draft)."""
    customer = make_filer(created_by_org=isp, created_via="isp_behalf")
    proposal = proposal or sample_data.first_filing(next_n(), [isp.id])
    return workflow.create_application(Kind.FIRST_FILING, account=customer, actor=isp.operator,
                                       channel="isp", isp=isp, proposed=proposal)


@pytest.fixture
def other_isp(make_isp):
    return make_isp()


def test_isp_sees_applications_it_filed_even_as_draft(make_filer, isp, other_isp):
    draft = isp_filed(make_filer, isp)
    assert draft.id in ids(scoping.isp_applications(isp.id))
    assert draft.id not in ids(scoping.isp_applications(other_isp.id))
    assert scoping.get_application_for_isp(draft.id, isp.id).id == draft.id


def test_isp_filed_application_stays_visible_through_approval(make_filer, isp, reviewer):
    app = isp_filed(make_filer, isp)
    app = advance(app.id, isp.operator, isp, reviewer)
    assert app.state == State.APPROVED
    assert app.id in ids(scoping.isp_applications(isp.id))


def test_isp_filed_application_naming_another_isp_is_seen_by_both(make_filer, isp, other_isp):
    proposal = sample_data.first_filing(next_n(), [other_isp.id])
    app = isp_filed(make_filer, isp, proposal)
    workflow.submit_application(app.id, isp.operator)
    assert app.id in ids(scoping.isp_applications(isp.id))
    assert app.id in ids(scoping.isp_applications(other_isp.id))


@pytest.mark.parametrize("state", [State.SUBMITTED, State.REVIEW, State.APPROVED,
                                   State.RETURNED])
def test_isp_sees_applications_naming_it_in_and_after_its_queue(make_application, isp,
                                                                other_isp, state):
    app = make_application(state=state)
    assert app.channel == "filer"
    assert app.id in ids(scoping.isp_applications(isp.id))
    assert scoping.get_application_for_isp(app.id, isp.id).state == state
    assert app.id not in ids(scoping.isp_applications(other_isp.id))


def test_isp_keeps_application_returned_by_the_bureau(make_application, isp, reviewer):
    app = make_application(state=State.REVIEW)
    workflow.return_application(app.id, reviewer, "资料有误",
                                [{"field": "subject.name", "note": "与营业执照不符"}])
    found = scoping.get_application_for_isp(app.id, isp.id)
    assert found.state == State.RETURNED
    assert found.return_reason == "资料有误"


def test_isp_does_not_see_other_isps_applications(make_application, make_filer, isp,
                                                  other_isp):
    mine = make_application(state=State.SUBMITTED)
    theirs = make_application(state=State.SUBMITTED, proposal=sample_data.first_filing(
        next_n(), [other_isp.id]))
    filed_by_other = isp_filed(make_filer, other_isp)
    visible = ids(scoping.isp_applications(isp.id))
    assert mine.id in visible
    assert theirs.id not in visible and filed_by_other.id not in visible
    for app_id in (theirs.id, filed_by_other.id):
        with pytest.raises(NotFound):
            scoping.get_application_for_isp(app_id, isp.id)


def test_isp_application_list_has_no_duplicates(make_filer, isp):
    app = isp_filed(make_filer, isp)
    workflow.submit_application(app.id, isp.operator)  # filed by and naming the ISP
    listed = [row.id for row in scoping.isp_applications(isp.id)]
    assert listed.count(app.id) == 1


def test_current_isp_sees_later_applications_on_its_customers_service(make_application, isp,
                                                                      other_isp, reviewer):
    approved = make_application(state=State.APPROVED)
    service = Service.get(Service.subject == approved.subject_id)
    cancel = workflow.create_application(Kind.CANCEL_SERVICE, account=approved.account,
                                         actor=approved.account, proposed={"reason": "关闭"},
                                         service_id=service.id)
    cancel = advance(cancel.id, approved.account, isp, reviewer)
    assert cancel.state == State.APPROVED
    assert cancel.id in ids(scoping.isp_applications(isp.id))
    assert cancel.id not in ids(scoping.isp_applications(other_isp.id))


def test_get_application_for_isp_unknown_id_is_not_found(isp):
    with pytest.raises(NotFound):
        scoping.get_application_for_isp(999999, isp.id)


def test_filer_sees_only_own_applications(make_application, make_filer):
    mine, theirs = make_application(state=State.REVIEW), make_application(state=State.DRAFT)
    assert scoping.get_application_for_filer(mine.id, mine.account).id == mine.id
    assert ids(scoping.filer_applications(mine.account)) == {mine.id}
    with pytest.raises(NotFound):
        scoping.get_application_for_filer(theirs.id, mine.account)
    with pytest.raises(NotFound):
        scoping.get_application_for_filer(mine.id, make_filer())


def test_isp_customer_accounts(make_application, make_filer, make_account, isp, other_isp,
                               reviewer):
    served = make_application(state=State.APPROVED).account
    created = make_filer(created_by_org=isp, created_via="isp_import")
    elsewhere = make_filer()
    app = workflow.create_application(Kind.FIRST_FILING, account=elsewhere, actor=elsewhere,
                                      proposed=sample_data.first_filing(next_n(), [other_isp.id]))
    assert advance(app.id, elsewhere, other_isp, reviewer).state == State.APPROVED
    pending = make_application(state=State.REVIEW).account
    staff = make_account("isp", "operator", isp, created_by_org=isp)
    customers = ids(scoping.isp_customer_accounts(isp.id))
    assert {served.id, created.id} <= customers
    assert not customers & {elsewhere.id, pending.id, staff.id}
    assert scoping.get_customer_for_isp(served.id, isp.id).id == served.id
    with pytest.raises(NotFound):
        scoping.get_customer_for_isp(served.id, other_isp.id)
    assert ids(scoping.isp_customer_accounts(other_isp.id)) == {elsewhere.id}


def test_isp_customer_listed_once_for_several_services(make_filer, isp, reviewer):
    n = next_n()
    filer = make_filer()
    proposal = sample_data.first_filing(n, [isp.id], services=[
        sample_data.website(n, [isp.id]), sample_data.app_service(n, [isp.id])])
    app = workflow.create_application(Kind.FIRST_FILING, account=filer, actor=filer,
                                      proposed=proposal)
    advance(app.id, filer, isp, reviewer)
    assert [a.id for a in scoping.isp_customer_accounts(isp.id)] == [filer.id]


def test_isp_loses_customer_when_access_ends(make_application, isp, reviewer):
    approved = make_application(state=State.APPROVED)
    filer = approved.account
    service = Service.get(Service.subject == approved.subject_id)
    cancel = workflow.create_application(Kind.CANCEL_SERVICE, account=filer, actor=filer,
                                         proposed={"reason": "关闭"}, service_id=service.id)
    advance(cancel.id, filer, isp, reviewer)
    assert filer.id not in ids(scoping.isp_customer_accounts(isp.id))
    with pytest.raises(NotFound):
        scoping.get_customer_for_isp(filer.id, isp.id)


def test_filer_service_scope(make_application):
    mine = make_application(state=State.APPROVED)
    theirs = make_application(state=State.APPROVED)
    own = Service.get(Service.subject == mine.subject_id)
    other = Service.get(Service.subject == theirs.subject_id)
    assert scoping.get_service_for_filer(own.id, mine.account).id == own.id
    assert scoping.filer_subject(mine.account).id == mine.subject_id
    with pytest.raises(NotFound):
        scoping.get_service_for_filer(other.id, mine.account)
    with pytest.raises(NotFound):
        scoping.get_service_for_filer(999999, mine.account)


def test_filer_without_record_has_no_subject(make_application):
    pending = make_application(state=State.REVIEW)
    assert scoping.filer_subject(pending.account) is None
    assert Subject.select().count() == 0


def test_isp_keeps_application_it_returned_after_filer_switches_isp(make_application, isp,
                                                                    other_isp):
    app = make_application(state=State.RETURNED)  # returned by `isp` during verification
    proposal = dict(app.proposed)
    proposal["services"] = [dict(proposal["services"][0], isps=[other_isp.id])]
    workflow.update_draft(app.id, app.account, proposal)
    workflow.submit_application(app.id, app.account)
    assert app.id in ids(scoping.isp_applications(other_isp.id))
    found = scoping.get_application_for_isp(app.id, isp.id)
    assert found.state == State.SUBMITTED
