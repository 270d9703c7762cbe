"""Electronic certificates (bazs.cert): one current per website, signed by the bureau's
Ed25519 key, verifiable; voided on change, cancellation and revocation."""
import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from portal import keys, sample_data, record_decisions, workflow
from portal.models import Certificate, InstanceSettings, Service
from portal.services.certificates import (CERT_FORMAT, current_certificate,
                                          verify_certificate)
from portal.signing import canonical, verify_document
from portal.states import Kind, State
from tests.factories import file_application, next_n


def document_of(service) -> str:
    return current_certificate(service).document


def edit_payload(document: str, **changes) -> str:
    data = json.loads(document)
    data["payload"].update(changes)
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)


def signed_with(key: Ed25519PrivateKey, payload: dict, key_id: str) -> str:
    return json.dumps({"format": CERT_FORMAT, "alg": "Ed25519", "key_id": key_id,
                       "payload": payload,
                       "signature": base64.b64encode(key.sign(canonical(payload))).decode()})


def test_approved_website_has_exactly_one_current_certificate(website):
    current = Certificate.select().where(Certificate.service == website,
                                         Certificate.voided_at.is_null())
    assert current.count() == 1
    assert current_certificate(website).id == current.get().id


def test_certificate_names_the_website(website):
    payload = json.loads(document_of(website))["payload"]
    subject = website.subject
    assert payload["filing_number"] == website.filing_number
    assert payload["subject_filing_number"] == subject.filing_number
    assert payload["subject_name"] == subject.name
    assert payload["website_name"] == website.name
    assert payload["domains"] == website.details["domains"]
    assert payload["bureau"] == InstanceSettings.get().bureau_name
    assert payload["serial"] == current_certificate(website).serial


def test_certificate_verifies_against_the_published_key(website):
    document = document_of(website)
    check = verify_certificate(document)
    assert check.valid and check.problem == ""
    assert check.payload["filing_number"] == website.filing_number
    published = InstanceSettings.get().public_key_pem
    assert published == keys.public_key_pem()
    assert verify_document(document, published, CERT_FORMAT).valid
    assert json.loads(document)["key_id"] == keys.key_id(published)
    assert verify_certificate(document.encode()).valid  # bytes, as downloaded


def test_reformatted_document_still_verifies(website):
    compact = json.dumps(json.loads(document_of(website)), separators=(",", ":"))
    assert verify_certificate(compact).valid


def test_domain_check(website):
    document = document_of(website)
    domain = website.details["domains"][0]
    assert verify_certificate(document, domain=domain).valid
    other = verify_certificate(document, domain="not-this-one.example")
    assert (other.valid, other.problem) == (False, "wrong_domain")
    sub = verify_certificate(document, domain="www." + domain)
    assert (sub.valid, sub.problem) == (False, "wrong_domain")


def test_domain_check_accepts_equivalent_spellings(website):
    document = document_of(website)
    domain = website.details["domains"][0]
    for spelling in (domain.upper(), domain + "."):
        assert verify_certificate(document, domain=spelling).valid, spelling


@pytest.mark.parametrize("changes", [{"domains": ["evil.example"]},
                                     {"filing_number": "晋ICP备2026999999号-1"},
                                     {"subject_name": "别人的公司"}])
def test_tampered_payload_is_bad_signature(website, changes):
    check = verify_certificate(edit_payload(document_of(website), **changes))
    assert (check.valid, check.problem) == (False, "bad_signature")


def test_tampered_payload_fails_even_for_the_added_domain(website):
    forged = edit_payload(document_of(website), domains=["evil.example"])
    assert verify_certificate(forged, domain="evil.example").problem == "bad_signature"


def test_document_signed_by_another_key_is_bad_signature(website):
    payload = json.loads(document_of(website))["payload"]
    bureau_key_id = keys.key_id(InstanceSettings.get().public_key_pem)
    forged = signed_with(Ed25519PrivateKey.generate(), payload, bureau_key_id)
    check = verify_certificate(forged)
    assert (check.valid, check.problem) == (False, "bad_signature")


def test_signature_of_another_document_is_bad_signature(make_application, website):
    other = Service.get(Service.subject == make_application(state=State.APPROVED).subject_id)
    mine = json.loads(document_of(website))
    mine["signature"] = json.loads(document_of(other))["signature"]
    assert verify_certificate(json.dumps(mine)).problem == "bad_signature"


@pytest.mark.parametrize("signature", ["", "AAAA", base64.b64encode(b"x" * 64).decode()])
def test_invalid_signature_bytes_are_bad_signature(website, signature):
    data = json.loads(document_of(website))
    data["signature"] = signature
    assert verify_certificate(json.dumps(data)).problem == "bad_signature"


@pytest.mark.parametrize("garbage", ["", "not a certificate", b"\x00\xff\xfe", "[]", "{}",
                                     '{"payload": {}}', '{"payload": {}, "signature": "!!"}',
                                     "null", "42"])
def test_garbage_is_malformed(app, garbage):
    check = verify_certificate(garbage)
    assert (check.valid, check.problem) == (False, "malformed")


def test_wrong_format_is_refused(website):
    data = json.loads(document_of(website))
    data["format"] = "something/1"
    assert verify_certificate(json.dumps(data)).problem == "wrong_format"


def test_change_voids_old_certificate_and_issues_new(website, isp, reviewer):
    old = document_of(website)
    old_domain = website.details["domains"][0]
    new_domain = f"renamed{next_n()}.example"
    data = dict(workflow.load_application(website.subject.applications.get().id)
                .proposed["services"][0], service_id=website.id, domains=[new_domain],
                homepage=f"http://{new_domain}/")
    file_application(Kind.CHANGE_SERVICE, website.subject.account, isp, reviewer,
                     {"services": [data]}, service_id=website.id)
    service = Service.get_by_id(website.id)
    assert service.filing_number == website.filing_number
    assert Certificate.select().where(Certificate.service == service).count() == 2
    assert Certificate.select().where(Certificate.service == service,
                                      Certificate.voided_at.is_null()).count() == 1
    assert verify_certificate(old).problem == "voided"
    new = document_of(service)
    assert verify_certificate(new).valid
    assert verify_certificate(new, domain=new_domain).valid
    assert verify_certificate(new, domain=old_domain).problem == "wrong_domain"


def test_certificate_covers_every_domain_of_the_website(make_application, isp):
    n = next_n()
    proposal = sample_data.first_filing(n, [isp.id])
    proposal["services"][0]["domains"].append(f"www.site{n}.example")
    service = Service.get(Service.subject == make_application(
        state=State.APPROVED, proposal=proposal).subject_id)
    document = document_of(service)
    for domain in (f"site{n}.example", f"www.site{n}.example"):
        assert verify_certificate(document, domain=domain).valid, domain


def test_subject_change_reissues_certificate_naming_the_new_subject(website, isp, reviewer):
    subject = website.subject
    proposal = dict(subject.applications.get().proposed["subject"], name=subject.name + "分公司")
    file_application(Kind.CHANGE_SUBJECT, subject.account, isp, reviewer, {"subject": proposal})
    renamed = Service.get_by_id(website.id).subject
    assert renamed.name == proposal["name"]
    check = verify_certificate(document_of(Service.get_by_id(website.id)))
    assert check.valid
    assert check.payload["subject_name"] == renamed.name


def test_cancelled_website_certificate_is_not_valid(website, isp, reviewer):
    document = document_of(website)
    file_application(Kind.CANCEL_SERVICE, website.subject.account, isp, reviewer,
                     {"reason": "网站关闭"}, service_id=website.id)
    assert current_certificate(Service.get_by_id(website.id)) is None
    check = verify_certificate(document)
    assert not check.valid and check.problem in ("not_filed", "voided")


def test_cancelled_subject_voids_every_certificate(website, isp, reviewer):
    document = document_of(website)
    file_application(Kind.CANCEL_SUBJECT, website.subject.account, isp, reviewer,
                     {"reason": "公司注销"})
    assert not verify_certificate(document).valid
    assert Certificate.select().where(Certificate.voided_at.is_null()).count() == 0


def test_revoked_website_certificate_is_not_valid(website, reviewer):
    document = document_of(website)
    record_decisions.revoke_record(reviewer, "恶意抢注", service_id=website.id)
    assert not verify_certificate(document).valid
    assert current_certificate(Service.get_by_id(website.id)) is None


def test_only_websites_get_certificates(make_filer, isp, reviewer):
    n = next_n()
    filer = make_filer()
    services = [sample_data.website(n, [isp.id]), sample_data.app_service(n, [isp.id]),
                sample_data.mini_service(n, [isp.id])]
    file_application(Kind.FIRST_FILING, filer, isp, reviewer,
                     sample_data.first_filing(n, [isp.id], services=services))
    with_certs = {c.service.kind for c in Certificate.select()}
    assert with_certs == {"website"}
