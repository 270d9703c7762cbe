"""Forms of the filing wizard and their mapping to the proposal's dictionaries."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, FieldList, Form, FormField, HiddenField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal import enumerations as enums

PERSON_FIELDS = ("name", "cert_type", "cert_number", "mobile", "phone", "email",
                 "emergency_contact")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PersonMixin:
    r_name = StringField(_l("负责人姓名"), validators=[DataRequired(), Length(max=50)])
    r_cert_type = SelectField(_l("负责人证件类型"), choices=[])
    r_cert_number = StringField(_l("负责人证件号码"), validators=[DataRequired(), Length(max=30)])
    r_mobile = StringField(_l("负责人手机号码"), validators=[DataRequired(), Length(max=20)])
    r_phone = StringField(_l("负责人办公电话"), validators=[Optional(), Length(max=30)])
    r_email = StringField(_l("负责人电子邮箱"), validators=[DataRequired(), Length(max=254)])
    r_emergency_contact = StringField(_l("应急联系电话"), validators=[Optional(), Length(max=30)])


class SubjectForm(PersonMixin, FlaskForm):
    nature = SelectField(_l("主办单位性质"), choices=[])
    name = StringField(_l("主办单位名称"), validators=[DataRequired(), Length(max=100)],
                       description=_l("单位填写证件上的全称；个人填写本人姓名"))
    cert_type = SelectField(_l("证件类型"), choices=[])
    cert_number = StringField(_l("证件号码"), validators=[DataRequired(), Length(max=30)],
                              description=_l("证件号码备案后不可变更"))
    address = StringField(_l("证件住所（注册地址）"), validators=[DataRequired(), Length(max=200)],
                          description=_l("须位于本省；外省个人请上传本省居住证"))
    mailing_address = StringField(_l("通信地址"), validators=[Optional(), Length(max=200)])
    investor = StringField(_l("投资人或主管单位"), validators=[Optional(), Length(max=100)])
    commercial = BooleanField(_l("提供经营性互联网信息服务"))
    licence_number = StringField(_l("ICP经营许可证号"), validators=[Optional(), Length(max=40)],
                                 description=_l("经营性服务须先取得ICP经营许可证，备案不能替代许可"))


class ServiceForm(PersonMixin, FlaskForm):
    kind = HiddenField()
    name = StringField(_l("名称"), validators=[DataRequired(), Length(max=50)])
    registered_name = BooleanField(_l("名称为已注册的商标或字号（可不含中文）"))
    domains = TextAreaField(_l("域名"), validators=[Length(max=4000)],
                            description=_l("每行一个，例如 example.cn；中文域名可直接填写"))
    homepage = StringField(_l("首页网址"), validators=[Optional(), Length(max=300)])
    ips = TextAreaField(_l("服务器 IP 地址"), validators=[Length(max=2000)],
                        description=_l("每行一个公网 IPv4 或 IPv6 地址"))
    content_category = SelectField(_l("服务内容"), choices=[])
    languages = MultiCheckboxField(_l("语言"), choices=[])
    app_id = StringField(_l("平台应用ID（AppID）"), validators=[Optional(), Length(max=64)])
    android_package = StringField(_l("安卓包名"), validators=[Optional(), Length(max=200)])
    android_fingerprint = StringField(_l("安卓签名 MD5"), validators=[Optional(), Length(max=64)])
    ios_bundle = StringField(_l("iOS Bundle ID"), validators=[Optional(), Length(max=200)])
    ios_fingerprint = StringField(_l("iOS 签名 SHA-1"), validators=[Optional(), Length(max=64)])
    harmony_bundle = StringField(_l("鸿蒙包名"), validators=[Optional(), Length(max=200)])
    sdks = TextAreaField(_l("第三方SDK"), validators=[Length(max=2000)],
                         description=_l("每行一个：SDK 名称和提供方"))


class AccessEntry(Form):
    location = SelectField(_l("服务器所在地"), choices=[])
    isps = MultiCheckboxField(_l("接入服务商"), choices=[], coerce=str, validate_choice=False)


class AccessForm(FlaskForm):
    entries = FieldList(FormField(AccessEntry))


class PreApprovalEntry(Form):
    service_index = HiddenField()
    document_number = StringField(_l("前置审批文号"), validators=[DataRequired(), Length(max=100)])
    document = FileField(_l("审批文件（PDF/JPG/PNG）"))


class PreApprovalForm(FlaskForm):
    entries = FieldList(FormField(PreApprovalEntry))


def fill_choices(form) -> None:
    """Select options come from the bureau's enumerations (current version)."""
    certs = [(c["name"], c["name"]) for c in enums.get_enumeration("certificate_types")]
    form.r_cert_type.choices = certs
    if isinstance(form, SubjectForm):
        form.nature.choices = [(n["name"], n["name"]) for n in enums.get_enumeration(
            "subject_natures")]
        form.cert_type.choices = certs
    if isinstance(form, ServiceForm):
        form.content_category.choices = [(c, c) for c in enums.get_enumeration(
            "service_categories")]
        form.languages.choices = [(x, x) for x in enums.get_enumeration("languages")]


def person_from(form) -> dict:
    return {f: (getattr(form, "r_" + f).data or "").strip() for f in PERSON_FIELDS}


def fill_person(form, person: dict) -> None:
    for f in PERSON_FIELDS:
        getattr(form, "r_" + f).data = (person or {}).get(f, "")
    form.r_cert_type.data = form.r_cert_type.data or "居民身份证"


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").replace(",", "\n").splitlines() if line.strip()]
