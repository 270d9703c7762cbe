"""ISP staff acting for customers: on-behalf filing through the shared wizard, access with
an authorisation code, cancelling access, cancellations with materials, connect check."""
import io

import pytest

from portal import workflow
from portal.models import Account, Application, Service
from portal.services import changes
from portal.states import Kind, State
from tests.tenants.test_filing import post, subject_fields, website_fields


@pytest.fixture
def operator(client, login, isp):
    login(isp.operator.username, tenant="isp")
    return isp.operator


def test_filing_on_behalf_uses_the_wizard_and_comes_back_to_the_isp(client, operator, isp,
                                                                     reviewer):
    html = post(client, "/isp/behalf", {"username": "customer01", "mobile": "13911112222",
                                        "email": "c01@mail.example"}).get_data(as_text=True)
    customer = Account.get(Account.username == "customer01")
    assert customer.created_by_org_id == isp.id and customer.must_change_password
    assert "只显示这一次" in html
    app = Application.get(Application.account == customer.id)
    assert app.channel == "isp" and app.state == State.DRAFT
    assert post(client, f"/isp/filing/{app.id}/subject", subject_fields(31)).status_code == 302
    url = f"/isp/filing/{app.id}/services/new?kind=website"
    assert post(client, url, website_fields(31), page=url).status_code == 302
    post(client, f"/isp/filing/{app.id}/access",
         {"entries-0-location": "山西", "entries-0-isps": str(isp.id)})
    response = post(client, f"/isp/filing/{app.id}/submit", page=f"/isp/filing/{app.id}/review")
    assert response.location.endswith(f"/isp/applications/{app.id}")
    assert Application.get_by_id(app.id).state == State.SUBMITTED


def test_the_customer_cannot_edit_an_isp_filed_draft(client, login, isp, operator):
    post(client, "/isp/behalf", {"username": "customer02", "mobile": "13911113333",
                                 "email": "c02@mail.example"})
    app = Application.get(Application.account == Account.get(Account.username == "customer02"))
    client.post("/isp/logout", data={"csrf_token": "x"})
    client.delete_cookie("session")
    customer = Account.get(Account.username == "customer02")
    Account.update(must_change_password=False, identity_verified=True).where(
        Account.id == customer.id).execute()
    from portal.services.accounts import hash_password
    from tests.factories import PASSWORD
    Account.update(password_hash=hash_password(PASSWORD)).where(Account.id == customer.id).execute()
    login("customer02")
    assert client.get(f"/filing/{app.id}/subject").status_code == 404


def test_add_access_with_the_filers_code(client, login, website, make_isp):
    new_isp = make_isp()
    filer = Account.get_by_id(website.subject.account_id)
    code = changes.create_authorisation_code(filer, website)
    login(new_isp.operator.username, tenant="isp")
    html = post(client, "/isp/access/add", {"code": "WRONG-CODE"}).get_data(as_text=True)
    assert "授权码无效" in html
    response = post(client, "/isp/access/add", {"code": code, "customer_ref": "C-9"})
    app = Application.get(Application.kind == Kind.ADD_ACCESS)
    assert response.location.endswith(f"/isp/applications/{app.id}")
    assert app.isp_id == new_isp.id and app.state == State.SUBMITTED


def test_cancel_own_access(client, login, website):
    link = website.access_links.first()
    operator = Account.get(Account.organisation == link.isp_id, Account.role == "operator")
    login(operator.username, tenant="isp")
    response = post(client, f"/isp/access/{website.id}/cancel", {"reason": "合同到期"})
    app = Application.get(Application.kind == Kind.CANCEL_ACCESS)
    assert response.status_code == 302 and app.proposed["isp_id"] == link.isp_id


def test_another_isps_service_cannot_be_cancelled(client, login, website, make_isp):
    login(make_isp().operator.username, tenant="isp")
    assert client.get(f"/isp/access/{website.id}/cancel").status_code == 404


def test_cancellation_for_a_customer_needs_materials(client, login, website):
    link = website.access_links.first()
    operator = Account.get(Account.organisation == link.isp_id, Account.role == "operator")
    login(operator.username, tenant="isp")
    customer_id = website.subject.account_id
    url = f"/isp/customers/{customer_id}/apply"
    html = post(client, url, {"kind": "cancel_service", "service_id": str(website.id),
                              "reason": "停止运营"}).get_data(as_text=True)
    assert "请上传申请材料" in html
    response = post(client, url, {"kind": "cancel_service", "service_id": str(website.id),
                                  "reason": "停止运营",
                                  "materials": (io.BytesIO(b"%PDF-1.4 form"), "申请表.pdf")},
                    content_type="multipart/form-data")
    app = Application.get(Application.kind == Kind.CANCEL_SERVICE)
    assert response.status_code == 302 and app.materials and app.state == State.SUBMITTED
    workflow.verify_application(app.id, operator)
    assert Application.get_by_id(app.id).state in (State.SMS, State.REVIEW)


def test_connect_check_page(client, login, website):
    link = website.access_links.first()
    operator = Account.get(Account.organisation == link.isp_id, Account.role == "operator")
    login(operator.username, tenant="isp")
    html = client.get(f"/isp/connect-check?domain={website.details['domains'][0]}").get_data(
        as_text=True)
    assert "可以接入" in html
    assert "不能接入" in client.get("/isp/connect-check?domain=unfiled.example").get_data(
        as_text=True)


def test_readonly_staff_cannot_act_for_customers(client, login, isp, make_account):
    login(make_account("isp", "readonly", isp).username, tenant="isp")
    for url in ("/isp/behalf", "/isp/access/add"):
        assert client.get(url).status_code == 403
    assert Service.select().count() == 0
