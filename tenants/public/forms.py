"""Forms of the public tenant."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

KIND_CHOICES = [SelectChoice("", _l("全部类型")), SelectChoice("website", _l("网站")),
                SelectChoice("app", _l("APP")), SelectChoice("miniprogram", _l("小程序")),
                SelectChoice("quickapp", _l("快应用"))]


class LookupForm(FlaskForm):
    """A GET search form: no CSRF (it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("域名、备案号、主办单位名称或网站名称"),
                    validators=[DataRequired(), Length(max=253)])
    kind = SelectField(_l("服务类型"), choices=KIND_CHOICES, default="")
