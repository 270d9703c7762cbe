"""Names of services (网站/APP名称) and the text normalisation the validators share.

The naming rules come from the instance's editable rules (a dict, see
`check_service_name`), so the bureau can tighten them without a release.
"""
import re

from flask_babel import lazy_gettext as _l

from portal.errors import ValidationError
from portal.validators.network import display_domain

# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space map onto plain ASCII.
_HALF_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_CHINESE_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_ALNUM_ONLY_RE = re.compile(r"[A-Za-z0-9 ._&'-]+")
_DOMAIN_LIKE_RE = re.compile(r"(?:[^\s.]+\.)+[a-z]{2,63}\.?")
_URL_LIKE_RE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|www\.)")
MIN_LENGTH, MAX_LENGTH = 2, 50
INDIVIDUAL = "个人"


def to_half_width(value: str) -> str:
    """Full-width letters, digits, punctuation and spaces to their ASCII forms."""
    return value.translate(_HALF_WIDTH)


def normalise_name(value) -> str:
    """The form names are compared in for lookups: half-width, single spaces, lower case."""
    return " ".join(to_half_width(str(value or "")).split()).lower()


def chinese_char_count(value: str) -> int:
    return len(_CHINESE_RE.findall(value))


def check_service_name(name, rules: dict, subject_nature: str, domains=(),
                       is_national_body: bool = False, registered_name: bool = False) -> str:
    """Apply the naming rules to a service name; return it stripped.

    `registered_name` says the filer proved the name is a registered (e.g. English)
    trademark or company name, which lifts the Chinese-characters requirement.
    """
    text = str(name or "").strip()
    _check_length(text)
    _check_not_domain(text, domains)
    _check_script(text, rules, registered_name)
    if not is_national_body:
        _check_prefixes(text, rules.get("forbidden_prefixes", ()))
    if subject_nature == INDIVIDUAL:
        _check_individual_words(text, rules.get("individual_forbidden_words", ()))
    return text


def _check_length(text: str) -> None:
    if not text:
        raise ValidationError(_l("请填写网站/APP名称"))
    if not MIN_LENGTH <= len(text) <= MAX_LENGTH:
        raise ValidationError(_l("网站/APP名称应为%(low)s至%(high)s个字符，当前为%(n)s个字符",
                                 low=MIN_LENGTH, high=MAX_LENGTH, n=len(text)))


def _check_not_domain(text: str, domains) -> None:
    compared = normalise_name(text)
    for domain in domains:
        if compared in (normalise_name(domain), normalise_name(display_domain(str(domain)))):
            raise ValidationError(_l("网站/APP名称不能直接使用域名“%(domain)s”，"
                                     "请填写能说明网站内容的名称", domain=text))
    if _URL_LIKE_RE.match(compared) or _DOMAIN_LIKE_RE.fullmatch(compared):
        raise ValidationError(_l("网站/APP名称不能是域名或网址（如“%(name)s”），"
                                 "请填写能说明网站内容的名称", name=text))


def _check_script(text: str, rules: dict, registered_name: bool) -> None:
    if text.isascii() and text.isdigit():
        raise ValidationError(_l("网站/APP名称不能只由数字组成"))
    if registered_name:
        return
    if _ALNUM_ONLY_RE.fullmatch(text):
        raise ValidationError(_l("网站/APP名称不能只由字母或数字组成；"
                                 "使用英文名称须是已注册的商标或企业名称"))
    wanted = int(rules.get("min_chinese_chars", 0))
    if chinese_char_count(text) < wanted:
        raise ValidationError(_l("网站/APP名称至少应包含%(n)s个汉字", n=wanted))


def _check_prefixes(text: str, prefixes) -> None:
    for prefix in prefixes:
        if prefix and text.startswith(prefix):
            raise ValidationError(_l("网站/APP名称不能以“%(prefix)s”开头，除非主办者为国家机关",
                                     prefix=prefix))


def _check_individual_words(text: str, words) -> None:
    for word in words:
        if word and word in text:
            raise ValidationError(_l("个人主办的网站/APP名称不能含有“%(word)s”，"
                                     "以免被误认为单位或官方网站", word=word))
