"""Forms of the bureau's accounts and support pages: finding a filer and written
applications. They check shape; portal.services.written_applications checks the rules."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from portal.services.filer_search import SEARCH_LABELS
from portal.services.written_applications import CAPACITIES, KIND_LABELS, RECEIVED_VIA


def _choices(labels: dict, blank=None) -> list:
    first = [SelectChoice("", blank)] if blank is not None else []
    return first + [SelectChoice(value, label) for value, label in labels.items()]


class FilerSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("查找内容"), validators=[Optional(), Length(max=100)])
    by = SelectField(_l("按"), choices=_choices(SEARCH_LABELS, _l("自动识别")),
                     validators=[Optional()])


class WrittenForm(FlaskForm):
    kind = SelectField(_l("书面申请类型"), choices=_choices(KIND_LABELS))
    username = StringField(_l("主办者用户名"), validators=[DataRequired(), Length(max=64)])
    service_number = StringField(_l("网站/APP备案号"), validators=[Optional(), Length(max=40)])
    isp = SelectField(_l("取消哪家接入服务商的接入"), choices=[], validate_choice=False)
    target_reference = StringField(_l("要求删除的申请编号"),
                                   validators=[Optional(), Length(max=40)])
    received_via = SelectField(_l("收到方式"), choices=_choices(RECEIVED_VIA))
    received_on = DateField(_l("收到日期"), validators=[DataRequired()])
    applicant_name = StringField(_l("申请人姓名"), validators=[DataRequired(), Length(max=50)])
    applicant_capacity = SelectField(_l("申请人身份"), choices=_choices(CAPACITIES))
    applicant_cert_type = SelectField(_l("申请人证件类型"), choices=[], validate_choice=False)
    applicant_cert_number = StringField(_l("申请人证件号码"),
                                        validators=[DataRequired(), Length(max=30)])
    note = TextAreaField(_l("申请事由"), validators=[Optional(), Length(max=1000)])
    scans = MultipleFileField(_l("申请表及材料扫描件（PDF/JPG/PNG，可多选）"))

    def service_data(self) -> dict:
        """What the service takes: every field but the token and the files."""
        return {name: field.data for name, field in self._fields.items()
                if name not in ("csrf_token", "scans")}

    def uploaded(self) -> list:
        return [(f.stream, f.filename) for f in (self.scans.data or []) if f and f.filename]


class RefuseForm(FlaskForm):
    reason = TextAreaField(_l("不予受理的原因"), validators=[DataRequired(), Length(max=1000)])
