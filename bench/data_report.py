"""The end of a bench data build: rows per table, size, the sample keys file, the
summary printed for the person who ran it."""
import json
from pathlib import Path

from data_setup import PASSWORD
from data_sink import log
from portal.clock import utcnow


def table_counts(app) -> dict[str, int]:
    from portal.db import db
    from portal.models import ALL_MODELS
    with app.app_context(), db.connection_context():
        return {m._meta.table_name: m.select().count() for m in ALL_MODELS}


def database_bytes(app, url: str) -> int:
    """The SQLite file (and its WAL), or what PostgreSQL reports for the database."""
    if url.startswith("sqlite:///"):
        path = Path(url.split("sqlite:///", 1)[1])
        return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
    from portal.db import db
    with app.app_context(), db.connection_context():
        return db.execute_sql("SELECT pg_database_size(current_database())").fetchone()[0]


def write_samples(args, result: dict, counts: dict, size: int) -> None:
    samples = result["samples"]
    filer = next(iter(samples.get("filers", [])), None)
    document = {
        "database_url": args.database_url, "instance_path": str(args.instance),
        "seed": args.seed, "sizes": {"websites": args.websites, "subjects": args.subjects,
                                     "isps": args.isps, "in_flight": args.in_flight},
        "built_at": utcnow().isoformat(timespec="seconds") + "Z",
        "seconds": round(result["seconds"], 1), "bytes": size, "counts": counts,
        "records": result["records"], "in_flight": result["in_flight"],
        "in_review": result["in_review"], "password": PASSWORD,
        "logins": {"bureau_admin": "admin", "reviewers": [f"reviewer{i:02d}" for i in (1, 2)],
                   "auditor": "auditor01",
                   "isp_operators": [f"{i['slug']}-op" for i in result["isps"][:5]],
                   "filer": filer},
        "isps": [{k: i[k] for k in ("id", "name", "slug")} for i in result["isps"]],
        "samples": samples,
    }
    args.samples.parent.mkdir(parents=True, exist_ok=True)
    args.samples.write_text(json.dumps(document, ensure_ascii=False, indent=1))


def report(args, result: dict, counts: dict, size: int) -> None:
    log(f"\nbuilt in {result['seconds']:.0f} s (loaded and indexed after {result['loaded']:.0f} s)"
        + (f", {size / 1e9:.2f} GB" if size else ""))
    log(f"{'table':<24}{'rows':>12}")
    for table, rows in counts.items():
        if rows:
            log(f"{table:<24}{rows:>12,}")
    log("services: " + ", ".join(f"{k} {v:,}" for k, v in sorted(result["records"].items())))
    log(f"in bureau review: {result['in_review']:,}")
    log(f"sample keys: {args.samples}")
    log(f"password of every generated account: {PASSWORD} (admin, reviewer01, isp01-op ...)")
    log(f"serve it: DATABASE_URL={args.database_url} INSTANCE_PATH={args.instance} "
        f".venv/bin/gunicorn -w 2 wsgi:app")
