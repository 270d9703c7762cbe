"""The bulk import file (docs/import-format.md): its columns, reading CSV and JSON,
turning rows into first-filing proposals (one per username), the rules that hold
inside one file, and the result file.

One row is one website of one customer; rows with the same username add websites to
the same filing. Rows are numbered from 1, the header not counted, the same way in
CSV and JSON, and every error names a row and a column.
"""
import csv
import io
import json
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from portal.errors import ValidationError
from portal.services.fast_validators import normalise_domain
from portal.services.registration import USERNAME
from portal.validators import normalise_cert_number, validate_email, validate_mobile

PERSON_FIELDS = ("name", "cert_type", "cert_number", "mobile", "email")
ACCOUNT_COLUMNS = ("username", "mobile", "email")
SUBJECT_COLUMNS = ("subject_nature", "subject_name", "subject_cert_type", "subject_cert_number",
                   "subject_address", "subject_mailing_address")
WEBSITE_COLUMNS = ("website_name", "website_domains", "website_homepage", "website_ips",
                   "website_location", "website_content_category")
SUBJECT_PERSON = tuple(f"subject_responsible_{f}" for f in PERSON_FIELDS)
WEBSITE_PERSON = tuple(f"website_responsible_{f}" for f in PERSON_FIELDS)
COLUMNS = (ACCOUNT_COLUMNS + SUBJECT_COLUMNS + SUBJECT_PERSON + WEBSITE_COLUMNS
           + WEBSITE_PERSON + ("customer_ref",))
# Columns a header may leave out (their cells may always be left empty).
OPTIONAL = frozenset(("subject_cert_type", "subject_mailing_address", "website_ips",
                      "subject_responsible_cert_type", "customer_ref") + WEBSITE_PERSON)
LIST_COLUMNS = ("website_domains", "website_ips")
MAX_ROWS = 100_000
MAX_BYTES = 64 * 1024 * 1024   # 100 000 rows of CSV are about 43 MB: above the site-wide upload cap
ORGANISATION_CERT, PERSONAL_CERT = "统一社会信用代码", "居民身份证"


@dataclass
class Row:
    number: int
    values: dict

    def get(self, column: str) -> str:
        value = self.values.get(column, "")
        return value if isinstance(value, str) else ";".join(value)


@dataclass
class Filing:
    """The rows of one username: the first carries the account and the subject."""
    username: str
    rows: list = field(default_factory=list)
    proposal: dict | None = None     # cleaned, once validation accepts the filing

    @property
    def first(self) -> Row:
        return self.rows[0]


def error(row: int, column: str, message) -> dict:
    return {"row": row, "field": column, "message": str(message)}


def detect_format(data: bytes, filename: str = "", content_type: str = "") -> str:
    """csv or json: by the file's extension, then the declared type, then the content."""
    name, declared = (filename or "").lower(), (content_type or "").lower()
    if name.endswith(".json") or "json" in declared:
        return "json"
    if name.endswith(".csv") or "csv" in declared:
        return "csv"
    return "json" if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"[") else "csv"


def parse_file(data: bytes, fmt: str) -> tuple[list[Row], list[dict]]:
    """The non-blank rows of the file and the errors found reading it. An error on
    row 0 is about the whole file (encoding, header); then no row is returned."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [error(0, "", _l("文件须为 UTF-8 编码（可带 BOM）；从 Excel 保存时请选择“CSV UTF-8”"))]
    rows, errors = (_parse_json(text) if fmt == "json" else _parse_csv(text))
    if not errors and not rows:
        errors = [error(0, "", _l("文件中没有数据行"))]
    if len(rows) > MAX_ROWS:
        return [], [error(0, "", _l("一个文件最多 %(n)d 行，请拆分后分别导入", n=MAX_ROWS))]
    return rows, errors


def _check_header(names) -> list[dict]:
    errors = [error(0, n, _l("未知的列名")) for n in names if n not in COLUMNS]
    errors += [error(0, c, _l("缺少此列")) for c in COLUMNS
               if c not in OPTIONAL and c not in names]
    return errors


def _parse_csv(text: str) -> tuple[list[Row], list[dict]]:
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return [], [error(0, "", _l("CSV 格式不正确（引号未闭合？）"))]
    if not records:
        return [], []
    header = [name.strip().lower() for name in records[0]]
    errors = _check_header(header)
    if errors:
        return [], errors
    rows = []
    for number, cells in enumerate(records[1:], start=1):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            errors.append(error(number, "", _l("该行的列数多于表头")))
        rows.append(Row(number, {name: cell.strip() for name, cell in zip(header, cells)}))
    return rows, errors


def _parse_json(text: str) -> tuple[list[Row], list[dict]]:
    try:
        items = json.loads(text)
    except ValueError as exc:
        return [], [error(0, "", _l("JSON 格式不正确：%(detail)s", detail=str(exc)))]
    except RecursionError:      # arrays or objects nested thousands deep
        return [], [error(0, "", _l("JSON 格式不正确：%(detail)s", detail="nested too deeply"))]
    if not isinstance(items, list):
        return [], [error(0, "", _l("JSON 文件须为对象的数组（[{…}, {…}]）"))]
    rows, errors = [], []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            errors.append(error(number, "", _l("每一项须为一个对象")))
            continue
        values, problems = _json_values(number, item)
        errors += problems
        rows.append(Row(number, values))
    return rows, errors


def _json_values(number: int, item: dict) -> tuple[dict, list]:
    values, problems = {}, []
    for key, value in item.items():
        if key not in COLUMNS:
            problems.append(error(number, key, _l("未知的字段名")))
        elif key in LIST_COLUMNS and isinstance(value, list):
            values[key] = [str(v).strip() for v in value if str(v).strip()]
        elif isinstance(value, (str, int)) and not isinstance(value, bool):
            values[key] = str(value).strip()
        elif value is not None:
            problems.append(error(number, key, _l("此项须为文本")))
    return values, problems


def group_filings(rows: list[Row]) -> list[Filing]:
    """Rows grouped by username, in the order each username first appears."""
    filings: dict[str, Filing] = {}
    for row in rows:
        username = row.get("username")
        filings.setdefault(username, Filing(username)).rows.append(row)
    return list(filings.values())


def split_list(value) -> list[str]:
    if isinstance(value, list):
        return value
    return [part.strip() for part in (value or "").replace("；", ";").split(";") if part.strip()]


def _person(row: Row, prefix: str) -> dict:
    person = {f: row.get(f"{prefix}_{f}") for f in PERSON_FIELDS}
    person["cert_type"] = person["cert_type"] or PERSONAL_CERT
    return person


def website_person_defaulted(row: Row) -> bool:
    """A website whose responsible person is left empty takes the subject's."""
    return not any(row.get(c) for c in WEBSITE_PERSON)


def build_proposal(filing: Filing, isp_id: int) -> dict:
    """The first-filing proposal of a filing: the subject from its first row, one
    website per row, each accessed through the importing ISP."""
    first = filing.first
    nature = first.get("subject_nature")
    subject = {"nature": nature, "name": first.get("subject_name"),
               "cert_type": first.get("subject_cert_type")
               or (PERSONAL_CERT if nature == "个人" else ORGANISATION_CERT),
               "cert_number": first.get("subject_cert_number"),
               "address": first.get("subject_address"),
               "mailing_address": first.get("subject_mailing_address"),
               "responsible": _person(first, "subject_responsible")}
    return {"subject": subject, "services": [_website(row, subject, isp_id)
                                             for row in filing.rows]}


def _website(row: Row, subject: dict, isp_id: int) -> dict:
    responsible = (dict(subject["responsible"]) if website_person_defaulted(row)
                   else _person(row, "website_responsible"))
    return {"kind": "website", "name": row.get("website_name"),
            "domains": split_list(row.values.get("website_domains")),
            "homepage": row.get("website_homepage"),
            "ips": split_list(row.values.get("website_ips")),
            "location": row.get("website_location"), "isps": [isp_id],
            "content_category": row.get("website_content_category"),
            "languages": ["中文简体"], "responsible": responsible}


SERVICE_FIELD_COLUMNS = {"kind": "website_name", "pre_approvals": "website_content_category",
                         "isps": "website_location"}


def column_for(path: str) -> tuple[int | None, str]:
    """Where an error of clean_proposal belongs: (service index or None, column).
    `subject.responsible.mobile` → (None, subject_responsible_mobile);
    `services.2.domains` → (2, website_domains)."""
    parts = path.split(".")
    if parts[0] == "services" and len(parts) >= 3 and parts[1].isdigit():
        rest = parts[2:]
        column = SERVICE_FIELD_COLUMNS.get(rest[0], "website_" + "_".join(rest))
        return int(parts[1]), column
    if parts[0] == "services":
        return 0, "website_name"
    if parts[:2] == ["subject", "province"]:
        return None, "subject_address"
    column = "_".join(parts)
    return None, column if column in COLUMNS else path



# -- rules inside one file ------------------------------------------------------

GROUP_COLUMNS = ACCOUNT_COLUMNS[1:] + SUBJECT_COLUMNS + SUBJECT_PERSON


def check_account(row: Row, email=validate_email) -> list[dict]:
    """The account columns; `email` may be a faster drop-in for validate_email."""
    errors = []
    if not USERNAME.match(row.get("username")):
        errors.append(error(row.number, "username", _l(
            "用户名为 4 至 32 位字母、数字、下划线、点或连字符，以字母或数字开头")))
    for column, check in (("mobile", validate_mobile), ("email", email)):
        try:
            check(row.get(column))
        except ValidationError as exc:
            errors.append(error(row.number, column, exc.message))
    return errors


def check_same_subject(filing: Filing) -> list[dict]:
    """Rows after the first of a username may leave the account and subject columns
    empty; what they fill in must match the first row."""
    first, errors = filing.first, []
    for row in filing.rows[1:]:
        differ = [c for c in GROUP_COLUMNS
                  if row.get(c) and _same_key(c, row.get(c)) != _same_key(c, first.get(c))]
        if "subject_cert_number" in differ:   # another subject: one error says it all
            errors.append(error(row.number, "subject_cert_number", _l(
                "与第 %(row)d 行用户名相同但证件号码不同：不同主体请使用不同的用户名",
                row=first.number)))
            continue
        errors += [error(row.number, column, _l(
            "与第 %(row)d 行用户名相同但此项不同：同一用户名的各行须为同一账号和主体",
            row=first.number)) for column in differ]
    return errors


def _same_key(column: str, value: str) -> str:
    return normalise_cert_number(value) if column.endswith("cert_number") else value.strip()


def row_domains(row: Row) -> list[str]:
    domains = []
    for raw in split_list(row.values.get("website_domains")):
        try:
            domains.append(normalise_domain(raw))
        except ValidationError:
            continue   # reported by clean_proposal
    return list(dict.fromkeys(domains))


def check_duplicates(filings: list[Filing]) -> list[dict]:
    """The same certificate number under two usernames, the same domain on two rows."""
    errors, certs, domains = [], {}, {}
    for filing in filings:
        cert = normalise_cert_number(filing.first.get("subject_cert_number"))
        if cert and cert in certs:
            errors.append(error(filing.first.number, "subject_cert_number", _l(
                "证件号码与第 %(row)d 行（用户名 %(username)s）重复：同一主体的多个网站请使用同一用户名",
                row=certs[cert].first.number, username=certs[cert].username)))
        certs.setdefault(cert, filing)
        for row in filing.rows:
            for domain in row_domains(row):
                if domain in domains:
                    errors.append(error(row.number, "website_domains", _l(
                        "域名 %(domain)s 与第 %(row)d 行重复", domain=domain, row=domains[domain])))
                domains.setdefault(domain, row.number)
    return errors


# -- the result and error files -------------------------------------------------

RESULT_COLUMNS = ("row", "username", "initial_password", "reference", "customer_ref")


def _cell(value) -> str:
    """Keep a spreadsheet from running a cell as a formula."""
    text = str(value if value is not None else "")
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def result_csv(lines: list[dict]) -> str:
    """Row → username → initial password → application reference, for the ISP to hand over."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(RESULT_COLUMNS)
    writer.writerows([_cell(line[c]) for c in RESULT_COLUMNS] for line in lines)
    return out.getvalue()


def read_result(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text or "")))


def without_passwords(text: str) -> str:
    return result_csv([{**line, "initial_password": ""} for line in read_result(text)])


def has_passwords(text: str) -> bool:
    return any(line["initial_password"] for line in read_result(text))


def errors_csv(errors: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("row", "field", "message"))
    writer.writerows((e["row"], e["field"], _cell(e["message"])) for e in errors)
    return out.getvalue()
