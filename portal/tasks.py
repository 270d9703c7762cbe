"""huey tasks: thin wrappers over portal functions. Each takes ids, re-reads, and
does nothing when its work is already done, so running one twice is safe."""
from datetime import timedelta

from huey import crontab

from portal import delivery, workflow
from portal.clock import utcnow
from portal.queue import huey, task_connection


@huey.task(retries=5, retry_delay=30, retry_backoff=2, context=True)
def deliver_outbox_message(message_pk: int, task=None) -> bool:
    """Deliver one email or SMS; a failure is retried with back-off (30 s, 1, 2, 4 and
    8 min: about 16 minutes in all). The row stays pending between tries and is failed
    after the last one (the bureau admin sees it and can retry). A row already sent is
    left alone, so running this twice sends once."""
    with task_connection():
        return delivery.deliver_message(message_pk, last_try=task is None or not task.retries)


@huey.periodic_task(crontab(minute="*"))
def expire_sms_verifications() -> int:
    """Return applications whose SMS verification ran out of time (24 hours)."""
    with task_connection():
        return workflow.expire_sms_verifications()


@huey.periodic_task(crontab(minute="*/5"))
def sweep_outbox() -> int:
    """Re-queue rows never tried (a crash between commit and enqueue); rows tried
    before and still pending already have their retry scheduled."""
    from portal.notifications import enqueue_delivery
    with task_connection():
        pending = delivery.pending_messages(utcnow() - timedelta(minutes=2))
    for message_pk, channel in pending:
        enqueue_delivery(message_pk, channel)   # webhooks to their own, longer retries
    return len(pending)


DELIVERY_TASKS = ("deliver_outbox_message", "deliver_webhook_message")


def waiting_message_pks() -> set[int]:
    """Outbox rows a task in huey's queue or schedule will deliver (retries included)."""
    pks = set()
    for data in [*huey.storage.enqueued_items(), *huey.storage.scheduled_items()]:
        try:
            message = huey.serializer.deserialize(data)
        except Exception:  # noqa: BLE001,S112 - an unreadable message names no row
            continue
        name, args = message.name.rsplit(".", 1)[-1], message.args or ()
        if name in DELIVERY_TASKS and args:
            pks.add(args[0])
        elif name == "enqueue_deliveries" and args:
            pks.update(pk for pk, _channel in args[0])
    return pks


def recover_deliveries() -> int:
    """Queue again every pending outbox row that no waiting task will deliver, and return
    how many. Run by `flask worker` before it takes tasks: a consumer killed (kill -9, a
    crash, a power cut) after sending and before marking the row sent, or during a retry,
    lost that task, and huey does not put a running task back. The row is sent again
    with the same message id (at least once; receivers drop the repeat by its id)."""
    from portal.notifications import enqueue_delivery
    with task_connection():
        unsent = delivery.unsent_messages()
    waiting = waiting_message_pks()     # read after the rows: a row queued meanwhile is seen
    lost = [(pk, channel) for pk, channel in unsent if pk not in waiting]
    for message_pk, channel in lost:
        enqueue_delivery(message_pk, channel)
    return len(lost)


@huey.task(retries=8, retry_delay=30, retry_backoff=2)
def deliver_webhook_message(message_pk: int) -> bool:
    """Deliver one webhook event; retried with back-off (30 s, 1 min, 2 min ... about
    2 hours in all), the same event id every time."""
    with task_connection():
        return delivery.deliver_message(message_pk)


@huey.task()
def enqueue_deliveries(messages: list) -> int:
    """Queue the delivery of many outbox rows, (id, channel) pairs, one task each: a bulk
    import enqueues one of these per thousand rows after commit, not a task per row."""
    from portal.notifications import enqueue_delivery
    for message_pk, channel in messages:
        enqueue_delivery(message_pk, channel)
    return len(messages)


@huey.task()
def run_import_job(job_id: int) -> str | None:
    """Run an ISP's bulk import job (validation progress is committed as it goes; the
    import itself is one transaction). Running it twice does nothing."""
    from portal.services import imports
    with task_connection():
        return imports.run_job(job_id)


from portal import periodic  # noqa: E402,F401  (registers the periodic tasks)
