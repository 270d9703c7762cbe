"""Backup and restore of an instance (`flask backup PATH`, `flask restore PATH`).

One tar.gz holds the database (SQLite's online backup API while the portal runs, or
`pg_dump -Fc`) with the files that belong to it: the signing key, the audit head file,
the generated secret key of the embedded default, and the uploads. Its manifest lists
every member's size and SHA-256, the applied migrations and the time.

A restore reads the whole archive against its manifest before it touches anything.
SQLite: the database is staged next to the target and checked there (integrity_check,
migration level, the audit chain against the archived head), then renamed into place.
PostgreSQL: `pg_restore --single-transaction` (all or nothing), then the same checks.
Whatever a restore replaces is kept beside it as `<name>.before-restore-<time>`.
"""
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from portal.clock import utcnow

FORMAT, VERSION, MANIFEST = "icp-portal-backup", 1, "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database/portal.db", "postgresql": "database/portal.dump"}


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why and what to do."""


@dataclass
class InstancePaths:
    """Where an instance keeps what a backup holds (from the app's configuration)."""
    database_url: str
    signing_key: Path
    audit_head: Path
    secret_key: Path
    uploads: Path

    @classmethod
    def from_config(cls, config: dict, instance_path: str) -> "InstancePaths":
        return cls(config["DATABASE_URL"], Path(config["SIGNING_KEY_PATH"]),
                   Path(config["AUDIT_HEAD_PATH"]), Path(instance_path) / "secret_key",
                   Path(config["UPLOAD_FOLDER"]))

    @property
    def engine(self) -> str:
        return "sqlite" if self.database_url.startswith("sqlite") else "postgresql"

    @property
    def sqlite_path(self) -> Path:
        return Path(self.database_url.split("sqlite:///", 1)[1])

    def file_targets(self) -> dict:
        return {"files/signing_key.pem": self.signing_key, "files/audit_head": self.audit_head,
                "files/secret_key": self.secret_key}


# -- backup ---------------------------------------------------------------------

def create_backup(paths: InstancePaths, archive: Path) -> dict:
    """Write `archive` (tar.gz, mode 0600) and return its manifest. The audit head is
    read before the database, so the archived head is never newer than the archived
    chain; uploads are read after it, so every file the database names is there."""
    from portal import backup_engines
    archive = Path(archive)
    if archive.exists():
        raise BackupError(f"{archive} exists already: choose a new file name")
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=archive.parent, prefix=".backup-") as tmp:
        head = Path(tmp) / "audit_head"
        if paths.audit_head.exists():
            shutil.copyfile(paths.audit_head, head)
        database = Path(tmp) / "database"
        migrations = backup_engines.dump_database(paths, database)
        members = [(DATABASE_MEMBERS[paths.engine], database)]
        sources = {**paths.file_targets(), "files/audit_head": head}
        members += [(name, source) for name, source in sources.items() if source.exists()]
        if paths.uploads.is_dir():
            members += [(f"uploads/{path.relative_to(paths.uploads).as_posix()}", path)
                        for path in sorted(paths.uploads.rglob("*")) if path.is_file()]
        manifest = {"format": FORMAT, "version": VERSION, "engine": paths.engine,
                    "created_at": utcnow().isoformat(timespec="seconds") + "Z",
                    "migrations": migrations, "files": []}
        _write_archive(archive, members, manifest)
    return manifest


def _write_archive(archive: Path, members: list, manifest: dict) -> None:
    partial = archive.with_name(archive.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz") as tar:
                for name, source in members:
                    manifest["files"].append(_add_file(tar, name, source))
                data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode, info.mtime = len(data), 0o600, int(time.time())
                tar.addfile(info, io.BytesIO(data))
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, archive)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _add_file(tar: tarfile.TarFile, name: str, source: Path) -> dict:
    """Add one file, hashing the bytes as they are written (one read per file)."""
    info = tar.gettarinfo(str(source), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with open(source, "rb") as handle:
        reader = _Hashing(handle)
        tar.addfile(info, reader)
    return {"path": name, "size": info.size, "sha256": reader.sha.hexdigest()}


class _Hashing:
    def __init__(self, handle):
        self.handle, self.sha = handle, hashlib.sha256()

    def read(self, size=-1):
        data = self.handle.read(size)
        self.sha.update(data)
        return data


# -- reading an archive ---------------------------------------------------------

def unpack_archive(archive: Path, staging: Path) -> dict:
    """Extract every member into `staging` (regular files under known folders only)
    and check each against the manifest; any difference raises BackupError."""
    found, manifest = {}, None
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                if member.name == MANIFEST:
                    if not member.isfile():
                        raise BackupError("the archive's manifest is not a file")
                    manifest = _read_manifest(tar.extractfile(member))
                    continue
                found[member.name] = _extract(tar, member, staging)
            while tar.fileobj.read(1 << 20):   # to the end: gzip checks its CRC there
                pass
    except (tarfile.TarError, EOFError, OSError, ValueError, zlib.error) as exc:
        raise BackupError(f"{archive} is not a readable backup archive ({exc}): corrupted "
                          f"or truncated; nothing was restored") from exc
    if manifest is None:
        raise BackupError(f"{archive} has no manifest: corrupted, or not a backup of this "
                          f"portal; nothing was restored")
    expected = {entry["path"]: (entry["size"], entry["sha256"]) for entry in manifest["files"]}
    for name in sorted(set(expected) | set(found)):
        if expected.get(name) != found.get(name):
            raise BackupError(f"{archive} is corrupted or incomplete: {name} does not "
                              f"match the manifest; nothing was restored")
    return manifest


def _read_manifest(handle) -> dict:
    try:
        manifest = json.loads(handle.read())
    except ValueError as exc:
        raise BackupError(f"the manifest is unreadable ({exc})") from exc
    if not isinstance(manifest, dict) or (manifest.get("format"), manifest.get("version")) != (
            FORMAT, VERSION):
        raise BackupError("the manifest is not that of an icp-portal backup (format 1)")
    if not _well_formed(manifest):
        raise BackupError("the manifest is incomplete (engine, migrations or files)")
    return manifest


def _well_formed(manifest: dict) -> bool:
    files, engine = manifest.get("files"), manifest.get("engine")
    if engine not in DATABASE_MEMBERS or not isinstance(manifest.get("migrations"), list):
        return False
    if not isinstance(files, list) or not all(
            isinstance(entry, dict) and {"path", "size", "sha256"} <= set(entry)
            for entry in files):
        return False
    return DATABASE_MEMBERS[engine] in {entry["path"] for entry in files}


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, staging: Path):
    name = PurePosixPath(member.name)
    if (not member.isfile() or not name.parts or name.is_absolute() or ".." in name.parts
            or name.parts[0] not in ("database", "files", "uploads")):
        raise BackupError(f"unexpected member in the archive: {member.name}")
    target = staging.joinpath(*name.parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    reader = _Hashing(tar.extractfile(member))
    with open(target, "wb") as out:
        shutil.copyfileobj(reader, out)
    return (member.size, reader.sha.hexdigest())


# -- restore ----------------------------------------------------------------------

def restore_backup(paths: InstancePaths, archive: Path, force: bool = False) -> dict:
    """Restore `archive` over this instance; returns {"manifest", "events"} (the audit
    events checked). Refuses a target in use or holding data unless `force`."""
    from portal import backup_engines
    staging_parent = (paths.sqlite_path.parent if paths.engine == "sqlite"
                      else paths.secret_key.parent)
    staging_parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=staging_parent, prefix=".restore-") as tmp:
        staging = Path(tmp)
        manifest = unpack_archive(Path(archive), staging)
        if manifest["engine"] != paths.engine:
            raise BackupError(f"the backup is of a {manifest['engine']} database; this "
                              f"instance uses {paths.engine}")
        backup_engines.refuse_live_target(paths, force)
        stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
        events = backup_engines.restore_database(paths, staging, manifest, stamp)
        for name, target in paths.file_targets().items():
            if (staging / name).exists():
                install_file(staging / name, target, stamp, mode=0o600)
        uploads = staging / "uploads"
        for path in sorted(uploads.rglob("*")) if uploads.is_dir() else ():
            if path.is_file():
                install_file(path, paths.uploads / path.relative_to(uploads), stamp)
        if events is None:       # PostgreSQL: checked once the head file is in place
            events = backup_engines.check_restored_postgres(paths, manifest)
    return {"manifest": manifest, "events": events}


def keep_aside(target: Path, stamp: str) -> None:
    """Keep the file a restore replaces as `<name>.before-restore-<stamp>` (a hard link
    when the file system allows it: instant, and the original inode stays intact)."""
    aside = target.with_name(f"{target.name}.before-restore-{stamp}")
    try:
        os.link(target, aside)
    except OSError:
        shutil.copy2(target, aside)


def install_file(staged: Path, target: Path, stamp: str, mode: int | None = None) -> None:
    """Put `staged` at `target` atomically (a temporary file in the target's folder,
    then a rename); an existing different file is kept aside first."""
    if target.exists() and _sha256(target) == _sha256(staged):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        keep_aside(target, stamp)
    partial = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(staged, partial)
    if mode is not None:
        os.chmod(partial, mode)
    os.replace(partial, target)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
