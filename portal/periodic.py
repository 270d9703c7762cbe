"""Periodic tasks (huey crontab): each a thin wrapper over a portal function, safe to run
twice. Imported by portal/tasks.py so the consumer registers them.

Times are UTC (the queue runs with utc=True); the bureau's day is Asia/Shanghai, UTC+8.
What each does and when: docs/operations.md.
"""
from huey import crontab

from portal.delivery import allow_loopback
from portal.queue import huey, task_connection


@huey.periodic_task(crontab(minute="10", hour="6,18"))
def sweep_shells():
    """Shell flags recomputed, warnings sent (14:10 and 02:10 Beijing time)."""
    from portal.services import shell_sweep
    with task_connection():
        return shell_sweep.sweep_shells()


@huey.periodic_task(crontab(minute="30", hour="0"))
def remind_review_deadlines():
    """Reviewers' list of overdue and due-soon applications (08:30 Beijing time)."""
    from portal.services import deadline_reminders
    with task_connection():
        return deadline_reminders.send_deadline_reminders()


@huey.periodic_task(crontab(minute="0", hour="1"))
def remind_annual_review():
    """Annual-review reminders on the reminder days (09:00 Beijing time)."""
    from portal.services import deadline_reminders
    with task_connection():
        return deadline_reminders.send_annual_reminders()


@huey.periodic_task(crontab(minute="20"))
def expire_stale_codes():
    """Verification codes used or expired more than a day ago deleted (hourly)."""
    from portal.services import expiry
    with task_connection():
        return expiry.expire_codes()


@huey.periodic_task(crontab(minute="0", hour="19"))
def check_approved_sites():
    """The nightly site check of every approved website (03:00 Beijing time)."""
    from portal.services import site_sweep
    with task_connection():
        return site_sweep.check_websites(allow_loopback=allow_loopback())


@huey.periodic_task(crontab(minute="40", hour="19"))
def expire_stale_drafts() -> int:
    """03:40 Beijing: abandon drafts untouched for 90 days (workflow.expire_drafts)."""
    from portal import workflow
    with task_connection():
        return workflow.expire_drafts()

