"""Security headers on every kind of response (portal/web/headers.py), pages that work
under the Content-Security-Policy, no-store for logged-in pages, the lookup API's ETag
caching kept, and Secure cookies and HSTS behind an HTTPS proxy."""
import re
from pathlib import Path

import pytest

from portal import ROOT, create_app
from portal.config import load_config
from portal.web.headers import CSP
from tests.factories import process_config

PUBLIC = ["/", "/login", "/isp/login", "/bureau/login", "/register", "/password/forgot",
          "/help", "/no-such-page", "/static/portal.css", "/api/v1/lookup?q=x.example",
          "/api/v1/openapi.json"]
HOMES = {"public": "/home", "isp": "/isp/", "bureau": "/bureau/"}
INLINE = [re.compile(r"<script(?![^>]*\bsrc=)", re.IGNORECASE), re.compile(r"<style", re.IGNORECASE),
          re.compile(r"""\sstyle\s*=\s*["']""", re.IGNORECASE), re.compile(r"""\son[a-z]+\s*=\s*["']""", re.IGNORECASE),
          re.compile(r"javascript:", re.IGNORECASE)]


def assert_secure_headers(response):
    headers = response.headers
    assert headers["Content-Security-Policy"] == CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"


def assert_no_inline_code(html: str, where: str):
    for pattern in INLINE:
        assert not pattern.search(html), f"{pattern.pattern} on {where}"


def test_the_policy_allows_no_inline_script_or_framing():
    directives = dict(part.strip().split(" ", 1) for part in CSP.split(";"))
    assert directives["script-src"] == "'self'" and directives["default-src"] == "'self'"
    assert "unsafe" not in CSP and directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"


@pytest.mark.parametrize("url", PUBLIC)
def test_anonymous_responses_carry_the_headers(client, url):
    response = client.get(url)
    response.close()          # a static file is streamed from an open file
    assert response.status_code in (200, 404), url
    assert_secure_headers(response)
    assert "no-store" not in response.headers.get("Cache-Control", "")
    if response.mimetype == "text/html":
        assert_no_inline_code(response.get_data(as_text=True), url)


@pytest.mark.parametrize("tenant", list(HOMES))
def test_logged_in_pages_are_not_stored(client, login, make_account, tenant):
    login(make_account(tenant).username, tenant=tenant)
    prefix = "" if tenant == "public" else f"/{tenant}"
    pages = [HOMES[tenant], f"{prefix}/password"]
    if tenant != "public":
        pages.append(f"{prefix}/two-factor")       # the QR code page: an inline SVG
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_secure_headers(response)
        assert "no-store" in response.headers["Cache-Control"]
        assert_no_inline_code(response.get_data(as_text=True), url)
    static = client.get("/static/portal.css")
    static.close()
    assert "no-store" not in static.headers.get("Cache-Control", "")   # still cacheable


def test_the_lookup_api_keeps_its_etag_caching(client, login, make_filer):
    login(make_filer().username)          # a logged-in browser: the API is still public
    first = client.get("/api/v1/lookup?q=x.example")
    assert first.headers["Cache-Control"] == "public, max-age=60" and first.headers["ETag"]
    again = client.get("/api/v1/lookup?q=x.example",
                       headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert_secure_headers(again)


def test_templates_hold_no_inline_script_or_style():
    for path in Path(ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"\{\{.*?\}\}", "", text, flags=re.DOTALL)   # printed text is escaped
        assert_no_inline_code(text, str(path))


def test_cookies_are_secure_and_hsts_is_sent_behind_an_https_proxy(app):
    config = process_config(app)
    config.update(TRUSTED_PROXIES=1, PREFERRED_URL_SCHEME="https")
    secure = create_app(config).test_client()
    response = secure.get("/login", headers={"X-Forwarded-Proto": "https",
                                             "X-Forwarded-For": "198.51.100.7"})
    cookie = next(h for h in response.headers.getlist("Set-Cookie")
                  if h.startswith("__Host-session="))      # the prefix: this host only
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Path=/" in cookie and "Domain" not in cookie
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    plain = app.test_client().get("/login")
    assert "Strict-Transport-Security" not in plain.headers
    assert "Secure" not in next(h for h in plain.headers.getlist("Set-Cookie")
                                if h.startswith("session="))


@pytest.mark.parametrize("environ,secure", [
    ({}, False), ({"PREFERRED_URL_SCHEME": "https"}, True),
    ({"SESSION_COOKIE_SECURE": "1"}, True),
    ({"PREFERRED_URL_SCHEME": "https", "SESSION_COOKIE_SECURE": "0"}, False)])
def test_cookie_security_follows_the_configuration(tmp_path, environ, secure):
    config = load_config(tmp_path, {"SECRET_KEY": "x" * 32}, environ=environ)
    assert config["SESSION_COOKIE_SECURE"] is secure
    assert config["REMEMBER_COOKIE_SECURE"] is secure
    assert config["SESSION_COOKIE_HTTPONLY"] and config["REMEMBER_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert config["REMEMBER_COOKIE_DURATION"].days == 14
