"""Forms of the ISP tenant."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

ROLE_CHOICES = [SelectChoice("operator", _l("操作员")), SelectChoice("readonly", _l("只读")),
                SelectChoice("admin", _l("管理员"))]


class StaffForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    display_name = StringField(_l("姓名"), validators=[Optional(), Length(max=50)])
    role = SelectField(_l("角色"), choices=ROLE_CHOICES)
    mobile = StringField(_l("手机号码"), validators=[Optional(), Length(max=20)])
    email = StringField(_l("电子邮箱"), validators=[Optional(), Length(max=254)])


class NoteEntry(Form):
    field = StringField(_l("问题字段"), validators=[Optional(), Length(max=100)])
    note = StringField(_l("修改要求"), validators=[Optional(), Length(max=500)])


class ReturnForm(FlaskForm):
    version = StringField(validators=[DataRequired()])
    reason = TextAreaField(_l("退回原因"), validators=[DataRequired(), Length(max=1000)])
    notes = FieldList(FormField(NoteEntry), min_entries=3)


class DecisionForm(FlaskForm):
    version = StringField(validators=[DataRequired()])


class NumberForm(FlaskForm):
    class Meta:
        csrf = False

    number = StringField(_l("备案号"), validators=[DataRequired(), Length(max=40)])
