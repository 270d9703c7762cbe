"""Who is acting in the ISP tenant: the staff member's organisation and role checks.

Every ISP query goes through portal.scoping with `my_isp_id()`; roles are admin,
operator (files and verifies) and readonly. A wrong role gets 403."""
from flask_login import current_user

from portal.web.auth import role_required  # noqa: F401  (re-exported for the ISP views)

WRITERS = ("admin", "operator")


def me():
    return current_user._get_current_object()


def my_isp_id() -> int:
    return current_user.organisation_id
