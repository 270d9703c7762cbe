"""Bureau pages: the dashboard (工作台) and the development mailbox."""
from flask import render_template
from flask_login import current_user

from portal.models import OutboxMessage
from portal.services import review_queue
from portal.states import BUREAU_READERS
from portal.web.auth import add_auth_routes, gate_tenant, role_required
from portal.web.pagination import paginate
from tenants.bureau import bp

bp.before_request(gate_tenant("bureau"))
add_auth_routes(bp, "bureau", "home")


@bp.route("/")
@role_required(*BUREAU_READERS)
def home():
    """Counts of the review work, each linking to the queue filtered accordingly."""
    return render_template("bureau/home.html", account=current_user,
                           counts=review_queue.dashboard_counts(),
                           urgent=review_queue.most_urgent())


@bp.route("/mailbox")
@role_required("admin")
def mailbox():
    """Development mailbox: mail and SMS kept by the development adapters."""
    messages = paginate(OutboxMessage.select().order_by(OutboxMessage.id.desc()))
    return render_template("bureau/mailbox.html", messages=messages)
