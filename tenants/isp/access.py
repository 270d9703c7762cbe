"""Who is acting in the ISP tenant: the staff member's organisation and role checks.

Every ISP query goes through portal.scoping with `my_isp_id()`; roles are admin,
operator (files and verifies) and readonly. A wrong role gets 403."""
from functools import wraps

from flask import abort
from flask_login import current_user

WRITERS = ("admin", "operator")


def me():
    return current_user._get_current_object()


def my_isp_id() -> int:
    return current_user.organisation_id


def role_required(*roles):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator
