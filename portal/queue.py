"""The one huey instance. Created unbound (in memory) at import so tasks can be
declared; `configure_queue` points it at SqliteHuey or Redis from HUEY_URL."""
from contextlib import contextmanager
from urllib.parse import urlparse

from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from portal.db import db

huey = Huey("portal", storage_class=MemoryStorage, utc=True)


def configure_queue(url: str, immediate: bool = False) -> Huey:
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        huey.storage_class = SqliteStorage
        huey.storage_kwargs = {"filename": url.split("sqlite:///", 1)[1]}
    elif parsed.scheme in ("redis", "rediss"):
        huey.storage_class = RedisStorage
        huey.storage_kwargs = {"url": url}
    elif parsed.scheme == "memory":
        huey.storage_class, huey.storage_kwargs = MemoryStorage, {}
    else:
        raise ValueError(f"unsupported HUEY_URL scheme: {parsed.scheme}")
    huey._immediate = immediate
    # Immediate mode (tests) still uses the configured backend, so Redis is exercised.
    huey.immediate_use_memory = huey.storage_class is MemoryStorage
    huey.storage = huey.create_storage()
    return huey


@contextmanager
def task_connection():
    """A database connection for a task; a task run inline inside a request reuses the
    request's connection and leaves it open."""
    opened = db.is_closed()
    if opened:
        db.connect()
    try:
        yield
    finally:
        if opened:
            db.close()
