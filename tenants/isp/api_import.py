"""ISP API: bulk import (same file format as the page, docs/import-format.md).

POST /api/v1/isp/imports?dry_run=true|false with the file as the raw body
(text/csv or application/json). A small file is answered at once: 200 with the
totals (and, for a real import, the accounts with their initial passwords, given
once), or 422 with every error; a large one runs as a background job: 202, then
GET /api/v1/isp/imports/<id> until it is done.
"""
from flask import Response, g, jsonify, request

from portal.errors import FIXABLE, Forbidden, NotFound
from portal.services import imports
from portal.services.import_format import MAX_BYTES, read_result
from portal.web.api_auth import api_actor, api_error, token_required
from tenants.isp import api_bp

TRUE, FALSE = ("1", "true", "yes"), ("0", "false", "no")


def job_summary(job) -> dict:
    return {"job": job.id, "status": job.status, "dry_run": job.dry_run, "total": job.total,
            "done": job.done, "created": imports.created_count(job), "errors": job.errors}


def _finished(job):
    """200 with the summary (and the accounts of a real import), or 422 with the errors."""
    body = job_summary(job)
    if job.errors:
        return jsonify(error={"code": "invalid_file",
                              "message": f"{len(job.errors)} error(s); nothing was written"},
                       **body), 422
    if not job.dry_run:
        body["accounts"] = read_result(imports.take_result(job.id, g.api_isp_id, api_actor()))
    return jsonify(body), 200


@api_bp.route("/imports", methods=["POST"])
@token_required("write")
def create_import():
    flag = request.args.get("dry_run", "true").strip().lower()
    if flag not in TRUE + FALSE:
        return api_error("bad_request", "dry_run must be true or false", 400)
    request.max_content_length = MAX_BYTES   # 100 000 rows; every other route keeps the cap
    try:
        job = imports.start_job(g.api_isp_id, api_actor(), request.get_data(cache=False),
                                dry_run=flag in TRUE, content_type=request.mimetype or "")
    except Forbidden as exc:
        return api_error("forbidden", exc.message, 403)
    except FIXABLE as exc:
        return api_error("bad_request", exc.message, 400)
    if job.status in (imports.QUEUED, imports.RUNNING):
        return jsonify(job_summary(job)), 202
    return _finished(job)


@api_bp.route("/imports/<int:job_id>")
@token_required("read")
def get_import(job_id):
    try:
        job = imports.get_job_for_isp(job_id, g.api_isp_id)
    except NotFound:
        return api_error("not_found", "no such import job", 404)
    return jsonify(job_summary(job))


@api_bp.route("/imports/<int:job_id>/result", methods=["POST"])
@token_required("write")
def take_import_result(job_id):
    """The result file (CSV) of a real import run with this token's account; the initial
    passwords are in it only the first time."""
    try:
        text = imports.take_result(job_id, g.api_isp_id, api_actor())
    except NotFound:
        return api_error("not_found", "no result for this import job", 404)
    except Forbidden:
        return api_error("forbidden", "only the account that ran the import may take its result",
                         403)
    return Response(text, mimetype="text/csv", headers={"Cache-Control": "no-store"})
