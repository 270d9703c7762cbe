"""Who is acting in the bureau tenant, and the role sets its pages declare.

Every bureau page is decorated with `role_required(*READERS)`, `(*DECIDERS)` or
`(*ADMINS)`; tests/tenants/test_bureau_access.py walks them all."""
from portal.states import BUREAU_ADMINS as ADMINS  # noqa: F401  (re-exported)
from portal.states import BUREAU_DECIDERS as DECIDERS  # noqa: F401
from portal.states import BUREAU_READERS as READERS  # noqa: F401
from portal.web.auth import current_account as me  # noqa: F401
from portal.web.auth import role_required  # noqa: F401
