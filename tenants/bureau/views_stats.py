"""Bureau pages: the statistics dashboard (SVG charts, tables) and its CSV export."""
import csv
import io

from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from portal import charts
from portal.errors import FIXABLE
from portal.services import statistics
from portal.states import BUREAU_READERS, KIND_LABELS, STATE_LABELS
from portal.web.auth import role_required
from portal.web.forms import attach_errors
from tenants.bureau import bp
from tenants.bureau.forms_audit import PeriodForm

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _period(form: PeriodForm):
    """The period the form asks for, or None with the messages on the form."""
    if not form.validate():
        return None
    try:
        return statistics.resolve_period(*form.dates())
    except FIXABLE as exc:
        attach_errors(form, exc)
        return None


@bp.route("/stats")
@role_required(*BUREAU_READERS)
def stats():
    form = PeriodForm(formdata=request.args)
    period = _period(form)
    if period is None:
        return render_template("bureau/stats_view.html", form=form, board=None), 400
    form.start.data, form.end.data = period.start.isoformat(), period.end.isoformat()
    board = statistics.build_dashboard(period)
    return render_template("bureau/stats_view.html", form=form, board=board,
                           tables=statistics.build_tables(board), svg=_charts(board))


def _charts(board) -> dict:
    """The dashboard's pictures; the tables beside them carry the same numbers."""
    return {
        "states": charts.bar_chart("chart-states", _l("申请数：按状态"),
                                   [(STATE_LABELS[s], n) for s, n in board.state_totals()]),
        "kinds": charts.bar_chart("chart-kinds", _l("申请数：按类型"),
                                  [(KIND_LABELS[k], n) for k, n in board.kind_totals()]),
        "weekly": charts.column_chart("chart-weekly", _l("每周审核通过数"),
                                      [(monday.strftime("%m-%d"), n)
                                       for monday, n in board.weekly]),
        "isps": charts.bar_chart("chart-isps", _l("按接入商：申请数"),
                                 [(row.name, row.applications) for row in board.isps]),
        "fields": charts.bar_chart("chart-fields", _l("退回字段：被标出的次数"),
                                   [(name, bureau + isp) for name, bureau, isp in board.fields]),
    }


@bp.route("/stats/<table>.csv")
@role_required(*BUREAU_READERS)
def stats_csv(table):
    if table not in statistics.TABLE_NAMES:
        abort(404)
    form = PeriodForm(formdata=request.args)
    period = _period(form)
    if period is None:   # the dashboard shows what is wrong with the dates
        return redirect(url_for("bureau.stats", **request.args))
    found = statistics.build_tables(statistics.build_dashboard(period))[table]
    filename = f"{table}_{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"
    return csv_response(filename, found.header, found.rows)


def csv_cell(value) -> str:
    """A cell as text; one that a spreadsheet would run as a formula gets a leading '."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_response(filename: str, header: list, rows: list) -> Response:
    """UTF-8 with a BOM (so Excel reads the Chinese), sent as an attachment."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in [header, *rows]:
        writer.writerow([csv_cell(value) for value in row])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
