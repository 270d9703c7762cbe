"""The pages of this stage, through the test client: lookup, logins, landing pages,
the development mailbox, and the tenant gates."""
import pytest

from portal.models import OutboxMessage
from portal.states import State
from tests.conftest import csrf_token
from tests.factories import PASSWORD

LOGIN = {"public": "/login", "isp": "/isp/login", "bureau": "/bureau/login"}
HOME = {"public": "/home", "isp": "/isp/", "bureau": "/bureau/"}


def test_home_page_has_lookup_form(client):
    html = client.get("/").get_data(as_text=True)
    assert 'action="/lookup"' in html and "是否备案" in html


def test_lookup_page_finds_an_approved_website(client, make_application):
    app = make_application(state=State.APPROVED)
    domain = app.proposed["services"][0]["domains"][0]
    html = client.get(f"/lookup?q={domain.upper()}").get_data(as_text=True)
    assert "已备案" in html and domain in html and "晋ICP备" in html


def test_lookup_page_says_not_filed_in_this_province(client):
    html = client.get("/lookup?q=nothing-here.example").get_data(as_text=True)
    assert "未查询到备案信息" in html and "其他省份" in html


def test_lookup_page_reports_a_malformed_domain(client):
    html = client.get("/lookup?q=bad..domain.example").get_data(as_text=True)
    assert 'class="error"' in html


@pytest.mark.parametrize("tenant", ["public", "isp", "bureau"])
def test_login_form_has_csrf_and_wrong_password_is_refused(client, login, tenant):
    assert csrf_token(client, LOGIN[tenant])
    response = login("nobody", "wrong password here", tenant)
    assert response.status_code == 200 and "用户名或密码错误" in response.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client, make_filer):
    filer = make_filer()
    response = client.post("/login", data={"username": filer.username, "password": PASSWORD})
    assert response.status_code == 400


def _accounts(make_filer, isp, reviewer):
    return {"public": make_filer(), "isp": isp.operator, "bureau": reviewer}


@pytest.mark.parametrize("tenant", ["public", "isp", "bureau"])
def test_each_tenant_logs_in_and_lands_on_a_page_naming_the_account(
        client, login, make_filer, isp, reviewer, tenant):
    account = _accounts(make_filer, isp, reviewer)[tenant]
    response = login(account.username, PASSWORD, tenant)
    assert response.status_code == 302 and response.location.endswith(HOME[tenant])
    html = client.get(HOME[tenant]).get_data(as_text=True)
    assert account.username in html
    if tenant == "isp":
        assert isp.name in html


@pytest.mark.parametrize("tenant", ["public", "isp", "bureau"])
def test_an_account_cannot_log_in_to_another_tenant(client, login, make_filer, isp, reviewer,
                                                    tenant):
    account = _accounts(make_filer, isp, reviewer)[tenant]
    other = next(t for t in LOGIN if t != tenant)
    assert "用户名或密码错误" in login(account.username, PASSWORD, other).get_data(as_text=True)


@pytest.mark.parametrize("tenant,other", [("public", "isp"), ("isp", "bureau"),
                                          ("bureau", "public")])
def test_a_session_grants_nothing_in_another_tenant(client, login, make_filer, isp, reviewer,
                                                    tenant, other):
    login(_accounts(make_filer, isp, reviewer)[tenant].username, PASSWORD, tenant)
    assert client.get(HOME[other]).status_code == 404


@pytest.mark.parametrize("tenant", ["public", "isp", "bureau"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, tenant):
    response = client.get(HOME[tenant])
    assert response.status_code == 302 and LOGIN[tenant] in response.location


def test_logout_ends_the_session_for_good(client, login, make_filer):
    filer = make_filer()
    login(filer.username)
    saved = client.get_cookie("session").value
    token = csrf_token(client, "/home")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    client.set_cookie("session", saved)
    assert client.get("/home").status_code == 302


def test_filer_home_lists_own_applications_only(client, login, make_application, make_filer):
    mine = make_application(state=State.SUBMITTED)
    other = make_application(state=State.SUBMITTED)
    from portal.models import Account
    login(Account.get_by_id(mine.account_id).username)
    html = client.get("/home").get_data(as_text=True)
    assert mine.reference in html and other.reference not in html


def test_isp_home_lists_this_isps_applications_only(client, login, make_application, make_isp):
    app = make_application(state=State.SUBMITTED)
    from portal.models import ApplicationIsp
    isp_id = ApplicationIsp.get(ApplicationIsp.application == app.id).isp_id
    from portal.models import IspOrganisation
    stranger = make_isp()
    login(stranger.operator.username, tenant="isp")
    assert app.reference not in client.get("/isp/").get_data(as_text=True)
    assert IspOrganisation.get_by_id(isp_id).name != stranger.name


def test_bureau_home_shows_the_review_queue(client, login, reviewer, make_application):
    app = make_application(state=State.REVIEW)
    login(reviewer.username, tenant="bureau")
    assert app.reference in client.get("/bureau/").get_data(as_text=True)


def test_mailbox_is_for_the_bureau_admin_only(client, login, make_account, reviewer,
                                              make_application):
    make_application(state=State.SMS)
    login(reviewer.username, tenant="bureau")
    assert client.get("/bureau/mailbox").status_code == 403
    client.post("/bureau/logout", data={"csrf_token": csrf_token(client, "/bureau/")})
    admin = make_account("bureau", "admin")
    login(admin.username, tenant="bureau")
    html = client.get("/bureau/mailbox").get_data(as_text=True)
    sms = OutboxMessage.select().where(OutboxMessage.channel == "sms").first()
    assert sms.recipient in html and "核验码" in html


def test_initial_password_must_be_changed_first(client, login, app):
    from portal.services import accounts
    account, initial = accounts.create_account("newstaff", None, tenant="bureau",
                                               role="reviewer")
    login("newstaff", initial, "bureau")
    assert client.get("/bureau/").location.endswith("/bureau/password")
    token = csrf_token(client, "/bureau/password")
    response = client.post("/bureau/password", data={
        "current": initial, "new": "a much longer passphrase", "confirm": "a much longer passphrase",
        "csrf_token": token})
    assert response.status_code == 302
    assert client.get("/bureau/").status_code == 200


def test_language_switch_to_english(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert 'lang="en"' in html


def test_lists_are_paginated(client, login, make_account):
    for i in range(45):
        OutboxMessage.create(message_id=f"m{i}@x", channel="email", recipient=f"r{i}@mail.example",
                             subject=f"subject {i}")
    admin = make_account("bureau", "admin")
    login(admin.username, tenant="bureau")
    first = client.get("/bureau/mailbox").get_data(as_text=True)
    assert "r44@mail.example" in first and "r0@mail.example" not in first
    assert "/bureau/mailbox?page=2" in first
    third = client.get("/bureau/mailbox?page=3").get_data(as_text=True)
    assert "r0@mail.example" in third and "上一页" in third


def test_lookup_results_are_paginated(client, make_application, isp):
    from portal import sample_data
    for n in range(3):
        proposal = sample_data.first_filing(900 + n, [isp.id])
        proposal["subject"]["name"] = f"山西分页测试有限公司{n}"
        make_application(state=State.APPROVED, proposal=proposal)
    from portal.services.lookup import lookup
    assert lookup("山西分页测试", per_page=2).total == 3
    html = client.get("/lookup?q=山西分页测试").get_data(as_text=True)
    assert html.count('class="card result"') == 3
