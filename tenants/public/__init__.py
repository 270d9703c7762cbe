"""The public tenant: lookup and help for anyone, the filer area for website/APP owners."""
from flask import Blueprint

bp = Blueprint("public", __name__)
api_bp = Blueprint("api", __name__)

from tenants.public import api, views  # noqa: E402,F401  (routes register on import)
