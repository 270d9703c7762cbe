"""schemathesis against /api/v1/openapi.json, in process (WSGI): for every documented
operation, generated requests (valid and invalid) sent with a read+write ISP token get
no server error and a response the document describes (status code, content type,
body schema). The world has data: an approved website the ISP serves, an application
waiting for its verification, a customer, a webhook and an import job."""
import socket

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal import outbound, sample_data, workflow
from portal.openapi import build_document
from portal.queue import huey
from portal.services import imports, webhooks
from portal.states import Kind
from tenants.public import api as public_api
from tests.factories import next_n

pytestmark = pytest.mark.slow

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


REAL_GETADDRINFO = socket.getaddrinfo


def _public_address(host, port, *args, **kwargs):
    """getaddrinfo with no DNS traffic: a generated host name resolves to one public
    address; local services (Redis) resolve as usual."""
    if host in ("localhost", "127.0.0.1", "::1"):
        return REAL_GETADDRINFO(host, port, *args, **kwargs)
    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port or 443))]


@pytest.fixture
def quiet_outside(monkeypatch):
    """No network: host names resolve to a public address, and tasks stay in the queue
    (webhook deliveries and mail are not sent) instead of running inline. The lookup's
    rate limit is lifted so that generated queries reach the lookup (tests/tenants/
    test_rate_limit.py covers the 429)."""
    monkeypatch.setattr(outbound.socket, "getaddrinfo", _public_address)
    monkeypatch.setattr(public_api, "take_lookup", lambda address: 0)
    monkeypatch.setattr(huey, "_immediate", False)
    yield
    huey.flush()


@pytest.fixture
def api_world(app, quiet_outside, website, isp, make_account, bearer):
    """Data for the API to find, and the request headers of a token with all scopes."""
    customer = make_account("public", created_by_org=isp, created_via="isp_behalf")
    draft = workflow.create_application(Kind.FIRST_FILING, account=customer, actor=customer,
                                        proposed=sample_data.first_filing(next_n(), [isp.id]))
    workflow.submit_application(draft.id, customer)
    hook, _ = webhooks.register_webhook(isp.id, isp.admin, "https://hooks.example/portal")
    job = imports.start_job(isp.id, isp.operator, b"username\n", "rows.csv")
    return {"headers": bearer(("read", "write")),
            "ids": {"app_id": draft.id, "account_id": customer.id, "service_id": website.id,
                    "job_id": job.id, "webhook_id": hook.id}}


# The document the app serves at /api/v1/openapi.json (test_served_document_is_the_one_tested
# proves it). It is loaded at import because schemathesis.pytest.from_fixture does not
# work with pytest 9; each case is sent to the test's app in process (WSGI).
schema = schemathesis.openapi.from_dict(build_document())


def test_served_document_is_the_one_tested(client):
    assert client.get("/api/v1/openapi.json").get_json() == build_document()


@schema.parametrize()
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
@schema.given(own_ids=st.booleans())
def test_api_answers_as_documented(case, own_ids, app, api_world):
    """Half the cases use the ids of the world's objects in their path, so that the
    operations get past "not found" to their checks and changes. (A body's customer_id
    is left to chance: see the xfail in tests/portal/test_input_fuzz.py.)"""
    if own_ids and case.path_parameters:
        case.path_parameters = {name: api_world["ids"].get(name, value)
                                for name, value in case.path_parameters.items()}
    case.call_and_validate(app=app, headers=api_world["headers"], checks=CHECKS)


HUGE = 2**63        # past any database integer
ID_ROUTES = [("GET", f"/api/v1/isp/applications/{HUGE}"),
             ("POST", f"/api/v1/isp/applications/{HUGE}/verify"),
             ("POST", f"/api/v1/isp/applications/{HUGE}/return"),
             ("POST", f"/api/v1/isp/access/{HUGE}/cancel"),
             ("GET", f"/api/v1/isp/customers/{HUGE}"), ("GET", f"/api/v1/isp/imports/{HUGE}"),
             ("POST", f"/api/v1/isp/imports/{HUGE}/result"),
             ("DELETE", f"/api/v1/isp/webhooks/{HUGE}"),
             ("POST", f"/api/v1/isp/webhooks/{HUGE}/test")]


@pytest.mark.parametrize("method, path", ID_ROUTES)
def test_an_id_past_any_key_is_not_found(client, bearer, method, path):
    response = client.open(path, method=method, json={}, headers=bearer())
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("path", ["/api/v1/isp/applications", "/api/v1/isp/customers",
                                  "/api/v1/lookup?q=example.cn"])
def test_a_page_past_any_offset_is_an_empty_page(client, bearer, path):
    joiner = "&" if "?" in path else "?"
    response = client.get(f"{path}{joiner}page={HUGE}", headers=bearer())
    assert response.status_code == 200 and response.get_json()["page"] < HUGE


@pytest.mark.parametrize("version", [HUGE, str(HUGE), "9" * 5000])
def test_a_body_id_past_any_key_is_a_validation_error(client, bearer, make_application, version):
    app = make_application(state="submitted")
    response = client.post(f"/api/v1/isp/applications/{app.id}/verify",
                           json={"version": version}, headers=bearer())
    assert response.status_code == 422 and "version" in response.get_json()["error"]["fields"]
