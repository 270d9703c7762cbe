"""Bureau pages: finding a filer and the filer's page (an audited read)."""
import pytest

from portal.models import Account, AuditEvent, Subject
from portal.states import State


@pytest.fixture
def filer(website):
    return Account.get_by_id(website.subject.account_id)


def keys_of(account):
    subject = Subject.get(Subject.account == account.id)
    return {"number": subject.filing_number, "username": account.username,
            "name": subject.name[:4], "cert": subject.cert_number, "mobile": account.mobile,
            "email": account.email}


@pytest.mark.parametrize("by", ["number", "username", "name", "cert", "mobile", "email", ""])
def test_a_reviewer_finds_a_filer_by_each_key(client, login, reviewer, filer, make_filer, by):
    other = make_filer()
    login(reviewer.username, tenant="bureau")
    value = keys_of(filer)[by or "number"]
    html = client.get("/bureau/filers", query_string={"q": value, "by": by}).get_data(as_text=True)
    assert f"/bureau/filers/{filer.id}" in html and filer.username in html
    assert other.username not in html and "自行注册" in html
    assert AuditEvent.select().where(AuditEvent.action == "account.search").count() == 1


def test_the_list_says_which_isp_imported_the_account(client, login, reviewer, isp, make_filer):
    imported = make_filer(created_via="isp_import", created_by_org=isp)
    login(reviewer.username, tenant="bureau")
    html = client.get(f"/bureau/filers?q={imported.username}").get_data(as_text=True)
    assert "接入商导入" in html and isp.name in html


def test_an_empty_search_shows_the_form_only(client, login, reviewer):
    login(reviewer.username, tenant="bureau")
    response = client.get("/bureau/filers")
    assert response.status_code == 200 and "查找结果" not in response.get_data(as_text=True)
    assert not AuditEvent.select().where(AuditEvent.action == "account.search").exists()


def test_each_view_of_a_filer_is_audited(client, login, auditor, filer):
    login(auditor.username, tenant="bureau")
    for _ in range(2):
        html = client.get(f"/bureau/filers/{filer.id}").get_data(as_text=True)
    assert filer.username in html and Subject.get(Subject.account == filer.id).filing_number in html
    events = AuditEvent.select().where(AuditEvent.action == "account.view",
                                       AuditEvent.object_id == str(filer.id))
    assert [e.actor_id for e in events] == [auditor.id, auditor.id]
    assert "登记书面找回密码申请" not in html          # an auditor records nothing


def test_the_filer_page_offers_written_applications(client, login, reviewer, make_application):
    app = make_application(state=State.REVIEW)
    login(reviewer.username, tenant="bureau")
    html = client.get(f"/bureau/filers/{app.account_id}").get_data(as_text=True)
    assert f"/bureau/written/new?account={app.account_id}" in html
    assert f"/bureau/written/new?application={app.id}" in html
    assert app.reference in html


def test_a_staff_account_is_not_a_filer(client, login, reviewer, auditor):
    login(reviewer.username, tenant="bureau")
    assert client.get(f"/bureau/filers/{auditor.id}").status_code == 404
    assert client.get("/bureau/filers/999999").status_code == 404


@pytest.mark.parametrize("url", ["/bureau/filers?q=x", "/bureau/filers/1"])
def test_other_tenants_get_404_and_strangers_the_login_page(client, login, isp, filer, url):
    assert client.get(url).status_code == 302
    login(isp.operator.username, tenant="isp")
    assert client.get(url).status_code == 404
    assert not AuditEvent.select().where(AuditEvent.action.in_(
        ["account.view", "account.search"])).exists()
