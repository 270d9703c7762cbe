"""Every ISP page that takes an id, requested by ISP A's admin with ISP B's objects:
404 and nothing changed. Positive control: ISP B's admin gets 2xx/3xx on the same URL.
A new id-taking ISP page without a case here fails `test_every_route_has_a_case`."""
import io

import pytest

from portal import sample_data, workflow
from portal.models import (Account, AccessLink, ApiToken, Application, AuditEvent, ImportJob,
                           OutboxMessage, Service, Webhook)
from portal.services import uploads
from portal.services.api_tokens import create_token
from portal.services.import_format import result_csv
from portal.states import Kind
from tests.conftest import csrf_token

CASES = {   # endpoint → what each URL parameter is, as an object of ISP B
    "isp.access_cancel": {"service_id": "service"},
    "isp.application": {"app_id": "draft"},
    "isp.application_document": {"app_id": "draft", "stored": "stored"},
    "isp.return_": {"app_id": "draft"},
    "isp.verify": {"app_id": "draft"},
    "isp.customer": {"account_id": "customer"},
    "isp.customer_apply": {"account_id": "customer"},
    "isp.behalf_continue": {"account_id": "customer"},
    "isp.customer_reset_password": {"account_id": "customer"},
    "isp.filing_access": {"app_id": "draft"},
    "isp.filing_pre_approval": {"app_id": "draft"},
    "isp.filing_review": {"app_id": "draft"},
    "isp.filing_services": {"app_id": "draft"},
    "isp.filing_service": {"app_id": "draft", "index": "zero"},
    "isp.filing_service_delete": {"app_id": "draft", "index": "zero"},
    "isp.filing_subject": {"app_id": "draft"},
    "isp.filing_submit": {"app_id": "draft"},
    "isp.staff_disable": {"account_id": "staff"},
    "isp.staff_enable": {"account_id": "staff"},
    "isp.staff_reset_password": {"account_id": "staff"},
    "isp.revoke_token": {"token_id": "token"},
    "isp.webhooks_delete": {"webhook_id": "webhook"},
    "isp.webhooks_test": {"webhook_id": "webhook"},
    "isp.webhooks_retry": {"message_id": "delivery"},
    "isp.import_job": {"job_id": "job"},
    "isp.import_errors": {"job_id": "job"},
    "isp.import_result": {"job_id": "job"},
}
GUARDED = (Application, Account, AccessLink, ApiToken, Webhook, ImportJob, OutboxMessage)


def objects_of(isp) -> dict:
    """One object of each kind belonging to `isp`."""
    customer = Account.create(username=f"cust-{isp.id}", tenant="public", role="filer",
                              created_via="isp_behalf", created_by_org=isp, password_hash="x")
    stored = uploads.store_upload(io.BytesIO(b"%PDF-1.4 x"), "m.pdf")
    draft = workflow.create_application(
        Kind.FIRST_FILING, account=customer, actor=isp.operator, channel="isp", isp=isp.id,
        proposed=sample_data.first_filing(700 + isp.id, [isp.id]), materials=[stored])
    webhook = Webhook.create(organisation=isp, url="https://hooks.example/x", secret="s")
    delivery = OutboxMessage.create(message_id=f"evt_{isp.id}", channel="webhook",
                                    recipient=f"isp:{isp.id}:webhook:{webhook.id}",
                                    status="failed", body="{}",
                                    payload={"webhook_id": webhook.id, "isp_id": isp.id,
                                             "url": webhook.url, "event": {}})
    return {"customer": customer.id, "draft": draft.id, "stored": stored["stored"],
            "zero": 0, "staff": isp.operator.id, "webhook": webhook.id,
            "token": create_token(isp.id, isp.admin, "t", ["read"])[0].id,
            "delivery": delivery.id, "service": None,
            "job": ImportJob.create(organisation=isp, created_by=isp.admin, errors=[],
                                    status="done", dry_run=False,
                                    result=result_csv([{"row": 1, "username": "x",
                                                        "initial_password": "pw",
                                                        "reference": "BA1",
                                                        "customer_ref": ""}])).id}


def served_service(make_application, isp) -> int:
    app = make_application(state="approved")
    service = Service.get(Service.subject == app.subject_id)
    AccessLink.create(service=service, isp=isp)
    return service.id


def counts():
    return {m.__name__: m.select().count() for m in GUARDED} | {
        "state": list(Application.select(Application.state).tuples())}


def request(client, rule, values, method):
    url = rule.build(values)[1]
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": csrf_token(client, "/isp/"), "version": "1",
                                  "reason": "r"})


def rule_of(app, endpoint):
    return next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)


def test_every_route_has_a_case(app):
    taking_ids = {r.endpoint for r in app.url_map.iter_rules()
                  if r.endpoint.startswith("isp.") and r.arguments}
    assert taking_ids - set(CASES) == set(), "add a case for the new route"


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_other_isp_gets_404_and_owner_gets_through(app, client, login, make_isp,
                                                   make_application, endpoint):
    ours, theirs = make_isp(), make_isp()
    if not any(r.endpoint == endpoint for r in app.url_map.iter_rules()):
        pytest.skip(f"{endpoint} is not built yet")
    objects = objects_of(theirs)
    objects["service"] = served_service(make_application, theirs)
    rule = rule_of(app, endpoint)
    values = {name: objects[kind] for name, kind in CASES[endpoint].items()}
    methods = [m for m in ("GET", "POST") if m in rule.methods]
    login(ours.admin.username, tenant="isp")
    before, events = counts(), AuditEvent.select().count()
    for method in methods:
        assert request(client, rule, values, method).status_code == 404, (endpoint, method)
    assert counts() == before
    assert not AuditEvent.select().where(AuditEvent.id > events,
                                         AuditEvent.action != "account.login").exists()
    client.post("/isp/logout", data={"csrf_token": csrf_token(client, "/isp/")})
    login(theirs.admin.username, tenant="isp")
    with request(client, rule, values, methods[0]) as response:
        assert response.status_code < 400, (endpoint, response.status_code)
