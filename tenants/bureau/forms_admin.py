"""Forms of the bureau's administration pages: settings, enumerations, the working-day
calendar, announcements and the annual-review window. They check shape only; the rules
(URL, window order, shell periods, list shapes) live in portal/services."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


class SettingsForm(FlaskForm):
    bureau_name = StringField(_l("管局名称"), validators=[DataRequired(), Length(max=100)])
    address = StringField(_l("地址"), validators=[Optional(), Length(max=200)])
    office_hours = StringField(_l("办公时间"), validators=[Optional(), Length(max=200)],
                               description=_l("如：工作日 9:00-12:00，13:30-17:30"))
    phones = StringField(_l("咨询电话"), validators=[Optional(), Length(max=200)],
                         description=_l("多个号码用顿号或逗号分隔"))
    fax = StringField(_l("传真"), validators=[Optional(), Length(max=100)])
    cancellation_mailbox = StringField(_l("注销申请邮箱"), validators=[Optional(), Length(max=254)])
    public_site_url = StringField(_l("公共查询网址"), validators=[DataRequired(), Length(max=255)],
                                  description=_l("网站底部备案号链接到的地址，须以 http:// 或 https:// 开头"))
    annual_review_start = DateField(_l("年度审核开始日期"), validators=[Optional()])
    annual_review_end = DateField(_l("年度审核结束日期"), validators=[Optional()])
    shell_warning_days = IntegerField(_l("空壳提醒天数"), validators=[InputRequired()],
                                      description=_l("失去全部接入后，经过多少天提醒主办者和原接入商"))
    shell_candidate_days = IntegerField(_l("列入注销候选天数"), validators=[InputRequired()],
                                        description=_l("失去全部接入后，经过多少天列入注销候选（须大于提醒天数）"))

    def values(self) -> dict:
        """The fields as the settings service takes them."""
        return {name: field.data for name, field in self._fields.items()
                if name != "csrf_token"}


class EnumerationForm(FlaskForm):
    base_version = HiddenField(validators=[DataRequired()])
    content = TextAreaField(_l("内容"), validators=[DataRequired(), Length(max=200_000)])


CALENDAR_KINDS = [SelectChoice("holiday", _l("节假日（不上班）")),
                  SelectChoice("workday", _l("调休上班日（周末上班）"))]


class CalendarForm(FlaskForm):
    day = DateField(_l("日期"), validators=[DataRequired()])
    kind = SelectField(_l("类型"), choices=CALENDAR_KINDS)
    note = StringField(_l("说明"), validators=[Optional(), Length(max=100)],
                       description=_l("如：国庆节、国庆节调休"))


class YearForm(FlaskForm):
    class Meta:
        csrf = False

    year = IntegerField(_l("年份"), validators=[Optional(), NumberRange(2000, 2100)])


class AnnouncementForm(FlaskForm):
    title = StringField(_l("标题"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("正文"), validators=[DataRequired(), Length(max=20000)])


class WindowForm(FlaskForm):
    start = DateField(_l("开始日期"), validators=[Optional()])
    end = DateField(_l("结束日期"), validators=[Optional()])
    # Set by the button pressed (save or close); not rendered as a field of its own.
    action = StringField(default="save")
