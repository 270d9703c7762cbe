"""Who is acting in the ISP tenant: the staff member's organisation and role checks.

Every ISP query goes through portal.scoping with `my_isp_id()`; roles are admin,
operator (files and verifies) and readonly. A wrong role gets 403."""
from flask_login import current_user

from portal.web.auth import current_account as me  # noqa: F401  (re-exported for the ISP views)
from portal.web.auth import role_required  # noqa: F401

WRITERS = ("admin", "operator")


def my_isp_id() -> int:
    return current_user.organisation_id
