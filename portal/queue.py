"""The one huey instance. Created unbound (in memory) at import so tasks can be
declared; `configure_queue` points it at SqliteHuey or Redis from HUEY_URL."""
import threading
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


# How the consumer polls. SqliteHuey cannot block on an empty queue, so an idle worker
# sleeps `initial_delay`, then `backoff` times longer each time up to `max_delay`: a task
# enqueued while the consumer is idle waits at most max_delay (plus one dequeue) before a
# worker takes it. 0.5 s keeps pick-up well under 2 s for about four cheap reads a second
# per two workers on huey.db (not portal.db). Redis blocks on the queue instead (no poll).
CONSUMER_OPTIONS = {"worker_type": "thread", "periodic": True, "initial_delay": 0.05,
                    "backoff": 1.5, "max_delay": 0.5, "scheduler_interval": 1,
                    "check_worker_health": True}


def create_consumer(instance: Huey | None = None, workers: int = 2, **options):
    """The consumer with the portal's polling options (`flask worker`, tests)."""
    return (instance or huey).create_consumer(workers=workers,
                                              **{**CONSUMER_OPTIONS, **options})


def run_tasks_in_app_context(app, instance: Huey | None = None) -> None:
    """Push an app context around every task a consumer thread runs, as a request has
    one: config, gettext and url_for then work inside tasks as they do inline."""
    target, local = instance or huey, threading.local()

    @target.pre_execute(name="app_context")
    def push_context(task):
        local.context = app.app_context()
        local.context.push()

    @target.post_execute(name="app_context")
    def pop_context(task, value, exc):
        context, local.context = getattr(local, "context", None), None
        if context is not None:
            context.pop()
