"""The bureau tenant: review, numbers, conflicts, administration."""
from flask import Blueprint

bp = Blueprint("bureau", __name__)

from tenants.bureau import views  # noqa: E402,F401
