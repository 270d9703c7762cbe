"""`flask backup` / `flask restore`: a database with data and its files are backed up,
changed and destroyed, restored, and every table's rows and every file compared; a
corrupted archive, or one whose database fails its checks, is refused and the old
database is left as it was. Runs on both engines (pg_dump on PostgreSQL)."""
import hashlib
import io
import json
import shutil
import sqlite3
import tarfile
from pathlib import Path

import pytest

from portal.audit import verify_chain
from portal.db import db, transaction
from portal.models import Account, AuditEvent, OutboxMessage
from portal.services import uploads
from portal.states import State
from tests.conftest import PG_URL

if PG_URL and not shutil.which("pg_dump"):
    pytest.skip("pg_dump is not installed", allow_module_level=True)

PDF = b"%PDF-1.4\n% a scan\n" + bytes(range(256)) * 4


def table_rows() -> dict:
    """Every table's rows, in primary-key order."""
    return {table: db.execute_sql(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()  # nosec B608
            for table in sorted(db.get_tables())}


def instance_files(app) -> dict:
    folder = Path(app.config["UPLOAD_FOLDER"])
    files = {p.relative_to(folder).as_posix(): p.read_bytes()
             for p in folder.rglob("*") if p.is_file() and ".before-restore-" not in p.name}
    for key in ("SIGNING_KEY_PATH", "AUDIT_HEAD_PATH"):
        files[key] = Path(app.config[key]).read_bytes()
    return files


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args):
        db.close()
        db.obj.close_all()        # as in production: the web server is stopped first
        return runner.invoke(args=list(args))
    return invoke


@pytest.fixture
def populated(app, make_application):
    """Applications in several states and an uploaded scan."""
    make_application(state=State.APPROVED)
    make_application(state=State.SUBMITTED)
    make_application(state=State.RETURNED)
    uploads.store_upload(io.BytesIO(PDF), "scan.pdf")
    assert verify_chain().ok
    return app


def test_a_backup_restores_every_row_and_file(populated, cli, tmp_path, make_application):
    app = populated
    rows, files = table_rows(), instance_files(app)
    archive = tmp_path / "backups" / "portal.tar.gz"
    result = cli("backup", str(archive))
    assert result.exit_code == 0, result.output
    assert "backup written" in result.output and archive.stat().st_mode & 0o077 == 0

    make_application(state=State.APPROVED)             # changed after the backup ...
    with transaction():
        OutboxMessage.delete().execute()               # ... and destroyed
    Path(app.config["AUDIT_HEAD_PATH"]).write_text("1 " + "0" * 64 + "\n")
    for path in Path(app.config["UPLOAD_FOLDER"]).iterdir():
        path.write_bytes(b"overwritten")
    assert table_rows() != rows

    refused = cli("restore", str(archive))
    assert refused.exit_code == 1 and "restore refused" in refused.output
    assert "--force" in refused.output and OutboxMessage.select().count() == 0

    result = cli("restore", "--force", str(archive))
    assert result.exit_code == 0, result.output
    assert "audit chain intact" in result.output
    db.connect(reuse_if_open=True)
    assert table_rows() == rows
    assert instance_files(app) == files
    assert verify_chain().ok
    assert AuditEvent.select().count() == len(rows["audit_event"])
    kept = list(Path(app.config["AUDIT_HEAD_PATH"]).parent.glob("audit_head.before-restore-*"))
    assert len(kept) == 1 and kept[0].read_text().startswith("1 ")   # what it replaced
    [upload] = Path(app.config["UPLOAD_FOLDER"]).glob("*.before-restore-*")
    assert upload.read_bytes() == b"overwritten"


def test_the_manifest_lists_sizes_hashes_and_the_migration_level(populated, cli, tmp_path):
    archive = tmp_path / "b.tar.gz"
    assert cli("backup", str(archive)).exit_code == 0
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        members = {m.name: tar.extractfile(m).read() for m in tar if m.name != "manifest.json"}
    assert manifest["format"] == "icp-portal-backup" and manifest["created_at"].endswith("Z")
    assert manifest["engine"] == ("postgresql" if PG_URL else "sqlite")
    assert manifest["migrations"][0] == "0001_initial"
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert set(listed) == set(members)
    assert {"files/signing_key.pem", "files/audit_head"} <= set(listed)
    assert sum(name.startswith("uploads/") for name in listed) == 1
    for name, data in members.items():
        assert listed[name]["size"] == len(data)
        assert listed[name]["sha256"] == hashlib.sha256(data).hexdigest()
    assert cli("backup", str(archive)).exit_code == 1      # never overwrites a backup


def _corrupt_bytes(archive: Path) -> None:
    data = bytearray(archive.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 16] = bytes(b ^ 0xFF for b in data[middle:middle + 16])
    archive.write_bytes(bytes(data))


def rewrite_archive(archive: Path, change, fix_manifest: bool, edit=None) -> None:
    """Rewrite each member through `change(name, data) -> data`; the manifest keeps its
    old sizes and hashes unless `fix_manifest`, then goes through `edit`."""
    with tarfile.open(archive) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar}
    manifest = json.loads(members.pop("manifest.json"))
    members = {name: change(name, data) for name, data in members.items()}
    if fix_manifest:
        manifest["files"] = [{"path": n, "size": len(d), "sha256": hashlib.sha256(d).hexdigest()}
                             for n, d in members.items()]
    (edit or (lambda _manifest: None))(manifest)
    members["manifest.json"] = json.dumps(manifest).encode()
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _flip_key(name, data):
    return data.replace(b"PRIVATE", b"PRIVATF") if name == "files/signing_key.pem" else data


@pytest.mark.parametrize("damage, message", [
    (_corrupt_bytes, "not a readable backup archive"),
    (lambda archive: archive.write_bytes(archive.read_bytes()[:archive.stat().st_size // 2]),
     "not a readable backup archive"),
    (lambda archive: rewrite_archive(archive, _flip_key, False), "does not match the manifest"),
    (lambda archive: _drop_member(archive, "files/audit_head"), "does not match the manifest"),
    (lambda archive: _drop_member(archive, "manifest.json"), "has no manifest"),
    (lambda archive: rewrite_archive(archive, lambda n, d: d, False, lambda m: m.update(
        files=[f for f in m["files"] if not f["path"].startswith("database/")])),
     "the manifest is incomplete"),
])
def test_a_corrupted_archive_is_refused_and_nothing_changes(populated, cli, tmp_path,
                                                            damage, message):
    archive = tmp_path / "b.tar.gz"
    assert cli("backup", str(archive)).exit_code == 0
    db.connect(reuse_if_open=True)
    rows, files = table_rows(), instance_files(populated)
    damage(archive)
    result = cli("restore", "--force", str(archive))
    assert result.exit_code == 1 and message in result.output, result.output
    assert "restore refused" in result.output
    db.connect(reuse_if_open=True)
    assert table_rows() == rows and instance_files(populated) == files
    assert not list(tmp_path.rglob("*.before-restore-*"))


def _drop_member(archive: Path, dropped: str) -> None:
    with tarfile.open(archive) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar if m.name != dropped}
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


@pytest.mark.sqlite_only
def test_a_database_failing_its_checks_leaves_the_old_one_in_place(populated, cli, tmp_path):
    """A consistent archive whose audit chain was edited: refused after staging, and the
    live database file is byte for byte the one before."""
    archive = tmp_path / "b.tar.gz"
    assert cli("backup", str(archive)).exit_code == 0

    def edit_chain(name, data):
        if name != "database/portal.db":
            return data
        copy = tmp_path / "edited.db"
        copy.write_bytes(data)
        with sqlite3.connect(copy) as connection:
            connection.execute("UPDATE audit_event SET reason = 'rewritten' WHERE seq = 2")
        connection.close()
        return copy.read_bytes()

    rewrite_archive(archive, edit_chain, fix_manifest=True)
    database = Path(populated.config["DATABASE_URL"].split("sqlite:///", 1)[1])
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    result = cli("restore", "--force", str(archive))
    assert result.exit_code == 1, result.output
    assert "audit chain of the backup is broken at seq 2" in result.output
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before
    assert not list(database.parent.glob(".restore-*"))
    assert not list(database.parent.glob("*.before-restore-*"))
    db.connect(reuse_if_open=True)
    assert Account.select().count() > 0 and verify_chain().ok


@pytest.mark.sqlite_only
def test_a_database_in_use_is_copied_consistently(populated, tmp_path):
    """The online backup API copies a live database (a connection open, WAL) in one read
    transaction; the copy passes integrity_check and its chain verifies."""
    from portal.backup import InstancePaths
    from portal.backup_engines import check_sqlite_file, sqlite_snapshot
    db.connect(reuse_if_open=True)
    assert Account.select().count() > 0          # a connection is open on the live file
    paths = InstancePaths.from_config(populated.config, populated.instance_path)
    migrations = sqlite_snapshot(paths.sqlite_path, tmp_path / "copy.db")
    assert check_sqlite_file(tmp_path / "copy.db", None, {"migrations": migrations}) > 0


@pytest.mark.sqlite_only
def test_a_database_in_use_is_not_replaced_without_force(populated, cli, tmp_path):
    archive = tmp_path / "b.tar.gz"
    assert cli("backup", str(archive)).exit_code == 0
    database = Path(populated.config["DATABASE_URL"].split("sqlite:///", 1)[1])
    connection = sqlite3.connect(database)       # a web server still running on it
    try:
        assert connection.execute("SELECT count(*) FROM account").fetchone()[0] > 0
        result = cli("restore", str(archive))
    finally:
        connection.close()
    assert result.exit_code == 1 and "is in use" in result.output, result.output
