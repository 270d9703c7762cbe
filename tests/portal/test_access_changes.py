"""Access changes filed by an ISP (DESIGN §3 变更接入): the authorisation code, the
add-access application it opens, cancelling one's own access, and the two-step change."""
from datetime import timedelta

import pytest

from portal import workflow
from portal.clock import freeze, utcnow
from portal.errors import NotFound, Refused, ValidationError
from portal.models import AccessLink, Application, AuthorisationCode
from portal.services import changes
from portal.services.access_changes import add_access_with_code, cancel_access_for_customer
from portal.states import Kind, State
from tests.factories import confirm_all_sms


@pytest.fixture
def clock():
    yield freeze
    freeze(None)


@pytest.fixture
def new_isp(make_isp):
    return make_isp()


def code_for(service):
    return changes.create_authorisation_code(service.subject.account, service)


def active_isps(service):
    return sorted(link.isp_id for link in AccessLink.select().where(
        AccessLink.service == service.id, AccessLink.status == "active"))


def counts():
    return Application.select().count(), AuthorisationCode.select().where(
        AuthorisationCode.used_at.is_null()).count()


def test_a_code_opens_a_submitted_add_access_application(website, new_isp):
    app = add_access_with_code(new_isp.id, new_isp.admin, code_for(website), " KH-001 ")
    assert (app.kind, app.state, app.channel, app.isp_id) == (
        Kind.ADD_ACCESS, State.SUBMITTED, "isp", new_isp.id)
    assert app.service_id == website.id and app.account_id == website.subject.account_id
    assert app.proposed["isp_id"] == new_isp.id and app.proposed["customer_ref"] == "KH-001"


def test_a_code_is_single_use(website, new_isp, make_isp):
    code = code_for(website)
    add_access_with_code(new_isp.id, new_isp.admin, code)
    before = counts()
    third = make_isp()
    with pytest.raises(ValidationError) as caught:
        add_access_with_code(third.id, third.admin, code)
    assert caught.value.field == "code" and counts() == before


def test_an_expired_code_is_refused_and_nothing_changes(website, new_isp, clock):
    code = code_for(website)
    clock(utcnow() + timedelta(days=8))
    before = counts()
    with pytest.raises(ValidationError):
        add_access_with_code(new_isp.id, new_isp.admin, code)
    assert counts() == before


@pytest.mark.parametrize("code", ["", "ABCD-EF01-2345", None])
def test_an_unknown_code_is_refused(website, new_isp, code):
    before = counts()
    with pytest.raises(ValidationError):
        add_access_with_code(new_isp.id, new_isp.admin, code)
    assert counts() == before


def test_a_refusal_after_the_code_leaves_the_code_unused(website, new_isp, isp):
    """A filer with another application in flight: the add-access submission is refused,
    and the code is still good once that application is done."""
    code = code_for(website)
    cancel_access_for_customer(isp.id, isp.admin, website.id, "客户迁出")
    before = counts()
    with pytest.raises(Refused):
        add_access_with_code(new_isp.id, new_isp.admin, code)
    assert counts() == before


def test_the_isp_already_on_the_access_list_is_refused(website, isp):
    with pytest.raises(Refused):
        add_access_with_code(isp.id, isp.admin, code_for(website))


def test_a_long_customer_reference_is_refused(website, new_isp):
    with pytest.raises(ValidationError) as caught:
        add_access_with_code(new_isp.id, new_isp.admin, code_for(website), "x" * 65)
    assert caught.value.field == "customer_ref"


def test_cancelling_access_files_a_submitted_cancel_access(website, isp):
    app = cancel_access_for_customer(isp.id, isp.operator, website.id, "客户迁出")
    assert (app.kind, app.state, app.channel, app.isp_id) == (
        Kind.CANCEL_ACCESS, State.SUBMITTED, "isp", isp.id)
    assert app.proposed == {"isp_id": isp.id, "reason": "客户迁出", "customer_ref": ""}


def test_another_isps_service_is_not_found(website, new_isp):
    before = counts()
    with pytest.raises(NotFound):
        cancel_access_for_customer(new_isp.id, new_isp.admin, website.id, "客户迁出")
    with pytest.raises(NotFound):
        cancel_access_for_customer(new_isp.id, new_isp.admin, 999999, "客户迁出")
    assert counts() == before


def test_cancelling_access_needs_a_reason(website, isp):
    with pytest.raises(ValidationError) as caught:
        cancel_access_for_customer(isp.id, isp.admin, website.id, "  ")
    assert caught.value.field == "reason"


def _through_review(app, verifier, reviewer):
    workflow.verify_application(app.id, verifier)
    if workflow.load_application(app.id).state == State.SMS:
        confirm_all_sms(workflow.load_application(app.id))
    assert workflow.load_application(app.id).state == State.REVIEW
    return workflow.approve_application(app.id, reviewer)


def test_the_two_step_access_change_keeps_the_number(website, isp, new_isp, reviewer):
    number = website.filing_number
    add = add_access_with_code(new_isp.id, new_isp.admin, code_for(website), "KH-9")
    _through_review(add, new_isp.operator, reviewer)
    assert active_isps(website) == sorted([isp.id, new_isp.id])
    assert AccessLink.get(AccessLink.isp == new_isp.id).customer_ref == "KH-9"
    cancel = cancel_access_for_customer(isp.id, isp.admin, website.id, "客户迁至新接入商")
    _through_review(cancel, isp.operator, reviewer)
    assert active_isps(website) == [new_isp.id]
    assert website.__class__.get_by_id(website.id).filing_number == number
    with pytest.raises(NotFound):   # the old ISP no longer serves it
        cancel_access_for_customer(isp.id, isp.admin, website.id, "再次取消")
