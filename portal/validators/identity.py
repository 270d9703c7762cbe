"""Certificate numbers (证件号码): unified social credit codes, resident IDs, the rest.

Check characters follow GB 32100-2015 (credit code) and GB 11643-1999 (resident ID,
ISO 7064 MOD 11-2). Every validator returns the normalised number it accepted.
"""
import re
from datetime import date

from flask_babel import lazy_gettext as _l

from portal.clock import local_today
from portal.errors import ValidationError
from portal.validators.names import to_half_width

# 31 symbols: the digits and the letters without I, O, S, V, Z (M is included).
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 32100 lists 1, 5, 9 and Y; the standards body has since assigned 2-4, 6-8, A and N
# (law firms start with 3, trade unions with 8): refusing them would refuse real filers.
CREDIT_AUTHORITIES = "123456789ANY"
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
CREDIT_CODE, RESIDENT_ID, PASSPORT = "统一社会信用代码", "居民身份证", "护照"

_PASSPORT_RE = re.compile(r"[A-Z0-9]{5,20}")
_OTHER_CERT_RE = re.compile(r"[A-Z0-9-]{5,30}")


def normalise_cert_number(value) -> str:
    """Strip, convert full-width characters to half-width and upper-case."""
    return to_half_width(str(value or "")).strip().upper()


def credit_check_char(body17: str) -> str:
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(body17, CREDIT_WEIGHTS))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def resident_check_char(body17: str) -> str:
    return ID_CHECK_CHARS[sum(int(c) * w for c, w in zip(body17, ID_WEIGHTS)) % 11]


def make_credit_code(body17: str) -> str:
    """The first 17 characters of a credit code plus its check character."""
    body = normalise_cert_number(body17)
    if len(body) != 17 or any(c not in CREDIT_ALPHABET for c in body):
        raise ValueError(f"not a credit code body: {body17!r}")
    return body + credit_check_char(body)


def make_resident_id(body17: str) -> str:
    """The first 17 digits of a resident ID plus its check character."""
    body = normalise_cert_number(body17)
    if len(body) != 17 or not body.isascii() or not body.isdigit():
        raise ValueError(f"not a resident ID body: {body17!r}")
    return body + resident_check_char(body)


def validate_credit_code(value) -> str:
    """A valid 18-character unified social credit code, normalised."""
    code = normalise_cert_number(value)
    if not code:
        raise ValidationError(_l("请填写统一社会信用代码"))
    if len(code) != 18:
        raise ValidationError(_l("统一社会信用代码应为18位，当前为%(n)s位", n=len(code)))
    bad = next((c for c in code if c not in CREDIT_ALPHABET), None)
    if bad is not None:
        raise ValidationError(_l("统一社会信用代码含有不允许的字符“%(char)s”：只能使用数字和"
                                 "除I、O、Z、S、V以外的大写字母", char=bad))
    _check_credit_code_parts(code)
    if credit_check_char(code[:17]) != code[17]:
        raise ValidationError(_l("统一社会信用代码校验位不正确，请核对证件上的代码"))
    return code


def _check_credit_code_parts(code: str) -> None:
    if code[0] not in CREDIT_AUTHORITIES:
        raise ValidationError(_l("统一社会信用代码第1位（登记管理部门代码）不正确，"
                                 "应为数字1至9或字母A、N、Y"))
    if code[1] not in "123456789":
        raise ValidationError(_l("统一社会信用代码第2位（机构类别代码）应为数字1至9"))
    if not code[2:8].isdigit():
        raise ValidationError(_l("统一社会信用代码第3至8位应为6位数字的登记管理机关行政区划码"))


def validate_resident_id(value, today: date | None = None) -> str:
    """A valid 18-character resident ID number (居民身份证), with an upper-case X."""
    number = normalise_cert_number(value)
    if not number:
        raise ValidationError(_l("请填写居民身份证号码"))
    if len(number) != 18:
        raise ValidationError(_l("居民身份证号码应为18位，当前为%(n)s位", n=len(number)))
    if not (number[:17].isdigit() and number[:17].isascii()) or number[17] not in "0123456789X":
        raise ValidationError(_l("居民身份证号码应为17位数字加1位数字或字母X"))
    _check_birth_date(number[6:14], today or local_today())
    if resident_check_char(number[:17]) != number[17]:
        raise ValidationError(_l("居民身份证号码校验位不正确，请核对证件上的号码"))
    return number


def _check_birth_date(digits: str, today: date) -> None:
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise ValidationError(_l("居民身份证号码第7至14位的出生日期“%(digits)s”不是有效日期",
                                 digits=digits)) from None
    if born.year < 1900 or born > today:
        raise ValidationError(_l("居民身份证号码中的出生日期%(day)s不合理：应在1900年之后且不晚于今天",
                                 day=born.isoformat()))


def validate_passport(value) -> str:
    number = normalise_cert_number(value)
    if not _PASSPORT_RE.fullmatch(number):
        raise ValidationError(_l("护照号码应为5至20位字母或数字"))
    return number


def validate_other_certificate(value) -> str:
    number = normalise_cert_number(value)
    if not _OTHER_CERT_RE.fullmatch(number):
        raise ValidationError(_l("证件号码应为5至30位字母、数字或连字符“-”"))
    return number


_BY_TYPE = {CREDIT_CODE: validate_credit_code, RESIDENT_ID: validate_resident_id,
            PASSPORT: validate_passport}


def validate_certificate(cert_type: str, number) -> str:
    """Validate `number` by the rules of `cert_type`; unlisted types get the generic check."""
    validator = _BY_TYPE.get(str(cert_type or "").strip(), validate_other_certificate)
    return validator(number)


def division_code_of(cert_type: str, number) -> str | None:
    """The 6-digit administrative division code inside the number, if the type has one."""
    value, kind = normalise_cert_number(number), str(cert_type or "").strip()
    if kind == CREDIT_CODE and len(value) == 18:
        code = value[2:8]
    elif kind == RESIDENT_ID and len(value) == 18:
        code = value[:6]
    else:
        return None
    return code if code.isascii() and code.isdigit() else None
