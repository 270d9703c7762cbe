"""API tokens (/isp/tokens): the ISP admin names, scopes and revokes the bearer tokens
its systems use against /api/v1/isp. The plain token is shown once, at creation."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from portal.errors import FIXABLE
from portal.models import ApiToken
from portal.services import api_tokens
from portal.web.forms import EmptyForm, attach_errors
from tenants.isp import bp
from tenants.isp.access import me, my_isp_id, role_required

SCOPE_CHOICES = [SelectChoice("read", _l("只读（read）：查询接入核验、申请进度和客户")),
                 SelectChoice("write", _l("写入（write）：代客户提交、核实、退回、新增和取消接入"))]


class TokenForm(FlaskForm):
    # Kept here rather than in forms.py: only this page uses it.
    name = StringField(_l("令牌名称"), validators=[DataRequired(), Length(max=64)],
                       description=_l("用于区分不同系统，如“工单系统”"))
    scopes = SelectMultipleField(_l("权限"), choices=SCOPE_CHOICES, default=["read"],
                                 widget=ListWidget(prefix_label=False),
                                 option_widget=CheckboxInput())


def _page(form):
    return render_template("isp/tokens.html", form=form, revoke=EmptyForm(),
                           tokens=list(api_tokens.isp_tokens(my_isp_id())))


@bp.route("/tokens")
@role_required("admin")
def tokens():
    return _page(TokenForm())


@bp.route("/tokens", methods=["POST"])
@role_required("admin")
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form)
    try:
        token, plain = api_tokens.create_token(my_isp_id(), me(), form.name.data,
                                               form.scopes.data)
    except FIXABLE as exc:
        attach_errors(form, exc)
        return _page(form)
    # Shown once, never stored in plain: no redirect, and no cached copy of the page.
    page = render_template("isp/tokens_created.html", token=token, plain=plain)
    return page, 200, {"Cache-Control": "no-store"}


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@role_required("admin")
def revoke_token(token_id):
    token = api_tokens.isp_tokens(my_isp_id()).where(ApiToken.id == token_id).first()
    if token is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    api_tokens.revoke_token(my_isp_id(), me(), token.id)
    flash(_l("令牌“%(name)s”已吊销，使用它的调用将立即失败", name=token.name), "info")
    return redirect(url_for("isp.tokens"))
