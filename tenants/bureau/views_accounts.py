"""Bureau pages: finding a filer and the filer's page (an audited read)."""
from flask import render_template, request

from portal.clock import local_today
from portal.services import filer_search
from portal.services import written_applications as written
from portal.states import BUREAU_READERS
from portal.web.auth import role_required
from portal.web.pagination import paginate
from tenants.bureau import bp
from tenants.bureau.access import me
from tenants.bureau.forms_accounts import FilerSearchForm


@bp.context_processor
def accounts_labels():
    """Labels the accounts and written-application templates and macros share."""
    return {"WRITTEN_KIND_LABELS": written.KIND_LABELS,
            "WRITTEN_STATE_LABELS": written.STATE_LABELS,
            "RECEIVED_VIA_LABELS": written.RECEIVED_VIA, "CAPACITY_LABELS": written.CAPACITIES,
            "RECORD_STATUS_LABELS": filer_search.RECORD_STATUS_LABELS}


@bp.route("/filers")
@role_required(*BUREAU_READERS)
def filers():
    """Search by filing number, username, subject name, certificate number, mobile or email."""
    form, found, rows = FilerSearchForm(request.args), None, []
    if form.q.data and form.validate():
        found = paginate(filer_search.search_filers(form.q.data, form.by.data, me()))
        rows = filer_search.filer_rows(found.items)
    return render_template("bureau/filer_list.html", form=form, found=found, rows=rows)


@bp.route("/filers/<int:account_id>")
@role_required(*BUREAU_READERS)
def filer_view(account_id):
    detail = filer_search.view_filer(account_id, me())
    return render_template("bureau/filer_view.html", detail=detail, row=detail.row,
                           account=detail.row.account,
                           applications=paginate(detail.applications), today=local_today())
