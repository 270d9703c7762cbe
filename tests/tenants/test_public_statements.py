"""Record statements and the printable certificate through the test client: the filer's
own statement (page, signed JSON, past dates), the public verification page, and the
certificate print page with its QR code."""
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from portal import clock
from portal.models import Account, Certificate, Service
from portal.services import statements
from portal.states import State
from tests.conftest import csrf_token
from tests.portal.test_statements import approve_then_rename

VERIFY = "/statement/verify"
SVG_RE = r"<svg .*?</svg>"


@pytest.fixture
def renamed(make_application, isp, reviewer):
    yield approve_then_rename(make_application, isp, reviewer)
    clock.freeze(None)


@pytest.fixture
def approved(client, login, make_application):
    app = make_application(state=State.APPROVED)
    login(Account.get_by_id(app.account_id).username)
    return Service.get(Service.subject == app.subject_id)


def page(response) -> str:
    return response.get_data(as_text=True)


def qr_of(html: str) -> ET.Element:
    return ET.fromstring(re.search(SVG_RE, html, re.DOTALL).group(0))


def verify(client, **data):
    data["csrf_token"] = csrf_token(client, VERIFY)
    return client.post(VERIFY, data=data, content_type="multipart/form-data")


# -- the filer's statement -------------------------------------------------------------------

def test_statement_page_shows_the_record_and_a_qr_code(client, approved):
    response = client.get("/records/statement")
    html = page(response)
    assert response.status_code == 200 and "private" in response.headers["Cache-Control"]
    for value in (approved.subject.filing_number, approved.subject.name, approved.filing_number,
                  approved.name, approved.details["domains"][0], clock.local_today().isoformat()):
        assert value in html
    assert qr_of(html).get("aria-label").endswith("http://localhost/statement/verify")
    assert "/records/statement.json" in html


def test_statement_download_is_a_genuine_attachment(client, approved, app):
    response = client.get("/records/statement.json")
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.mimetype == "application/json"
    with app.test_request_context():
        check = statements.verify(page(response))
    assert check.ok and check.payload["subject"]["name"] == approved.subject.name


def test_a_past_date_shows_the_old_name(client, login, renamed):
    subject, old_name = renamed
    login(Account.get_by_id(subject.account_id).username)
    html = page(client.get("/records/statement?on=2026-03-09"))
    assert old_name in html and "新的网站名称美食分享" not in html and "2026-03-09" in html
    assert "on=2026-03-09" in html   # the download link keeps the date
    document = json.loads(page(client.get("/records/statement.json?on=2026-03-09")))
    assert document["payload"]["services"][0]["name"] == old_name
    assert "新的网站名称美食分享" in page(client.get("/records/statement"))


def test_a_date_before_the_first_approval_is_refused(client, login, renamed):
    subject, _ = renamed
    login(Account.get_by_id(subject.account_id).username)
    response = client.get("/records/statement?on=2026-02-01")
    assert response.status_code == 400 and "尚未通过审核" in page(response)
    assert "<svg" not in page(response)
    assert client.get("/records/statement.json?on=2026-02-01").status_code == 404
    assert client.get("/records/statement?on=not-a-date").status_code == 400


def test_statement_needs_a_filer_with_a_record(client, login, make_filer):
    assert client.get("/records/statement").status_code == 302          # anonymous → login
    login(make_filer().username)
    assert client.get("/records/statement").status_code == 404
    assert client.get("/records/statement.json").status_code == 404


# -- the public verification page -------------------------------------------------------------

def test_verify_page_is_open_to_anyone_with_a_csrf_form(client):
    html = page(client.get(VERIFY))
    assert 'name="csrf_token"' in html and 'enctype="multipart/form-data"' in html


def test_verify_accepts_a_genuine_statement(client, approved):
    document = page(client.get("/records/statement.json"))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})
    html = page(verify(client, text=document))
    assert "真实有效" in html and "签名有效" in html and approved.name in html
    assert approved.subject.filing_number in html and "目前仍为已备案状态" in html
    upload = verify(client, upload=(io.BytesIO(document.encode()), "statement.json"))
    assert upload.status_code == 200 and "真实有效" in page(upload)


def test_verify_refuses_a_tampered_statement(client, approved):
    data = json.loads(page(client.get("/records/statement.json")))
    data["payload"]["subject"]["name"] = "冒名顶替的公司"
    response = verify(client, text=json.dumps(data, ensure_ascii=False))
    html = page(response)
    assert response.status_code == 400 and "签名无效" in html and "被改动" in html
    assert "冒名顶替的公司" not in html.split("核验结果")[1]   # the textarea keeps the paste


def test_verify_needs_one_input_and_a_csrf_token(client):
    assert "请粘贴备案证明内容" in page(verify(client))
    assert client.post(VERIFY, data={"text": "{}"}).status_code == 400
    assert "不是有效的 JSON" in page(verify(client, text="hello"))


def test_a_certificate_is_not_a_statement(client, website):
    html = page(verify(client, text=Certificate.select().first().document))
    assert "这不是备案证明文件" in html


# -- the printable certificate ------------------------------------------------------------------

def test_certificate_print_page(client, approved):
    certificate = Certificate.get(Certificate.service == approved)
    response = client.get(f"/records/services/{approved.id}/certificate/print")
    html = page(response)
    assert response.status_code == 200
    for value in (approved.filing_number, approved.subject.filing_number, approved.subject.name,
                  approved.name, approved.details["domains"][0], certificate.serial,
                  clock.to_local(certificate.issued_at).date().isoformat()):
        assert value in html
    assert qr_of(html).get("aria-label").endswith(
        f"http://localhost/cert-check?serial={certificate.serial}")


def test_the_qr_link_verifies_that_certificate(app, approved):
    """Anyone scanning the printed QR code learns whether this very certificate is
    genuine and still current; an unknown serial says so."""
    certificate = Certificate.get(Certificate.service == approved)
    anyone = app.test_client()
    html = page(anyone.get(f"/cert-check?serial={certificate.serial}"))
    assert "电子证书有效" in html and approved.details["domains"][0] in html
    assert "没有这个序列号的电子证书" in page(anyone.get("/cert-check?serial=NO-SUCH"))
    certificate.voided_at = clock.utcnow()
    certificate.save()
    assert "电子证书有效" not in page(anyone.get(f"/cert-check?serial={certificate.serial}"))


def test_another_filers_certificate_print_is_not_found(client, login, make_application,
                                                        make_filer):
    app = make_application(state=State.APPROVED)
    service = Service.get(Service.subject == app.subject_id)
    login(make_filer().username)
    assert client.get(f"/records/services/{service.id}/certificate/print").status_code == 404
    assert client.get("/records/services/999999/certificate/print").status_code == 404


def test_certificate_print_of_a_cancelled_service_is_not_found(client, approved):
    Service.update(status="cancelled").where(Service.id == approved.id).execute()
    assert client.get(f"/records/services/{approved.id}/certificate/print").status_code == 404


def test_the_printed_pages_hide_their_controls_when_printed(app, client, approved):
    css = (Path(app.static_folder) / "print.css").read_text()
    assert ".actions" in css and ".print-hint" in css
    for url in ("/records/statement", f"/records/services/{approved.id}/certificate/print"):
        assert 'class="actions"' in page(client.get(url))
