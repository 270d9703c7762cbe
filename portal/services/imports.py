"""Bulk import of an ISP's customers (docs/import-format.md): validate every row, then
create the filer accounts and submit their first filings, all or nothing per file.

A dry run only validates. A real import runs in ONE transaction: any error, found
beforehand or while writing, rolls everything back. Validation is done in batches (one
IN query per 500 usernames, certificate numbers or domains; the bureau's lists read
once per file, see import_clean); the filings are then written in bulk
(import_writer), each ending as the workflow's submission of it would: a submitted
application with its keys, conflicts, audit events and messages.
"""
import logging
import os
import secrets
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from peewee import JOIN, IntegrityError

from portal import enumerations as enums
from portal.audit import record_event
from portal.clock import utcnow
from portal.db import after_commit, transaction
from portal.errors import DomainError, Forbidden, FormErrors, NotFound, ValidationError
from portal.models import Account, BlacklistEntry, ImportJob, LookupKey
from portal.services import import_writer, uploads
from portal.services.bulk_rows import existing_values
from portal.services.accounts import make_initial_password
from portal.services.import_clean import ImportLists, clean_filing
from portal.services.import_format import (COLUMNS, Filing, Row, build_proposal,
                                           check_account, check_duplicates,
                                           check_same_subject, column_for, detect_format,
                                           error, group_filings, has_passwords, parse_file,
                                           read_result, result_csv, row_domains,
                                           website_person_defaulted, without_passwords)
from portal.services.proposals import ABROAD, clean_proposal
from portal.states import Kind, is_isp_writer
from portal.validators import normalise_cert_number, normalise_name

log = logging.getLogger(__name__)
BATCH = 500              # rows per progress report


@dataclass
class ImportReport:
    total: int
    errors: list
    created: int = 0
    dry_run: bool = True
    accounts: list = field(default_factory=list)   # result lines, one per row

    @property
    def ok(self) -> bool:
        return not self.errors


def run_import(isp_id: int, actor, data: bytes, fmt: str | None = None, dry_run: bool = True,
               *, progress=None, finish=None) -> ImportReport:
    """Validate the file and, unless `dry_run` or anything is wrong, import it.
    `progress(done, total)` is called while validating; `finish(report)` is called in
    the import's own transaction (or alone when nothing is written)."""
    rows, errors = parse_file(data, fmt or detect_format(data))
    filings = []
    if not any(e["row"] == 0 for e in errors):
        filings, errors = validate_rows(isp_id, rows, errors, progress)
    report = ImportReport(total=len(rows), errors=errors, dry_run=dry_run)
    if errors or dry_run:
        if finish is not None:
            with transaction():
                finish(report)
        return report
    return _write(isp_id, actor, filings, report, finish)


# -- validation ---------------------------------------------------------------

def validate_rows(isp_id: int, rows: list[Row], errors=(), progress=None):
    """Every error of every row: fields (by clean_proposal), duplicates inside the
    file, and what the database already holds. Returns (filings, sorted errors)."""
    errors = list(errors)
    filings = group_filings(rows)
    errors += check_duplicates(filings)
    lists = ImportLists.load(isp_id)
    allowed = {"website_location": [p for p in enums.get_enumeration("server_locations")
                                    if p != ABROAD],
               "website_content_category": enums.get_enumeration("service_categories")}
    done = 0
    for filing in filings:
        errors += _check_filing(filing, isp_id, lists, allowed)
        done += len(filing.rows)
        if progress is not None and (done // BATCH != (done - len(filing.rows)) // BATCH):
            progress(done, len(rows))
    errors += _check_database(filings)
    if progress is not None:
        progress(len(rows), len(rows))
    unique = {(e["row"], e["field"], e["message"]): e for e in errors}
    return filings, sorted(unique.values(), key=_error_order)


def _error_order(item: dict):
    column = item["field"]
    return item["row"], COLUMNS.index(column) if column in COLUMNS else len(COLUMNS), column


LIST_MESSAGES = {
    "website_location": _l("请填写服务器所在省份；由本接入商导入的网站不能填“其它”（境外）"),
    "website_content_category": _l("请填写列表中的服务内容类别"),
}


def _check_filing(filing: Filing, isp_id: int, lists: ImportLists, allowed: dict
                  ) -> list[dict]:
    """The filing's account, its rows' agreement, the columns with a list of values,
    and everything clean_proposal checks (asked only when the fast check has a doubt).
    Keeps the cleaned proposal on the filing."""
    errors = check_account(filing.first, lists.email) + check_same_subject(filing)
    for row in filing.rows:
        for column, values in allowed.items():
            value = row.get(column)
            if not value and column == "website_content_category":
                errors.append(error(row.number, column, _l("此项为必填项")))
            elif value and value not in values:
                errors.append(error(row.number, column, LIST_MESSAGES[column]))
    proposed = build_proposal(filing, isp_id)
    filing.proposal = clean_filing(proposed, lists)
    if filing.proposal is None:
        try:
            filing.proposal = clean_proposal(Kind.FIRST_FILING, proposed)
        except FormErrors as exc:
            errors += _map_form_errors(filing, exc.errors)
    return errors


def _map_form_errors(filing: Filing, form_errors: dict) -> list[dict]:
    """clean_proposal's dotted paths back to rows and columns. A website whose person
    was copied from the subject does not repeat the subject person's errors."""
    found = []
    for path, messages in form_errors.items():
        index, column = column_for(path)
        row = filing.rows[index] if index is not None and index < len(filing.rows) else None
        if (row is not None and column.startswith("website_responsible_")
                and website_person_defaulted(row)):
            continue
        number = (row or filing.first).number
        found += [error(number, column, message) for message in messages]
    return found


def _taken_usernames(usernames) -> set:
    return existing_values(Account, "username", usernames)


def _filed(key: str, values) -> set:
    """Values of `key` held by a record or an application in flight (the lookup keys)."""
    return existing_values(LookupKey, "value", values, key=key)


def _blacklisted(kind: str, values) -> set:
    return existing_values(BlacklistEntry, "value", values, kind=kind)


def _check_database(filings: list[Filing]) -> list[dict]:
    """Usernames already taken; certificate numbers and domains already filed or in an
    application in flight (the lookup keys); blacklisted numbers and site names."""
    firsts = [f.first for f in filings]
    certs = {r.number: normalise_cert_number(r.get("subject_cert_number")) for r in firsts}
    names = {r.number: normalise_name(r.get("website_name")) for f in filings for r in f.rows}
    domains = {r.number: row_domains(r) for f in filings for r in f.rows}
    taken = set(_taken_usernames([r.get("username") for r in firsts]))
    filed = _filed("cert_number", certs.values())
    banned = _blacklisted("cert_number", certs.values())
    banned_names = _blacklisted("site_name", names.values())
    used = _filed("domain", [d for ds in domains.values() for d in ds])
    errors = [error(r.number, "username", _l("该用户名已被使用"))
              for r in firsts if r.get("username") in taken]
    errors += [error(n, "subject_cert_number", _l(
        "该证件号码已备案或有在办的备案申请：已备案主体请通过新增网站办理")) for n, c in certs.items() if c in filed]
    black = _l("该信息因违法违规注销已被列入黑名单，不能再次备案")
    errors += [error(n, "subject_cert_number", black) for n, c in certs.items() if c in banned]
    errors += [error(n, "website_name", black) for n, s in names.items() if s in banned_names]
    errors += [error(n, "website_domains", _l("域名 %(domain)s 已备案或有在办的备案申请", domain=d))
               for n, ds in domains.items() for d in ds if d in used]
    return errors


# -- the import ---------------------------------------------------------------

def _write(isp_id: int, actor, filings: list[Filing], report: ImportReport,
           finish=None) -> ImportReport:
    """Accounts, applications and submissions in one transaction; a refusal or a
    username taken meanwhile rolls all of it back."""
    try:
        with transaction():
            written = import_writer.write_filings(isp_id, actor, filings,
                                                  [_initial_password() for _ in filings])
            report.accounts = _result_lines(filings, written)
            report.created = len(filings)
            record_event("import.run", None, actor=actor, object_type="import",
                         after={"isp": isp_id, "rows": report.total, "created": report.created})
            if finish is not None:
                finish(report)
    except IntegrityError:
        report.errors = _taken_meanwhile(filings)
    except DomainError as exc:
        report.errors = [error(filings[0].first.number, exc.field or "", exc.message)]
    if report.errors:
        report.accounts, report.created = [], 0
        if finish is not None:
            with transaction():
                finish(report)
    return report


def _result_lines(filings: list[Filing], written: list) -> list[dict]:
    return [{"row": row.number, "username": w.username, "initial_password": w.password,
             "reference": w.reference, "customer_ref": row.get("customer_ref")}
            for filing, w in zip(filings, written) for row in filing.rows]


def _taken_meanwhile(filings: list[Filing]) -> list[dict]:
    """After an IntegrityError: the usernames someone took since validation (the unique
    index refused them), or, when it was something else, one error for the file."""
    taken = import_writer.taken_usernames([f.username for f in filings])
    errors = [error(f.first.number, "username", _l("该用户名已被使用"))
              for f in filings if f.username in taken]
    return errors or [error(0, "", _l("导入时数据已被他人修改，未写入任何数据；请重新导入"))]


def _initial_password() -> tuple[str, str]:
    """A password that a spreadsheet will not read as a formula (no leading '-')."""
    while True:
        plain, hashed = make_initial_password()
        if plain[0].isalnum():
            return plain, hashed


# -- jobs: the page and the API import through them -------------------------------

INLINE_MAX_BYTES = 64 * 1024   # smaller files are imported within the request
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


def isp_jobs(isp_id: int):
    """This ISP's import jobs, newest first (without the heavy columns)."""
    return (ImportJob.select(ImportJob.id, ImportJob.filename, ImportJob.file_format,
                             ImportJob.dry_run, ImportJob.status, ImportJob.total,
                             ImportJob.done, ImportJob.created_at, ImportJob.finished_at,
                             Account.id, Account.username)
            .join(Account, JOIN.LEFT_OUTER, on=(ImportJob.created_by == Account.id))
            .where(ImportJob.organisation == isp_id).order_by(ImportJob.id.desc()))


def get_job_for_isp(job_id, isp_id: int) -> ImportJob:
    """One of this ISP's jobs; another ISP's job is not found."""
    job = ImportJob.get_or_none(ImportJob.id == job_id, ImportJob.organisation == isp_id)
    if job is None:
        raise NotFound(_l("导入任务不存在"))
    return job


def start_job(isp_id: int, actor, data: bytes, filename: str = "", dry_run: bool = True,
              content_type: str = "") -> ImportJob:
    """Keep the file, record the job and run it: small files at once, large ones as a
    background task (enqueued after commit). Returns the job as it stands then."""
    if not is_isp_writer(actor, isp_id):
        raise Forbidden(_l("只有管理员和操作员可以导入"))
    if not data:
        raise ValidationError(_l("请选择要上传的文件"), field="file")
    fmt = detect_format(data, filename, content_type)
    stored = f"import-{secrets.token_hex(16)}.{fmt}"
    with open(uploads.upload_path(stored), "xb") as handle:
        handle.write(data)
    with transaction():
        job = ImportJob.create(organisation=isp_id, created_by=actor, stored_name=stored,
                               filename=os.path.basename(filename or f"import.{fmt}")[:120],
                               file_format=fmt, dry_run=bool(dry_run))
        record_event("import.start", job, actor=actor,
                     after={"filename": job.filename, "dry_run": job.dry_run, "bytes": len(data)})
        after_commit(lambda: _dispatch(job.id, len(data)))
    return ImportJob.get_by_id(job.id)


def _dispatch(job_id: int, size: int) -> None:
    if size <= INLINE_MAX_BYTES:
        run_job(job_id)
    else:
        from portal import tasks  # the task module imports the app's queue
        tasks.run_import_job(job_id)


def run_job(job_id: int) -> str | None:
    """Run a queued job once (a second call does nothing). Progress is committed to the
    job row as rows are validated; the import itself is one transaction."""
    with transaction():
        claimed = ImportJob.update(status=RUNNING).where(
            ImportJob.id == job_id, ImportJob.status == QUEUED).execute()
    if claimed != 1:
        return None
    job = ImportJob.get_by_id(job_id)
    try:
        with open(uploads.upload_path(job.stored_name), "rb") as handle:
            data = handle.read()
        run_import(job.organisation_id, job.created_by, data, job.file_format, job.dry_run,
                   progress=lambda done, total: _save_progress(job_id, done, total),
                   finish=lambda report: _finish_job(job_id, report))
    except Exception:
        log.exception("import job %s of isp %s failed", job_id, job.organisation_id)
        with transaction():
            ImportJob.update(status=FAILED, finished_at=utcnow(), errors=[error(
                0, "", _l("导入过程中发生内部错误，未写入任何数据；请稍后重试或联系管局"))]).where(
                ImportJob.id == job_id).execute()
    finally:
        _remove_file(job.stored_name)
    return ImportJob.get_by_id(job_id).status


def _save_progress(job_id: int, done: int, total: int) -> None:
    with transaction():
        ImportJob.update(done=done, total=total).where(ImportJob.id == job_id).execute()


def _finish_job(job_id: int, report: ImportReport) -> None:
    """Called in the import's transaction: the job says done only if the import stands."""
    ImportJob.update(status=FAILED if report.errors else DONE, total=report.total,
                     done=report.total, errors=report.errors, finished_at=utcnow(),
                     result=result_csv(report.accounts) if report.accounts else "").where(
        ImportJob.id == job_id).execute()


def _remove_file(stored: str) -> None:
    """The uploaded file holds personal data: it is not kept once the job has run."""
    try:
        os.remove(uploads.upload_path(stored))
    except (OSError, ValidationError):
        pass


def created_count(job: ImportJob) -> int:
    return len({line["reference"] for line in read_result(job.result)}) if job.result else 0


def take_result(job_id, isp_id: int, actor) -> str:
    """The result file of a finished import, for the staff member who ran it. The first
    download carries the initial passwords; they are blanked in the stored copy."""
    with transaction():
        job = get_job_for_isp(job_id, isp_id)
        if job.dry_run or job.status != DONE or not job.result:
            raise NotFound(_l("该导入任务没有结果文件"))
        if actor is None or job.created_by_id != actor.id:
            raise Forbidden(_l("结果文件只能由运行该导入的人员下载"))
        text = job.result
        if has_passwords(text):
            ImportJob.update(result=without_passwords(text)).where(
                ImportJob.id == job.id).execute()
        record_event("import.result_download", job, actor=actor,
                     after={"with_passwords": has_passwords(text)})
    return text
