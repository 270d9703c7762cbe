"""Tables the bench data set fills, their column order, and a batch of rows.

Rows are plain tuples in the column order below (the bulk writers insert them with
executemany or COPY). The columns are checked against the migrated schema before the
load (`check_columns`), so a migration that adds a column fails loudly here instead of
loading rows the app cannot read.
"""
import json
from datetime import date, datetime

# Insertion order respects foreign keys (PostgreSQL checks them row by row).
COLUMNS = {
    "account": ("id", "username", "tenant", "role", "organisation_id", "display_name",
                "password_hash", "created_via", "created_by_org_id", "mobile", "email",
                "mobile_verified", "email_verified", "identity_verified",
                "must_change_password", "password_changed_at", "session_generation",
                "is_active", "created_at", "last_login_at", "totp_secret", "totp_last_step",
                "totp_enabled_at"),
    "subject": ("id", "account_id", "nature", "name", "cert_type", "cert_number", "province",
                "address", "mailing_address", "investor", "responsible", "licence_number",
                "filing_number", "service_sequence", "status", "version", "approved_at",
                "ended_at", "annual_review_year"),
    "service": ("id", "subject_id", "kind", "name", "homepage", "details", "filing_number",
                "status", "restricted", "violation", "approved_at", "ended_at"),
    "service_ip": ("service_id", "address"),
    "access_link": ("service_id", "isp_id", "customer_ref", "status", "created_at", "ended_at"),
    "lookup_key": ("key", "value", "account_id", "subject_id", "service_id", "application"),
    "certificate": ("service_id", "serial", "document", "issued_at", "voided_at", "void_reason"),
    "application": ("id", "reference", "kind", "state", "account_id", "subject_id", "service_id",
                    "channel", "isp_id", "submitted_by_id", "proposed", "returned_proposed",
                    "version", "revision", "return_reason", "return_notes", "in_conflict",
                    "conflicts", "materials", "created_at", "updated_at", "submitted_at",
                    "review_started_at", "due_on", "decided_at", "decided_by_id"),
    "record_version": ("subject_id", "version", "snapshot", "application", "valid_from"),
    "application_isp": ("application_id", "isp_id"),
    "sms_verification": ("application_id", "role", "name", "cert_number", "mobile", "code_hash",
                         "tries", "sent_at", "expires_at", "confirmed_at"),
    "record_flag": ("kind", "subject_id", "service_id", "reason", "set_by_id", "set_at",
                    "cleared_at", "warned_at"),
    "filing_counter": ("year", "value"),
}
TABLES = list(COLUMNS)
# Defaults of the columns a row builder leaves out (keyword rows, see `row`).
APPLICATION_DEFAULTS = {
    "subject_id": None, "service_id": None, "channel": "filer", "isp_id": None,
    "returned_proposed": None, "revision": 1, "return_reason": "", "return_notes": "[]",
    "in_conflict": 0, "conflicts": "[]", "materials": "[]", "submitted_at": None,
    "review_started_at": None, "due_on": None, "decided_at": None, "decided_by_id": None,
}


def check_columns(actual: dict[str, list[str]]) -> None:
    """`actual`: table -> its columns in the database. Every column must be filled
    (an autoincrement id may be left to the database)."""
    problems = []
    for table, columns in COLUMNS.items():
        missing = set(actual.get(table, [])) - set(columns) - {"id"}
        unknown = set(columns) - set(actual.get(table, []))
        if missing or unknown:
            problems.append(f"{table}: not filled {sorted(missing)}, unknown {sorted(unknown)}")
    if problems:
        raise SystemExit("the schema does not match bench/data_tables.py (a new migration?):\n  "
                         + "\n  ".join(problems))


def row(table: str, defaults: dict | None = None, **values) -> tuple:
    """A row from keyword values (for the wide, rarer tables)."""
    if defaults:
        values = {**defaults, **values}
    return tuple(values[c] for c in COLUMNS[table])


def ts(moment: datetime | None) -> str | None:
    """A timestamp as peewee stores it (naive UTC, 'YYYY-MM-DD HH:MM:SS[.ffffff]')."""
    return None if moment is None else str(moment)


def day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


_encode = json.JSONEncoder(ensure_ascii=False).encode


def js(value) -> str:
    """JSON as the JSONField stores it (key order is irrelevant to readers)."""
    return _encode(value)


def quoted(text: str) -> str:
    """A JSON string literal, cheaply when nothing needs escaping (almost always)."""
    if '"' in text or "\\" in text or not text.isprintable():
        return _encode(text)
    return f'"{text}"'


class Batch:
    """Rows waiting to be written, per table."""

    def __init__(self):
        self.rows = {table: [] for table in TABLES}

    def add(self, table: str, values: tuple) -> None:
        self.rows[table].append(values)

    def extend(self, table: str, values) -> None:
        self.rows[table].extend(values)

    def count(self) -> int:
        return sum(len(r) for r in self.rows.values())
