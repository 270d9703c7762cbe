"""Instance settings the bureau edits: its name and contacts, office hours, the public site
URL that footers link to, the annual-review window and the shell periods.

The province and its abbreviation are fixed at `init` (every number carries them); they
are shown, never changed here. Each save writes one audit event with the fields that
changed, before and after.
"""
from datetime import date
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from portal.audit import record_event
from portal.clock import utcnow
from portal.db import transaction
from portal.errors import Forbidden, FormErrors, ValidationError
from portal.models import InstanceSettings
from portal.states import is_bureau_admin
from portal.validators import validate_email

TEXT_FIELDS = {"bureau_name": 100, "address": 200, "office_hours": 200, "phones": 200,
               "fax": 100, "cancellation_mailbox": 254, "public_site_url": 255}
REQUIRED = ("bureau_name", "public_site_url")
EDITABLE = (*TEXT_FIELDS, "annual_review_start", "annual_review_end", "shell_warning_days",
            "shell_candidate_days")
FIXED = ("province", "abbreviation")
MAX_SHELL_DAYS = 3650


def get_settings() -> InstanceSettings:
    """The one settings row (created by `init`)."""
    return InstanceSettings.get()


def settings_values(settings: InstanceSettings) -> dict:
    """The editable fields as a dict (what the form starts from and the audit compares)."""
    return {field: getattr(settings, field) for field in EDITABLE}


def update_settings(actor, values: dict) -> InstanceSettings:
    """Save the editable fields given in `values`; the others keep their value.

    Every field is checked first and every fault reported at once (FormErrors); nothing
    is saved unless all pass. Province and abbreviation are refused outright.
    """
    if not is_bureau_admin(actor):
        raise Forbidden(_l("只有管局管理员可以修改系统设置"))
    _refuse_fixed(values)
    with transaction():
        settings = get_settings()
        merged = {**settings_values(settings), **values}
        cleaned = clean_settings(merged)
        before = settings_values(settings)
        changed = {k: v for k, v in cleaned.items() if before[k] != v}
        if not changed:
            return settings
        for field, value in changed.items():
            setattr(settings, field, value)
        settings.updated_at = utcnow()
        settings.save()
        record_event("settings.update", settings, actor=actor,
                     before={k: before[k] for k in changed}, after=changed)
    return settings


def clean_settings(values: dict) -> dict:
    """The editable fields cleaned, or FormErrors naming each field at fault."""
    errors, cleaned = {}, {}
    for field, limit in TEXT_FIELDS.items():
        _collect(errors, cleaned, field, _text, values.get(field), limit, field in REQUIRED)
    _collect(errors, cleaned, "cancellation_mailbox", _mailbox, cleaned.get("cancellation_mailbox"))
    _collect(errors, cleaned, "public_site_url", _site_url, cleaned.get("public_site_url"))
    for field in ("annual_review_start", "annual_review_end"):
        _collect(errors, cleaned, field, _date, values.get(field))
    for field in ("shell_warning_days", "shell_candidate_days"):
        _collect(errors, cleaned, field, _days, values.get(field))
    if not errors:
        _check_window(errors, cleaned["annual_review_start"], cleaned["annual_review_end"])
        _check_shell_periods(errors, cleaned)
    if errors:
        raise FormErrors(errors)
    return cleaned


def _collect(errors: dict, cleaned: dict, field: str, check, *args) -> None:
    if field in errors:
        return
    try:
        cleaned[field] = check(*args)
    except ValidationError as exc:
        errors[field] = [exc.message]


def _refuse_fixed(values: dict) -> None:
    fixed = [f for f in FIXED if f in values]
    unknown = [f for f in values if f not in EDITABLE and f not in FIXED]
    if fixed:
        raise ValidationError(_l("省份和简称在初始化时确定，不能修改"), field=fixed[0])
    if unknown:
        raise ValidationError(_l("不能修改的设置项：%(names)s", names="、".join(unknown)))


def _text(value, limit: int, required: bool) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise ValidationError(_l("此项必填"))
    if len(text) > limit:
        raise ValidationError(_l("不能超过 %(n)d 个字符", n=limit))
    return text


def _mailbox(value: str) -> str:
    return validate_email(value) if value else ""


def _site_url(value: str) -> str:
    """An absolute http(s) URL with a host: websites link their filing number to it."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 -- urlsplit checks the port only when it is read
    except ValueError:
        parts = None
    if (parts is None or parts.scheme not in ("http", "https") or not parts.hostname
            or "@" in parts.netloc or any(c.isspace() for c in value)):
        raise ValidationError(_l("请填写以 http:// 或 https:// 开头的完整网址，如 https://beian.miit.gov.cn/"))
    return value


def _date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(_l("日期格式应为 YYYY-MM-DD")) from None


def _days(value) -> int:
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise ValidationError(_l("请填写天数（正整数）")) from None
    if not 1 <= days <= MAX_SHELL_DAYS:
        raise ValidationError(_l("天数应在 1 到 %(n)d 之间", n=MAX_SHELL_DAYS))
    return days


def _check_window(errors: dict, start: date | None, end: date | None) -> None:
    """Both dates or neither; the end not before the start."""
    if (start is None) != (end is None):
        field = "annual_review_end" if end is None else "annual_review_start"
        errors[field] = [_l("年度审核期的开始和结束日期须同时填写（或同时留空）")]
    elif start and end < start:
        errors["annual_review_end"] = [_l("年度审核期的结束日期不能早于开始日期")]


def _check_shell_periods(errors: dict, cleaned: dict) -> None:
    if cleaned["shell_candidate_days"] <= cleaned["shell_warning_days"]:
        errors["shell_candidate_days"] = [_l("列入注销候选的天数必须大于发出提醒的天数")]
