"""Bureau pages: the dashboard (工作台) and the mailbox (outgoing mail and SMS, the
development mailbox when no real server is configured, failed messages and their retry)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import delivery
from portal.errors import FIXABLE
from portal.services import review_queue
from portal.states import BUREAU_ADMINS, BUREAU_READERS
from portal.web.auth import add_auth_routes, gate_tenant, role_required
from portal.web.forms import EmptyForm
from portal.web.pagination import paginate
from tenants.bureau import bp

bp.before_request(gate_tenant("bureau"))
add_auth_routes(bp, "bureau", "home")

MAILBOX_FILTERS = ("failed", "pending", "sent")


@bp.route("/")
@role_required(*BUREAU_READERS)
def home():
    """Counts of the review work, each linking to the queue filtered accordingly."""
    return render_template("bureau/home.html", account=current_user,
                           counts=review_queue.dashboard_counts(),
                           urgent=review_queue.most_urgent())


@bp.route("/mailbox")
@role_required(*BUREAU_ADMINS)
def mailbox():
    """Outgoing mail, SMS and webhook events, filtered by status (?status=failed)."""
    status = request.args.get("status")
    status = status if status in MAILBOX_FILTERS else None
    messages = paginate(delivery.outbox_messages(status))
    return render_template("bureau/mailbox.html", messages=messages, status=status,
                           filters=MAILBOX_FILTERS, button=EmptyForm(),
                           retryable=delivery.RETRYABLE_CHANNELS,
                           show_sms_text=delivery.is_development("sms"))


@bp.route("/mailbox/<int:message_id>/retry", methods=["POST"])
@role_required(*BUREAU_ADMINS)
def outbox_retry(message_id):
    """Send a failed email or SMS again (same message id), queued after commit."""
    message = delivery.get_message(message_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        delivery.retry_message(current_user, message.id)
    except FIXABLE as exc:
        flash(exc.message, "error")
    else:
        flash(_l("已重新发送，结果见下表"), "info")
    return redirect(url_for("bureau.mailbox", status="failed"))
