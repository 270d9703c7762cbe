"""ISP webhooks: every ISP staff member may see the webhooks and their delivery log;
only the admin registers, deletes, tests and retries. The secret is shown once.

The forms live here because only these pages use them (the ISP tenant has no
shared forms module yet)."""
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from portal.errors import FIXABLE
from portal.services import webhooks
from portal.web.forms import attach_errors
from portal.web.pagination import paginate
from tenants.isp import bp
from tenants.isp.access import me, my_isp_id, role_required


class WebhookForm(FlaskForm):
    url = StringField(_l("接收地址"),
                      validators=[DataRequired(), Length(max=webhooks.MAX_URL_LENGTH)],
                      description=_l("以 https://（或 http://）开头的公网地址，建议使用 https；内网和回环地址不予登记"))


class EmptyForm(FlaskForm):
    """A button: the hidden CSRF token only."""


def _is_admin() -> bool:
    return me().role == "admin"


def _list_page(form: WebhookForm, secret: str | None = None, created=None, status=200):
    html = render_template("isp/webhooks_list.html", form=form, button=EmptyForm(),
                           hooks=list(webhooks.list_webhooks(my_isp_id())), secret=secret,
                           created=created, is_admin=_is_admin())
    response = current_app.make_response((html, status))
    response.headers["Cache-Control"] = "no-store"   # the secret must not be cached
    return response


def _press_button(operation, done_message) -> bool:
    """Run a button's operation; a refusal becomes a flash message."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        operation()
    except FIXABLE as exc:
        flash(exc.message, "error")
        return False
    flash(done_message, "info")
    return True


@bp.route("/webhooks")
def webhooks_list():
    return _list_page(WebhookForm())


@bp.route("/webhooks", methods=["POST"])
@role_required("admin")
def webhooks_register():
    form = WebhookForm()
    if not form.validate_on_submit():
        return _list_page(form, status=400)
    try:
        hook, secret = webhooks.register_webhook(
            my_isp_id(), me(), form.url.data,
            allow_loopback=current_app.config["ALLOW_LOOPBACK_OUTBOUND"])
    except FIXABLE as exc:
        attach_errors(form, exc)
        return _list_page(form, status=400)
    return _list_page(WebhookForm(formdata=None), secret=secret, created=hook)


@bp.route("/webhooks/<int:webhook_id>/delete", methods=["POST"])
@role_required("admin")
def webhooks_delete(webhook_id):
    hook = webhooks.get_webhook(my_isp_id(), webhook_id)
    _press_button(lambda: webhooks.delete_webhook(my_isp_id(), me(), hook.id),
                  _l("Webhook 已删除"))
    return redirect(url_for("isp.webhooks_list"))


@bp.route("/webhooks/<int:webhook_id>/test", methods=["POST"])
@role_required("admin")
def webhooks_test(webhook_id):
    hook = webhooks.get_webhook(my_isp_id(), webhook_id)
    if _press_button(lambda: webhooks.send_test_event(my_isp_id(), me(), hook.id),
                     _l("测试事件已发出，投递结果见投递记录")):
        return redirect(url_for("isp.webhooks_deliveries"))
    return redirect(url_for("isp.webhooks_list"))


@bp.route("/webhooks/deliveries")
def webhooks_deliveries():
    page = paginate(webhooks.deliveries(my_isp_id()))
    return render_template("isp/webhooks_deliveries.html", deliveries=page, button=EmptyForm(),
                           is_admin=_is_admin())


@bp.route("/webhooks/deliveries/<int:message_id>/retry", methods=["POST"])
@role_required("admin")
def webhooks_retry(message_id):
    message = webhooks.get_delivery(my_isp_id(), message_id)
    _press_button(lambda: webhooks.retry_delivery(my_isp_id(), me(), message.id),
                  _l("已重新投递，结果见下表"))
    return redirect(url_for("isp.webhooks_deliveries"))
