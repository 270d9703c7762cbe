"""The bureau tenant: review, numbers, conflicts, cancellations, administration.

One views module per area of the bureau's work; every page checks its role with
`role_required` (BUREAU_READERS, BUREAU_DECIDERS or BUREAU_ADMINS from portal.states).
"""
from flask import Blueprint

bp = Blueprint("bureau", __name__)

from tenants.bureau import (  # noqa: E402,F401
    views, views_review, views_conflicts, views_records, views_shells, views_accounts,
    views_written, views_orgs, views_staff, views_settings, views_announcements,
    views_annual, views_stats, views_audit)
from tenants.bureau import views_site_checks  # noqa: E402,F401
from tenants.bureau import views_tasks  # noqa: E402,F401
