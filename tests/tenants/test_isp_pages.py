"""The ISP tenant's pages: staff, verification queue, progress, customers, shells."""
import pytest

from portal.models import Account, Application, ApplicationIsp, IspOrganisation
from portal.states import State
from tests.conftest import csrf_token
from tests.tenants.test_filing import post


def isp_of(app) -> IspOrganisation:
    return IspOrganisation.get_by_id(ApplicationIsp.get(ApplicationIsp.application == app.id).isp_id)


def test_admin_creates_staff_and_sees_the_initial_password_once(client, login, isp):
    login(isp.admin.username, tenant="isp")
    html = post(client, "/isp/staff", {"username": "new-op", "role": "operator"}
                ).get_data(as_text=True)
    account = Account.get(Account.username == "new-op")
    assert account.organisation_id == isp.id and account.must_change_password
    assert "只显示这一次" in html


def test_an_operator_cannot_manage_staff(client, login, isp):
    login(isp.operator.username, tenant="isp")
    assert client.get("/isp/staff").status_code == 403


def test_disable_ends_sessions_and_enable_restores(client, login, isp, make_account):
    member = make_account("isp", "operator", isp)
    login(isp.admin.username, tenant="isp")
    post(client, f"/isp/staff/{member.id}/disable", page="/isp/staff")
    after = Account.get_by_id(member.id)
    assert not after.is_active and after.session_generation == member.session_generation + 1
    post(client, f"/isp/staff/{member.id}/enable", page="/isp/staff")
    assert Account.get_by_id(member.id).is_active


def test_reset_staff_password_forces_a_change(client, login, isp, make_account):
    member = make_account("isp", "operator", isp)
    login(isp.admin.username, tenant="isp")
    post(client, f"/isp/staff/{member.id}/reset-password", page="/isp/staff")
    assert Account.get_by_id(member.id).must_change_password


def test_another_isps_staff_is_not_found(client, login, isp, make_isp):
    other = make_isp()
    login(isp.admin.username, tenant="isp")
    response = post(client, f"/isp/staff/{other.operator.id}/disable", page="/isp/staff",
                    follow_redirects=True)
    assert Account.get_by_id(other.operator.id).is_active
    assert "不存在" in response.get_data(as_text=True)


def test_queue_lists_submissions_and_verify_forwards(client, login, make_application):
    app = make_application(state=State.SUBMITTED)
    isp = isp_of(app)
    operator = Account.get(Account.organisation == isp.id, Account.role == "operator")
    login(operator.username, tenant="isp")
    assert app.reference in client.get("/isp/queue").get_data(as_text=True)
    post(client, f"/isp/applications/{app.id}/verify", {"version": app.version},
         page=f"/isp/applications/{app.id}")
    assert Application.get_by_id(app.id).state == State.SMS


def test_return_with_field_notes(client, login, make_application):
    app = make_application(state=State.SUBMITTED)
    operator = Account.get(Account.organisation == isp_of(app).id, Account.role == "operator")
    login(operator.username, tenant="isp")
    post(client, f"/isp/applications/{app.id}/return",
         {"version": app.version, "reason": "域名证书与主办者不符",
          "notes-0-field": "services.0.domains", "notes-0-note": "请提供域名证书"},
         page=f"/isp/applications/{app.id}")
    returned = Application.get_by_id(app.id)
    assert returned.state == State.RETURNED
    assert returned.return_notes == [{"field": "services.0.domains", "note": "请提供域名证书"}]


def test_readonly_staff_cannot_verify(client, login, make_application, make_account):
    app = make_application(state=State.SUBMITTED)
    readonly = make_account("isp", "readonly", isp_of(app))
    login(readonly.username, tenant="isp")
    assert client.get(f"/isp/applications/{app.id}").status_code == 200
    response = post(client, f"/isp/applications/{app.id}/verify", {"version": app.version},
                    page=f"/isp/applications/{app.id}")
    assert response.status_code == 403 and Application.get_by_id(app.id).state == State.SUBMITTED


def test_another_isps_application_is_not_found(client, login, make_application, make_isp):
    app = make_application(state=State.SUBMITTED)
    stranger = make_isp()
    login(stranger.operator.username, tenant="isp")
    for url in (f"/isp/applications/{app.id}",):
        assert client.get(url).status_code == 404
    assert post(client, f"/isp/applications/{app.id}/verify", {"version": app.version},
                page="/isp/queue").status_code == 404
    assert Application.get_by_id(app.id).state == State.SUBMITTED


def test_progress_keeps_showing_decided_applications(client, login, make_application):
    app = make_application(state=State.APPROVED)
    operator = Account.get(Account.organisation == isp_of(app).id, Account.role == "operator")
    login(operator.username, tenant="isp")
    html = client.get("/isp/applications?state=approved").get_data(as_text=True)
    assert app.reference in html


def test_username_from_filing_number_is_audited(client, login, make_application):
    app = make_application(state=State.APPROVED)
    operator = Account.get(Account.organisation == isp_of(app).id, Account.role == "operator")
    login(operator.username, tenant="isp")
    number = app.subject.filing_number
    html = client.get(f"/isp/customers?number={number}").get_data(as_text=True)
    assert Account.get_by_id(app.account_id).username in html
    from portal.models import AuditEvent
    assert AuditEvent.select().where(AuditEvent.action == "customer.username_lookup").exists()


def test_initial_password_only_while_never_changed(client, login, isp, make_account):
    customer = make_account("public", created_via="isp_import", created_by_org=isp)
    login(isp.operator.username, tenant="isp")
    html = post(client, f"/isp/customers/{customer.id}/reset-password",
                page=f"/isp/customers/{customer.id}").get_data(as_text=True)
    assert "只显示这一次" in html and Account.get_by_id(customer.id).must_change_password
    from portal import clock
    Account.update(password_changed_at=clock.utcnow()).where(Account.id == customer.id).execute()
    response = post(client, f"/isp/customers/{customer.id}/reset-password",
                    page=f"/isp/customers/{customer.id}", follow_redirects=True)
    assert "书面" in response.get_data(as_text=True)


def test_shell_warnings_name_the_candidate_date(client, login, make_application, reviewer):
    from portal import workflow
    from portal.models import Service
    from portal.states import Kind
    app = make_application(state=State.APPROVED)
    isp = isp_of(app)
    service = Service.get(Service.subject == app.subject_id)
    filer = Account.get_by_id(app.account_id)
    cancel = workflow.create_application(Kind.CANCEL_ACCESS, account=filer, actor=filer,
                                         proposed={"isp_id": isp.id, "reason": "停止合作"},
                                         service_id=service.id)
    workflow.submit_application(cancel.id, filer)
    workflow.approve_application(cancel.id, reviewer)
    operator = Account.get(Account.organisation == isp.id, Account.role == "operator")
    login(operator.username, tenant="isp")
    html = client.get("/isp/shells").get_data(as_text=True)
    assert service.filing_number in html


@pytest.mark.parametrize("url", ["/isp/", "/isp/queue", "/isp/applications", "/isp/customers",
                                 "/isp/shells"])
def test_pages_render_with_csrf(client, login, isp, url):
    login(isp.operator.username, tenant="isp")
    assert client.get(url).status_code == 200
    assert csrf_token(client, url)
