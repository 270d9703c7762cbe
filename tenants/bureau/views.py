"""Bureau pages: the landing page and the development mailbox."""
from flask import render_template
from flask_login import current_user

from portal.models import Application, OutboxMessage
from portal.states import State
from portal.web.auth import add_auth_routes, gate_tenant, role_required
from portal.web.pagination import paginate
from tenants.bureau import bp

bp.before_request(gate_tenant("bureau"))
add_auth_routes(bp, "bureau", "home")


@bp.route("/")
def home():
    queue = paginate(Application.select().where(Application.state == State.REVIEW)
                     .order_by(Application.due_on, Application.id))
    return render_template("bureau/home.html", account=current_user, queue=queue)


@bp.route("/mailbox")
@role_required("admin")
def mailbox():
    """Development mailbox: mail and SMS kept by the development adapters."""
    messages = paginate(OutboxMessage.select().order_by(OutboxMessage.id.desc()))
    return render_template("bureau/mailbox.html", messages=messages)
