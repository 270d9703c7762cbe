"""Site checks of an approved website: the footer link to the public site with the
filing number, and the certificate at /cert/bazs.cert, for every domain, fetched from a
local server through the outbound guard."""
import base64
import json

import pytest

from portal.models import InstanceSettings, Service
from portal.services.certificates import current_certificate
from portal.services.site_check import (check_certificate_text, check_website, decode_html,
                                        footer_finding, same_url)
from portal.states import State
from tests.sites import local_fetcher

SITE_URL = "https://beian.miit.gov.cn/"


@pytest.fixture
def other_website(make_application):
    approved = make_application(state=State.APPROVED)
    return Service.get(Service.subject == approved.subject_id)


def footer_page(href: str, text: str) -> str:
    return (f"<!doctype html><html><body><main>内容</main><footer style='text-align:center'>"
            f"<a href=\"{href}\" target=\"_blank\">{text}</a></footer></body></html>")


def forged(document: str) -> str:
    data = json.loads(document)
    signature = bytearray(base64.b64decode(data["signature"]))
    signature[0] ^= 0xFF
    data["signature"] = base64.b64encode(bytes(signature)).decode()
    return json.dumps(data, ensure_ascii=False)


def serve(site, domain, page=None, cert=None):
    if page is not None:
        site.routes[(domain, "/")] = (200, {"Content-Type": "text/html; charset=utf-8"}, page)
    if cert is not None:
        site.routes[(domain, "/cert/bazs.cert")] = (200, {"Content-Type": "application/json"},
                                                     cert)


def run(site, service, allow_loopback=True):
    findings = check_website(service, allow_loopback=allow_loopback, fetcher=local_fetcher(site))
    return {f.check: f for f in findings}


def text(finding) -> str:
    return str(finding.message)


def test_a_correct_site_passes_both_checks(app, site, website):
    domain = website.details["domains"][0]
    serve(site, domain, footer_page(SITE_URL, website.filing_number),
          current_certificate(website).document)
    findings = check_website(website, allow_loopback=True, fetcher=local_fetcher(site))
    assert [(f.domain, f.check, f.ok) for f in findings] == [(domain, "footer", True),
                                                             (domain, "certificate", True)]
    assert {seen["path"] for seen in site.seen} == {"/", "/cert/bazs.cert"}


@pytest.mark.parametrize("page, expected", [
    ("<html><body><p>没有备案号</p></body></html>", "没有找到备案号链接"),
    (footer_page("https://example.cn/beian", "{number}"), "链接指向“https://example.cn/beian”"),
    (footer_page(SITE_URL, "备案信息"), "链接文字中没有备案号"),
])
def test_footer_problems_say_what_to_fix(app, site, website, page, expected):
    domain = website.details["domains"][0]
    serve(site, domain, page.replace("{number}", website.filing_number),
          current_certificate(website).document)
    findings = run(site, website)
    assert not findings["footer"].ok and expected in text(findings["footer"])
    assert website.filing_number in text(findings["footer"]) or "链接指向" in expected
    assert findings["certificate"].ok


def test_forged_certificate(app, site, website):
    domain = website.details["domains"][0]
    serve(site, domain, footer_page(SITE_URL, website.filing_number),
          forged(current_certificate(website).document))
    finding = run(site, website)["certificate"]
    assert not finding.ok and "签名无效" in text(finding) and "重新下载" in text(finding)


def test_certificate_of_another_website(app, site, website, other_website):
    domain = website.details["domains"][0]
    serve(site, domain, footer_page(SITE_URL, website.filing_number),
          current_certificate(other_website).document)
    finding = run(site, website)["certificate"]
    assert not finding.ok and "证书未包含该域名" in text(finding)


def test_missing_certificate(app, site, website):
    domain = website.details["domains"][0]
    serve(site, domain, footer_page(SITE_URL, website.filing_number))
    finding = run(site, website)["certificate"]
    assert not finding.ok and "返回 HTTP 404" in text(finding) and "cert 目录" in text(finding)


def test_unreachable_site_is_a_fetch_finding(app, site, website):
    findings = check_website(website, fetcher=local_fetcher(site))   # loopback not allowed
    assert [(f.check, f.ok) for f in findings] == [("fetch", False), ("fetch", False)]
    assert "回环地址" in text(findings[0])
    assert site.seen == []


def test_every_domain_is_checked(app, site, website):
    domains = website.details["domains"] + ["www." + website.details["domains"][0]]
    website.details = {**website.details, "domains": domains}
    for domain in domains:
        serve(site, domain, footer_page(SITE_URL, website.filing_number),
              current_certificate(website).document)
    findings = check_website(website, allow_loopback=True, fetcher=local_fetcher(site))
    assert [(f.domain, f.check, f.ok) for f in findings] == [
        (domains[0], "footer", True), (domains[0], "certificate", True),
        (domains[1], "footer", True), (domains[1], "certificate", False)]
    assert "证书未包含该域名" in text(findings[3])   # the certificate predates www.


@pytest.mark.parametrize("number_of", ["subject", "licence"])
def test_subject_number_or_licence_number_is_accepted(app, website, number_of):
    subject = website.subject
    if number_of == "licence":
        subject.licence_number = "晋ICP证140001号"
        subject.save()
    number = subject.filing_number if number_of == "subject" else subject.licence_number
    finding = footer_finding("a.example", footer_page(SITE_URL, number), SITE_URL,
                             [website.filing_number, subject.filing_number,
                              subject.licence_number])
    assert finding.ok


def test_public_site_url_comes_from_the_settings(app, site, website):
    settings = InstanceSettings.get()
    settings.public_site_url = "https://beian.example.gov.cn"
    settings.save()
    domain = website.details["domains"][0]
    serve(site, domain, footer_page("https://beian.example.gov.cn/", website.filing_number),
          current_certificate(website).document)
    assert run(site, website)["footer"].ok


@pytest.mark.parametrize("a, b, same", [
    ("https://beian.miit.gov.cn", "https://beian.miit.gov.cn/", True),
    ("HTTPS://BEIAN.MIIT.GOV.CN/", "https://beian.miit.gov.cn/", True),
    ("http://beian.miit.gov.cn/", "https://beian.miit.gov.cn/", False),
    ("https://beian.miit.gov.cn.evil.example/", "https://beian.miit.gov.cn/", False),
    ("", "https://beian.miit.gov.cn/", False),
])
def test_same_url(a, b, same):
    assert same_url(a, b) is same


def test_gbk_pages_are_decoded_from_their_meta_charset():
    page = '<html><head><meta charset="gbk"></head><body>晋ICP备2026000001号</body></html>'
    assert "晋ICP备2026000001号" in decode_html(page.encode("gbk"))


def test_certificate_text_report(app, website, other_website):
    document = current_certificate(website).document
    domain = website.details["domains"][0]
    report = check_certificate_text(document, domain=domain)
    assert (report.signature_ok, report.domain_ok, report.filing_ok, report.ok) == (
        True, True, True, True)
    assert report.payload["filing_number"] == website.filing_number
    wrong = check_certificate_text(document, domain=other_website.details["domains"][0])
    assert (wrong.signature_ok, wrong.domain_ok, wrong.problem) == (True, False, "wrong_domain")
    broken = check_certificate_text(forged(document))
    assert (broken.signature_ok, broken.domain_ok, broken.filing_ok) == (False, None, None)
    assert check_certificate_text("not json").problem == "malformed"
