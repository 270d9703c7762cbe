"""Forms on the filer's record page."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("注销原因"), validators=[DataRequired(), Length(max=500)])
    confirm = BooleanField(_l("我已了解：注销后备案号作废，网站须停止接入；注销主体后账号关闭"),
                           validators=[InputRequired(_l("请确认"))])
