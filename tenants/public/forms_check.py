"""Forms of the public check pages: the certificate check and the SMS verification."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp
from wtforms.validators import ValidationError as FieldError

from portal.errors import ValidationError
from portal.validators import normalise_domain, validate_mobile

CERTIFICATE_MAX_BYTES = 64 * 1024


class CertificateCheckForm(FlaskForm):
    """Paste, upload or name a domain. With a certificate, the domain is only compared;
    alone, the domain's /cert/bazs.cert is fetched."""

    text = TextAreaField(_l("证书内容"), validators=[Optional(),
                                                   Length(max=CERTIFICATE_MAX_BYTES)])
    upload = FileField(_l("证书文件（bazs.cert）"))
    domain = StringField(_l("网站域名"), validators=[Optional(), Length(max=253)])

    certificate: bytes | str | None = None

    def validate_domain(self, field):
        try:
            field.data = normalise_domain(field.data)
        except ValidationError as exc:
            raise FieldError(str(exc.message)) from None

    def validate_upload(self, field):
        if not field.data:
            return
        content = field.data.stream.read(CERTIFICATE_MAX_BYTES + 1)
        if len(content) > CERTIFICATE_MAX_BYTES:
            raise FieldError(_l("文件超过 64 KB，不是备案电子证书。请上传从备案系统下载的 bazs.cert"))
        self.certificate = content

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        pasted = (self.text.data or "").strip()
        if pasted and self.upload.data:
            self.form_errors.append(_l("请只选择一种方式：粘贴证书内容或上传证书文件"))
            return False
        if pasted:
            self.certificate = pasted
        if self.certificate is None and not self.domain.data:
            self.form_errors.append(_l("请粘贴证书内容、上传证书文件或填写网站域名（任选一种）"))
            return False
        return True


class SmsLookupForm(FlaskForm):
    """Step 1, a GET form: no CSRF (it changes nothing)."""

    class Meta:
        csrf = False

    reference = StringField(_l("申请编号"), validators=[DataRequired(), Length(max=32)])


class SmsConfirmForm(FlaskForm):
    """Step 2: one person confirms with their code, or asks for a new code."""

    reference = HiddenField(validators=[DataRequired(), Length(max=32)])
    cert_number = StringField(_l("证件号码"), validators=[DataRequired(), Length(max=32)])
    mobile = StringField(_l("手机号码"), validators=[DataRequired(), Length(max=20)])
    code = StringField(_l("核验码"), validators=[
        Regexp(r"^\s*(\d{6})?\s*$", message=_l("核验码为短信中的6位数字"))])
    confirm = SubmitField(_l("确认核验"))
    resend = SubmitField(_l("重新发送核验码"))

    def validate_mobile(self, field):
        try:
            field.data = validate_mobile(field.data)
        except ValidationError as exc:
            raise FieldError(str(exc.message)) from None

    def validate_code(self, field):
        if not self.resend.data and not (field.data or "").strip():
            raise FieldError(_l("请填写短信中的6位核验码"))
