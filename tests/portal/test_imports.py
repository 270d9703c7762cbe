"""Bulk import (portal.services.imports): parsing, every error by row and column,
all or nothing, the accounts and applications it creates, jobs, and 10,000 rows."""
import csv
import io
import json
import os
import time

import pytest

from portal import sample_data, workflow
from portal.errors import Forbidden, Refused
from portal.models import (Account, Application, ApplicationIsp, AuditEvent, BlacklistEntry,
                           ImportJob, LookupKey, OutboxMessage)
from portal.services import accounts, import_writer, imports
from portal.services.import_format import (COLUMNS, WEBSITE_PERSON, column_for, detect_format,
                                           parse_file, read_result)
from portal.states import State
from portal.validators import make_credit_code, make_resident_id

BASE = 500_000   # far from the factories' counter, so no sample value collides


def import_row(n: int, **changes) -> dict:
    """A valid import row built from sample_data (unique username, cert number, domain)."""
    return {**sample_data.import_row(n), **changes}


def second_row_of(first: dict) -> dict:
    """A second website of the same customer (same username), with its own person."""
    return {"username": first["username"], "website_name": "山西旅游攻略网站",
            "website_domains": "trip.example", "website_homepage": "http://trip.example/",
            "website_location": "山西", "website_content_category": "生活服务",
            "website_responsible_name": "赵敏", "website_responsible_cert_type": "",
            "website_responsible_cert_number": make_resident_id("14010519900101001"),
            "website_responsible_mobile": "13912345678",
            "website_responsible_email": "zhao@mail.example"}


def to_csv(rows: list[dict], bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode()


def to_json(rows: list[dict]) -> bytes:
    return json.dumps(rows, ensure_ascii=False).encode()


def counts() -> dict:
    return {m.__name__: m.select().count()
            for m in (Account, Application, LookupKey, ApplicationIsp, OutboxMessage)}


def where(report) -> set:
    return {(e["row"], e["field"]) for e in report.errors}


def dry(isp, rows, fmt="csv"):
    data = to_csv(rows) if fmt == "csv" else to_json(rows)
    return imports.run_import(isp.id, isp.operator, data, fmt, dry_run=True)


# -- reading the file ---------------------------------------------------------

@pytest.mark.parametrize("name,ctype,data,expected", [
    ("a.csv", "", b"[", "csv"), ("a.JSON", "", b"x", "json"), ("", "application/json", b"x", "json"),
    ("", "text/csv", b"[", "csv"), ("", "", b"\xef\xbb\xbf  [{}]", "json"), ("", "", b"a,b", "csv"),
])
def test_format_is_taken_from_name_then_type_then_content(name, ctype, data, expected):
    assert detect_format(data, name, ctype) == expected


@pytest.mark.parametrize("bom", [False, True])
def test_csv_with_or_without_bom_is_read(app, bom):
    rows, errors = parse_file(to_csv([import_row(BASE), {}, import_row(BASE + 1)], bom), "csv")
    assert errors == [] and [r.number for r in rows] == [1, 3]   # the blank row keeps its number
    assert rows[0].get("username") == f"cust{BASE}"


def test_json_rows_may_give_lists_and_are_numbered_from_one(app):
    row = import_row(BASE, website_domains=["a.example", "b.example"])
    rows, errors = parse_file(to_json([row, row]), "json")
    assert errors == [] and [r.number for r in rows] == [1, 2]
    assert rows[0].get("website_domains") == "a.example;b.example"


@pytest.mark.parametrize("data,fmt,field", [
    ("用户名".encode("gbk"), "csv", ""),
    (b"", "csv", ""),
    (b'{"username": "x"}', "json", ""),
    (b"[{", "json", ""),
    (",".join(c for c in COLUMNS if c != "subject_name").encode() + b"\n", "csv", "subject_name"),
    (",".join(COLUMNS + ("colour",)).encode() + b"\n", "csv", "colour"),
])
def test_file_level_problems_are_on_row_zero(app, isp, data, fmt, field):
    report = imports.run_import(isp.id, isp.operator, data, fmt, dry_run=True)
    assert not report.ok and (0, field) in where(report)


def test_optional_columns_may_be_left_out_of_the_header(app, isp):
    columns = [c for c in COLUMNS if c not in WEBSITE_PERSON + ("customer_ref", "website_ips")]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerow(import_row(BASE))
    assert imports.run_import(isp.id, isp.operator, out.getvalue().encode(), "csv").ok


def test_json_unknown_keys_and_wrong_types_are_row_errors(app, isp):
    rows = [import_row(BASE, colour="red"), import_row(BASE + 1, mobile={"x": 1})]
    assert where(dry(isp, rows, "json")) == {(1, "colour"), (2, "mobile")}


@pytest.mark.parametrize("path,expected", [
    ("subject.responsible.mobile", (None, "subject_responsible_mobile")),
    ("subject.cert_number", (None, "subject_cert_number")),
    ("services.2.domains", (2, "website_domains")),
    ("services.0.responsible.email", (0, "website_responsible_email")),
    ("services.1.pre_approvals", (1, "website_content_category")),
    ("services", (0, "website_name")),
])
def test_dotted_paths_map_back_to_columns(path, expected):
    assert column_for(path) == expected


# -- every error with its row and column -----------------------------------------

BAD_CREDIT = make_credit_code("91140100MA0000001")[:-1] + "0"


@pytest.mark.parametrize("changes,field", [
    ({"username": "x"}, "username"),
    ({"mobile": "12345"}, "mobile"),
    ({"email": "not-an-email"}, "email"),
    ({"subject_nature": "外星人"}, "subject_nature"),
    ({"subject_name": ""}, "subject_name"),
    ({"subject_cert_number": BAD_CREDIT}, "subject_cert_number"),
    ({"subject_address": "北京市海淀区中关村大街1号"}, "subject_address"),
    ({"subject_responsible_cert_number": "140105198001011234"}, "subject_responsible_cert_number"),
    ({"subject_responsible_email": "x@"}, "subject_responsible_email"),
    ({"website_name": "abc123"}, "website_name"),
    ({"website_domains": "bad..example"}, "website_domains"),
    ({"website_homepage": "http://elsewhere.example/"}, "website_homepage"),
    ({"website_ips": "10.0.0.1"}, "website_ips"),
    ({"website_location": "其它"}, "website_location"),
    ({"website_content_category": ""}, "website_content_category"),
    ({"website_content_category": "新闻"}, "website_content_category"),
    ({"website_responsible_name": "李四"}, "website_responsible_mobile"),
])
def test_each_field_error_is_reported_with_its_row_and_column(app, isp, changes, field):
    rows = [import_row(BASE), import_row(BASE + 1, **changes), import_row(BASE + 2)]
    report = dry(isp, rows)
    assert (2, field) in where(report) and {r for r, _ in where(report)} == {2}
    assert all(e["message"] for e in report.errors)


def test_every_error_of_every_row_is_listed_not_only_the_first(app, isp):
    rows = [import_row(BASE, mobile="1", website_ips="999.1.1.1"),
            import_row(BASE + 1), import_row(BASE + 2, subject_name="", website_domains="")]
    assert where(dry(isp, rows)) == {(1, "mobile"), (1, "website_ips"), (3, "subject_name"),
                                     (3, "website_domains"), (3, "website_homepage")}


def test_duplicates_inside_the_file(app, isp):
    first = import_row(BASE)
    rows = [first,
            import_row(BASE + 1, website_domains=f"x{BASE}.example;site{BASE}.example",
                       website_homepage=f"http://x{BASE}.example/"),
            import_row(BASE + 2, subject_cert_number=first["subject_cert_number"]),
            import_row(BASE + 3, username=first["username"],
                       subject_cert_number=sample_data.subject(BASE + 3)["cert_number"])]
    report = dry(isp, rows)
    assert where(report) == {(2, "website_domains"), (3, "subject_cert_number"),
                             (4, "subject_cert_number")}
    assert "第 1 行" in next(e["message"] for e in report.errors if e["row"] == 2)


def test_what_the_database_already_holds(app, isp, make_account, make_application):
    filed = make_application(state=State.SUBMITTED, n=BASE + 1)   # cert and domain in flight
    make_account(username=f"cust{BASE}")
    BlacklistEntry.create(kind="cert_number", value=sample_data.subject(BASE + 3)["cert_number"])
    subject = filed.proposed["subject"]
    rows = [import_row(BASE),
            import_row(BASE + 2, subject_cert_number=subject["cert_number"]),
            import_row(BASE + 4, website_domains=f"site{BASE + 1}.example",
                       website_homepage=f"http://site{BASE + 1}.example/"),
            import_row(BASE + 3)]
    assert where(dry(isp, rows)) == {(1, "username"), (2, "subject_cert_number"),
                                     (3, "website_domains"), (4, "subject_cert_number")}


# -- what an import writes --------------------------------------------------------

def test_a_dry_run_writes_nothing(app, isp):
    before = counts()
    report = dry(isp, [import_row(BASE), import_row(BASE + 1)])
    assert report.ok and report.total == 2 and report.created == 0 and counts() == before


def test_an_import_creates_accounts_and_submitted_filings_naming_the_isp(app, isp):
    rows = [import_row(BASE, customer_ref="K-1"), import_row(BASE + 1)]
    report = imports.run_import(isp.id, isp.operator, to_csv(rows), "csv", dry_run=False)
    assert report.ok and report.created == 2
    line = report.accounts[0]
    assert (line["row"], line["username"], line["customer_ref"]) == (1, f"cust{BASE}", "K-1")
    account = Account.get(Account.username == f"cust{BASE}")
    assert (account.tenant, account.created_via, account.created_by_org_id) == (
        "public", "isp_import", isp.id)
    assert account.must_change_password and account.password_hash.startswith("initial$")
    assert accounts.verify_password(account, line["initial_password"])
    app_ = Application.get(Application.account == account.id)
    assert app_.reference == line["reference"]
    assert (app_.state, app_.channel, app_.isp_id, app_.submitted_by_id) == (
        State.SUBMITTED, "isp", isp.id, isp.operator.id)
    assert ApplicationIsp.get(ApplicationIsp.application == app_.id).isp_id == isp.id
    actions = {e.action for e in AuditEvent.select().where(AuditEvent.object_id == str(app_.id))}
    assert {"application.create", "application.submit"} <= actions
    assert AuditEvent.select().where(AuditEvent.action == "account.create",
                                     AuditEvent.object_id == str(account.id)).exists()
    workflow.verify_application(app_.id, isp.operator)   # the ISP's own queue
    assert workflow.load_application(app_.id).state == State.SMS


def test_rows_of_one_username_are_one_filing_and_persons_default_to_the_subjects(app, isp):
    first = import_row(BASE)
    second = second_row_of(first)
    report = imports.run_import(isp.id, isp.operator, to_csv([first, second]), "csv", False)
    assert report.ok and report.created == 1 and Account.select().where(
        Account.created_via == "isp_import").count() == 1
    services = Application.get(Application.reference == report.accounts[0]["reference"]
                               ).proposed["services"]
    assert [s["domains"] for s in services] == [[f"site{BASE}.example"], ["trip.example"]]
    assert services[0]["responsible"]["name"] == first["subject_responsible_name"]
    assert services[1]["responsible"]["name"] == "赵敏"
    assert [line["row"] for line in report.accounts] == [1, 2]


def test_a_refusal_while_writing_rolls_everything_back(app, isp, monkeypatch):
    def refuse(*args, **kwargs):
        raise Refused("被拒绝")

    monkeypatch.setattr(import_writer, "record_events", refuse)   # after the first inserts
    before = counts()
    report = imports.run_import(isp.id, isp.operator,
                                to_csv([import_row(BASE + i) for i in range(3)]), "csv", False)
    assert report.errors == [{"row": 1, "field": "", "message": "被拒绝"}]
    assert report.created == 0 and report.accounts == [] and counts() == before


def test_a_username_taken_meanwhile_rolls_everything_back(app, isp, monkeypatch, make_account):
    monkeypatch.setattr(imports, "_taken_usernames", lambda chunk: [])
    make_account(username=f"cust{BASE + 1}")
    before = counts()
    report = imports.run_import(isp.id, isp.operator,
                                to_csv([import_row(BASE), import_row(BASE + 1)]), "csv", False)
    assert where(report) == {(2, "username")} and counts() == before


def test_only_isp_writers_start_a_job(app, isp, make_account):
    readonly = make_account("isp", "readonly", isp)
    with pytest.raises(Forbidden):
        imports.start_job(isp.id, readonly, to_csv([import_row(BASE)]), "a.csv")


# -- jobs ---------------------------------------------------------------------------

def test_a_job_runs_once_reports_progress_and_deletes_its_file(app, isp, monkeypatch):
    monkeypatch.setattr(imports, "INLINE_MAX_BYTES", 0)       # through the huey task
    seen = []
    real = imports._save_progress
    monkeypatch.setattr(imports, "_save_progress", lambda *a: (seen.append(a[1:]), real(*a)))
    job = imports.start_job(isp.id, isp.operator, to_csv([import_row(BASE + i) for i in range(3)]),
                            "customers.csv", dry_run=False)
    job = ImportJob.get_by_id(job.id)
    assert (job.status, job.total, job.done, job.errors) == ("done", 3, 3, [])
    assert seen[-1] == (3, 3) and job.finished_at is not None
    assert [line["row"] for line in read_result(job.result)] == ["1", "2", "3"]
    assert not os.path.exists(imports.uploads.upload_path(job.stored_name))
    assert imports.run_job(job.id) is None                      # idempotent


def test_a_rejected_job_is_failed_with_its_errors_and_writes_nothing(app, isp):
    before = counts()
    job = imports.start_job(isp.id, isp.operator, to_csv([import_row(BASE, mobile="1")]),
                            "c.csv", dry_run=False)
    job = ImportJob.get_by_id(job.id)
    assert job.status == "failed" and job.result == "" and counts() == before
    assert [(e["row"], e["field"]) for e in job.errors] == [(1, "mobile")]


def test_a_crash_fails_the_job_and_writes_nothing(app, isp, monkeypatch, caplog):
    def crash(*args):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(import_writer, "_queue_messages", crash)
    before = counts()
    job = imports.start_job(isp.id, isp.operator, to_csv([import_row(BASE)]), "c.csv", False)
    job = ImportJob.get_by_id(job.id)
    assert job.status == "failed" and job.errors[0]["row"] == 0 and counts() == before
    assert "import job" in caplog.text


def test_the_result_gives_the_passwords_once_and_only_to_who_ran_it(app, isp):
    job = imports.start_job(isp.id, isp.operator, to_csv([import_row(BASE)]), "c.csv", False)
    with pytest.raises(Forbidden):
        imports.take_result(job.id, isp.id, isp.admin)
    first = read_result(imports.take_result(job.id, isp.id, isp.operator))
    again = read_result(imports.take_result(job.id, isp.id, isp.operator))
    assert first[0]["initial_password"] and again[0]["initial_password"] == ""
    assert first[0]["reference"] == again[0]["reference"]


# -- 10,000 rows ------------------------------------------------------------------------

def ten_thousand_rows(count: int = 10_000) -> list[dict]:
    return [import_row(BASE + 10_000 + i) for i in range(count)]


# The suite imports 10,000 rows; bench/import_bench.py measures 100,000.
IMPORTED = 10_000


@pytest.mark.slow
def test_ten_thousand_rows_with_one_bad_row_are_rejected_with_every_error(app, isp):
    rows = ten_thousand_rows()
    rows[9_998] = {**rows[9_998], "mobile": "12", "subject_cert_number": BAD_CREDIT,
                   "website_domains": rows[0]["website_domains"],
                   "website_homepage": rows[0]["website_homepage"]}
    before = counts()
    started = time.perf_counter()
    report = imports.run_import(isp.id, isp.operator, to_csv(rows), "csv", dry_run=False)
    elapsed = time.perf_counter() - started
    assert report.total == 10_000 and report.created == 0 and counts() == before
    assert where(report) == {(9_999, "mobile"), (9_999, "subject_cert_number"),
                             (9_999, "website_domains")}
    print(f"\n10,000 rows, one bad: rejected in {elapsed:.1f} s")


@pytest.mark.slow
def test_valid_rows_are_imported_as_submitted_filings(app, isp):
    started = time.perf_counter()
    report = imports.run_import(isp.id, isp.operator, to_csv(ten_thousand_rows(IMPORTED)),
                                "csv", dry_run=False)
    elapsed = time.perf_counter() - started
    assert report.ok and report.created == IMPORTED and len(report.accounts) == IMPORTED
    assert Application.select().where(Application.state == State.SUBMITTED,
                                      Application.isp == isp.id).count() == IMPORTED
    assert Account.select().where(Account.created_by_org == isp.id,
                                  Account.must_change_password == True).count() == IMPORTED
    print(f"\n{IMPORTED} rows: imported in {elapsed:.1f} s")

