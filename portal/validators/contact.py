"""Contact details: mobile and landline numbers, e-mail, the address in the province."""
import re

import email_validator
from flask_babel import lazy_gettext as _l

from portal.errors import ValidationError
from portal.validators.names import to_half_width

_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
_MOBILE_PREFIXES = ("+86", "0086", "86")
# Area codes: 010 and 02x have three digits, every other one four (0351 Taiyuan).
_LANDLINE_RE = re.compile(
    r"(?:\(?(?P<area>0[12][0-9]|0[3-9][0-9]{2})\)?-?)?"
    r"(?P<local>[2-9][0-9]{6,7})"
    r"(?:(?:-|转|#|ext\.?|x)(?P<ext>[0-9]{1,6}))?",
    re.IGNORECASE)
_PROVINCE_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")
MIN_ADDRESS, MAX_ADDRESS = 5, 200


def _compact(value) -> str:
    return re.sub(r"[\s-]", "", to_half_width(str(value or "")))


def validate_mobile(value) -> str:
    """A mainland mobile number as 11 digits; a +86 / 0086 / 86 prefix is dropped."""
    number = _compact(value)
    if not number:
        raise ValidationError(_l("请填写手机号码"))
    for prefix in _MOBILE_PREFIXES:
        if number.startswith(prefix) and len(number) == len(prefix) + 11:
            number = number[len(prefix):]
            break
    if not _MOBILE_RE.fullmatch(number):
        raise ValidationError(_l("手机号码应为11位数字，以1开头且第2位为3至9（如 13812345678）"))
    return number


def validate_landline(value) -> str:
    """A landline as [area-]number[-extension], e.g. `0351-8788032`."""
    text = re.sub(r"\s", "", to_half_width(str(value or "")))
    if not text:
        raise ValidationError(_l("请填写固定电话号码"))
    match = _LANDLINE_RE.fullmatch(text)
    if match is None:
        raise ValidationError(_l("固定电话号码格式不正确，应为“区号-号码”，如 0351-8788032，"
                                 "分机号可写在后面（0351-8788032-801）"))
    return "-".join(part for part in match.group("area", "local", "ext") if part)


def validate_email(value) -> str:
    """A syntactically valid e-mail address, normalised (domain lower-cased, IDNA)."""
    text = str(value or "").strip()
    if not text:
        raise ValidationError(_l("请填写电子邮箱地址"))
    try:
        result = email_validator.validate_email(text, check_deliverability=False)
    except email_validator.EmailNotValidError:
        raise ValidationError(_l("电子邮箱地址“%(value)s”格式不正确，应形如 name@example.cn",
                                 value=text)) from None
    return result.normalized


def province_short_name(province: str) -> str:
    """山西省 → 山西, 广西壮族自治区 → 广西, 北京市 → 北京."""
    name = str(province or "").strip()
    for suffix in _PROVINCE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name.removesuffix(suffix)
    return name


def validate_address_in_province(address, province: str) -> str:
    """An address (5-200 characters) that lies in this instance's province."""
    text = " ".join(str(address or "").split())
    if not text:
        raise ValidationError(_l("请填写详细地址"))
    if not MIN_ADDRESS <= len(text) <= MAX_ADDRESS:
        raise ValidationError(_l("地址应为%(low)s至%(high)s个字符，当前为%(n)s个字符",
                                 low=MIN_ADDRESS, high=MAX_ADDRESS, n=len(text)))
    if province_short_name(province) not in text:
        raise ValidationError(_l("地址须位于%(province)s境内，请填写含“%(short)s”的完整地址；"
                                 "户籍不在%(province)s的个人须上传本地居住证",
                                 province=province, short=province_short_name(province)))
    return text
