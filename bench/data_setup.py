"""The instance a bench data set lives in: the target database checked and emptied,
the schema from the project's own migrations, the settings and signing key from
portal/setup_instance.py, bureau staff and the ISP organisations with their staff.
"""
import random
import shutil
from pathlib import Path

from portal import create_app
from portal.db import db, transaction

PASSWORD = "bench-pass-2026"      # every generated account's password (one hash for all)
ISP_PREFIXES = ["晋云", "太行", "汾河", "恒山", "五台", "云冈", "吕梁", "中条", "黄河", "龙城",
                "并州", "三晋", "雁门", "壶口", "平遥", "晋阳", "绵山", "王屋", "关帝", "芦芽",
                "沁水", "桑干", "滹沱", "涑水", "浊漳"]
ISP_KINDS = ["云计算", "数据", "网络", "信息技术", "通信"]
IP_FIRST = [58, 59, 60, 61, 101, 106, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120,
            121, 122, 123, 124, 125, 171, 175, 180, 182, 183, 202, 210, 211, 218, 219, 220,
            221, 222, 223]
REVIEWERS, AUDITORS = 10, 2
# Bytes per row group, measured on the 1 M build (file size / count), plus headroom for
# the index builds; see make_data.estimate_bytes.
BYTES_PER_WEBSITE, BYTES_PER_CERTIFICATE, BYTES_PER_SUBJECT, BYTES_PER_APP = 2450, 1000, 3900, 3600


def app_config(url: str, instance: Path) -> dict:
    return {"DATABASE_URL": url, "INSTANCE_PATH": str(instance), "HUEY_URL": "memory://",
            "HUEY_IMMEDIATE": True}


def free_bytes(path: Path) -> int:
    path = path if path.exists() else next(p for p in path.parents if p.exists())
    return shutil.disk_usage(path).free


def check_disk(needed: int, where: Path, what: str) -> None:
    free = free_bytes(where)
    print(f"disk: needs about {needed / 1e9:.1f} GB for {what}; {free / 1e9:.1f} GB free "
          f"in {where}", flush=True)
    if free < needed:
        raise SystemExit(f"not enough free disk space in {where}: about {needed / 1e9:.1f} GB "
                         f"needed, {free / 1e9:.1f} GB free (choose a smaller --websites or "
                         f"another --database-url)")


def prepare_sqlite(path: Path, instance: Path, force: bool) -> None:
    """Refuse to overwrite an existing file unless --force; start from nothing."""
    if path.exists() and not force:
        raise SystemExit(f"{path} exists: add --force to build it again")
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(instance, ignore_errors=True)
    path.parent.mkdir(parents=True, exist_ok=True)


def prepare_postgres(sink, database: str, instance: Path, force: bool) -> None:
    """Drop and re-create the public schema (only with --force when tables exist)."""
    if database.startswith("portal_test"):
        raise SystemExit(f"refusing to load bench data into the test database {database}")
    tables = sink.scalar("SELECT count(*) FROM information_schema.tables "
                         "WHERE table_schema = 'public'")
    if tables and not force:
        raise SystemExit(f"database {database} has {tables} tables: add --force to drop them")
    sink.execute("DROP SCHEMA public CASCADE")
    sink.execute("CREATE SCHEMA public")
    sink.conn.commit()
    shutil.rmtree(instance, ignore_errors=True)


def build_instance(url: str, instance: Path):
    """Migrate, initialise (settings, signing key, enumerations, admin): the app."""
    from portal.migrate import apply_migrations
    from portal.setup_instance import init_instance
    app = create_app(app_config(url, instance))
    with app.app_context():
        apply_migrations()
        with db.connection_context():
            init_instance("山西", "晋", "山西省通信管理局", "admin", PASSWORD)
    return app


def add_staff(app, isps: int, password_hash: str, seed: int) -> tuple[list[dict], list[int]]:
    """Bureau reviewers and auditors, and `isps` ISP organisations with an admin, an
    operator and a read-only account each. Returns (isps, reviewer ids)."""
    from portal.models import Account, IspOrganisation
    names = [f"{p}{k}有限公司" for k in ISP_KINDS for p in ISP_PREFIXES]
    if isps > len(names):
        raise SystemExit(f"--isps is at most {len(names)}")
    rng = random.Random(seed * 31 + 7)

    def account(username, tenant, role, org=None, display=""):
        return Account.create(username=username, tenant=tenant, role=role, organisation=org,
                              password_hash=password_hash, display_name=display,
                              mobile_verified=True, email_verified=True, identity_verified=True,
                              created_via="cli").id

    with app.app_context(), db.connection_context(), transaction():
        reviewers = [account(f"reviewer{i:02d}", "bureau", "reviewer", display=f"审核员{i}")
                     for i in range(1, REVIEWERS + 1)]
        for i in range(1, AUDITORS + 1):
            account(f"auditor{i:02d}", "bureau", "auditor", display=f"审计员{i}")
        out = []
        for i, name in enumerate(names[:isps]):
            org = IspOrganisation.create(name=name, licence_number=f"B1-2019{i + 1:04d}",
                                         consultation_phone=f"0351-{5200000 + i * 37}")
            slug = f"isp{i + 1:02d}"
            account(f"{slug}-admin", "isp", "admin", org)
            operator = account(f"{slug}-op", "isp", "operator", org)
            account(f"{slug}-ro", "isp", "readonly", org)
            prefixes = [f"{rng.choice(IP_FIRST)}.{rng.randint(1, 254)}" for _ in range(2)]
            out.append({"id": org.id, "name": name, "slug": slug, "operator_id": operator,
                        "prefixes": prefixes, "local": i < 3 or i % 3 == 0})
    db.obj.close_all()
    return out, reviewers
