"""The ISP API (/api/v1/isp): every route's happy path, validation errors and refusals,
and the token page (/isp/tokens) where the ISP admin creates and revokes tokens."""

import pytest

from portal import sample_data
from portal.models import Account, AccessLink, Application, RecordFlag, Service
from portal.services import changes
from portal.states import State
from tests.factories import next_n

API = "/api/v1/isp"


@pytest.fixture
def api(client, bearer):
    """api(method, path, json=None, headers=None) with a read+write token of `isp`."""
    default = bearer()

    def call(method, path, json=None, headers=None):
        return client.open(API + path, method=method, json=json, headers=headers or default)
    return call


@pytest.fixture
def customer(make_account, isp):
    """A filer account this ISP opened (no record yet)."""
    return make_account("public", created_by_org=isp, created_via="isp_behalf")


def error_of(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]
    return error


# -- GET /check --------------------------------------------------------------

def test_check_a_filed_domain_this_isp_serves(api, website):
    domain = website.details["domains"][0]
    body = api("GET", f"/check?domain={domain.upper()}.").get_json()
    assert body == {"domain": domain, "filed": True, "filing_number": website.filing_number,
                    "service_name": website.name, "restricted": False, "on_access_list": True,
                    "may_connect": True, "reason": body["reason"]} and body["reason"]


def test_check_a_subdomain_finds_its_filed_parent(api, website):
    body = api("GET", f"/check?domain=www.{website.details['domains'][0]}").get_json()
    assert body["filed"] and body["filing_number"] == website.filing_number


def test_check_an_unfiled_domain_may_not_be_connected(api):
    body = api("GET", "/check?domain=unfiled.example").get_json()
    assert (body["filed"], body["may_connect"], body["filing_number"]) == (False, False, None)


def test_check_another_isps_customer_is_not_on_our_list(client, bearer, website, make_isp):
    other = bearer(org=make_isp())
    body = client.get(f"{API}/check?domain={website.details['domains'][0]}",
                      headers=other).get_json()
    assert body["filed"] and not body["on_access_list"] and not body["may_connect"]


@pytest.mark.parametrize("how", ["service", "flag"])
def test_check_a_restricted_service_may_not_be_connected(api, website, how):
    if how == "service":
        Service.update(restricted=True).where(Service.id == website.id).execute()
    else:
        RecordFlag.create(kind="restricted", subject=website.subject_id, reason="违法违规")
    body = api("GET", f"/check?domain={website.details['domains'][0]}").get_json()
    assert body["restricted"] and body["on_access_list"] and not body["may_connect"]


@pytest.mark.parametrize("query", ["", "?domain=", "?domain=http://x.example/", "?domain=cn"])
def test_check_a_malformed_domain_is_a_validation_error(api, query):
    error = error_of(api("GET", "/check" + query), 422, "validation")
    assert error["fields"]["domain"]


# -- GET /applications -------------------------------------------------------

def test_list_applications_is_this_isps_paginated(api, make_application, make_isp, isp):
    ours = [make_application(state=State.SUBMITTED) for _ in range(3)]
    theirs = make_isp()
    make_application(state=State.SUBMITTED,
                     proposal=sample_data.first_filing(next_n(), [theirs.id]))
    body = api("GET", "/applications?per_page=2").get_json()
    assert body["total"] == 3 and body["page"] == 1 and body["per_page"] == 2
    assert [i["id"] for i in body["items"]] == [ours[2].id, ours[1].id]
    page2 = api("GET", "/applications?per_page=2&page=2").get_json()
    assert [i["id"] for i in page2["items"]] == [ours[0].id]
    assert set(body["items"][0]) >= {"id", "reference", "kind", "state", "version", "due_on"}


def test_list_applications_filters_by_state_and_kind(api, make_application):
    submitted = make_application(state=State.SUBMITTED)
    make_application(state=State.REVIEW)
    body = api("GET", "/applications?state=submitted&kind=first_filing").get_json()
    assert [i["id"] for i in body["items"]] == [submitted.id]
    assert api("GET", "/applications?kind=add_access").get_json()["total"] == 0


@pytest.mark.parametrize("query", ["state=bogus", "kind=bogus", "page=x", "per_page=two"])
def test_list_applications_bad_query_is_400(api, query):
    error_of(api("GET", f"/applications?{query}"), 400, "bad_request")


# -- GET /applications/<id> --------------------------------------------------

def test_get_application_details_and_history(api, make_application):
    app = make_application(state=State.RETURNED)
    body = api("GET", f"/applications/{app.id}").get_json()
    assert (body["state"], body["kind"], body["reference"], body["version"]) == (
        "returned", "first_filing", app.reference, app.version)
    assert body["return_reason"] == "资料不全"
    assert body["return_notes"] == [{"field": "subject.name", "note": "请填写全称"}]
    assert body["proposed"]["subject"]["name"] == app.proposed["subject"]["name"]
    assert [e["action"] for e in body["history"]] == ["create", "submit", "isp_return"]
    assert all(e["at"].endswith("Z") for e in body["history"])


def test_get_application_hides_services_of_other_isps(api, make_application, make_isp, isp):
    other = make_isp()
    n = next_n()
    proposal = sample_data.first_filing(n, [isp.id], services=[
        sample_data.website(n, [isp.id]), sample_data.website(n + 100000, [other.id])])
    app = make_application(state=State.SUBMITTED, proposal=proposal)
    services = api("GET", f"/applications/{app.id}").get_json()["proposed"]["services"]
    assert [s["isps"] for s in services] == [[isp.id]]


def test_get_unknown_application_is_404(api):
    error_of(api("GET", "/applications/999999"), 404, "not_found")


# -- POST /applications ------------------------------------------------------

def test_file_a_first_filing_for_a_customer(api, customer, isp):
    proposal = sample_data.first_filing(next_n(), [isp.id])
    response = api("POST", "/applications", {"kind": "first_filing", "customer_id": customer.id,
                                             "proposed": proposal})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["state"], body["channel"], body["filed_by_this_isp"]) == (
        "submitted", "isp", True)
    app = Application.get_by_id(body["id"])
    assert (app.account_id, app.isp_id, app.submitted_by_id) == (customer.id, isp.id,
                                                                 isp.admin.id)


def test_file_a_change_of_a_served_service(api, website):
    data = changes.current_service_data(website)
    data["domains"] = data["domains"] + [f"new{next_n()}.example"]
    response = api("POST", "/applications", {
        "kind": "change_service", "customer_id": website.subject.account_id,
        "service_id": website.id, "proposed": {"services": [data]}})
    assert response.status_code == 201 and response.get_json()["service_id"] == website.id


def test_filing_with_invalid_data_is_422_and_creates_nothing(api, customer, isp):
    proposal = sample_data.first_filing(next_n(), [isp.id])
    proposal["subject"]["cert_number"] = "123"
    proposal["services"][0]["domains"] = ["not a domain"]
    before = Application.select().count()
    error = error_of(api("POST", "/applications", {
        "kind": "first_filing", "customer_id": customer.id, "proposed": proposal}),
        422, "validation")
    assert {"subject.cert_number", "services.0.domains"} <= set(error["fields"])
    assert Application.select().count() == before


@pytest.mark.parametrize("kind", ["add_access", "cancel_access", "cancel_subject", "bogus", None])
def test_filing_kinds_outside_the_api_are_422(api, customer, kind):
    error = error_of(api("POST", "/applications", {"kind": kind, "customer_id": customer.id,
                                                   "proposed": {}}), 422, "validation")
    assert "kind" in error["fields"]


@pytest.mark.parametrize("payload, field", [
    ({"kind": "first_filing", "proposed": {}}, "customer_id"),
    ({"kind": "first_filing", "customer_id": "x1", "proposed": {}}, "customer_id"),
    ({"kind": "first_filing", "customer_id": 1, "proposed": []}, "proposed"),
    ({"kind": "first_filing", "customer_id": 1, "proposed": {}, "service_id": -4}, "service_id"),
])
def test_filing_with_malformed_fields_is_422(api, payload, field):
    assert field in error_of(api("POST", "/applications", payload), 422, "validation")["fields"]


def test_filing_for_someone_elses_account_is_404(api, make_filer, isp):
    stranger = make_filer()
    error_of(api("POST", "/applications", {"kind": "first_filing", "customer_id": stranger.id,
                                           "proposed": sample_data.first_filing(1, [isp.id])}),
             404, "not_found")


def test_filing_a_second_first_filing_is_refused_with_409(api, website):
    error_of(api("POST", "/applications", {
        "kind": "first_filing", "customer_id": website.subject.account_id,
        "proposed": {}}), 409, "conflict")


@pytest.mark.parametrize("data", [b"not json", b"[1, 2]"])
def test_a_body_that_is_not_a_json_object_is_400(client, bearer, data):
    response = client.post(f"{API}/applications", data=data, headers={
        **bearer(), "Content-Type": "application/json"})
    error_of(response, 400, "bad_request")


# -- verify and return -------------------------------------------------------

def test_verify_forwards_the_application(api, make_application):
    app = make_application(state=State.SUBMITTED)
    response = api("POST", f"/applications/{app.id}/verify", {"version": app.version})
    assert response.status_code == 200
    body = response.get_json()
    assert body["state"] == "sms_verification" and body["history"][-1]["action"] == "verify"


def test_verify_with_a_stale_version_is_409_and_changes_nothing(api, make_application):
    app = make_application(state=State.SUBMITTED)
    error_of(api("POST", f"/applications/{app.id}/verify", {"version": app.version - 1}),
             409, "conflict")
    assert Application.get_by_id(app.id).state == State.SUBMITTED


def test_verify_in_the_wrong_state_is_409(api, make_application):
    app = make_application(state=State.REVIEW)
    error_of(api("POST", f"/applications/{app.id}/verify", {"version": app.version}),
             409, "conflict")


@pytest.mark.parametrize("payload", [{}, {"version": "abc"}, {"version": True}])
def test_verify_needs_a_version(api, make_application, payload):
    app = make_application(state=State.SUBMITTED)
    assert "version" in error_of(api("POST", f"/applications/{app.id}/verify", payload),
                                 422, "validation")["fields"]


def test_return_with_reason_and_notes(api, make_application):
    app = make_application(state=State.SUBMITTED)
    notes = [{"field": "services.0.domains", "note": "请提供域名证书"}]
    response = api("POST", f"/applications/{app.id}/return",
                   {"reason": "材料不全", "notes": notes, "version": app.version})
    body = response.get_json()
    assert response.status_code == 200 and body["state"] == "returned"
    assert (body["return_reason"], body["return_notes"]) == ("材料不全", notes)


@pytest.mark.parametrize("payload, field", [
    ({"reason": "材料不全", "notes": []}, "notes"),
    ({"reason": "", "notes": [{"field": "subject.name", "note": "x"}]}, "reason"),
    ({"reason": "材料不全", "notes": "subject.name"}, "notes"),
    ({"reason": "材料不全", "notes": [{"field": "subject.name", "note": 3}]}, "notes"),
    ({"reason": 5, "notes": [{"field": "subject.name", "note": "x"}]}, "reason"),
])
def test_return_validation_errors(api, make_application, payload, field):
    app = make_application(state=State.SUBMITTED)
    error = error_of(api("POST", f"/applications/{app.id}/return",
                         {**payload, "version": app.version}), 422, "validation")
    assert field in error["fields"]
    assert Application.get_by_id(app.id).state == State.SUBMITTED


# -- access ------------------------------------------------------------------

def test_add_access_with_the_filers_code(client, bearer, website, make_isp):
    new_isp = make_isp()
    code = changes.create_authorisation_code(website.subject.account, website)
    response = client.post(f"{API}/access", json={"code": code, "customer_ref": "KH-7"},
                           headers=bearer(org=new_isp))
    assert response.status_code == 201
    body = response.get_json()
    assert (body["kind"], body["state"], body["service_id"]) == ("add_access", "submitted",
                                                                 website.id)
    assert body["proposed"] == {"isp_id": new_isp.id, "customer_ref": "KH-7", "reason": ""}
    again = client.post(f"{API}/access", json={"code": code}, headers=bearer(org=make_isp()))
    assert "code" in error_of(again, 422, "validation")["fields"]


def test_add_access_we_already_have_is_409(api, website):
    code = changes.create_authorisation_code(website.subject.account, website)
    error_of(api("POST", "/access", {"code": code}), 409, "conflict")


@pytest.mark.parametrize("payload", [{}, {"code": "NOPE-NOPE-NOPE"}, {"code": 12}])
def test_add_access_with_a_bad_code_is_422(api, payload):
    assert "code" in error_of(api("POST", "/access", payload), 422, "validation")["fields"]


def test_cancel_our_access(api, website, isp):
    response = api("POST", f"/access/{website.id}/cancel", {"reason": "客户迁出"})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["kind"], body["state"]) == ("cancel_access", "submitted")
    assert body["proposed"]["isp_id"] == isp.id


def test_cancel_access_needs_a_reason(api, website):
    error = error_of(api("POST", f"/access/{website.id}/cancel", {"reason": " "}), 422,
                     "validation")
    assert "reason" in error["fields"]
    assert AccessLink.select().where(AccessLink.service == website.id,
                                     AccessLink.status == "active").count() == 1


# -- customers ---------------------------------------------------------------

def test_list_customers_created_and_served_without_secrets(api, website, customer):
    body = api("GET", "/customers").get_json()
    ids = [c["id"] for c in body["items"]]
    assert set(ids) == {customer.id, website.subject.account_id} and body["total"] == 2
    served = next(c for c in body["items"] if c["id"] == website.subject.account_id)
    assert served["filing_number"] == website.subject.filing_number and served["subject_name"]
    assert not any("password" in key for item in body["items"] for key in item)


def test_search_customers(api, website, customer):
    body = api("GET", f"/customers?q={customer.username}").get_json()
    assert [c["id"] for c in body["items"]] == [customer.id]


def test_get_customer_with_services(api, website):
    account = Account.get_by_id(website.subject.account_id)
    body = api("GET", f"/customers/{account.id}").get_json()
    assert body["username"] == account.username and "password_hash" not in body
    service = body["services"][0]
    assert (service["id"], service["on_access_list"]) == (website.id, True)


def test_get_unknown_customer_is_404(api, make_filer):
    error_of(api("GET", f"/customers/{make_filer().id}"), 404, "not_found")


# -- authentication ----------------------------------------------------------

def test_a_session_cookie_does_not_authorise_the_api(client, login, isp):
    login(isp.admin.username, tenant="isp")
    assert client.get("/isp/").status_code == 200
    error_of(client.get(f"{API}/applications"), 401, "unauthorised")
    error_of(client.post(f"{API}/access", json={"code": "x"}), 401, "unauthorised")


def test_every_call_is_audited(api):
    from portal.models import AuditEvent
    api("GET", "/customers")
    event = AuditEvent.select().where(AuditEvent.action == "api.call").order_by(
        AuditEvent.seq.desc()).get()
    assert event.after == {"method": "GET", "path": f"{API}/customers"}
