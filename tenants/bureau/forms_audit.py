"""Search forms of the auditor's pages: the statistics period and the audit log search.

Both are GET forms (no CSRF: they change nothing). The dates arrive as "from"/"to"
in the URL; a date that does not parse is a message next to its field, never a 500.
"""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length, Optional
from wtforms.validators import ValidationError as FieldError

DATE_FORMAT = "%Y-%m-%d"


def parse_date(text: str | None) -> date | None:
    """A local date as YYYY-MM-DD, or None when empty; ValueError when malformed."""
    text = (text or "").strip()
    return datetime.strptime(text, DATE_FORMAT).date() if text else None


def valid_date(form, field) -> None:
    try:
        parse_date(field.data)
    except ValueError:
        raise FieldError(_l("日期格式应为 年-月-日，例如 2026-03-02")) from None


def date_field(label, name: str) -> StringField:
    return StringField(label, name=name, validators=[Optional(), valid_date],
                       render_kw={"type": "date", "placeholder": "2026-03-02"})


class GetForm(FlaskForm):
    class Meta:
        csrf = False

    def dates(self) -> tuple[date | None, date | None]:
        """(start, end) once validated."""
        return parse_date(self.start.data), parse_date(self.end.data)


class PeriodForm(GetForm):
    start = date_field(_l("起始日期"), "from")
    end = date_field(_l("结束日期"), "to")


class AuditSearchForm(GetForm):
    actor = StringField(_l("操作人（用户名或账号编号）"), validators=[Optional(), Length(max=64)])
    object_type = StringField(_l("对象类型"), validators=[Optional(), Length(max=40)],
                              render_kw={"placeholder": "application"})
    object_id = StringField(_l("对象编号"), validators=[Optional(), Length(max=40)])
    action = StringField(_l("操作"), validators=[Optional(), Length(max=80)],
                         render_kw={"placeholder": "application."})
    start = date_field(_l("起始日期"), "from")
    end = date_field(_l("结束日期"), "to")
