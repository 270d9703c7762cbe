"""Bureau page: the nightly site check's findings (footer link and number, certificate),
one per approved website, problems first."""
from flask import render_template, request

from portal.services import site_sweep
from portal.states import BUREAU_READERS
from portal.web.auth import role_required
from portal.web.pagination import paginate
from tenants.bureau import bp


@bp.route("/site-checks")
@role_required(*BUREAU_READERS)
def site_checks():
    problems_only = request.args.get("problems") == "1"
    found = paginate(site_sweep.latest_findings(problems_only))
    return render_template("bureau/site_check_list.html", found=found,
                           problems_only=problems_only)
