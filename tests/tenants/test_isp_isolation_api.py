"""THE ISOLATION WALK of the ISP API: every route that takes an id answers 404 to ISP A
for ISP B's object (and changes nothing), while B's own token on the same object succeeds.
Then the token itself: revoked, suspended ISP, missing scope, and a cookie instead."""
import pytest

from portal.models import Application, IspOrganisation
from portal.services.api_tokens import create_token, revoke_token
from portal.states import State

API = "/api/v1/isp"
NOTES = [{"field": "subject.name", "note": "请按营业执照填写全称"}]


def headers_for(org, scopes=("read", "write")):
    _, plain = create_token(org.id, org.admin, "测试令牌", list(scopes))
    return {"Authorization": f"Bearer {plain}"}


def api_routes(app):
    """(rule, methods) of every route of tenants/isp/api.py."""
    for rule in app.url_map.iter_rules():
        if app.view_functions[rule.endpoint].__module__ == "tenants.isp.api":
            yield rule.rule, sorted(rule.methods - {"HEAD", "OPTIONS"})


# Each case builds an object of ISP B (the `isp` fixture) and gives (url, body, B's status).
def submitted_app(objects):
    return objects["make_application"](state=State.SUBMITTED)


def case_get_application(objects):
    return f"/applications/{submitted_app(objects).id}", None, 200


def case_verify(objects):
    app = submitted_app(objects)
    return f"/applications/{app.id}/verify", {"version": app.version}, 200


def case_return(objects):
    app = submitted_app(objects)
    return (f"/applications/{app.id}/return",
            {"reason": "材料不全", "notes": NOTES, "version": app.version}, 200)


def case_cancel_access(objects):
    return f"/access/{objects['website'].id}/cancel", {"reason": "客户迁出"}, 201


def case_get_customer(objects):
    return f"/customers/{objects['website'].subject.account_id}", None, 200


ID_ROUTES = {
    ("GET", f"{API}/applications/<int:app_id>"): case_get_application,
    ("POST", f"{API}/applications/<int:app_id>/verify"): case_verify,
    ("POST", f"{API}/applications/<int:app_id>/return"): case_return,
    ("POST", f"{API}/access/<int:service_id>/cancel"): case_cancel_access,
    ("GET", f"{API}/customers/<int:account_id>"): case_get_customer,
}


def test_the_walk_covers_every_route_with_an_id(app):
    with_id = {(m, rule) for rule, methods in api_routes(app) if "<" in rule for m in methods}
    assert with_id == set(ID_ROUTES)


@pytest.fixture
def objects(make_application, website):
    return {"make_application": make_application, "website": website}


def snapshot():
    return list(Application.select().order_by(Application.id).dicts())


@pytest.mark.parametrize("route", sorted(ID_ROUTES), ids=lambda r: f"{r[0]} {r[1]}")
def test_another_isps_object_is_404_and_its_own_isp_succeeds(client, isp, make_isp, objects,
                                                               route):
    method, _ = route
    url, body, expected = ID_ROUTES[route](objects)
    before = snapshot()
    other = client.open(API + url, method=method, json=body, headers=headers_for(make_isp()))
    assert other.status_code == 404 and other.get_json()["error"]["code"] == "not_found"
    assert snapshot() == before
    own = client.open(API + url, method=method, json=body, headers=headers_for(isp))
    assert own.status_code == expected, own.get_data(as_text=True)


def test_another_isps_customer_opened_by_it_is_404(client, isp, make_isp, make_account):
    theirs = make_account("public", created_by_org=isp, created_via="isp_import")
    assert client.get(f"{API}/customers/{theirs.id}",
                      headers=headers_for(make_isp())).status_code == 404
    assert client.get(f"{API}/customers/{theirs.id}", headers=headers_for(isp)).status_code == 200


def test_lists_show_nothing_of_another_isp(client, isp, make_isp, objects):
    submitted_app(objects)
    other = headers_for(make_isp())
    for path in ("/applications", "/customers"):
        assert client.get(API + path, headers=other).get_json()["total"] == 0
        assert client.get(API + path, headers=headers_for(isp)).get_json()["total"] >= 1


def test_filing_for_another_isps_customer_is_404(client, isp, make_isp, website):
    response = client.post(f"{API}/applications", headers=headers_for(make_isp()), json={
        "kind": "change_service", "customer_id": website.subject.account_id,
        "service_id": website.id, "proposed": {"services": []}})
    assert response.status_code == 404


# -- the token ---------------------------------------------------------------

def test_a_revoked_token_is_401(client, isp):
    token, plain = create_token(isp.id, isp.admin, "旧", ["read"])
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get(f"{API}/customers", headers=headers).status_code == 200
    revoke_token(isp.id, isp.admin, token.id)
    response = client.get(f"{API}/customers", headers=headers)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorised"


def test_a_suspended_isps_token_is_401(client, isp):
    headers = headers_for(isp)
    IspOrganisation.update(is_suspended=True).where(IspOrganisation.id == isp.id).execute()
    assert client.get(f"{API}/customers", headers=headers).status_code == 401


@pytest.mark.parametrize("value", ["", "Bearer ", "Bearer icp_nonsense", "Basic abc", "icp_x"])
def test_a_missing_or_unknown_token_is_401(client, value):
    assert client.get(f"{API}/customers", headers={"Authorization": value}).status_code == 401


def concrete(rule: str) -> str:
    return (rule.replace("<int:app_id>", "1").replace("<int:service_id>", "1")
            .replace("<int:account_id>", "1"))


def test_a_read_only_token_on_every_write_route_is_403(app, client, isp):
    headers = headers_for(isp, ["read"])
    writes = [(m, r) for r, methods in api_routes(app) for m in methods if m != "GET"]
    assert len(writes) == 5
    for method, rule in writes:
        response = client.open(concrete(rule), method=method, json={}, headers=headers)
        assert response.status_code == 403, rule
        assert response.get_json()["error"]["code"] == "forbidden"


def test_a_write_only_token_on_a_read_route_is_403(client, isp):
    assert client.get(f"{API}/customers", headers=headers_for(isp, ["write"])).status_code == 403


def test_a_session_cookie_without_a_token_is_401_on_every_route(app, client, login, isp):
    login(isp.admin.username, tenant="isp")
    assert client.get("/isp/").status_code == 200
    for rule, methods in api_routes(app):
        for method in methods:
            response = client.open(concrete(rule), method=method, json={})
            assert response.status_code == 401, (method, rule)
