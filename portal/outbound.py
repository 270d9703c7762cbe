"""The guard for every request the portal makes to the outside (site checks, webhooks,
the SMS gateway).

A URL is refused unless it is http(s) and EVERY address its host resolves to is a
public one: private, loopback, link-local, multicast, reserved, unspecified and
shared (100.64.0.0/10) addresses are refused, also when written as IPv4-mapped,
6to4 or NAT64 IPv6 addresses. Loopback is allowed only when the caller passes
`allow_loopback` (the ALLOW_LOOPBACK_OUTBOUND test setting, read by the caller).

`fetch` connects to the address that was vetted, never resolving the name again
(a DNS-rebinding answer cannot redirect it), sends the host name in the Host header
and as the TLS server name, follows at most 3 redirects, each checked again, and
enforces a time limit and a byte limit.
"""
import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass, field
from typing import NoReturn
from urllib.parse import quote, urljoin, urlsplit

import idna
from flask_babel import lazy_gettext as _l

from portal.errors import Refused

USER_AGENT = "icp-filing-portal/1.0 (ICP filing portal of the communications bureau; site check)"
MAX_REDIRECTS = 3
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
DEFAULT_PORTS = {"http": 80, "https": 443}
_CHUNK = 16 * 1024
_PATH_SAFE = "/?&=;:@!$'()*+,~%-._"     # keep what is already encoded or reserved
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

# Checked in this order: the first that matches names the refusal.
_ADDRESS_KINDS = (
    (lambda ip: ip.is_unspecified, _l("未指定地址")),
    (lambda ip: ip.is_loopback, _l("回环地址")),
    (lambda ip: ip.is_link_local, _l("链路本地地址")),
    (lambda ip: ip.is_multicast, _l("组播地址")),
    (lambda ip: ip.version == 4 and ip in _SHARED, _l("运营商共享地址")),
    (lambda ip: ip.is_private, _l("内网地址")),
    (lambda ip: ip.is_reserved, _l("保留地址")),
    (lambda ip: not ip.is_global, _l("非公网地址")),
)


class BlockedTarget(Refused):
    """The URL or one of the addresses its host resolves to may not be contacted."""


class FetchFailed(Refused):
    """The target was allowed but the request failed (timeout, refused, too large...)."""


@dataclass(frozen=True)
class ResolvedTarget:
    url: str
    scheme: str
    host: str                        # ASCII (punycode) host name or IP literal
    port: int
    path: str                        # path and query, as sent in the request line
    addresses: tuple[str, ...] = ()  # every address the host resolved to, all vetted


@dataclass
class FetchResult:
    status: int
    headers: dict = field(default_factory=dict)   # lower-case names
    body: bytes = b""
    final_url: str = ""


def _refuse(message) -> NoReturn:
    raise BlockedTarget(message)


# -- addresses --------------------------------------------------------------

def _embedded_ipv4(ip):
    """The IPv4 address hidden in an IPv4-mapped, 6to4 or NAT64 IPv6 address."""
    if ip.version != 6:
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_kind(ip, allow_loopback: bool = False):
    """Why `ip` may not be contacted (a label such as 内网地址), or None if it may."""
    ip = _embedded_ipv4(ip) or ip
    if ip.is_loopback and allow_loopback:
        return None
    return next((label for matches, label in _ADDRESS_KINDS if matches(ip)), None)


def _parse_address(text: str):
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None


# -- URLs -------------------------------------------------------------------

def _split(url: str):
    text = str(url or "")
    if not text or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in text):
        _refuse(_l("地址格式不正确：“%(url)s”", url=text))
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        _refuse(_l("地址格式不正确：“%(url)s”", url=text))
    if parts.scheme.lower() not in DEFAULT_PORTS:
        _refuse(_l("只能访问以 http:// 或 https:// 开头的地址：“%(url)s”", url=text))
    if "@" in parts.netloc:
        _refuse(_l("地址中不能包含用户名或密码：“%(url)s”", url=text))
    if not parts.hostname:
        _refuse(_l("地址中缺少主机名：“%(url)s”", url=text))
    return parts, port or DEFAULT_PORTS[parts.scheme.lower()]


def _ascii_host(hostname: str) -> str:
    if _parse_address(hostname) is not None:
        return hostname
    try:
        return idna.encode(hostname.rstrip("."), uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        _refuse(_l("“%(host)s”不是有效的主机名", host=hostname))


def _resolve(host: str, port: int, resolver) -> list[str]:
    literal = _parse_address(host)
    if literal is not None:
        return [str(literal)]
    try:
        infos = (resolver or socket.getaddrinfo)(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        infos = []
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        _refuse(_l("无法解析域名 %(host)s，请确认该域名已正确配置解析记录", host=host))
    return addresses


def _vet(host: str, addresses: list[str], allow_loopback: bool) -> None:
    for text in addresses:
        ip = _parse_address(text)
        kind = _l("无效地址") if ip is None else address_kind(ip, allow_loopback)
        if kind is not None:
            _refuse(_l("出于安全原因，系统不访问%(kind)s：%(host)s 解析为 %(ip)s。"
                       "请确认该域名只解析到网站的公网IP地址", kind=kind, host=host, ip=text))


def check_url(url: str, allow_loopback: bool = False, resolver=None) -> ResolvedTarget:
    """Parse and resolve `url`; refuse it unless every address is public.

    `resolver` has the signature of `socket.getaddrinfo` (tests inject one)."""
    parts, port = _split(url)
    host = _ascii_host(parts.hostname)
    addresses = _resolve(host, port, resolver)
    _vet(host, addresses, allow_loopback)
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    path += f"?{quote(parts.query, safe=_PATH_SAFE)}" if parts.query else ""
    return ResolvedTarget(url=str(url), scheme=parts.scheme.lower(), host=host, port=port,
                          path=path, addresses=tuple(addresses))


# -- connections pinned to the vetted addresses -----------------------------

def _connect_vetted(addresses, port: int, timeout: float) -> socket.socket:
    error = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            error = exc
    raise error


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Sends Host: <name> but connects only to the addresses `check_url` vetted."""

    def __init__(self, target: ResolvedTarget, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self.vetted = target.addresses

    def connect(self):
        self.sock = _connect_vetted(self.vetted, self.port, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Like the above, with TLS to the vetted address: SNI and certificate check by name."""

    def __init__(self, target: ResolvedTarget, timeout: float):
        self.tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self.tls)
        self.vetted = target.addresses

    def connect(self):
        sock = _connect_vetted(self.vetted, self.port, self.timeout)
        try:
            self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


# -- fetching ---------------------------------------------------------------

def _read_limited(response, max_bytes: int, deadline: float, url: str) -> bytes:
    declared = response.getheader("Content-Length") or ""
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchFailed(_l("%(url)s 返回的内容超过 %(kb)d KB 上限", url=url, kb=max_bytes // 1024))
    chunks, size = [], 0
    while chunk := response.read(min(_CHUNK, max_bytes + 1 - size)):
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise FetchFailed(_l("%(url)s 返回的内容超过 %(kb)d KB 上限", url=url,
                                 kb=max_bytes // 1024))
        if time.monotonic() > deadline:
            raise TimeoutError
    return b"".join(chunks)


def _headers(response) -> dict:
    headers = {}
    for name, value in response.getheaders():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


def _request(target: ResolvedTarget, timeout: float, max_bytes: int) -> FetchResult:
    pinned = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    conn = pinned(target, timeout)
    try:
        return _exchange(conn, target, time.monotonic() + timeout, max_bytes)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise _failure(exc, target, timeout) from exc
    finally:
        conn.close()


def _exchange(conn, target: ResolvedTarget, deadline: float, max_bytes: int) -> FetchResult:
    conn.request("GET", target.path, headers={"User-Agent": USER_AGENT, "Accept": "*/*",
                                              "Accept-Encoding": "identity"})
    response = conn.getresponse()
    try:   # the response may own the socket: close it on every path
        redirect = response.status in REDIRECT_STATUSES
        body = b"" if redirect else _read_limited(response, max_bytes, deadline, target.url)
        return FetchResult(response.status, _headers(response), body, target.url)
    finally:
        response.close()


def _failure(exc: Exception, target: ResolvedTarget, timeout: float) -> FetchFailed:
    host = target.host
    if isinstance(exc, TimeoutError):
        return FetchFailed(_l("访问 %(host)s 超时（%(seconds)s 秒内未完成），"
                              "请确认网站可以从公网正常访问", host=host, seconds=timeout))
    if isinstance(exc, ssl.SSLError):
        return FetchFailed(_l("与 %(host)s 建立 HTTPS 安全连接失败（证书无效、过期或与域名不符），"
                              "请检查网站的 HTTPS 证书", host=host))
    if isinstance(exc, OSError):
        return FetchFailed(_l("无法连接 %(host)s，请确认网站已启动并可以从公网访问", host=host))
    return FetchFailed(_l("%(host)s 返回的内容不是有效的 HTTP 响应", host=host))


def fetch(url: str, *, timeout: float = 5, max_bytes: int = 256 * 1024,
          allow_loopback: bool = False, resolver=None) -> FetchResult:
    """GET `url` through the guard. Raises BlockedTarget or FetchFailed (both Refused)."""
    for _hop in range(MAX_REDIRECTS + 1):
        target = check_url(url, allow_loopback=allow_loopback, resolver=resolver)
        result = _request(target, timeout, max_bytes)
        location = result.headers.get("location")
        if result.status not in REDIRECT_STATUSES or not location:
            return result
        url = urljoin(target.url, location.strip())
    raise FetchFailed(_l("%(url)s 重定向超过 %(n)d 次，已停止访问，请让该地址直接返回内容",
                         url=url, n=MAX_REDIRECTS))
