"""Refusals reach the operators' log (`portal.security`) without personal data: failed
and throttled logins, another tenant's or a wrong role's request, a refused API token,
a POST without its CSRF token."""
import logging

import pytest

from portal.security_log import username_digest


@pytest.fixture
def security_lines(caplog):
    caplog.set_level(logging.WARNING, logger="portal.security")

    def lines():
        return [r.getMessage() for r in caplog.records if r.name == "portal.security"]
    return lines


def test_a_failed_login_is_logged_with_a_digest_not_the_name(client, login, make_filer,
                                                              security_lines):
    filer = make_filer()
    login(filer.username, "wrong-password-1")
    [line] = [x for x in security_lines() if x.startswith("login.failed")]
    assert username_digest(filer.username) in line
    assert filer.username not in line and "wrong-password-1" not in line
    assert " POST /login " in line


def test_the_eleventh_login_is_logged_as_throttled(client, login, make_filer, security_lines):
    filer = make_filer()
    for _ in range(11):
        login(filer.username, "wrong-password-1")
    assert sum(x.startswith("login.failed") for x in security_lines()) == 10
    assert any(x.startswith("login.throttled") for x in security_lines())


def test_another_tenant_and_a_wrong_role_are_logged(client, login, make_filer, reviewer,
                                                     security_lines):
    filer = make_filer()
    login(filer.username)
    assert client.get("/bureau/queue").status_code == 404
    [line] = [x for x in security_lines() if x.startswith("access.not_found")]
    assert f"account={filer.id} " in line and "/bureau/queue" in line


def test_a_reviewer_on_an_admin_page_is_logged_as_forbidden(client, login, reviewer,
                                                            security_lines):
    login(reviewer.username, tenant="bureau")
    assert client.get("/bureau/staff").status_code == 403
    assert any(x.startswith("access.forbidden") and f"account={reviewer.id} " in x
               for x in security_lines())


def test_an_anonymous_missing_page_is_not_logged(client, security_lines):
    assert client.get("/no-such-page").status_code == 404
    assert security_lines() == []


def test_a_bad_api_token_is_logged(client, security_lines):
    response = client.get("/api/v1/isp/applications", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert any(x.startswith("api.token_refused") and "present=True" in x
               for x in security_lines())


def test_a_post_without_csrf_token_is_logged(client, security_lines):
    assert client.post("/login", data={"username": "x"}).status_code == 400
    assert any(x.startswith("csrf.refused") for x in security_lines())


def test_a_clients_request_id_is_not_believed_without_a_trusted_proxy(app, client, make_filer,
                                                                       login):
    from portal.models import AuditEvent
    filer = make_filer()
    client.environ_base["HTTP_X_REQUEST_ID"] = "forged-request-id"
    login(filer.username)
    assert not AuditEvent.select().where(AuditEvent.request_id == "forged-request-id").exists()
    app.config["TRUSTED_PROXIES"] = 1
    client.post("/logout", data={"csrf_token": _token(client)})
    assert AuditEvent.select().where(AuditEvent.request_id == "forged-request-id").exists()


def _token(client):
    from tests.conftest import csrf_token
    return csrf_token(client, "/home")
