"""Checks of an approved website as the public sees it (DESIGN §3 "Site display").

For every domain of the website: the homepage shows the filing number (or the
subject's number, or its ICP licence number) as a link to the bureau's public site,
and `http://<domain>/cert/bazs.cert` serves a certificate that verifies and names
that domain. Every request goes through `portal.outbound`.
"""
import re
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from portal import outbound
from portal.errors import Refused, ValidationError
from portal.models import Certificate, InstanceSettings, Service
from portal.services.certificates import PROBLEMS, verify_certificate
from portal.validators import display_domain, normalise_domain

HOMEPAGE_MAX_BYTES = 1024 * 1024
CERTIFICATE_MAX_BYTES = 64 * 1024
_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)

FIXES = {
    "malformed": _l("请使用从备案系统下载的 bazs.cert 原文件，不要改动其内容"),
    "wrong_format": _l("请使用从备案系统下载的 bazs.cert 原文件，不要改动其内容"),
    "bad_signature": _l("请登录备案系统重新下载本网站的 bazs.cert，替换现有文件"),
    "wrong_domain": _l("如该域名是新增的，请先提交变更网站申请，审核通过后下载新的证书；"
                       "否则请核对是否放错了其他网站的证书"),
    "not_filed": _l("网站已注销或撤销时证书不再有效；如需继续开办网站，请重新办理备案"),
    "voided": _l("网站信息变更后会签发新证书，请登录备案系统下载当前有效的证书替换"),
}


@dataclass(frozen=True)
class Finding:
    domain: str
    check: str        # footer | certificate | fetch
    ok: bool
    message: object   # lazy gettext string


@dataclass
class CertificateReport:
    """What the certificate check page shows. `None` means "not checked"."""
    signature_ok: bool
    domain_ok: bool | None = None
    filing_ok: bool | None = None
    payload: dict = field(default_factory=dict)
    problem: str = ""
    message: object = ""

    @property
    def ok(self) -> bool:
        return self.signature_ok and self.domain_ok is not False and bool(self.filing_ok)

    @property
    def issued_at(self) -> datetime | None:
        """The issue time as a naive UTC datetime (how timestamps are shown everywhere)."""
        try:
            return datetime.fromisoformat(str(self.payload.get("issued_at", "")).rstrip("Z"))
        except ValueError:
            return None

    @property
    def domains(self) -> list[str]:
        return [display_domain(d) for d in self.payload.get("domains", [])]


class CertificateMissing(Refused):
    """The site answered, but not with a certificate (404 or another status)."""


# -- certificates -----------------------------------------------------------

def certificate_url(domain: str) -> str:
    return f"http://{domain}/cert/bazs.cert"


def problem_message(problem: str):
    """The certificate problem and what to do about it, in one sentence."""
    return _l("%(problem)s。%(fix)s。", problem=PROBLEMS[problem], fix=FIXES[problem])


def _names_domain(payload: dict, domain: str) -> bool:
    try:
        return normalise_domain(domain) in payload.get("domains", [])
    except ValidationError:
        return False


def check_certificate_text(text: str | bytes, domain: str | None = None) -> CertificateReport:
    """Verify a certificate's signature, that it names `domain` (if given) and that it is
    the current certificate of a filed website; each answered separately."""
    check = verify_certificate(text)
    if not check.valid and check.problem in ("malformed", "wrong_format", "bad_signature"):
        return CertificateReport(False, problem=check.problem,
                                 message=problem_message(check.problem))
    domain_ok = None if domain is None else _names_domain(check.payload, domain)
    problem = "wrong_domain" if domain_ok is False else check.problem
    return CertificateReport(True, domain_ok, check.valid, check.payload, problem,
                             problem_message(problem) if problem else _l("电子证书有效"))


def check_certificate_serial(serial: str) -> CertificateReport:
    """The certificate the bureau issued under `serial` (what a printed certificate's QR
    code links to): its signature, and whether it is still the current certificate of a
    filed website."""
    certificate = Certificate.get_or_none(Certificate.serial == (serial or "").strip()[:64])
    if certificate is None:
        return CertificateReport(False, problem="unknown_serial",
                                 message=_l("没有这个序列号的电子证书，请核对二维码或序列号"))
    return check_certificate_text(certificate.document)


def fetch_certificate(domain: str, *, allow_loopback: bool = False, fetcher=None) -> bytes:
    """The body of http://<domain>/cert/bazs.cert. Raises Refused (CertificateMissing
    when the site answers without a certificate)."""
    url = certificate_url(domain)
    result = (fetcher or outbound.fetch)(url, max_bytes=CERTIFICATE_MAX_BYTES,
                                         allow_loopback=allow_loopback)
    if result.status != 200:
        raise CertificateMissing(_l(
            "%(url)s 返回 HTTP %(status)d，没有找到电子证书。请把从备案系统下载的 bazs.cert "
            "放到网站根目录下的 cert 目录中，使该地址可以直接访问", url=url, status=result.status))
    return result.body


def check_certificate_at(domain: str, *, allow_loopback: bool = False,
                         fetcher=None) -> CertificateReport:
    """Fetch the domain's certificate through the outbound guard, then verify it."""
    ascii_domain = normalise_domain(domain)
    body = fetch_certificate(ascii_domain, allow_loopback=allow_loopback, fetcher=fetcher)
    return check_certificate_text(body, domain=ascii_domain)


# -- the homepage footer ----------------------------------------------------

class _AnchorParser(HTMLParser):
    """Collects (href, text) of every <a> element."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[str, str]] = []
        self._open: list | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._close()
            self._open = [dict(attrs).get("href") or "", []]

    def handle_endtag(self, tag):
        if tag == "a":
            self._close()

    def handle_data(self, data):
        if self._open is not None:
            self._open[1].append(data)

    def _close(self):
        if self._open is not None:
            href, parts = self._open
            self.anchors.append((href.strip(), " ".join("".join(parts).split())))
            self._open = None

    def close(self):
        super().close()
        self._close()


def page_anchors(html: str) -> list[tuple[str, str]]:
    parser = _AnchorParser()
    parser.feed(html)
    parser.close()
    return parser.anchors


def decode_html(body: bytes, content_type: str = "") -> str:
    """Text of a page: the charset from the header, else from a <meta>, else UTF-8."""
    match = re.search(r"charset=([A-Za-z0-9_-]+)", content_type or "", re.IGNORECASE)
    charset = match.group(1) if match else None
    if charset is None and (meta := _META_CHARSET.search(body[:4096])):
        charset = meta.group(1).decode("ascii")
    try:
        return body.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def same_url(a: str, b: str) -> bool:
    """Equal up to the case of scheme and host and a trailing slash."""
    def key(url):
        parts = urlsplit((url or "").strip())
        return (parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), parts.query)
    return bool((a or "").strip()) and key(a) == key(b)


def accepted_numbers(service: Service) -> list[str]:
    """The website's number, the subject's number and its ICP licence number."""
    subject = service.subject
    numbers = [service.filing_number, subject.filing_number, subject.licence_number]
    return [n for n in numbers if n]


def footer_finding(domain: str, html: str, site_url: str, numbers: list[str]) -> Finding:
    """The footer rule: a link to the public site whose text is the filing number."""
    anchors = page_anchors(html)
    shown = [(href, text) for href, text in anchors if any(n in text for n in numbers)]
    number = numbers[0]
    if any(same_url(href, site_url) for href, _text in shown):
        return Finding(domain, "footer", True, _l(
            "首页已显示备案号并链接到 %(url)s", url=site_url))
    if shown:
        return Finding(domain, "footer", False, _l(
            "首页显示了备案号，但链接指向“%(href)s”。请把链接地址改为 %(url)s",
            href=shown[0][0] or "（空）", url=site_url))
    if any(same_url(href, site_url) for href, _text in anchors):
        return Finding(domain, "footer", False, _l(
            "首页指向 %(url)s 的链接文字中没有备案号。请把链接文字改为“%(number)s”",
            url=site_url, number=number))
    return Finding(domain, "footer", False, _l(
        "首页没有找到备案号链接。请在首页底部居中显示备案号“%(number)s”，并链接到 %(url)s",
        number=number, url=site_url))


# -- the whole website ------------------------------------------------------

def _check_homepage(domain, site_url, numbers, allow_loopback, fetcher) -> Finding:
    url = f"http://{domain}/"
    try:
        result = fetcher(url, max_bytes=HOMEPAGE_MAX_BYTES, allow_loopback=allow_loopback)
    except Refused as exc:
        return Finding(domain, "fetch", False, exc.message)
    if result.status != 200:
        return Finding(domain, "fetch", False, _l(
            "首页 %(url)s 返回 HTTP %(status)d，无法检查备案号。请确认首页可以从公网正常访问",
            url=url, status=result.status))
    html = decode_html(result.body, result.headers.get("content-type", ""))
    return footer_finding(domain, html, site_url, numbers)


def _check_certificate(service, domain, allow_loopback, fetcher) -> Finding:
    try:
        body = fetch_certificate(domain, allow_loopback=allow_loopback, fetcher=fetcher)
    except CertificateMissing as exc:
        return Finding(domain, "certificate", False, exc.message)
    except Refused as exc:
        return Finding(domain, "fetch", False, exc.message)
    report = check_certificate_text(body, domain=domain)
    number = report.payload.get("filing_number")
    if report.ok and number != service.filing_number:
        return Finding(domain, "certificate", False, _l(
            "该域名下的证书属于其他网站（备案号 %(other)s）。请登录备案系统下载本网站的证书替换",
            other=number))
    return Finding(domain, "certificate", report.ok, report.message)


def check_website(service: Service, *, allow_loopback: bool = False,
                  fetcher=None) -> list[Finding]:
    """Check the footer link and the certificate of every domain of an approved website."""
    if service.kind != "website" or not service.is_active:
        raise Refused(_l("只能检查已备案的网站"))
    fetcher = fetcher or outbound.fetch
    site_url = InstanceSettings.get().public_site_url
    numbers = accepted_numbers(service)
    findings = []
    for domain in service.details.get("domains", []):
        findings.append(_check_homepage(domain, site_url, numbers, allow_loopback, fetcher))
        findings.append(_check_certificate(service, domain, allow_loopback, fetcher))
    return findings
