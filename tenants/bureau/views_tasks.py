"""Bureau page: background tasks (后台任务) — the huey queue, the schedule, the periodic
tasks and the consumer's log of done and failed runs. Read-only, admins only."""
from flask import current_app, render_template, request

from portal import task_log
from portal.states import BUREAU_ADMINS
from portal.web.auth import role_required
from portal.web.pagination import page_number, paginate
from tenants.bureau import bp

# ?show=... : the queue and schedule come from huey's storage, the rest from the log.
STORAGE_VIEWS = {"pending": task_log.pending_tasks, "scheduled": task_log.scheduled_tasks}
LOG_VIEWS = {"failed": task_log.FAILED, "complete": task_log.COMPLETE, "all": None}
SHOWS = [*STORAGE_VIEWS, *LOG_VIEWS, "periodic"]


@bp.route("/tasks")
@role_required(*BUREAU_ADMINS)
def tasks():
    """Queued, scheduled, failed, done and periodic tasks (?show=...)."""
    show = request.args.get("show")
    show = show if show in SHOWS else "pending"
    return render_template("bureau/task_list.html", show=show, shows=SHOWS,
                           counts=task_log.queue_counts(), items=_listing(show))


def _listing(show: str):
    if show in STORAGE_VIEWS:
        return STORAGE_VIEWS[show](page_number(), current_app.config["PAGE_SIZE"])
    if show in LOG_VIEWS:
        return paginate(task_log.task_runs(LOG_VIEWS[show]))
    return task_log.periodic_schedule()
