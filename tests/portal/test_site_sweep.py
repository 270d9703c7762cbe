"""The nightly site check: every approved website against a small HTTP server on
loopback, one finding per website per run, through the outbound guard."""
import base64
import json
from datetime import datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from portal import record_decisions
from portal.clock import freeze
from portal.models import AuditEvent, Service, SiteCheckFinding
from portal.outbound import fetch
from portal.services import site_sweep
from portal.services.certificates import current_certificate
from portal.signing import canonical
from portal.states import State
from tests.sites import local_fetcher, resolver_to

SITE_URL = "https://beian.miit.gov.cn/"
NOW = datetime(2026, 3, 2, 19, 0)


@pytest.fixture(autouse=True)
def frozen():
    freeze(NOW)
    yield
    freeze(None)


@pytest.fixture
def make_website(make_application):
    def make():
        approved = make_application(state=State.APPROVED)
        return Service.get(Service.subject == approved.subject_id)
    return make


def page(href: str, text: str) -> str:
    return (f"<!doctype html><html><body><main>内容</main><footer style='text-align:center'>"
            f"<a href=\"{href}\">{text}</a></footer></body></html>")


def signed_by_another_key(document: str) -> str:
    """The same certificate, re-signed with a key that is not the bureau's."""
    data = json.loads(document)
    data["signature"] = base64.b64encode(
        Ed25519PrivateKey.generate().sign(canonical(data["payload"]))).decode()
    return json.dumps(data, ensure_ascii=False)


def serve(site, service, *, href=SITE_URL, cert="own", text=None):
    domain = service.details["domains"][0]
    site.routes[(domain, "/")] = (200, {"Content-Type": "text/html; charset=utf-8"},
                                  page(href, text or service.filing_number))
    if cert is not None:
        body = current_certificate(service).document if cert == "own" else cert
        site.routes[(domain, "/cert/bazs.cert")] = (200, {}, body)


def sweep(site):
    return site_sweep.check_websites(allow_loopback=True, fetcher=local_fetcher(site))


def finding(service) -> SiteCheckFinding:
    return SiteCheckFinding.get(SiteCheckFinding.service == service.id)


def messages(service) -> str:
    return " ".join(p["message"] for p in finding(service).problems)


def test_each_kind_of_site_gets_its_finding(app, site, make_website):
    good, missing, forged, elsewhere, footer = (make_website() for _ in range(5))
    serve(site, good)
    serve(site, missing, cert=None)
    serve(site, forged, cert=signed_by_another_key(current_certificate(forged).document))
    serve(site, elsewhere, cert=current_certificate(good).document)
    serve(site, footer, href="https://example.cn/beian")
    result = sweep(site)
    assert (result.checked, result.with_problems) == (5, 4)
    assert finding(good).ok and finding(good).problems == []
    assert finding(good).checked_at == NOW and finding(good).domain == good.details["domains"][0]
    assert "返回 HTTP 404" in messages(missing)
    assert "签名无效" in messages(forged)
    assert "证书未包含该域名" in messages(elsewhere)
    assert "链接指向“https://example.cn/beian”" in messages(footer)
    assert [p["check"] for p in finding(footer).problems] == ["footer"]
    assert [p["check"] for p in finding(missing).problems] == ["certificate"]


def test_the_guard_refuses_a_private_address(app, site, website):
    serve(site, website)

    def private(url, **kwargs):
        return fetch(url, resolver=resolver_to("10.1.2.3"), **kwargs)

    result = site_sweep.check_websites(allow_loopback=True, fetcher=private)
    assert result.with_problems == 1
    assert {p["check"] for p in finding(website).problems} == {"fetch"}
    assert "内网地址" in messages(website)
    assert site.seen == []


def test_loopback_is_refused_unless_allowed(app, site, website):
    serve(site, website)
    site_sweep.check_websites(fetcher=local_fetcher(site))
    assert "回环地址" in messages(website) and site.seen == []


def test_running_twice_replaces_the_finding(app, site, website):
    serve(site, website, cert=None)
    sweep(site)
    assert not finding(website).ok
    serve(site, website)
    freeze(datetime(2026, 3, 3, 19, 0))
    sweep(site)
    sweep(site)
    rows = list(SiteCheckFinding.select().where(SiteCheckFinding.service == website.id))
    assert len(rows) == 1 and rows[0].ok and rows[0].checked_at == datetime(2026, 3, 3, 19, 0)
    assert AuditEvent.select().where(AuditEvent.action == "site_check.store").count() == 3


def test_a_cancelled_website_is_no_longer_checked(app, site, website, reviewer):
    serve(site, website)
    sweep(site)
    record_decisions.revoke_record(reviewer, "测试撤销", service_id=website.id)
    freeze(datetime(2026, 3, 3, 19, 0))
    assert sweep(site).checked == 0
    assert SiteCheckFinding.select().count() == 0


def test_findings_for_account_problems_first(app, site, make_website):
    one = make_website()
    serve(site, one, cert=None)
    sweep(site)
    rows = site_sweep.findings_for_account(one.subject.account_id)
    assert [(r.service_id, r.ok) for r in rows] == [(one.id, False)]
    assert site_sweep.findings_for_account(one.subject.account_id + 999) == []


def test_a_website_without_domains_is_fine(app, site, website):
    Service.update(details={**website.details, "domains": []}).where(
        Service.id == website.id).execute()
    sweep(site)
    assert finding(website).ok and finding(website).domain == ""


def test_a_failing_check_is_a_finding_not_the_end_of_the_run(app, site, make_website,
                                                             monkeypatch):
    broken, fine = make_website(), make_website()
    serve(site, fine)
    real = site_sweep.check_website

    def check(service, **kwargs):
        if service.id == broken.id:
            raise KeyError("bug")
        return real(service, **kwargs)

    monkeypatch.setattr(site_sweep, "check_website", check)
    assert sweep(site).checked == 2
    assert finding(fine).ok and "检查时出错" in messages(broken)
