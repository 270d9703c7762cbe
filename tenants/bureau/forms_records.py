"""Forms of the bureau's record pages: conflicts, revocation and cancellation, flags,
the blacklist, shells and record history. Each decision names its reason."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, HiddenField, IntegerField, SelectField,
                     StringField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

REASON_HELP = _l("原因将记入审计日志并通知主办者")


def reason_field(label):
    return TextAreaField(label, validators=[DataRequired(_l("请填写原因")), Length(max=1000)],
                         description=REASON_HELP)


class ReasonForm(FlaskForm):
    """A decision that needs only its reason (restrict, lift, mark, clear, remove)."""
    reason = reason_field(_l("原因"))


class RevokeForm(FlaskForm):
    service_id = SelectField(_l("撤销对象"), choices=[], validate_choice=True)
    reason = reason_field(_l("撤销原因"))


class CancelForm(FlaskForm):
    service_id = SelectField(_l("注销对象"), choices=[], validate_choice=True)
    reason = reason_field(_l("注销原因"))
    for_violation = BooleanField(_l("因违法违规注销（列入违法违规名单）"))
    blacklist = BooleanField(_l("同时列入黑名单（证件号码和网站名称不能再次备案；仅限因违法违规注销）"))


def target_choices(subject) -> list:
    """The subject itself ("") or one of its live services."""
    from portal.models import Service
    choices = [SelectChoice("", _l("整个主体（含全部网站/APP）"))]
    choices += [SelectChoice(str(s.id), f"{s.filing_number} {s.name}")
                for s in subject.services.where(Service.status == "active").order_by(Service.id)]
    return choices


class ConflictEndForm(FlaskForm):
    target = SelectField(_l("对方的备案"), choices=[], validate_choice=True)
    how = SelectField(_l("处理方式"), choices=[SelectChoice("revoke", _l("撤销")),
                                               SelectChoice("cancel", _l("注销"))])
    reason = reason_field(_l("原因"))


class ConflictDeleteForm(FlaskForm):
    other_id = SelectField(_l("对方的在办申请"), choices=[], validate_choice=True)
    reason = TextAreaField(_l("书面申请说明"), validators=[DataRequired(_l("请填写书面申请的说明")),
                                                     Length(max=1000)],
                           description=_l("写明对方书面申请的收到日期、方式（纸质、传真或邮件）和编号"))


class ShellCancelForm(FlaskForm):
    """The ids come as repeated `flag_ids` values (checkboxes), read by the view."""
    reason = reason_field(_l("批量注销原因"))
    confirm = HiddenField()


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("备案号、主办单位名称、证件号码或域名"),
                    validators=[Optional(), Length(max=253)])


class AsOfForm(FlaskForm):
    class Meta:
        csrf = False

    on = DateField(_l("查看日期"), validators=[Optional()])


class CompareForm(FlaskForm):
    class Meta:
        csrf = False

    left = IntegerField(_l("版本"), validators=[DataRequired()])
    right = IntegerField(_l("对比版本"), validators=[DataRequired()])
