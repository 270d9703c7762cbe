"""Forms of the filer's account pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.web.auth import CaptchaMixin

PASSWORD_HELP = _l("至少 8 个字符，可以使用长句；过于常见的密码会被拒绝，不要求特殊字符。")


class RegisterForm(CaptchaMixin, FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=32)],
                           description=_l("4 至 32 位字母、数字、下划线、点或连字符"))
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=128)],
                             description=PASSWORD_HELP)
    confirm = PasswordField(_l("确认密码"), validators=[
        DataRequired(), EqualTo("password", _l("两次输入的密码不一致"))])
    mobile = StringField(_l("手机号码"), validators=[DataRequired(), Length(max=20)])
    email = StringField(_l("电子邮箱"), validators=[DataRequired(), Length(max=254)])


class IdentityForm(FlaskForm):
    mobile_code = StringField(_l("手机验证码"), validators=[DataRequired(), Length(max=10)])
    email_code = StringField(_l("邮箱验证码"), validators=[DataRequired(), Length(max=10)])


class EmailForm(FlaskForm):
    email = StringField(_l("新的电子邮箱"), validators=[DataRequired(), Length(max=254)])


class ForgotPasswordForm(CaptchaMixin, FlaskForm):
    identifier = StringField(_l("用户名或注册邮箱"), validators=[DataRequired(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    code = StringField(_l("邮箱验证码"), validators=[DataRequired(), Length(max=10)])
    password = PasswordField(_l("新密码"), validators=[DataRequired(), Length(max=128)],
                             description=PASSWORD_HELP)
    confirm = PasswordField(_l("确认新密码"), validators=[
        DataRequired(), EqualTo("password", _l("两次输入的密码不一致"))])


class ForgotUsernameForm(CaptchaMixin, FlaskForm):
    email = StringField(_l("注册邮箱"), validators=[DataRequired(), Length(max=254)])
