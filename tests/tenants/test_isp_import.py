"""Bulk import pages (/isp/imports) and API (/api/v1/isp/imports)."""
import io
import json

import pytest

from portal.models import Account, Application, ImportJob
from portal.services import imports
from portal.states import State
from tests.conftest import csrf_token
from tests.portal.test_imports import BASE, counts, import_row, to_csv, to_json

API = "/api/v1/isp/imports"


def upload(client, rows, dry_run=True, name="customers.csv", data=None):
    form = {"csrf_token": csrf_token(client, "/isp/imports"),
            "file": (io.BytesIO(data if data is not None else to_csv(rows)), name)}
    if dry_run:
        form["dry_run"] = "y"
    return client.post("/isp/imports", data=form, content_type="multipart/form-data")


def job_of(response) -> ImportJob:
    assert response.status_code == 302, response.get_data(as_text=True)
    return ImportJob.get_by_id(int(response.location.rstrip("/").rsplit("/", 1)[1]))


@pytest.fixture
def token(bearer):
    """API request headers (the shared `bearer` fixture)."""
    return bearer


# -- pages --------------------------------------------------------------------------

def test_the_page_links_the_templates_and_the_format(client, login, isp):
    login(isp.operator.username, tenant="isp")
    html = client.get("/isp/imports").get_data(as_text=True)
    assert "/static/import_template.csv" in html and "/static/import_template.json" in html
    assert 'enctype="multipart/form-data"' in html and 'name="dry_run"' in html
    doc = client.get("/isp/imports/format")
    assert doc.status_code == 200 and "website_domains" in doc.get_data(as_text=True)


@pytest.mark.parametrize("name", ["import_template.csv", "import_template.json"])
def test_the_templates_are_valid_files_of_the_format(app, client, isp, name):
    response = client.get(f"/static/{name}")
    data = response.get_data()
    response.close()
    report = imports.run_import(isp.id, isp.operator, data, None, dry_run=True)
    assert report.ok and report.total == 1
    assert ".example" in data.decode("utf-8-sig")


def test_a_dry_run_upload_shows_its_job_and_writes_nothing(client, login, isp):
    login(isp.operator.username, tenant="isp")
    before = counts()
    job = job_of(upload(client, [import_row(BASE), import_row(BASE + 1)]))
    assert (job.status, job.dry_run, job.total, job.done) == ("done", True, 2, 2)
    html = client.get(f"/isp/imports/{job.id}").get_data(as_text=True)
    assert '<progress id="progress" value="2" max="2">' in html and "试运行通过" in html
    assert 'http-equiv="refresh"' not in html
    assert counts() == before
    assert "customers.csv" in client.get("/isp/imports").get_data(as_text=True)


def test_every_error_is_listed_with_row_and_column(client, login, isp):
    login(isp.operator.username, tenant="isp")
    job = job_of(upload(client, [import_row(BASE, mobile="1"), import_row(BASE + 1),
                                 import_row(BASE + 2, website_ips="10.0.0.1")], dry_run=False))
    assert job.status == "failed" and Account.select().where(
        Account.created_via == "isp_import").count() == 0
    html = client.get(f"/isp/imports/{job.id}").get_data(as_text=True)
    assert "<td>1</td><td><code>mobile</code></td>" in html
    assert "<td>3</td><td><code>website_ips</code></td>" in html
    errors = client.get(f"/isp/imports/{job.id}/errors.csv").get_data(as_text=True)
    assert "1,mobile," in errors and "3,website_ips," in errors


def test_an_import_then_its_result_file_once(client, login, isp):
    login(isp.operator.username, tenant="isp")
    job = job_of(upload(client, [import_row(BASE)], dry_run=False, name="c.json",
                        data=to_json([import_row(BASE)])))
    assert (job.status, job.file_format) == ("done", "json")
    app = Application.get(Application.channel == "isp")
    assert app.state == State.SUBMITTED and app.isp_id == isp.id
    html = client.get(f"/isp/imports/{job.id}").get_data(as_text=True)
    assert "下载结果文件（含初始密码）" in html
    token = csrf_token(client, f"/isp/imports/{job.id}")
    first = client.post(f"/isp/imports/{job.id}/result", data={"csrf_token": token})
    assert first.status_code == 200 and first.mimetype == "text/csv"
    assert first.headers["Cache-Control"] == "no-store"
    text = first.get_data(as_text=True)
    assert text.startswith("\ufeffrow,username,initial_password,reference")
    assert f"cust{BASE}" in text and app.reference in text
    password = text.splitlines()[1].split(",")[2]
    assert password and password not in client.post(
        f"/isp/imports/{job.id}/result", data={"csrf_token": token}).get_data(as_text=True)


def test_the_result_is_only_for_who_ran_it_and_needs_csrf(client, login, isp):
    job = imports.start_job(isp.id, isp.operator, to_csv([import_row(BASE)]), "c.csv", False)
    login(isp.admin.username, tenant="isp")
    token = csrf_token(client, f"/isp/imports/{job.id}")
    assert "只能由运行该导入的人员下载" in client.get(f"/isp/imports/{job.id}").get_data(as_text=True)
    assert client.post(f"/isp/imports/{job.id}/result", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/isp/imports/{job.id}/result").status_code == 400


def test_upload_needs_csrf(client, login, isp):
    login(isp.operator.username, tenant="isp")
    response = client.post("/isp/imports", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(to_csv([import_row(BASE)])), "c.csv")})
    assert response.status_code == 400 and ImportJob.select().count() == 0


def test_a_running_job_refreshes_and_shows_its_progress(client, login, isp):
    job = ImportJob.create(organisation=isp, created_by=isp.operator, filename="big.csv",
                           status="running", total=10_000, done=1_500)
    login(isp.operator.username, tenant="isp")
    html = client.get(f"/isp/imports/{job.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in html
    assert 'value="1500" max="10000"' in html and "<script" not in html


def test_readonly_staff_see_jobs_but_cannot_upload(client, login, isp, make_account):
    job = imports.start_job(isp.id, isp.operator, to_csv([import_row(BASE)]), "c.csv", True)
    readonly = make_account("isp", "readonly", isp)
    login(readonly.username, tenant="isp")
    html = client.get("/isp/imports").get_data(as_text=True)
    assert f"/isp/imports/{job.id}" in html and 'name="dry_run"' not in html
    assert client.get(f"/isp/imports/{job.id}").status_code == 200
    assert upload(client, [import_row(BASE + 1)]).status_code == 403


def test_another_isps_job_is_not_found(client, login, isp, make_isp):
    job = imports.start_job(isp.id, isp.operator, to_csv([import_row(BASE)]), "c.csv", False)
    stranger = make_isp()
    login(stranger.admin.username, tenant="isp")
    assert client.get(f"/isp/imports/{job.id}").status_code == 404
    assert client.get(f"/isp/imports/{job.id}/errors.csv").status_code == 404
    token = csrf_token(client, "/isp/imports")
    assert client.post(f"/isp/imports/{job.id}/result",
                       data={"csrf_token": token}).status_code == 404
    assert f"/isp/imports/{job.id}" not in client.get("/isp/imports").get_data(as_text=True)


def test_the_pages_need_an_isp_login(client, make_filer, login):
    assert client.get("/isp/imports").status_code == 302
    login(make_filer().username)
    assert client.get("/isp/imports").status_code in (302, 404)


def test_the_job_list_is_paginated_newest_first(client, login, isp):
    for i in range(25):
        ImportJob.create(organisation=isp, created_by=isp.operator, filename=f"f{i:02d}.csv")
    login(isp.admin.username, tenant="isp")
    html = client.get("/isp/imports").get_data(as_text=True)
    assert "f24.csv" in html and "f00.csv" not in html and "page=2" in html
    assert f"<td>{isp.operator.username}</td>" in html
    assert "f00.csv" in client.get("/isp/imports?page=2").get_data(as_text=True)


# -- API ----------------------------------------------------------------------------------

def test_api_dry_run(client, token):
    before = counts()
    response = client.post(f"{API}?dry_run=true", data=to_csv([import_row(BASE)]),
                           headers=token(), content_type="text/csv")
    body = response.get_json()
    assert response.status_code == 200, body
    assert (body["total"], body["created"], body["errors"], body["dry_run"]) == (1, 0, [], True)
    assert "accounts" not in body and counts() == before
    assert ImportJob.get_by_id(body["job"]).dry_run


def test_api_import_gives_the_accounts_once(client, token, isp):
    headers = token()
    response = client.post(f"{API}?dry_run=false", data=to_json([import_row(BASE)]),
                           headers=headers, content_type="application/json")
    body = response.get_json()
    assert response.status_code == 200 and body["created"] == 1 and not body["dry_run"]
    line = body["accounts"][0]
    assert line["username"] == f"cust{BASE}" and line["initial_password"]
    assert Application.get(Application.reference == line["reference"]).isp_id == isp.id
    status = client.get(f"{API}/{body['job']}", headers=headers).get_json()
    assert (status["status"], status["created"], status["total"]) == ("done", 1, 1)
    again = client.post(f"{API}/{body['job']}/result", headers=headers)
    assert again.status_code == 200 and line["initial_password"] not in again.get_data(as_text=True)


def test_api_rejects_a_bad_file_with_every_error(client, token):
    rows = [import_row(BASE, mobile="1"), import_row(BASE + 1, website_location="其它")]
    response = client.post(f"{API}?dry_run=false", data=to_csv(rows), headers=token(),
                           content_type="text/csv")
    body = response.get_json()
    assert response.status_code == 422 and body["error"]["code"] == "invalid_file"
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(1, "mobile"),
                                                                (2, "website_location")]
    assert body["created"] == 0 and Account.select().where(
        Account.created_via == "isp_import").count() == 0


def test_api_large_files_run_in_the_background(client, token, monkeypatch):
    monkeypatch.setattr(imports, "INLINE_MAX_BYTES", 0)
    headers = token()
    response = client.post(f"{API}?dry_run=true", data=to_csv([import_row(BASE)]),
                           headers=headers, content_type="text/csv")
    # huey runs immediately in the tests: the job has already run after the commit
    assert response.status_code in (200, 202)
    job = response.get_json()["job"]
    assert client.get(f"{API}/{job}", headers=headers).get_json()["status"] == "done"


@pytest.mark.parametrize("scopes,method,status", [
    (["read"], "post", 403), (["write"], "get", 403), (None, "post", 401), (None, "get", 401),
])
def test_api_scopes(client, token, isp, scopes, method, status):
    job = imports.start_job(isp.id, isp.operator, to_csv([import_row(BASE)]), "c.csv", True)
    headers = token(scopes) if scopes else {}
    url = API if method == "post" else f"{API}/{job.id}"
    response = getattr(client, method)(url, headers=headers, data=b"x" if method == "post" else None)
    assert response.status_code == status and response.get_json()["error"]["code"]


def test_api_bad_requests(client, token):
    headers = token()
    assert client.post(f"{API}?dry_run=maybe", data=b"x", headers=headers).status_code == 400
    response = client.post(API, data=b"", headers=headers)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"


def test_api_another_isps_job_is_not_found(client, token, isp, make_isp):
    job = imports.start_job(isp.id, isp.operator, to_csv([import_row(BASE)]), "c.csv", False)
    headers = token(org=make_isp())
    assert client.get(f"{API}/{job.id}", headers=headers).status_code == 404
    assert client.post(f"{API}/{job.id}/result", headers=headers).status_code == 404


def test_api_json_is_detected_without_a_content_type(client, token):
    response = client.post(API, data=json.dumps([import_row(BASE)]).encode(), headers=token())
    assert response.status_code == 200 and response.get_json()["dry_run"] is True
    assert ImportJob.get_by_id(response.get_json()["job"]).file_format == "json"


def test_api_takes_files_above_the_site_wide_cap_up_to_its_own(app, client, token):
    """100 000 rows are about 43 MB: the import route lifts the 20 MB cap to MAX_BYTES."""
    from portal.services.import_format import MAX_BYTES
    assert app.config["MAX_CONTENT_LENGTH"] < 30 * 1024 * 1024 < MAX_BYTES
    big = b"x" * (30 * 1024 * 1024)
    assert client.post(API, data=big, headers=token()).status_code != 413
    too_big = b"x" * (MAX_BYTES + 1)
    assert client.post(API, data=too_big, headers=token()).status_code == 413
