"""The public tenant: lookup and help for anyone, the filer area for website/APP owners."""
from flask import Blueprint

bp = Blueprint("public", __name__)
api_bp = Blueprint("api", __name__)

# Routes register on import; one module per area.
from tenants.public import (api, views, views_account, views_applications, views_check,  # noqa: E402,F401
                             views_filing, views_help, views_records, views_statements)
