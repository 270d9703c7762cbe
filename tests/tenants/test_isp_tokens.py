"""The ISP admin's API token page."""
import re

import pytest

from portal.models import ApiToken
from portal.services.api_tokens import create_token
from tests.conftest import csrf_token


# -- the token page ----------------------------------------------------------

API = "/api/v1/isp"
TOKEN_RE = re.compile(r"icp_[A-Za-z0-9_-]{20,}")


def create_on_page(client, name="工单系统", scopes=("read",)):
    return client.post("/isp/tokens", data={"csrf_token": csrf_token(client, "/isp/tokens"),
                                            "name": name, "scopes": list(scopes)})


def test_admin_creates_a_token_shown_once(client, login, isp):
    login(isp.admin.username, tenant="isp")
    response = create_on_page(client, scopes=("read", "write"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    plain = TOKEN_RE.search(html).group(0)
    token = ApiToken.get(ApiToken.organisation == isp.id)
    assert (token.name, token.scopes, token.created_by_id) == ("工单系统", ["read", "write"],
                                                               isp.admin.id)
    listing = client.get("/isp/tokens").get_data(as_text=True)
    assert plain not in listing and token.prefix in listing and "工单系统" in listing
    api_response = client.get(f"{API}/customers", headers={"Authorization": f"Bearer {plain}"})
    assert api_response.status_code == 200


def test_a_token_needs_a_name_and_a_scope(client, login, isp):
    login(isp.admin.username, tenant="isp")
    html = create_on_page(client, scopes=()).get_data(as_text=True)
    assert "请选择权限" in html and not TOKEN_RE.search(html)
    create_on_page(client, name="")
    assert ApiToken.select().count() == 0


def test_admin_revokes_a_token(client, login, isp):
    token, plain = create_token(isp.id, isp.admin, "旧系统", ["read"])
    login(isp.admin.username, tenant="isp")
    response = client.post(f"/isp/tokens/{token.id}/revoke",
                           data={"csrf_token": csrf_token(client, "/isp/tokens")})
    assert response.status_code == 302
    assert ApiToken.get_by_id(token.id).revoked_at is not None
    assert "已吊销" in client.get("/isp/tokens").get_data(as_text=True)
    assert client.get(f"{API}/customers",
                      headers={"Authorization": f"Bearer {plain}"}).status_code == 401


def test_revoking_needs_the_csrf_token(client, login, isp):
    token, _ = create_token(isp.id, isp.admin, "旧系统", ["read"])
    login(isp.admin.username, tenant="isp")
    assert client.post(f"/isp/tokens/{token.id}/revoke").status_code == 400
    assert ApiToken.get_by_id(token.id).revoked_at is None


@pytest.mark.parametrize("role", ["operator", "readonly"])
def test_only_the_isp_admin_manages_tokens(client, login, isp, make_account, role):
    account = isp.operator if role == "operator" else make_account("isp", "readonly", isp)
    token, _ = create_token(isp.id, isp.admin, "旧系统", ["read"])
    login(account.username, tenant="isp")
    assert client.get("/isp/tokens").status_code == 403
    csrf = csrf_token(client, "/isp/")
    assert client.post("/isp/tokens", data={"csrf_token": csrf, "name": "x",
                                            "scopes": ["read"]}).status_code == 403
    assert client.post(f"/isp/tokens/{token.id}/revoke",
                       data={"csrf_token": csrf}).status_code == 403
    assert ApiToken.get_by_id(token.id).revoked_at is None


def test_another_isps_token_is_404_on_the_page(client, login, isp, make_isp):
    other = make_isp()
    theirs, _ = create_token(other.id, other.admin, "他们的", ["read"])
    login(isp.admin.username, tenant="isp")
    response = client.post(f"/isp/tokens/{theirs.id}/revoke",
                           data={"csrf_token": csrf_token(client, "/isp/tokens")})
    assert response.status_code == 404
    assert ApiToken.get_by_id(theirs.id).revoked_at is None
    assert "他们的" not in client.get("/isp/tokens").get_data(as_text=True)


def test_token_page_needs_an_isp_login(client, login, make_filer):
    assert client.get("/isp/tokens").status_code == 302
    login(make_filer().username)
    assert client.get("/isp/tokens").status_code == 404



def test_last_use_is_recorded_at_most_once_a_minute(client, isp):
    from datetime import timedelta

    from portal import clock
    _, plain = create_token(isp.id, isp.admin, "巡检", ["read"])
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get(f"{API}/applications", headers=headers).status_code == 200
    first = ApiToken.get(ApiToken.organisation == isp.id).last_used_at
    assert first is not None
    assert client.get(f"{API}/applications", headers=headers).status_code == 200
    assert ApiToken.get(ApiToken.organisation == isp.id).last_used_at == first
    clock.freeze(first + timedelta(minutes=2))
    try:
        assert client.get(f"{API}/applications", headers=headers).status_code == 200
    finally:
        clock.freeze(None)
    assert ApiToken.get(ApiToken.organisation == isp.id).last_used_at == first + timedelta(minutes=2)
