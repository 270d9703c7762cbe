"""Forms of the ISP tenant."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
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


class BehalfForm(FlaskForm):
    username = StringField(_l("为客户设置的用户名"), validators=[DataRequired(), Length(max=32)])
    mobile = StringField(_l("客户手机号码"), validators=[DataRequired(), Length(max=20)])
    email = StringField(_l("客户电子邮箱"), validators=[DataRequired(), Length(max=254)])


class AccessCodeForm(FlaskForm):
    code = StringField(_l("主办者提供的授权码"), validators=[DataRequired(), Length(max=40)])
    customer_ref = StringField(_l("本单位客户编号"), validators=[Optional(), Length(max=64)])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("原因"), validators=[DataRequired(), Length(max=500)])


class MaterialsForm(FlaskForm):
    kind = SelectField(_l("申请类型"), choices=[
        SelectChoice("cancel_service", _l("注销网站/APP")), SelectChoice("cancel_subject", _l("注销主体")),
        SelectChoice("conflict_resolution", _l("冲突解决"))])
    service_id = SelectField(_l("网站/APP"), choices=[], validate_choice=False)
    reason = TextAreaField(_l("原因或情况说明"), validators=[DataRequired(), Length(max=1000)])
    materials = MultipleFileField(_l("申请材料（PDF/JPG/PNG，可多选）"))


class DomainForm(FlaskForm):
    class Meta:
        csrf = False

    domain = StringField(_l("域名"), validators=[DataRequired(), Length(max=253)])
