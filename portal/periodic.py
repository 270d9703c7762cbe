"""Periodic tasks (huey crontab): each a thin wrapper over a portal function, safe to run
twice. Imported by portal/tasks.py so the consumer registers them."""
from huey import crontab  # noqa: F401

from portal.queue import huey, task_connection  # noqa: F401
