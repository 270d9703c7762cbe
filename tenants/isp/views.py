"""ISP pages: the landing page lists this ISP's applications (scoped)."""
from flask import render_template
from flask_login import current_user

from portal.models import Application
from portal.scoping import isp_applications
from portal.web.auth import add_auth_routes, gate_tenant
from portal.web.pagination import paginate
from tenants.isp import bp

bp.before_request(gate_tenant("isp"))
add_auth_routes(bp, "isp", "home")


@bp.route("/")
def home():
    account = current_user._get_current_object()
    applications = paginate(isp_applications(account.organisation_id)
                            .order_by(Application.id.desc()))
    return render_template("isp/home.html", account=account, applications=applications)
