"""Public pages: home and the lookup (no login), and the filer's landing page."""
from flask import render_template, request

from portal.errors import ValidationError
from portal.services.lookup import lookup
from portal.web.auth import add_auth_routes, gate_tenant, public_page
from portal.web.pagination import page_number
from tenants.public import bp
from tenants.public.forms import LookupForm

bp.before_request(gate_tenant("public"))
add_auth_routes(bp, "public", "home")


@bp.route("/")
@public_page
def index():
    return render_template("public/index.html", form=LookupForm())


@bp.route("/lookup")
@public_page
def lookup_page():
    form = LookupForm(request.args)
    result, error = None, None
    if form.validate():
        try:
            result = lookup(form.q.data, kind=form.kind.data or None, page=page_number())
        except ValidationError as exc:
            error = exc.message
    return render_template("public/lookup.html", form=form, result=result, error=error)
