"""Reminders sent by the clock.

- Review deadlines: on each working day, one email to every active reviewer and bureau
  admin listing the applications in bureau review that are overdue or due within
  `review_queue.SOON_DAYS` working days.
- The annual review (年度审核): reminders to pending filers on set days before and during
  the window (`is_annual_reminder_day`), through portal/services/annual_review.py.

Both are idempotent by date: each message carries a stable id made of the day and the
recipient, so a second run the same day finds it in the outbox and sends nothing.
"""
import logging
from dataclasses import dataclass
from datetime import date


from portal.audit import record_event
from portal.calendar import is_working_day, load_overrides, working_days_between
from portal.clock import local_today
from portal.db import transaction
from portal.models import Account, Application, OutboxMessage
from portal.notifications import queue_message
from portal.services import annual_review
from portal.services.review_queue import soon_limit
from portal.states import BUREAU_DECIDERS, KIND_LABELS, State

log = logging.getLogger(__name__)
LISTED = 50            # applications named in one email; the rest are counted


@dataclass(frozen=True)
class DeadlineReminders:
    applications: int      # overdue or due soon
    sent: int              # reviewers emailed now


def due_applications(today: date, overrides):
    """Applications in bureau review due by the "soon" limit (overdue included)."""
    return (Application.select().where(Application.state == State.REVIEW,
                                       Application.due_on <= soon_limit(today, overrides))
            .order_by(Application.due_on, Application.id))


def reviewers():
    """Active bureau staff who decide applications."""
    return (Account.select().where(Account.tenant == "bureau", Account.is_active == True,
                                   Account.role.in_(list(BUREAU_DECIDERS)))
            .order_by(Account.id))


def deadline_message_id(day: date, account_id: int) -> str:
    return f"review-deadlines-{day:%Y%m%d}-account{account_id}@icp-portal"


def send_deadline_reminders() -> DeadlineReminders:
    """Email each reviewer today's list, once per working day."""
    today, overrides = local_today(), load_overrides()
    if not is_working_day(today, overrides):
        return DeadlineReminders(0, 0)
    apps = list(due_applications(today, overrides))
    if not apps:
        return DeadlineReminders(0, 0)
    text = reminder_text(apps, today, overrides)
    sent = []
    with transaction():
        for account in reviewers():
            message_id = deadline_message_id(today, account.id)
            if account.email and not OutboxMessage.select().where(
                    OutboxMessage.message_id == message_id).exists():
                queue_message("email", account.email, f"审核期限提醒（{today.isoformat()}）",
                              text, {"action": "review_deadlines", "date": today.isoformat()},
                              message_id=message_id)
                sent.append(account.id)
        if sent:
            record_event("review.remind_deadlines", object_type="review_queue",
                         object_id=today.isoformat(),
                         after={"applications": [a.id for a in apps], "reviewers": sent})
    log.info("deadline reminders: %d applications, %d reviewers emailed", len(apps), len(sent))
    return DeadlineReminders(len(apps), len(sent))


def reminder_text(apps: list[Application], today: date, overrides) -> str:
    lines = [_line(app, today, overrides) for app in apps[:LISTED]]
    if len(apps) > LISTED:
        lines.append(f"……另有 {len(apps) - LISTED} 件，请登录备案系统查看审核队列。")
    overdue = sum(1 for app in apps if app.due_on < today)
    return (f"待管局审核的申请中，已逾期 {overdue} 件，"
            f"{len(apps) - overdue} 件将在 2 个工作日内到期：\n" + "\n".join(lines))


def _line(app: Application, today: date, overrides) -> str:
    kind = str(KIND_LABELS.get(app.kind, app.kind))
    if app.due_on < today:
        days = working_days_between(app.due_on, today, overrides)
        return f"- {app.reference}（{kind}）期限 {app.due_on.isoformat()}，已逾期 {days} 个工作日"
    days = working_days_between(today, app.due_on, overrides)
    left = "今天到期" if days == 0 else f"剩余 {days} 个工作日"
    return f"- {app.reference}（{kind}）期限 {app.due_on.isoformat()}，{left}"


# -- the annual review ----------------------------------------------------------------

BEFORE_START = (14, 7, 1)     # days before the window opens
BEFORE_END = (7, 3, 1)        # days before it closes


def is_annual_reminder_day(window: annual_review.Window) -> bool:
    """Reminders go out 14, 7 and 1 days before the window opens, on its first day,
    every Monday while it is open, and 7, 3 and 1 days before it closes."""
    if window.status == annual_review.UPCOMING:
        return (window.start - window.today).days in BEFORE_START
    if window.status == annual_review.OPEN:
        return (window.today == window.start or window.today.weekday() == 0
                or (window.end - window.today).days in BEFORE_END)
    return False


def send_annual_reminders() -> annual_review.ReminderResult | None:
    """Remind pending filers when today is a reminder day (None otherwise)."""
    window = annual_review.current_window()
    if not is_annual_reminder_day(window):
        return None
    return annual_review.send_reminders(None)
