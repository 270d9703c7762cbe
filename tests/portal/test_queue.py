"""The queue: the consumer's polling, the queue surviving a restart, and a real
`flask worker` picking up a task within 2 seconds while idle and stopping on SIGINT."""
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from flask import current_app, has_app_context
from huey import Huey
from huey.storage import MemoryStorage, SqliteStorage

from portal import ROOT, tasks
from portal.models.task_runs import TaskRun
from portal.queue import (
    CONSUMER_OPTIONS,
    configure_queue,
    create_consumer,
    huey,
    run_tasks_in_app_context,
)
from tests.conftest import HUEY_URL

PICK_UP_LIMIT = 2.0    # seconds, issue 6


def test_the_consumer_polls_an_idle_queue_at_least_every_half_second():
    consumer = create_consumer(Huey("idle", storage_class=MemoryStorage), workers=2)
    worker = consumer.worker_threads[0][0]
    assert CONSUMER_OPTIONS["max_delay"] <= PICK_UP_LIMIT / 4
    assert (worker.max_delay, worker.default_delay) == (0.5, 0.05)
    assert len(consumer.worker_threads) == 2 and consumer.periodic
    assert consumer.scheduler_interval == 1


def test_the_queue_survives_a_restart(app, tmp_path):
    """Enqueue with no consumer running; a new huey on the same file still has the task
    and runs it."""
    url = f"sqlite:///{tmp_path / 'huey.db'}"
    try:
        configure_queue(url)
        result = tasks.deliver_outbox_message(999)        # no consumer: it waits
        assert huey.pending_count() == 1
        configure_queue(url)                              # the restart: a new storage
        assert isinstance(huey.storage, SqliteStorage) and huey.pending_count() == 1
        task = huey.dequeue()
        assert task.id == result.id and task.args == (999,)
        assert huey.execute(task) is False                # no such message: nothing to do
        assert huey.pending_count() == 0
    finally:
        configure_queue(HUEY_URL, immediate=True)


def test_tasks_run_in_an_app_context_in_consumer_threads(app):
    instance = Huey("ctx", storage_class=MemoryStorage)
    run_tasks_in_app_context(app, instance)

    @instance.task()
    def config_value():
        return has_app_context() and current_app.config["PAGE_SIZE"]

    config_value()
    seen = {}
    thread = threading.Thread(target=lambda: seen.update(
        value=instance.execute(instance.dequeue()), after=has_app_context()))
    thread.start()
    thread.join()
    assert seen == {"value": app.config["PAGE_SIZE"], "after": False}


def _worker_env(app, tmp_path) -> dict:
    shutil.copy(app.config["DATABASE_URL"].split("sqlite:///", 1)[1], tmp_path / "worker.db")
    env = dict(os.environ, FLASK_APP="wsgi", INSTANCE_PATH=str(tmp_path),
               DATABASE_URL=f"sqlite:///{tmp_path / 'worker.db'}",
               HUEY_URL=f"sqlite:///{tmp_path / 'huey.db'}", HUEY_IMMEDIATE="0",
               SIGNING_KEY_PATH=app.config["SIGNING_KEY_PATH"], PYTHONUNBUFFERED="1")
    env.pop("TEST_DATABASE_URL", None)
    return env


def _wait_for(predicate, timeout: float, step: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return None


def _logged_run(database: Path, task_id: str):
    import sqlite3
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT state FROM task_run WHERE task_id = ?",
                                  (task_id,)).fetchone()


def _pick_up_latency(worker, tmp_path) -> float:
    """Wait for the consumer to start and idle, enqueue a task, time until it runs."""
    log = tmp_path / "worker.log"
    assert _wait_for(lambda: "consumer started" in log.read_text() or worker.poll() is not None,
                     20, 0.1)
    assert worker.poll() is None, log.read_text()
    # Idle (nothing logged) long enough for both workers to back off to the longest poll.
    assert _wait_for(lambda: time.time() - os.path.getmtime(log) > 2.5, 70, 0.1)
    storage = SqliteStorage(huey.name, filename=str(tmp_path / "huey.db"))
    task = tasks.deliver_outbox_message.s(424242)    # no such row: completes at once
    started = time.monotonic()
    storage.enqueue(huey.serialize_task(task), 0)
    state = _wait_for(lambda: _logged_run(tmp_path / "worker.db", task.id), 5)
    latency = time.monotonic() - started
    assert state is not None and latency < PICK_UP_LIMIT, latency
    assert _wait_for(lambda: _logged_run(tmp_path / "worker.db", task.id) == ("complete",), 5)
    return latency


@pytest.mark.slow
@pytest.mark.sqlite_only   # the embedded default: a SqliteHuey file and a SQLite database
def test_flask_worker_picks_up_a_task_within_2_seconds_while_idle(app, tmp_path):
    env = _worker_env(app, tmp_path)
    with open(tmp_path / "worker.log", "w+") as log:
        worker = subprocess.Popen([str(Path(sys.executable).parent / "flask"), "worker"],
                                  cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            latency = _pick_up_latency(worker, tmp_path)
            worker.send_signal(signal.SIGINT)              # graceful stop
            assert worker.wait(10) == 0
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    output = (tmp_path / "worker.log").read_text()
    assert "Shutting down gracefully" in output and "Consumer exiting" in output
    print(f"pick-up latency: {latency:.3f} s")


def test_logged_runs_are_read_back_from_the_table(app):
    """The worker test reads task_run with sqlite3; the model names the same table."""
    assert TaskRun._meta.table_name == "task_run"
