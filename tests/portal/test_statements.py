"""Record statements: signed like certificates, verified, tampering detected, and the
record shown as it stood on the chosen (local) date."""
import base64
import json
from datetime import date, datetime

import pytest

from portal import keys, sample_data, workflow
from portal.clock import freeze
from portal.errors import ValidationError
from portal.models import InstanceSettings, Subject
from portal.services import statements
from portal.signing import sign_document
from portal.states import Kind, State
from tests.factories import confirm_all_sms, next_n


@pytest.fixture
def clock():
    yield freeze
    freeze(None)


def approve_then_rename(make_application, isp, reviewer, clock=freeze):
    """First approved 2 March 2026 (local); the website renamed on 10 March (local); the
    clock left frozen on 1 April. Returns the subject and the website's first name."""
    n = next_n()
    clock(datetime(2026, 3, 1, 17, 0))
    app = make_application(state=State.APPROVED, n=n)
    subject = Subject.get(Subject.account == app.account_id)
    service = subject.services.get()
    old_name = service.name
    clock(datetime(2026, 3, 10, 2, 0))
    site = {**sample_data.website(n, [isp.id]), "service_id": service.id, "name": "新的网站名称美食分享"}
    change = workflow.create_application(Kind.CHANGE_SERVICE, account=app.account,
                                         actor=app.account, proposed={"services": [site]},
                                         service_id=service.id)
    workflow.submit_application(change.id, app.account)
    if workflow.load_application(change.id).state == State.SUBMITTED:
        workflow.verify_application(change.id, isp.operator)
    confirm_all_sms(workflow.load_application(change.id))
    workflow.approve_application(change.id, reviewer)
    clock(datetime(2026, 4, 1, 2, 0))
    return Subject.get_by_id(subject.id), old_name


@pytest.fixture
def renamed(make_application, isp, reviewer, clock):
    return approve_then_rename(make_application, isp, reviewer, clock)


@pytest.fixture
def subject(website):
    return website.subject


def tamper(document: str, change) -> str:
    data = json.loads(document)
    change(data)
    return json.dumps(data, ensure_ascii=False)


def test_sign_and_verify_round_trip(subject, app):
    with app.test_request_context():
        document = statements.issue_statement(subject)
        check = statements.verify(document)
    assert check.ok and check.current_status == "active"
    payload = check.payload
    assert payload["type"] == "record_statement" and payload["version"] == 1
    assert payload["subject"]["filing_number"] == subject.filing_number
    assert payload["services"][0]["domains"] == subject.services.get().details["domains"]
    assert json.loads(document)["key_id"] == keys.key_id(InstanceSettings.get().public_key_pem)
    assert "responsible" not in json.dumps(payload) and subject.cert_number not in document


PAYLOAD_CHANGES = {
    "subject name": lambda d: d["payload"]["subject"].update(name="别人的公司"),
    "as_of": lambda d: d["payload"].update(as_of="2020-01-01"),
    "version": lambda d: d["payload"].update(version=9),
    "issued_at": lambda d: d["payload"].update(issued_at="2030-01-01T00:00:00Z"),
    "type": lambda d: d["payload"].update(type="certificate"),
    "service domains": lambda d: d["payload"]["services"][0]["domains"].append("evil.example"),
    "added field": lambda d: d["payload"].update(extra="x"),
}


@pytest.mark.parametrize("what", PAYLOAD_CHANGES)
def test_tampered_content_is_detected(subject, app, what):
    with app.test_request_context():
        document = statements.issue_statement(subject)
        check = statements.verify(tamper(document, PAYLOAD_CHANGES[what]))
    assert not check.ok and check.problem == "bad_signature"
    assert "被改动" in str(check.message)


def _flip_signature(d):
    raw = bytearray(base64.b64decode(d["signature"]))
    raw[0] ^= 1
    d["signature"] = base64.b64encode(bytes(raw)).decode()


@pytest.mark.parametrize("change, problem", [
    (_flip_signature, "bad_signature"),
    (lambda d: d.update(signature="not base64!"), "malformed"),
    (lambda d: d.update(key_id="0" * 16), "unknown_key"),
    (lambda d: d.update(alg="none"), "wrong_format"),
    (lambda d: d.update(format="bazs.cert/1"), "wrong_format"),
    (lambda d: d.pop("payload"), "malformed"),
])
def test_tampered_envelope_is_detected(subject, app, change, problem):
    with app.test_request_context():
        check = statements.verify(tamper(statements.issue_statement(subject), change))
    assert not check.ok and check.problem == problem


def test_another_key_is_unknown(subject, app, tmp_path):
    with app.test_request_context():
        document = statements.issue_statement(subject)
    keys.configure(str(tmp_path / "other.pem"))
    keys.create_signing_key()
    try:   # the same payload, signed with a key that is not the bureau's
        forged = sign_document(statements.STATEMENT_FORMAT, json.loads(document)["payload"])
    finally:
        keys.configure(app.config["SIGNING_KEY_PATH"])
    assert statements.verify(forged).problem == "unknown_key"


def test_garbage_is_refused(app):
    with app.test_request_context():
        assert statements.verify("not json").problem == "malformed"
        assert statements.verify("[1, 2]").problem == "malformed"
        assert statements.verify("x" * (statements.MAX_BYTES + 1)).problem == "too_large"


def test_a_past_date_shows_the_version_then(renamed, app):
    subject, old_name = renamed
    with app.test_request_context():
        before = statements.verify(statements.issue_statement(subject, date(2026, 3, 9)))
        after = statements.verify(statements.issue_statement(subject, date(2026, 3, 10)))
        today = statements.verify(statements.issue_statement(subject))
    assert before.ok and after.ok and today.ok
    assert before.payload["services"][0]["name"] == old_name
    assert before.payload["version"] == 1 and before.payload["as_of"] == "2026-03-09"
    assert after.payload["services"][0]["name"] == "新的网站名称美食分享"
    assert today.payload["version"] == 2 and today.payload["as_of"] == "2026-04-01"
    assert before.payload["issued_at"] == "2026-04-01T02:00:00Z"


def test_a_date_before_the_first_approval_is_refused(renamed, app):
    subject, _ = renamed
    with app.test_request_context(), pytest.raises(ValidationError) as refused:
        statements.issue_statement(subject, date(2026, 3, 1))
    assert refused.value.field == "on"
    assert "尚未通过审核" in str(refused.value.message) and "2026-03-02" in str(refused.value.message)


def test_a_future_date_is_refused(renamed, app):
    subject, _ = renamed
    with app.test_request_context(), pytest.raises(ValidationError):
        statements.issue_statement(subject, date(2026, 4, 2))


def test_a_statement_of_a_record_revoked_since_is_genuine_but_says_so(subject, app, reviewer):
    from portal import record_decisions
    with app.test_request_context():
        document = statements.issue_statement(subject)
        record_decisions.revoke_record(reviewer, "恶意抢注", subject_id=subject.id)
        check = statements.verify(document)
    assert check.ok and check.current_status == "revoked"
