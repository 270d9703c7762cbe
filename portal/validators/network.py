"""Domains, IP addresses and home pages of services.

Domains are stored in their ASCII (punycode) form, IDNA 2008 with the UTS 46
mapping, so `中国.cn`, `中国。CN` and `xn--fiqs8s.cn` are one domain.
"""
import ipaddress
import re
from urllib.parse import urlsplit

import idna
from flask_babel import lazy_gettext as _l

from portal.errors import ValidationError

MAX_DOMAIN_LENGTH, MAX_LABEL_LENGTH = 253, 63
_LABEL_RE = re.compile(r"[a-z0-9-]+")
_URL_PARTS = set("/\\:@?#")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SCHEME_RE = re.compile(r"[a-z][a-z0-9+.-]*://", re.IGNORECASE)
# Not global, for reasons ipaddress' flags alone do not cover on every Python version.
_EXTRA_NON_PUBLIC = [ipaddress.ip_network(n) for n in (
    "100.64.0.0/10", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")]


def normalise_domain(value) -> str:
    """The lower-case ASCII (punycode) form of a domain name, or ValidationError."""
    text = str(value or "").strip()
    if not text:
        raise ValidationError(_l("请填写域名"))
    if any(c in _URL_PARTS or c.isspace() for c in text):
        raise ValidationError(_l("请只填写域名本身（如 example.cn），不要带协议、路径、端口、"
                                 "“@”或空格：“%(value)s”", value=text))
    labels = _remap(text).removesuffix(".").split(".")
    if len(labels) < 2:
        raise ValidationError(_l("域名“%(value)s”至少应包含两级（如 example.cn）", value=text))
    ascii_form = ".".join(_encode_label(label, text) for label in labels)
    if len(ascii_form) > MAX_DOMAIN_LENGTH:
        raise ValidationError(_l("域名总长度不能超过%(n)s个字符", n=MAX_DOMAIN_LENGTH))
    if labels[-1].isdigit():
        raise ValidationError(_l("域名“%(value)s”的顶级域不能全是数字", value=text))
    return ascii_form


def _remap(text: str) -> str:
    """UTS 46 mapping: lower case, full-width forms and the ideographic full stop."""
    try:
        return idna.uts46_remap(text, std3_rules=False, transitional=False)
    except (idna.IDNAError, UnicodeError, ValueError):
        raise ValidationError(_l("域名“%(value)s”含有不能用于域名的字符", value=text)) from None


def _encode_label(label: str, text: str) -> str:
    if not label:
        raise ValidationError(_l("域名“%(value)s”中有空的一级（连续的点或以点开头）", value=text))
    if label.isascii():
        _check_ascii_label(label)
    try:
        encoded = idna.alabel(label).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        raise ValidationError(_l("域名中的“%(label)s”不是有效的域名标签", label=label)) from None
    if len(encoded) > MAX_LABEL_LENGTH:
        raise ValidationError(_l("域名的每一级不能超过%(n)s个字符：“%(label)s”",
                                 n=MAX_LABEL_LENGTH, label=label))
    return encoded


def _check_ascii_label(label: str) -> None:
    if not _LABEL_RE.fullmatch(label):
        raise ValidationError(_l("域名的每一级只能包含字母、数字和连字符“-”：“%(label)s”",
                                 label=label))
    if label.startswith("-") or label.endswith("-"):
        raise ValidationError(_l("域名的每一级不能以连字符“-”开头或结尾：“%(label)s”",
                                 label=label))
    if len(label) > MAX_LABEL_LENGTH:
        raise ValidationError(_l("域名的每一级不能超过%(n)s个字符：“%(label)s”",
                                 n=MAX_LABEL_LENGTH, label=label))


def display_domain(ascii_domain: str) -> str:
    """The Unicode form of a stored domain, for display (the input back if undecodable)."""
    try:
        return idna.decode(ascii_domain)
    except (idna.IDNAError, UnicodeError, ValueError):
        return ascii_domain


def validate_ip(value, allow_private: bool = False) -> str:
    """An IPv4 or IPv6 address in canonical (compressed) form; public only by default."""
    text = str(value or "").strip()
    try:
        address = ipaddress.ip_address(text) if "%" not in text else None
    except ValueError:
        address = None
    if address is None:
        raise ValidationError(_l("“%(value)s”不是有效的IP地址，应为IPv4（如 1.2.3.4）或IPv6地址",
                                 value=text))
    if not allow_private and not _is_public(address):
        raise ValidationError(_l("%(ip)s 是内网、回环、组播、保留或文档示例地址，"
                                 "请填写网站实际使用的公网IP地址", ip=str(address)))
    return str(address)


def _is_public(address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    if any(address in net for net in _EXTRA_NON_PUBLIC if net.version == address.version):
        return False
    return address.is_global and not (address.is_multicast or address.is_reserved)


def homepage_host(url) -> str:
    """The normalised (ASCII) host of a home page URL; `http://` is assumed if missing."""
    return _host_of(_split_url(url))


def validate_homepage(url, domains) -> str:
    """A home page URL on one of the service's domains, as scheme://host[:port][path]."""
    parts = _split_url(url)
    host = _host_of(parts)
    allowed = {normalise_domain(d) for d in domains}
    if host not in allowed:
        raise ValidationError(_l("首页地址的主机“%(host)s”不是本网站的域名，应为以下域名之一：%(domains)s",
                                 host=display_domain(host),
                                 domains="、".join(sorted(map(display_domain, allowed)))))
    port = "" if parts.port in (None, _DEFAULT_PORTS[parts.scheme]) else f":{parts.port}"
    return f"{parts.scheme}://{host}{port}{parts.path}"


def _host_of(parts) -> str:
    try:
        return normalise_domain(parts.hostname)
    except ValidationError:
        raise ValidationError(_l("首页地址中的“%(host)s”不是有效的域名，首页须使用本网站已备案的域名",
                                 host=parts.hostname)) from None


def _split_url(url):
    text = str(url or "").strip()
    if not text:
        raise ValidationError(_l("请填写首页地址"))
    if any(c.isspace() for c in text):
        raise ValidationError(_l("首页地址不能包含空格"))
    if not _SCHEME_RE.match(text):
        text = "http://" + text
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 -- urlsplit checks the port only when it is read
    except ValueError:
        raise ValidationError(_l("首页地址“%(url)s”格式不正确", url=text)) from None
    _check_url_parts(parts)
    return parts


def _check_url_parts(parts) -> None:
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        raise ValidationError(_l("首页地址只能以 http:// 或 https:// 开头"))
    if "@" in parts.netloc:
        raise ValidationError(_l("首页地址不能包含用户名或密码（“@”之前的部分）"))
    if not parts.hostname:
        raise ValidationError(_l("首页地址缺少域名"))
