"""The database half of backup and restore (portal.backup): SQLite's online backup API
and an atomic rename, or pg_dump and a single-transaction pg_restore."""
import os
import sqlite3
import subprocess  # nosec B404 - runs pg_dump / pg_restore with fixed arguments, no shell
from pathlib import Path
from urllib.parse import unquote, urlparse

from peewee import SqliteDatabase
from playhouse.migrations import Runner

from portal import audit
from portal.backup import (
    DATABASE_MEMBERS,
    BackupError,
    InstancePaths,
    keep_aside,
)
from portal.db import db
from portal.migrate import MIGRATIONS_DIR
from portal.models import Account, AuditEvent, AuditHead


def dump_database(paths: InstancePaths, out: Path) -> list[str]:
    """Write the database to `out`; returns its applied migrations."""
    if paths.engine == "sqlite":
        return sqlite_snapshot(paths.sqlite_path, out)
    with db.connection_context():
        migrations = sorted(Runner(db.obj, MIGRATIONS_DIR).applied())
    _pg("pg_dump", paths.database_url, "--format=custom", "--no-owner", "--no-privileges",
        f"--file={out}")
    return migrations


def sqlite_snapshot(source: Path, out: Path) -> list[str]:
    """A consistent copy of a live SQLite database (the online backup API copies it in
    one step under a read transaction: writers in WAL mode are not blocked), as one
    self-contained file (rollback journal mode; the portal turns WAL back on)."""
    if not source.exists():
        raise BackupError(f"no database at {source}")
    src, dst = sqlite3.connect(source, timeout=30), sqlite3.connect(out)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        src.close()
        dst.close()
    database = SqliteDatabase(str(out))
    with database.connection_context():
        return sorted(Runner(database, MIGRATIONS_DIR).applied())


def refuse_live_target(paths: InstancePaths, force: bool) -> None:
    """Refuse (unless forced) a database in use or one that holds data."""
    if force:
        return
    if paths.engine == "sqlite":
        target = paths.sqlite_path
        if any(Path(f"{target}{side}").exists() for side in ("-wal", "-shm")):
            raise BackupError(f"{target} is in use (its -wal or -shm file exists): stop the "
                              f"web server and the task consumer first, or pass --force")
        if not target.exists():
            return
        database = SqliteDatabase(str(target))
        with database.connection_context():
            holds_data = has_data(database)
    else:
        with db.connection_context():
            others = db.execute_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()").fetchone()[0]
            holds_data = has_data(db.obj)
        db.obj.close_all()
        if others:
            raise BackupError(f"{others} other connection(s) to the database: stop the web "
                              f"server and the task consumer first, or pass --force")
    if holds_data:
        raise BackupError("the target database holds data: pass --force to replace it "
                          "(what it replaces is kept as *.before-restore-<time>)")


def restore_database(paths: InstancePaths, staging: Path, manifest: dict, stamp: str):
    """SQLite: check the staged copy, then rename it into place (returns the events
    checked). PostgreSQL: pg_restore in one transaction (returns None: it is checked
    once the files are in place)."""
    staged = staging.joinpath(*DATABASE_MEMBERS[paths.engine].split("/"))
    if paths.engine == "postgresql":
        db.obj.close_all()
        _pg("pg_restore", paths.database_url, "--clean", "--if-exists", "--no-owner",
            "--no-privileges", "--single-transaction", "--exit-on-error", str(staged),
            database_flag=True)
        return None
    head = staging / "files" / "audit_head"
    events = check_sqlite_file(staged, head if head.exists() else None, manifest)
    target = paths.sqlite_path
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        keep_aside(target, stamp)
    for side in ("-wal", "-shm"):          # an old WAL must never meet the new file
        if Path(f"{target}{side}").exists():
            os.replace(f"{target}{side}", f"{target}.before-restore-{stamp}{side}")
    os.replace(staged, target)
    return events


def check_restored_postgres(paths: InstancePaths, manifest: dict) -> int:
    with db.connection_context():
        return check_database(db.obj, paths.audit_head, manifest)


def _pg(tool: str, url: str, *args: str, database_flag: bool = False) -> None:
    """Run pg_dump or pg_restore; the password goes in the environment, not argv."""
    parsed = urlparse(url)
    env = dict(os.environ, PGHOST=parsed.hostname or "localhost",
               PGPORT=str(parsed.port or 5432), PGUSER=unquote(parsed.username or ""),
               PGDATABASE=parsed.path.lstrip("/"))
    if parsed.password:
        env["PGPASSWORD"] = unquote(parsed.password)
    command = [tool, *args] + ([f"--dbname={env['PGDATABASE']}"] if database_flag else [])
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True,  # nosec B603 - fixed argv
                                check=False)
    except FileNotFoundError as exc:
        raise BackupError(f"{tool} not found: install the PostgreSQL client tools "
                          f"(the server's major version or newer)") from exc
    if result.returncode != 0:
        raise BackupError(f"{tool} failed (exit {result.returncode}): "
                          f"{result.stderr.strip()[-2000:]}")


# -- checks shared by both engines ------------------------------------------------

def check_database(database, head_path: Path | None, manifest: dict) -> int:
    """The restored database has the archived migration level, no migration this code
    does not know, and an intact audit chain (pinned by the archived head file).
    Returns the number of audit events checked."""
    runner = Runner(database, MIGRATIONS_DIR)
    applied = sorted(runner.applied())
    if applied != sorted(manifest["migrations"]):
        raise BackupError("the restored database's migrations differ from the manifest")
    unknown = set(applied) - {m.name for m in runner.migrations()}
    if unknown:
        raise BackupError(f"the backup comes from a newer release (migrations "
                          f"{', '.join(sorted(unknown))}): install that release first")
    saved = audit._head_file["path"]
    audit.configure(str(head_path) if head_path and head_path.exists() else None)
    try:
        with database.bind_ctx([AuditEvent, AuditHead]):
            report = audit.verify_chain()
    finally:
        audit.configure(saved)
    if not report.ok:
        raise BackupError(f"the audit chain of the backup is broken at seq {report.seq}: "
                          f"{report.problem}")
    return report.checked


def check_sqlite_file(path: Path, head_path: Path | None, manifest: dict) -> int:
    with sqlite3.connect(path) as connection:
        result = connection.execute("PRAGMA integrity_check").fetchall()
    connection.close()
    if result != [("ok",)]:
        raise BackupError(f"integrity_check of the restored database failed: {result[:3]}")
    database = SqliteDatabase(str(path), pragmas={"foreign_keys": 1})
    try:
        with database.connection_context():
            return check_database(database, head_path, manifest)
    finally:
        database.close()


def has_data(database) -> bool:
    """True when the database holds accounts or audit events (a live instance)."""
    with database.bind_ctx([Account, AuditEvent]):
        return any(model.table_exists() and model.select().exists()
                   for model in (Account, AuditEvent))
