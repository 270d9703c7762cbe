"""The bureau's staff pages (admin only): list, create, role, disable/enable, end sessions,
reset password."""
import pytest

from portal.models import Account, AuditEvent
from tests.tenants.test_bureau_orgs import login_as
from tests.tenants.test_filing import post

PAGE = "/bureau/staff"


def test_admin_lists_and_creates_staff(client, login, bureau_admin, reviewer):
    login(bureau_admin.username, tenant="bureau")
    html = client.get(PAGE).get_data(as_text=True)
    assert reviewer.username in html and bureau_admin.username in html
    html = post(client, PAGE, {"username": "new-auditor", "role": "auditor",
                               "display_name": "郑一"}).get_data(as_text=True)
    account = Account.get(Account.username == "new-auditor")
    assert (account.tenant, account.role) == ("bureau", "auditor")
    assert account.must_change_password and "只显示这一次" in html


@pytest.mark.parametrize("data,message", [
    ({"username": "EXISTING", "role": "reviewer"}, "该用户名已被使用"),
    ({"username": "fresh", "role": "operator"}, "请选择角色"),
    ({"username": "", "role": "reviewer"}, "必填"),
])
def test_create_validation_errors_change_nothing(client, login, bureau_admin, reviewer, data,
                                                 message):
    login(bureau_admin.username, tenant="bureau")
    data = {**data, "username": data["username"].replace("EXISTING", reviewer.username)}
    before = Account.select().count()
    response = post(client, PAGE, data)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert Account.select().count() == before


def test_change_role(client, login, bureau_admin, reviewer):
    login(bureau_admin.username, tenant="bureau")
    response = post(client, f"{PAGE}/{reviewer.id}/role", {"role": "auditor"}, page=PAGE,
                    follow_redirects=True)
    assert "角色已修改" in response.get_data(as_text=True)
    assert Account.get_by_id(reviewer.id).role == "auditor"
    event = AuditEvent.get(AuditEvent.action == "bureau_staff.role")
    assert (event.actor_id, event.before, event.after) == (
        bureau_admin.id, {"role": "reviewer"}, {"role": "auditor"})


def test_a_bad_role_is_refused_with_a_message(client, login, bureau_admin, reviewer):
    login(bureau_admin.username, tenant="bureau")
    response = post(client, f"{PAGE}/{reviewer.id}/role", {"role": "superuser"}, page=PAGE,
                    follow_redirects=True)
    assert "请选择角色" in response.get_data(as_text=True)
    assert Account.get_by_id(reviewer.id).role == "reviewer"


def test_the_last_admin_cannot_be_demoted_or_disabled(client, login, bureau_admin):
    Account.update(is_active=False).where(Account.tenant == "bureau", Account.role == "admin",
                                          Account.id != bureau_admin.id).execute()
    login(bureau_admin.username, tenant="bureau")
    response = post(client, f"{PAGE}/{bureau_admin.id}/role", {"role": "reviewer"}, page=PAGE,
                    follow_redirects=True)
    assert "最后一个启用的管理员" in response.get_data(as_text=True)
    response = post(client, f"{PAGE}/{bureau_admin.id}/disable", page=PAGE,
                    follow_redirects=True)
    assert "不能停用自己的账号" in response.get_data(as_text=True)
    after = Account.get_by_id(bureau_admin.id)
    assert (after.role, after.is_active) == ("admin", True)


def test_disable_logs_the_member_out_and_enable_restores(app, client, login, bureau_admin,
                                                         reviewer):
    other = app.test_client()
    login_as(other, reviewer.username, "bureau")
    assert other.get("/bureau/orgs").status_code == 200
    login(bureau_admin.username, tenant="bureau")
    post(client, f"{PAGE}/{reviewer.id}/disable", page=PAGE)
    assert not Account.get_by_id(reviewer.id).is_active
    assert "/bureau/login" in other.get("/bureau/orgs").location
    assert login_as(other, reviewer.username, "bureau").status_code == 200   # refused
    post(client, f"{PAGE}/{reviewer.id}/enable", page=PAGE)
    assert Account.get_by_id(reviewer.id).is_active
    assert login_as(other, reviewer.username, "bureau").status_code == 302


def test_end_sessions_logs_the_member_out_at_the_next_request(app, client, login, bureau_admin,
                                                             reviewer):
    other = app.test_client()
    login_as(other, reviewer.username, "bureau")
    assert other.get("/bureau/orgs").status_code == 200
    login(bureau_admin.username, tenant="bureau")
    response = post(client, f"{PAGE}/{reviewer.id}/end-sessions", page=PAGE,
                    follow_redirects=True)
    assert "所有会话已结束" in response.get_data(as_text=True)
    assert "/bureau/login" in other.get("/bureau/orgs").location
    event = AuditEvent.get(AuditEvent.action == "account.end_sessions",
                           AuditEvent.object_id == str(reviewer.id))
    assert event.actor_id == bureau_admin.id
    assert Account.get_by_id(reviewer.id).is_active


def test_reset_password_shows_it_once_and_forces_a_change(client, login, bureau_admin,
                                                          reviewer):
    login(bureau_admin.username, tenant="bureau")
    html = post(client, f"{PAGE}/{reviewer.id}/reset-password", page=PAGE).get_data(as_text=True)
    assert "只显示这一次" in html and reviewer.username in html
    assert Account.get_by_id(reviewer.id).must_change_password
    response = post(client, f"{PAGE}/{bureau_admin.id}/reset-password", page=PAGE,
                    follow_redirects=True)
    assert "不能在这里重置自己的密码" in response.get_data(as_text=True)
    assert not Account.get_by_id(bureau_admin.id).must_change_password


ACTIONS = (("role", {"role": "admin"}), ("disable", {}), ("enable", {}), ("end-sessions", {}),
           ("reset-password", {}))


@pytest.mark.parametrize("role", ["reviewer", "auditor"])
def test_reviewers_and_auditors_cannot_manage_staff(client, login, make_account, role):
    actor = make_account("bureau", role)
    target = make_account("bureau", "reviewer")
    login(actor.username, tenant="bureau")
    assert client.get(PAGE).status_code == 403
    assert post(client, PAGE, {"username": "sneaky", "role": "admin"},
                page="/bureau/orgs").status_code == 403
    for action, data in ACTIONS:
        assert post(client, f"{PAGE}/{target.id}/{action}", data,
                    page="/bureau/orgs").status_code == 403
    after = Account.get_by_id(target.id)
    assert (after.role, after.is_active, after.session_generation,
            after.must_change_password) == ("reviewer", True, 0, False)
    assert not Account.select().where(Account.username == "sneaky").exists()
    assert Account.get_by_id(actor.id).role == role


@pytest.mark.parametrize("action,data", ACTIONS)
def test_an_account_of_another_tenant_is_not_found(client, login, bureau_admin, isp, action,
                                                   data):
    login(bureau_admin.username, tenant="bureau")
    assert post(client, f"{PAGE}/{isp.operator.id}/{action}", data, page=PAGE).status_code == 404
    assert post(client, f"{PAGE}/999999/{action}", data, page=PAGE).status_code == 404
    after = Account.get_by_id(isp.operator.id)
    assert (after.is_active, after.session_generation) == (True, 0)


def test_other_tenants_never_reach_the_staff_pages(client, login, isp):
    assert "/bureau/login" in client.get(PAGE).location
    login(isp.admin.username, tenant="isp")
    assert client.get(PAGE).status_code == 404
