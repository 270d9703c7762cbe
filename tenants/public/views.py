"""Public pages: home and the lookup (no login), and the filer's landing page."""
from flask import render_template, request
from flask_babel import gettext as _

from portal.errors import ValidationError
from portal.services.lookup import lookup
from portal.services.throttle import take_lookup
from portal.web.client import client_address
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
    """Each search costs the client a token of the same bucket as the JSON API's: the
    page is not a way around the API's rate limit."""
    form = LookupForm(request.args)
    result, error = None, None
    if form.validate():
        wait = take_lookup(client_address())
        if wait:
            error = _("查询过于频繁，请 %(seconds)d 秒后再试", seconds=int(wait) + 1)
            return (render_template("public/lookup.html", form=form, result=None, error=error),
                    429, {"Retry-After": str(int(wait) + 1)})
        try:
            result = lookup(form.q.data, kind=form.kind.data or None, page=page_number())
        except ValidationError as exc:
            error = exc.message
    return render_template("public/lookup.html", form=form, result=result, error=error)
