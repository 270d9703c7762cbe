"""The task log: what the consumer did with each task, for the bureau admin's task page.

Tasks waiting in the queue or the schedule are read from huey's storage itself: it is
the truth, and it survives a restart. A `task_run` row is written only once a worker
takes a task, from huey's signals (executing, complete, error, retrying ...), so nothing
is written in the request that enqueues: a row written there could be rolled back with
its transaction, or never be written by a process with no database.

The receivers are connected by the consumer (`flask worker`), not in the web process:
tasks run inline in tests and in immediate mode are not logged. Rows are telemetry, not
business state: no audit event, and old rows are pruned as new ones finish.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from huey import signals as S
from huey.api import PeriodicTask

from portal.clock import utcnow
from portal.db import transaction
from portal.models.task_runs import TaskRun
from portal.pagination import Page
from portal.queue import huey, task_connection

RUNNING, COMPLETE, RETRYING, FAILED = "running", "complete", "retrying", "failed"
FINAL_STATES = {S.SIGNAL_COMPLETE: COMPLETE, S.SIGNAL_REVOKED: "revoked",
                S.SIGNAL_EXPIRED: "expired", S.SIGNAL_CANCELED: "canceled",
                S.SIGNAL_INTERRUPTED: "interrupted"}
# Failures: the state is FAILED unless SIGNAL_RETRYING follows (huey sends it next).
FAILURES = {S.SIGNAL_ERROR: None, S.SIGNAL_TIMEOUT: "timeout", S.SIGNAL_LOCKED: "locked",
            S.SIGNAL_RATE_LIMITED: "rate limited"}
SIGNALS = [S.SIGNAL_EXECUTING, S.SIGNAL_RETRYING, *FINAL_STATES, *FAILURES]
KEEP_COMPLETE = timedelta(days=7)     # periodic tasks alone finish ~1,500 times a day
KEEP_OTHERS = timedelta(days=30)      # failures and interruptions stay longer
ARGS_LIMIT, ERROR_LIMIT = 200, 2000
NEXT_RUN_HORIZON = timedelta(days=8)   # weekly tasks still show a next run


def connect(instance=None) -> None:
    """Log the tasks `instance` (the portal's huey) executes; connecting twice is a no-op."""
    target = instance or huey
    if record_signal not in target._signal.receivers.get(S.SIGNAL_EXECUTING, ()):
        target.signal(*SIGNALS)(record_signal)


def describe_args(args, kwargs) -> str:
    """A task's arguments, shortened: tasks take ids, so this names what it works on."""
    text = ", ".join([repr(a) for a in args or ()] +
                     [f"{k}={v!r}" for k, v in (kwargs or {}).items()])
    return text if len(text) <= ARGS_LIMIT else text[:ARGS_LIMIT - 1] + "…"


def record_signal(signal: str, task, exc: BaseException | None = None) -> None:
    """huey signal receiver: move the task's row to the state the signal means."""
    now = utcnow()
    with task_connection(), transaction():
        run = TaskRun.get_or_none(TaskRun.task_id == task.id) or TaskRun(
            task_id=task.id, name=task.name, args=describe_args(task.args, task.kwargs),
            periodic=isinstance(task, PeriodicTask), attempts=0)
        _apply(run, signal, exc, now)
        run.updated_at = now
        run.save()
        if run.finished_at is not None:
            prune_runs(now)


def _apply(run: TaskRun, signal: str, exc, now) -> None:
    if signal == S.SIGNAL_EXECUTING:
        run.state, run.started_at, run.finished_at = RUNNING, now, None
        run.attempts += 1
    elif signal == S.SIGNAL_RETRYING:
        run.state, run.finished_at = RETRYING, None
    elif signal in FINAL_STATES:
        run.state, run.finished_at = FINAL_STATES[signal], now
    else:
        run.state, run.finished_at = FAILED, now
        run.error = error_text(exc) if exc is not None else FAILURES[signal]


def error_text(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text[:ERROR_LIMIT]


def prune_runs(now) -> int:
    """Drop finished rows past their keep time (complete after 7 days, others 30)."""
    old_complete = (TaskRun.state == COMPLETE) & (TaskRun.updated_at < now - KEEP_COMPLETE)
    old_other = (TaskRun.state != COMPLETE) & (TaskRun.updated_at < now - KEEP_OTHERS)
    with transaction():
        return TaskRun.delete().where(old_complete | old_other).execute()


def task_runs(state: str | None = None):
    """Logged runs, newest first; `state` one of the TaskRun states, or None for all."""
    query = TaskRun.select().order_by(TaskRun.updated_at.desc(), TaskRun.id.desc())
    return query.where(TaskRun.state == state) if state else query


@dataclass
class QueuedTask:
    """A task waiting in huey's storage, read without running or removing it."""
    task_id: str
    name: str
    args: str
    eta: datetime | None = None
    retries: int = 0


def _queued(data: bytes) -> QueuedTask:
    """Read a stored message directly (no task class needed, so a task this process
    does not know is still listed)."""
    try:
        message = huey.serializer.deserialize(data)
    except Exception:  # noqa: BLE001 - an unreadable message is listed, not fatal
        return QueuedTask("", "?", "")
    return QueuedTask(message.id, message.name.rsplit(".", 1)[-1],
                      describe_args(message.args, message.kwargs), message.eta,
                      message.retries or 0)


def _page(items: list, page: int, per_page: int, total: int) -> Page:
    return Page([_queued(data) for data in items[(page - 1) * per_page:page * per_page]],
                page, per_page, total)


def pending_tasks(page: int, per_page: int) -> Page:
    """Tasks in the queue, oldest first (huey's storage: survives a restart)."""
    items = huey.storage.enqueued_items(page * per_page)
    return _page(items, page, per_page, huey.pending_count())


def scheduled_tasks(page: int, per_page: int) -> Page:
    """Tasks waiting for a time: delayed tasks and retries, soonest first."""
    items = huey.storage.scheduled_items(page * per_page)
    return _page(items, page, per_page, huey.scheduled_count())


@dataclass
class PeriodicEntry:
    name: str
    doc: str
    next_run: datetime | None
    last_run: TaskRun | None


def periodic_schedule(now: datetime | None = None) -> list[PeriodicEntry]:
    """Every registered periodic task with its next run (UTC, within NEXT_RUN_HORIZON;
    huey's crontab is read in UTC) and its last logged run."""
    start = (now or utcnow()).replace(second=0, microsecond=0) + timedelta(minutes=1)
    entries = [PeriodicEntry(task.name, (task.__doc__ or "").strip().split("\n")[0],
                             next_run(task, start), last_run(task.name))
               for task in huey._registry.periodic_tasks]
    return sorted(entries, key=lambda entry: entry.name)


def next_run(task, start: datetime) -> datetime | None:
    for minute in range(int(NEXT_RUN_HORIZON.total_seconds() // 60)):
        moment = start + timedelta(minutes=minute)
        if task.validate_datetime(moment):
            return moment
    return None


def last_run(name: str) -> TaskRun | None:
    return (TaskRun.select().where(TaskRun.name == name)
            .order_by(TaskRun.updated_at.desc(), TaskRun.id.desc()).first())


def queue_counts() -> dict:
    """The numbers at the top of the task page."""
    since = utcnow() - timedelta(days=1)
    return {"pending": huey.pending_count(), "scheduled": huey.scheduled_count(),
            "running": TaskRun.select().where(TaskRun.state == RUNNING).count(),
            "failed": TaskRun.select().where(TaskRun.state == FAILED,
                                             TaskRun.updated_at >= since).count()}
