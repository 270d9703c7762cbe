"""The ISP tenant: access providers' staff, under delegated logins."""
from flask import Blueprint

bp = Blueprint("isp", __name__)

from tenants.isp import views  # noqa: E402,F401
