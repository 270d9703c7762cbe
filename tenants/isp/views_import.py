"""Bulk import (/isp/imports): upload a CSV or JSON file of customers, dry run or import,
follow the job's progress, read every error, download the result file once."""
from flask import Response, abort, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField

from portal import ROOT
from portal.errors import FIXABLE
from portal.pagination import Page
from portal.services import imports
from portal.services.import_format import errors_csv, has_passwords
from portal.web.forms import EmptyForm, attach_errors
from portal.web.pagination import page_number, paginate
from tenants.isp import bp
from tenants.isp.access import WRITERS, me, my_isp_id, role_required

ERRORS_PER_PAGE = 200
CSV_BOM = "\ufeff"   # so spreadsheet programs read the UTF-8 file as such


class ImportForm(FlaskForm):
    # Kept here rather than in forms.py: only this page uses it.
    file = FileField(_l("导入文件（CSV 或 JSON）"),
                     validators=[FileRequired(_l("请选择要上传的文件"))],
                     description=_l("按扩展名 .csv / .json 识别格式，无扩展名时按内容识别；UTF-8 编码"))
    dry_run = BooleanField(_l("仅试运行：校验每一行并列出全部错误，不写入任何数据"), default=True)


def _list_page(form, status=200):
    jobs = paginate(imports.isp_jobs(my_isp_id()))
    can_import = me().role in WRITERS
    return render_template("isp/import_list.html", form=form, jobs=jobs,
                           can_import=can_import), status


@bp.route("/imports")
def import_list():
    return _list_page(ImportForm())


@bp.route("/imports", methods=["POST"])
@role_required(*WRITERS)
def import_upload():
    form = ImportForm()
    if not form.validate_on_submit():
        return _list_page(form, 400)
    upload = form.file.data
    try:
        job = imports.start_job(my_isp_id(), me(), upload.read(), upload.filename or "",
                                form.dry_run.data, upload.mimetype or "")
    except FIXABLE as exc:
        attach_errors(form, exc)
        return _list_page(form, 400)
    return redirect(url_for("isp.import_job", job_id=job.id))


def _errors_page(errors: list) -> Page:
    page = page_number()
    start = (page - 1) * ERRORS_PER_PAGE
    return Page(errors[start:start + ERRORS_PER_PAGE], page, ERRORS_PER_PAGE, len(errors))


@bp.route("/imports/<int:job_id>")
def import_job(job_id):
    job = imports.get_job_for_isp(job_id, my_isp_id())
    return render_template("isp/import_job.html", job=job, errors=_errors_page(job.errors),
                           created=imports.created_count(job), form=EmptyForm(),
                           running=job.status in (imports.QUEUED, imports.RUNNING),
                           has_passwords=has_passwords(job.result),
                           mine=job.created_by_id == me().id)


@bp.route("/imports/<int:job_id>/errors.csv")
def import_errors(job_id):
    job = imports.get_job_for_isp(job_id, my_isp_id())
    return _csv(errors_csv(job.errors), f"import-{job.id}-errors.csv")


@bp.route("/imports/<int:job_id>/result", methods=["POST"])
@role_required(*WRITERS)
def import_result(job_id):
    imports.get_job_for_isp(job_id, my_isp_id())
    if not EmptyForm().validate_on_submit():
        abort(400)
    text = imports.take_result(job_id, my_isp_id(), me())
    return _csv(text, f"import-{job_id}-result.csv")


def _csv(text: str, filename: str) -> Response:
    return Response(CSV_BOM + text, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename={filename}",
        "Cache-Control": "no-store"})


@bp.route("/imports/format")
def import_format():
    """The format description (docs/import-format.md), as it is in the repository."""
    text = (ROOT / "docs" / "import-format.md").read_text(encoding="utf-8")
    return Response(text, mimetype="text/markdown")
