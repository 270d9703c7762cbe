"""Bulk writers of the bench data set: SQLite (executemany) and PostgreSQL (COPY).

Both load into the schema the migrations created: the secondary indexes of the loaded
tables are dropped first and re-created from their own saved definitions after the load
(so the schema ends byte-for-byte as migrated), then ANALYZE gives the planner its
statistics. SQLite loads without journal or fsync and is left in WAL mode.
"""
import io
import sqlite3
import time
from urllib.parse import urlparse

from data_tables import COLUMNS, TABLES, Batch


def log(message: str) -> None:
    print(message, flush=True)


class SqliteSink:
    def __init__(self, path: str):
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.saved: list[tuple[str, str]] = []

    def columns(self, table: str) -> list[str]:
        return [r[1] for r in self.conn.execute(f'PRAGMA table_info("{table}")')]

    def scalar(self, sql: str, params=()):
        return self.conn.execute(sql.replace("%s", "?"), params).fetchone()[0]

    def execute(self, sql: str, params=()) -> None:
        self.conn.execute(sql.replace("%s", "?"), params)

    def start(self) -> None:
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "foreign_keys=OFF",
                       "locking_mode=EXCLUSIVE", "temp_store=MEMORY", "cache_size=-400000"):
            self.conn.execute(f"PRAGMA {pragma}")
        marks = ",".join("?" * len(TABLES))
        self.saved = self.conn.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks})", TABLES).fetchall()
        for name, _ in self.saved:
            self.conn.execute(f'DROP INDEX "{name}"')

    def write(self, batch: Batch) -> None:
        self.conn.execute("BEGIN")
        for table, rows in batch.rows.items():
            if rows:
                columns = COLUMNS[table]
                self.conn.executemany(
                    f'INSERT INTO "{table}" ({", ".join(columns)}) '
                    f'VALUES ({", ".join("?" * len(columns))})', rows)
        self.conn.execute("COMMIT")

    def finish(self) -> None:
        recreate(self.saved, self.conn.execute)
        timed("ANALYZE", lambda: self.conn.execute("ANALYZE"))
        self.conn.execute("PRAGMA locking_mode=NORMAL")
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.close()


class PostgresSink:
    def __init__(self, url: str):
        import psycopg2
        parsed = urlparse(url)
        self.conn = psycopg2.connect(dbname=parsed.path.lstrip("/"), user=parsed.username,
                                     password=parsed.password, host=parsed.hostname,
                                     port=parsed.port or 5432)
        self.saved: list[tuple[str, str]] = []

    def columns(self, table: str) -> list[str]:
        return [r[0] for r in self._all(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND table_name = %s", (table,))]

    def _all(self, sql: str, params=()):
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def scalar(self, sql: str, params=()):
        return self._all(sql, params)[0][0]

    def execute(self, sql: str, params=()) -> None:
        with self.conn.cursor() as cur:
            cur.execute(sql, params)

    def start(self) -> None:
        """Secondary indexes out; foreign-key triggers off when we may (superuser)."""
        self.execute("SET maintenance_work_mem = '512MB'")
        if self.scalar("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"):
            self.execute("SET session_replication_role = replica")
        self.saved = self._all(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            "AND tablename = ANY(%s) AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u', 'x'))", (TABLES,))
        for name, _ in self.saved:
            self.execute(f'DROP INDEX "{name}"')

    def write(self, batch: Batch) -> None:
        with self.conn.cursor() as cur:
            for table, rows in batch.rows.items():
                if rows:
                    buffer = io.StringIO("".join(copy_line(r) for r in rows))
                    cur.copy_expert(f'COPY "{table}" ({", ".join(COLUMNS[table])}) '
                                    "FROM STDIN", buffer)

    def finish(self) -> None:
        recreate(self.saved, self.execute)
        for table in TABLES:
            if "id" in self.columns(table):
                self.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                             f'COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)')
        self.execute("SET session_replication_role = DEFAULT")
        self.conn.commit()
        self.conn.autocommit = True
        timed("ANALYZE", lambda: self.execute("ANALYZE"))
        self.conn.close()


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_field(value) -> str:
    """A value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_ESCAPES) if ("\\" in value or "\n" in value
                                             or "\t" in value or "\r" in value) else value
    return str(value)


def copy_line(values: tuple) -> str:
    return "\t".join(map(copy_field, values)) + "\n"


def recreate(saved: list[tuple[str, str]], execute) -> None:
    """Create the dropped indexes again from their own definitions."""
    for name, sql in saved:
        try:
            timed(f"index {name}", lambda sql=sql: execute(sql))
        except Exception as exc:
            raise SystemExit(f"re-creating index {name} failed ({exc}): the generated rows "
                             "break a constraint; this is a bug in bench/data_*.py") from exc


def timed(label: str, action) -> None:
    started = time.perf_counter()
    action()
    elapsed = time.perf_counter() - started
    if elapsed > 1:
        log(f"  {label}: {elapsed:.1f} s")


def open_sink(url: str):
    if url.startswith("sqlite:///"):
        return SqliteSink(url.split("sqlite:///", 1)[1])
    return PostgresSink(url)
