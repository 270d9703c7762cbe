"""Every POST form on every page carries a CSRF token; a POST without one is refused."""
import re

import pytest

from portal.models import Account, Service
from portal.states import State
from tests.conftest import csrf_token

FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S | re.I)
ANONYMOUS_PAGES = ["/", "/login", "/isp/login", "/bureau/login", "/register", "/password/forgot",
                   "/password/reset", "/username/forgot", "/cert-check", "/sms-verification",
                   "/help", "/guide", "/forms", "/announcements", "/violations"]


def post_forms(html: str) -> list[str]:
    return [f for f in FORM.findall(html) if re.search(r'method="post"', f, re.I)]


def assert_tokens(client, url):
    html = client.get(url).get_data(as_text=True)
    for form in post_forms(html):
        assert 'name="csrf_token"' in form, f"{url}: a POST form without CSRF token"
    return len(post_forms(html))


@pytest.mark.parametrize("url", ANONYMOUS_PAGES)
def test_public_pages(client, url):
    assert_tokens(client, url)


def test_filer_pages(client, login, make_application):
    app = make_application(state=State.APPROVED)
    login(Account.get_by_id(app.account_id).username)
    service = Service.get(Service.subject == app.subject_id)
    total = sum(assert_tokens(client, url) for url in (
        "/home", "/filing", "/record", f"/applications/{app.id}", "/password",
        f"/record/services/{service.id}/cancel", "/record/cancel"))
    assert total >= 8


def test_wizard_pages(client, login, make_application):
    app = make_application(state=State.RETURNED)
    login(Account.get_by_id(app.account_id).username)
    for step in ("subject", "services", "services/0", "access", "review"):
        assert_tokens(client, f"/filing/{app.id}/{step}")


def test_staff_pages(client, login, isp, make_account):
    login(isp.operator.username, tenant="isp")
    assert_tokens(client, "/isp/")
    client.post("/isp/logout", data={"csrf_token": csrf_token(client, "/isp/")})
    login(make_account("bureau", "admin").username, tenant="bureau")
    for url in ("/bureau/", "/bureau/mailbox"):
        assert_tokens(client, url)


@pytest.mark.parametrize("url", ["/login", "/register", "/filing", "/password/forgot",
                                 "/sms-verification", "/cert-check"])
def test_post_without_token_is_refused(client, url):
    assert client.post(url, data={"anything": "x"}).status_code == 400
