"""Forms of the bureau's administration of ISP organisations and bureau staff.

Forms check shape only; `portal.services.organisations` and `portal.services.bureau_staff`
check the rules (unique names, formats, roles, the last admin)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

BUREAU_ROLE_CHOICES = [SelectChoice("reviewer", _l("审核员")),
                       SelectChoice("auditor", _l("审计员")),
                       SelectChoice("admin", _l("管理员"))]
CONTACT_ROWS = 3


class ContactEntry(Form):
    name = StringField(_l("联系人姓名"), validators=[Optional(), Length(max=50)])
    role = StringField(_l("职责"), validators=[Optional(), Length(max=50)])
    phone = StringField(_l("电话"), validators=[Optional(), Length(max=30)])
    email = StringField(_l("电子邮箱"), validators=[Optional(), Length(max=254)])


class OrgForm(FlaskForm):
    name = StringField(_l("接入服务商名称"), validators=[DataRequired(), Length(max=100)])
    licence_number = StringField(
        _l("经营许可证编号"), validators=[Optional(), Length(max=64)],
        description=_l("增值电信业务经营许可证编号，如 B1-20150001"))
    consultation_phone = StringField(
        _l("咨询电话"), validators=[Optional(), Length(max=30)],
        description=_l("公示在公告栏，供主办者咨询备案事宜"))
    contacts = FieldList(FormField(ContactEntry), min_entries=CONTACT_ROWS)

    def contact_rows(self) -> list[dict]:
        return [entry.data for entry in self.contacts]

    def values(self) -> dict:
        return {"name": self.name.data, "licence_number": self.licence_number.data or "",
                "consultation_phone": self.consultation_phone.data or "",
                "contacts": self.contact_rows()}


class OrgNewForm(OrgForm):
    admin_username = StringField(
        _l("首位管理员用户名"), validators=[DataRequired(), Length(max=64)],
        description=_l("该接入服务商的管理员账号，由其自行开设员工账号"))


class IspAdminForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    display_name = StringField(_l("姓名"), validators=[Optional(), Length(max=50)])
    mobile = StringField(_l("手机号码"), validators=[Optional(), Length(max=20)])
    email = StringField(_l("电子邮箱"), validators=[Optional(), Length(max=254)])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("原因"), validators=[DataRequired(), Length(max=500)])


class StaffForm(IspAdminForm):
    role = SelectField(_l("角色"), choices=BUREAU_ROLE_CHOICES, validate_choice=False)


class RoleForm(FlaskForm):
    role = SelectField(_l("角色"), choices=BUREAU_ROLE_CHOICES, validate_choice=False)
