"""The bureau's ISP organisation pages: list, view, create, edit, suspend, resume, admins."""
import pytest

from portal.models import Account, AuditEvent, IspOrganisation
from tests.conftest import form_tokens
from tests.factories import PASSWORD
from tests.tenants.test_filing import post

CHECK = "/api/v1/isp/check?domain=example.test"


def login_as(client, username, tenant):
    """Log `client` in through the real form (a second browser, beside the `client`)."""
    prefix = {"isp": "/isp", "bureau": "/bureau"}[tenant]
    data = form_tokens(client, f"{prefix}/login")
    data.update(username=username, password=PASSWORD)
    return client.post(f"{prefix}/login", data=data)


def org_count() -> int:
    return IspOrganisation.select().count()


NEW = {"name": "晋中云网络", "licence_number": "B1-20190001", "consultation_phone": "0354-1234567",
       "contacts-0-name": "孙八", "contacts-0-role": "备案专员", "contacts-0-phone": "13912345678",
       "contacts-0-email": "sun@mail.example", "admin_username": "jzcloud-admin"}


def test_admin_creates_an_isp_and_sees_its_admins_password_once(client, login, bureau_admin):
    login(bureau_admin.username, tenant="bureau")
    assert client.get("/bureau/orgs/new").status_code == 200
    html = post(client, "/bureau/orgs/new", NEW).get_data(as_text=True)
    isp = IspOrganisation.get(IspOrganisation.name == "晋中云网络")
    assert isp.contacts == [{"name": "孙八", "role": "备案专员", "phone": "13912345678",
                             "email": "sun@mail.example"}]
    admin = Account.get(Account.username == "jzcloud-admin")
    assert admin.organisation_id == isp.id and admin.role == "admin"
    assert admin.must_change_password and "只显示这一次" in html and "jzcloud-admin" in html


@pytest.mark.parametrize("change,message", [
    ({"name": "EXISTING"}, "该接入服务商已存在"),
    ({"admin_username": "EXISTING_USER"}, "该用户名已被使用"),
    ({"licence_number": "12345"}, "经营许可证编号格式不正确"),
    ({"contacts-0-name": ""}, "每位联系人都需要填写姓名"),
    ({"admin_username": ""}, "必填"),
])
def test_create_validation_errors_change_nothing(client, login, bureau_admin, isp, change,
                                                 message):
    login(bureau_admin.username, tenant="bureau")
    data = {**NEW, **change}
    data = {k: {"EXISTING": isp.name, "EXISTING_USER": isp.admin.username}.get(v, v)
            for k, v in data.items()}
    before = org_count()
    response = post(client, "/bureau/orgs/new", data)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert org_count() == before
    assert not Account.select().where(Account.username == "jzcloud-admin").exists()


def test_readers_list_search_and_view(client, login, auditor, make_isp, bearer):
    north, south = make_isp("晋北数据"), make_isp("运城云")
    plain = bearer(org=north)["Authorization"][7:]
    IspOrganisation.update(contacts=[{"name": "周九", "phone": "0351-7654321", "email": "",
                                      "role": "值班"}]).where(IspOrganisation.id == north.id
                                                             ).execute()
    login(auditor.username, tenant="bureau")
    html = client.get("/bureau/orgs?q=晋北").get_data(as_text=True)
    assert "晋北数据" in html and "运城云" not in html and "新建接入服务商" not in html
    page = client.get(f"/bureau/orgs/{north.id}").get_data(as_text=True)
    assert "周九" in page and north.admin.username in page and north.operator.username in page
    assert "有效 1 个，共 1 个" in page and plain not in page and plain[:10] not in page
    assert "暂停" not in page.split("员工账号")[-1]     # no admin actions for an auditor
    assert client.get(f"/bureau/orgs/{south.id + 1000}").status_code == 404


def test_admin_edits_an_isp(client, login, bureau_admin, isp):
    login(bureau_admin.username, tenant="bureau")
    form = client.get(f"/bureau/orgs/{isp.id}/edit").get_data(as_text=True)
    assert isp.name in form and 'name="contacts-2-name"' in form
    response = post(client, f"/bureau/orgs/{isp.id}/edit",
                    {"name": "改名接入商", "consultation_phone": "400-800-1234",
                     "contacts-0-name": "吴十"}, follow_redirects=True)
    assert "接入服务商信息已保存" in response.get_data(as_text=True)
    after = IspOrganisation.get_by_id(isp.id)
    assert (after.name, after.consultation_phone) == ("改名接入商", "400-800-1234")
    assert after.contacts[0]["name"] == "吴十"
    assert AuditEvent.get(AuditEvent.action == "isp.update").actor_id == bureau_admin.id


def test_edit_to_a_duplicate_name_is_refused(client, login, bureau_admin, isp, make_isp):
    other = make_isp()
    login(bureau_admin.username, tenant="bureau")
    response = post(client, f"/bureau/orgs/{other.id}/edit", {"name": isp.name})
    assert "该接入服务商已存在" in response.get_data(as_text=True)
    assert IspOrganisation.get_by_id(other.id).name == other.name


def test_suspension_logs_staff_out_refuses_logins_and_tokens(app, client, login, bureau_admin,
                                                            isp, bearer):
    headers = bearer()
    operator = app.test_client()
    login_as(operator, isp.operator.username, "isp")
    assert operator.get("/isp/").status_code == 200
    assert client.get(CHECK, headers=headers).status_code == 200

    login(bureau_admin.username, tenant="bureau")
    response = post(client, f"/bureau/orgs/{isp.id}/suspend", {"reason": "违规接入未备案网站"},
                    page=f"/bureau/orgs/{isp.id}", follow_redirects=True)
    assert "已暂停该接入服务商" in response.get_data(as_text=True)
    assert "/isp/login" in operator.get("/isp/").location
    assert "用户名或密码错误" in login_as(operator, isp.operator.username, "isp").get_data(
        as_text=True)
    assert client.get(CHECK, headers=headers).status_code == 401
    event = AuditEvent.get(AuditEvent.action == "isp.suspend")
    assert (event.reason, event.actor_id) == ("违规接入未备案网站", bureau_admin.id)

    post(client, f"/bureau/orgs/{isp.id}/resume", {"reason": "已整改"},
         page=f"/bureau/orgs/{isp.id}")
    assert not IspOrganisation.get_by_id(isp.id).is_suspended
    assert client.get(CHECK, headers=headers).status_code == 200
    assert login_as(operator, isp.operator.username, "isp").status_code == 302
    assert operator.get("/isp/").status_code == 200


def test_old_sessions_stay_ended_after_resuming(app, client, login, bureau_admin, isp):
    operator = app.test_client()
    login_as(operator, isp.operator.username, "isp")
    login(bureau_admin.username, tenant="bureau")
    for action in ("suspend", "resume"):
        post(client, f"/bureau/orgs/{isp.id}/{action}", {"reason": "检查"},
             page=f"/bureau/orgs/{isp.id}")
    assert "/isp/login" in operator.get("/isp/").location


@pytest.mark.parametrize("action", ["suspend", "resume"])
def test_suspend_and_resume_need_a_reason(client, login, bureau_admin, isp, action):
    IspOrganisation.update(is_suspended=action == "resume").where(
        IspOrganisation.id == isp.id).execute()
    login(bureau_admin.username, tenant="bureau")
    response = post(client, f"/bureau/orgs/{isp.id}/{action}", {"reason": " "},
                    page=f"/bureau/orgs/{isp.id}")
    assert response.status_code == 200 and "必填" in response.get_data(as_text=True)
    assert IspOrganisation.get_by_id(isp.id).is_suspended == (action == "resume")
    assert not AuditEvent.select().where(AuditEvent.action == f"isp.{action}").exists()


def test_suspending_twice_is_refused_with_a_message(client, login, bureau_admin, isp):
    IspOrganisation.update(is_suspended=True).where(IspOrganisation.id == isp.id).execute()
    login(bureau_admin.username, tenant="bureau")
    response = post(client, f"/bureau/orgs/{isp.id}/suspend", {"reason": "再次"},
                    page=f"/bureau/orgs/{isp.id}")
    assert "已处于暂停状态" in response.get_data(as_text=True)


def test_admin_adds_another_isp_admin(client, login, bureau_admin, isp):
    login(bureau_admin.username, tenant="bureau")
    html = post(client, f"/bureau/orgs/{isp.id}/admins", {"username": "second-admin"},
                page=f"/bureau/orgs/{isp.id}").get_data(as_text=True)
    account = Account.get(Account.username == "second-admin")
    assert (account.organisation_id, account.role) == (isp.id, "admin")
    assert account.must_change_password and "只显示这一次" in html
    again = post(client, f"/bureau/orgs/{isp.id}/admins", {"username": "second-admin"},
                 page=f"/bureau/orgs/{isp.id}")
    assert "该用户名已被使用" in again.get_data(as_text=True)
    assert Account.select().where(Account.organisation == isp.id).count() == 3


@pytest.mark.parametrize("role", ["reviewer", "auditor"])
def test_only_admins_create_edit_suspend(client, login, make_account, isp, role):
    login(make_account("bureau", role).username, tenant="bureau")
    assert client.get("/bureau/orgs").status_code == 200
    assert client.get(f"/bureau/orgs/{isp.id}").status_code == 200
    assert client.get("/bureau/orgs/new").status_code == 403
    assert client.get(f"/bureau/orgs/{isp.id}/edit").status_code == 403
    page = "/bureau/orgs"
    for url, data in (("/bureau/orgs/new", NEW), (f"/bureau/orgs/{isp.id}/edit", {"name": "改"}),
                      (f"/bureau/orgs/{isp.id}/suspend", {"reason": "违规"}),
                      (f"/bureau/orgs/{isp.id}/resume", {"reason": "恢复"}),
                      (f"/bureau/orgs/{isp.id}/admins", {"username": "sneaky"})):
        assert post(client, url, data, page=page).status_code == 403
    after = IspOrganisation.get_by_id(isp.id)
    assert (after.name, after.is_suspended) == (isp.name, False)
    assert not Account.select().where(Account.username.in_(["sneaky", "jzcloud-admin"])).exists()


def test_other_tenants_never_reach_the_pages(client, login, isp):
    assert "/bureau/login" in client.get("/bureau/orgs").location
    login(isp.admin.username, tenant="isp")
    assert client.get("/bureau/orgs").status_code == 404
    assert client.get(f"/bureau/orgs/{isp.id}").status_code == 404
