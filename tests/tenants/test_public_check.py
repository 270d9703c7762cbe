"""The public check pages: certificate check (/cert-check) and SMS verification
(/sms-verification), both open to anyone, every POST form with a CSRF token."""
import io
import json
import re

from datetime import timedelta

import pytest

from portal import clock, outbound
from portal.clock import utcnow
from portal.models import Certificate, OutboxMessage, SmsVerification
from portal.states import State
from portal.workflow import load_application
from tests.conftest import csrf_token
from tests.sites import local_fetcher

CERT_URL, SMS_URL = "/cert-check", "/sms-verification"
POST_FORM_RE = re.compile(r'<form[^>]*method="post".*?</form>', re.S)


def page(response) -> str:
    return response.get_data(as_text=True)


def assert_every_post_form_has_csrf(html: str):
    forms = POST_FORM_RE.findall(html)
    assert forms and all('name="csrf_token"' in form for form in forms)


# -- certificate check ------------------------------------------------------

def check(client, **data):
    data["csrf_token"] = csrf_token(client, CERT_URL)
    return client.post(CERT_URL, data=data, content_type="multipart/form-data")


def test_certificate_page_has_the_form_and_the_public_key(client):
    html = page(client.get(CERT_URL))
    assert_every_post_form_has_csrf(html)
    assert 'enctype="multipart/form-data"' in html and "/api/v1/signing-key.pem" in html


def test_valid_pasted_certificate(client, website):
    document = Certificate.select().first().document
    html = page(check(client, text=document))
    assert "有效：证书由管局签发" in html and "网站已备案，这是当前有效的证书" in html
    assert "未核对" in html and "证书内容</h3>" in html
    for value in (website.filing_number, website.subject.name, website.name,
                  website.details["domains"][0], "山西省通信管理局"):
        assert value in html


def test_pasted_certificate_with_a_domain_is_compared(client, website, make_application):
    document = Certificate.select().first().document
    assert "证书包含该域名" in page(check(client, text=document,
                                        domain=website.details["domains"][0]))
    html = page(check(client, text=document, domain="someone-else.example"))
    assert "证书不包含该域名" in html and "证书未包含该域名" in html


def test_tampered_certificate(client, website):
    data = json.loads(Certificate.select().first().document)
    data["payload"]["subject_name"] = "冒名顶替有限公司"
    html = page(check(client, text=json.dumps(data, ensure_ascii=False)))
    assert "签名无效：证书被篡改或并非本局签发" in html
    assert "证书内容</h3>" not in html          # an unsigned payload is never presented


def test_uploaded_certificate(client, website):
    document = Certificate.select().first().document.encode()
    html = page(check(client, upload=(io.BytesIO(document), "bazs.cert")))
    assert "网站已备案，这是当前有效的证书" in html and website.filing_number in html


def test_too_big_upload_is_refused(client, website):
    html = page(check(client, upload=(io.BytesIO(b"{" + b" " * (64 * 1024)), "bazs.cert")))
    assert "文件超过 64 KB" in html and "核验结果" not in html


def test_nothing_or_two_certificates_are_refused(client, website):
    assert "任选一种" in page(check(client))
    document = Certificate.select().first().document
    html = page(check(client, text=document, upload=(io.BytesIO(document.encode()), "b.cert")))
    assert "请只选择一种方式" in html


def test_post_without_csrf_token_is_refused(client):
    assert client.post(CERT_URL, data={"text": "{}"}).status_code == 400


def test_domain_check_fetches_through_the_guard(app, client, website, site, monkeypatch):
    domain = website.details["domains"][0]
    site.routes[(domain, "/cert/bazs.cert")] = (200, {}, Certificate.select().first().document)
    monkeypatch.setattr(outbound, "fetch", local_fetcher(site))
    refused = page(check(client, domain=domain))
    assert "回环地址" in refused and site.seen == []      # ALLOW_LOOPBACK_OUTBOUND is off
    app.config["ALLOW_LOOPBACK_OUTBOUND"] = True
    html = page(check(client, domain=domain.upper()))
    assert "证书包含该域名" in html and "网站已备案，这是当前有效的证书" in html
    assert site.seen[0]["path"] == "/cert/bazs.cert"


def test_domain_without_certificate(app, client, website, site, monkeypatch):
    app.config["ALLOW_LOOPBACK_OUTBOUND"] = True
    monkeypatch.setattr(outbound, "fetch", local_fetcher(site))
    html = page(check(client, domain=website.details["domains"][0]))
    assert "返回 HTTP 404，没有找到电子证书" in html


def test_invalid_domain_is_a_field_error(client):
    assert "不要带协议" in page(check(client, domain="http://example.cn/"))


# -- SMS verification -------------------------------------------------------

def latest_code(mobile: str) -> str:
    message = (OutboxMessage.select().where(OutboxMessage.channel == "sms",
                                            OutboxMessage.recipient == mobile)
               .order_by(OutboxMessage.id.desc()).first())
    return re.search(r"核验码为(\d{6})", message.body).group(1)


def sms_post(client, reference, row, **data):
    token = csrf_token(client, f"{SMS_URL}?reference={reference}")
    fields = {"reference": reference, "cert_number": row.cert_number, "mobile": row.mobile,
              "csrf_token": token}
    fields.update(data)
    fields.setdefault("resend" if "resend" in data else "confirm", "确认核验")
    return client.post(SMS_URL, data=fields)


def rows_of(app):
    return list(SmsVerification.select().where(SmsVerification.application == app.id)
                .order_by(SmsVerification.id))


def test_step_one_shows_the_application_with_masked_people(client, make_application):
    app = make_application(state=State.SMS)
    html = page(client.get(f"{SMS_URL}?reference={app.reference}"))
    assert app.reference in html and "首次备案" in html
    assert app.proposed["subject"]["name"] in html and "剩余约 23 小时" in html
    assert_every_post_form_has_csrf(html)
    for row in rows_of(app):
        assert f"{row.mobile[:3]}****{row.mobile[-4:]}" in html and row.mobile not in html
        assert row.name[0] + "*" in html and row.name not in html
        assert row.cert_number not in html


def test_happy_path_reaches_bureau_review(client, make_application):
    app = make_application(state=State.SMS)
    rows = rows_of(app)
    assert len(rows) == 2
    first = sms_post(client, app.reference, rows[0], code=latest_code(rows[0].mobile))
    assert first.status_code == 302 and app.reference in first.headers["Location"]
    assert "还有 1 位核验人尚未完成" in page(client.get(first.headers["Location"]))
    last = sms_post(client, app.reference, rows[1], code=latest_code(rows[1].mobile))
    assert "所有核验人均已完成核验" in page(client.get(last.headers["Location"]))
    assert load_application(app.id).state == State.REVIEW


def test_wrong_code_shows_the_tries_left(client, make_application):
    app = make_application(state=State.SMS)
    row = rows_of(app)[0]
    wrong = "000000" if latest_code(row.mobile) != "000000" else "111111"
    response = sms_post(client, app.reference, row, code=wrong)
    assert response.status_code == 400 and "还可尝试 4 次" in page(response)
    assert SmsVerification.get_by_id(row.id).tries == 1


def test_fifth_wrong_code_returns_the_application(client, make_application):
    app = make_application(state=State.SMS)
    row = rows_of(app)[0]
    wrong = "000000" if latest_code(row.mobile) != "000000" else "111111"
    for _ in range(4):
        sms_post(client, app.reference, row, code=wrong)
    html = page(sms_post(client, app.reference, row, code=wrong))
    assert "错误次数过多" in html and "退回给提交者" in html
    assert load_application(app.id).state == State.RETURNED


def test_timeout_returns_the_application(client, make_application):
    app = make_application(state=State.SMS)
    row = rows_of(app)[0]
    clock.freeze(utcnow() + timedelta(hours=25))
    try:
        assert "已超时" in page(client.get(f"{SMS_URL}?reference={app.reference}"))
        html = page(sms_post(client, app.reference, row, code=latest_code(row.mobile)))
    finally:
        clock.freeze(None)
    assert "短信核验超时" in html and "退回给提交者" in html
    assert load_application(app.id).state == State.RETURNED


def test_someone_else_cannot_confirm(client, make_application):
    app = make_application(state=State.SMS)
    row = rows_of(app)[0]
    html = page(sms_post(client, app.reference, row, mobile="13900000001", code="123456"))
    assert "与该申请的核验人不符" in html


@pytest.mark.parametrize("state", [None, State.REVIEW])
def test_unknown_or_other_state_reference_is_neutral(client, make_application, state):
    reference = make_application(state=state).reference if state else "BA20260101FFFFFFFF"
    html = page(client.get(f"{SMS_URL}?reference={reference}"))
    assert "没有找到待短信核验的申请" in html and 'name="confirm"' not in html


def test_post_with_unknown_reference_is_neutral(client, make_application):
    app = make_application(state=State.SMS)
    row = rows_of(app)[0]
    response = client.post(SMS_URL, data={
        "reference": "BA20260101FFFFFFFF", "cert_number": row.cert_number, "mobile": row.mobile,
        "code": "123456", "confirm": "确认核验",
        "csrf_token": csrf_token(client, f"{SMS_URL}?reference={app.reference}")})
    assert response.status_code == 404 and "没有找到待短信核验的申请" in page(response)


def test_resend_creates_a_new_sms_and_the_new_code_works(client, make_application):
    app = make_application(state=State.SMS)
    row = rows_of(app)[0]
    sent = OutboxMessage.select().where(OutboxMessage.channel == "sms",
                                        OutboxMessage.recipient == row.mobile)
    before, old_code = sent.count(), latest_code(row.mobile)
    response = sms_post(client, app.reference, row, resend="重新发送核验码", code="")
    assert response.status_code == 302 and sent.count() == before + 1
    masked = f"{row.mobile[:3]}****{row.mobile[-4:]}"
    assert f"新的核验码已发送至 {masked}" in page(client.get(response.headers["Location"]))
    new_code = latest_code(row.mobile)
    if new_code != old_code:
        assert "还可尝试" in page(sms_post(client, app.reference, row, code=old_code))
    assert sms_post(client, app.reference, row, code=new_code).status_code == 302
    assert SmsVerification.get_by_id(row.id).confirmed_at is not None
