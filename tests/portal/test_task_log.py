"""The task log: huey's signals move a task's row through its states; pending and
scheduled tasks are read from huey's storage; old rows are pruned."""
from datetime import datetime, timedelta

import pytest
from huey import Huey, crontab
from huey import signals as S
from huey.storage import MemoryStorage

from portal import task_log, tasks
from portal.clock import utcnow
from portal.models.task_runs import TaskRun
from portal.queue import huey


@pytest.fixture
def paused_queue(app):
    """The portal's huey with immediate mode off: enqueued tasks wait in its storage."""
    huey._immediate = False
    yield huey
    huey.storage.flush_queue()
    huey.storage.flush_schedule()
    huey._immediate = True


@pytest.fixture
def logged(app):
    """A separate huey whose tasks are logged, run by hand (dequeue, execute)."""
    instance = Huey("logged", storage_class=MemoryStorage, utc=True)
    task_log.connect(instance)
    task_log.connect(instance)   # twice: still one receiver
    calls = {"n": 0}

    @instance.task()
    def adds(a, b=0):
        return a + b

    @instance.task(retries=1, retry_delay=60)
    def flaky(fail_times):
        calls["n"] += 1
        if calls["n"] <= fail_times:
            raise ConnectionRefusedError("smtp refused")
        return "sent"

    instance.adds, instance.flaky = adds, flaky
    return instance


def run_next(instance, from_schedule=False):
    later = utcnow() + timedelta(hours=1)     # past the retry delay
    task = instance.read_schedule(later)[0] if from_schedule else instance.dequeue()
    instance.execute(task, later)
    return TaskRun.get(TaskRun.task_id == task.id)


def test_a_completed_task_is_logged_once_with_its_arguments(logged):
    logged.adds(2, b=3)
    run = run_next(logged)
    assert (run.name, run.args, run.state, run.attempts) == ("adds", "2, b=3", "complete", 1)
    assert run.started_at and run.finished_at and run.error == ""
    assert TaskRun.select().count() == 1 and not run.periodic


def test_a_failure_with_retries_left_is_retrying_then_complete(logged):
    logged.flaky(1)
    run = run_next(logged)
    assert run.state == "retrying" and run.finished_at is None
    assert run.error == "ConnectionRefusedError: smtp refused"
    assert logged.scheduled_count() == 1          # the retry waits in the schedule
    run = run_next(logged, from_schedule=True)
    assert (run.state, run.attempts) == ("complete", 2)


def test_the_last_failure_is_failed_with_its_error(logged):
    logged.flaky(5)
    run_next(logged)
    run = run_next(logged, from_schedule=True)
    assert (run.state, run.attempts) == ("failed", 2) and run.finished_at is not None
    assert "smtp refused" in run.error
    assert list(task_log.task_runs("failed")) == [run]


def test_an_interrupted_task_is_logged(logged):
    task = logged.adds.s(1)
    logged._emit(S.SIGNAL_EXECUTING, task)
    logged._emit(S.SIGNAL_INTERRUPTED, task)
    assert TaskRun.get(TaskRun.task_id == task.id).state == "interrupted"


def test_long_arguments_and_errors_are_shortened(logged):
    task = logged.adds.s("x" * 500)
    task_log.record_signal(S.SIGNAL_ERROR, task, ValueError("e" * 5000))
    run = TaskRun.get(TaskRun.task_id == task.id)
    assert len(run.args) == task_log.ARGS_LIMIT and len(run.error) == task_log.ERROR_LIMIT


def test_old_rows_are_pruned_complete_after_7_days_others_after_30(app):
    now = utcnow()
    for n, (state, age) in enumerate([("complete", 8), ("complete", 6), ("failed", 8),
                                      ("failed", 31), ("interrupted", 31)]):
        TaskRun.create(task_id=str(n), name="t", state=state,
                       updated_at=now - timedelta(days=age))
    assert task_log.prune_runs(now) == 3
    assert sorted((r.state, r.task_id) for r in TaskRun.select()) == [("complete", "1"),
                                                                      ("failed", "2")]


def test_pending_and_scheduled_tasks_are_read_from_storage(paused_queue):
    for pk in (11, 12, 13):
        tasks.deliver_outbox_message(pk)
    retry = tasks.deliver_webhook_message.s(14)
    retry.eta = utcnow() + timedelta(minutes=10)
    paused_queue.add_schedule(retry)       # where a worker puts a retry or a delayed task
    page = task_log.pending_tasks(2, 2)
    assert page.total == 3 and page.pages == 2
    assert [(t.name, t.args) for t in page.items] == [("deliver_outbox_message", "13")]
    scheduled = task_log.scheduled_tasks(1, 20)
    assert [(t.name, t.args) for t in scheduled.items] == [("deliver_webhook_message", "14")]
    assert scheduled.items[0].eta > utcnow() and scheduled.items[0].retries == 8
    assert task_log.queue_counts()["pending"] == 3


def test_an_unreadable_message_is_listed_not_fatal(paused_queue):
    paused_queue.storage.enqueue(b"not a message", 0)
    assert [t.name for t in task_log.pending_tasks(1, 20).items] == ["?"]


def test_periodic_schedule_names_every_task_with_next_and_last_run(app):
    now = datetime(2026, 3, 2, 10, 7, 30)
    task_log.record_signal(S.SIGNAL_COMPLETE, tasks.sweep_outbox.s())
    entries = {e.name: e for e in task_log.periodic_schedule(now)}
    assert entries["expire_sms_verifications"].next_run == datetime(2026, 3, 2, 10, 8)
    assert entries["sweep_outbox"].next_run == datetime(2026, 3, 2, 10, 10)
    assert entries["sweep_outbox"].last_run.state == "complete"
    assert entries["sweep_outbox"].last_run.periodic
    assert entries["expire_sms_verifications"].last_run is None
    assert entries["sweep_outbox"].doc == tasks.sweep_outbox.__doc__.strip().split("\n")[0]


def test_next_run_beyond_the_horizon_is_none():
    yearly = Huey("y", storage_class=MemoryStorage, utc=True)

    @yearly.periodic_task(crontab(minute="0", hour="0", day="1", month="1"))
    def new_year():
        pass

    assert task_log.next_run(new_year.task_class(), datetime(2026, 3, 2)) is None
