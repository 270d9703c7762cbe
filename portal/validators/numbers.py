"""Filing numbers (备案号) and ICP licence numbers (经营许可证号).

A subject number is `晋ICP备2026000123号` (year + 6-digit serial); numbers issued
before the current scheme have 8 digits (`晋ICP备05001234号`) and carry no year we
can trust. A service number adds `-<index>` and a kind letter: none for a website,
A for an APP, X for a mini program, K for a quick app.
"""
import re
from typing import NamedTuple

from flask_babel import lazy_gettext as _l

from portal.errors import ValidationError
from portal.validators.names import to_half_width

KIND_SUFFIXES = {"website": "", "app": "A", "miniprogram": "X", "quickapp": "K"}
_KIND_BY_SUFFIX = {suffix: kind for kind, suffix in KIND_SUFFIXES.items()}
_CJK = "\u4e00-\u9fff"
_FILING_RE = re.compile(
    rf"(?P<abbr>[{_CJK}])ICP备(?P<digits>[0-9]{{10}}|[0-9]{{8}})号"
    r"(?:-(?P<index>[1-9][0-9]{0,4})(?P<suffix>[AXK]?))?")
_LICENCE_RES = (re.compile(rf"[{_CJK}]ICP证[0-9]{{6}}号"),
                re.compile(rf"[{_CJK}]?[AB][0-9]-[0-9]{{8}}"))
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2212\ufe63"})


class FilingNumber(NamedTuple):
    abbreviation: str
    year: int | None
    serial: int
    service_index: int | None = None
    kind: str | None = None

    @property
    def subject_number(self) -> str:
        return format_subject_number(self.abbreviation, self.year, self.serial)

    @property
    def is_service(self) -> bool:
        return self.service_index is not None


def _normalise(value) -> str:
    text = to_half_width(str(value or "")).translate(_DASHES).strip()
    return re.sub(r"\s", "", text).upper()


def parse_filing_number(value) -> FilingNumber:
    """Split a subject or service filing number into its parts, or ValidationError."""
    match = _FILING_RE.fullmatch(_normalise(value))
    if match is None:
        raise ValidationError(_l("备案号格式不正确，应形如“晋ICP备2026000123号”，"
                                 "网站或APP的备案号另带后缀，如“晋ICP备2026000123号-1A”"))
    digits = match["digits"]
    year, serial = (int(digits[:4]), int(digits[4:])) if len(digits) == 10 else (None, int(digits))
    if match["index"] is None:
        return FilingNumber(match["abbr"], year, serial)
    return FilingNumber(match["abbr"], year, serial, int(match["index"]),
                        _KIND_BY_SUFFIX[match["suffix"]])


def format_subject_number(abbr: str, year: int | None, serial: int) -> str:
    """`晋ICP备2026000123号`, or the old 8-digit form when `year` is None."""
    if year is None:
        return f"{abbr}ICP备{serial:08d}号"
    return f"{abbr}ICP备{year:04d}{serial:06d}号"


def format_service_number(subject_number: str, index: int, kind: str | None) -> str:
    """`<subject number>-<index><kind letter>`, e.g. `晋ICP备2026000123号-2A`."""
    return f"{subject_number}-{index}{KIND_SUFFIXES[kind or 'website']}"


def parse_licence_number(value) -> str:
    """An ICP licence number (`京ICP证030173号`, `B2-20090001`, `粤B2-20090059`), normalised."""
    text = _normalise(value)
    if not any(pattern.fullmatch(text) for pattern in _LICENCE_RES):
        raise ValidationError(_l("经营许可证编号格式不正确，应形如“京ICP证030173号”或“B2-20090001”"))
    return text


def is_filing_number_like(value) -> bool:
    """Cheap guess used by the public lookup: does the query look like a filing number?"""
    return "ICP备" in _normalise(value)
