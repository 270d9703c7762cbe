"""The ISP tenant: access providers' staff, under delegated logins, and the ISP API."""
from flask import Blueprint

bp = Blueprint("isp", __name__)
api_bp = Blueprint("isp_api", __name__)   # token-authenticated: CSRF does not apply

from portal.extensions import csrf  # noqa: E402

csrf.exempt(api_bp)

# Routes register on import; one module per area.
from tenants.isp import (api, api_import, api_webhooks, views, views_behalf, views_import,  # noqa: E402,F401
                         views_queue,
                         views_staff, views_tokens, views_webhooks)
