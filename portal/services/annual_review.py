"""The annual review (年度审核) from the bureau's side: the window, who has done it, who is
pending or overdue, and reminders sent now.

A filer does the review by filing an `annual_review` application in the window
(portal/services/changes.py); its approval stamps `Subject.annual_review_year`. A subject
counts as done for the window's year when that stamp matches, or when an annual-review
application of it was approved since the window opened (a window that runs over New Year
stamps the next year).
"""
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from peewee import chunked, fn

from portal.audit import record_event
from portal.clock import local_midnight_utc, local_today
from portal.db import transaction
from portal.errors import Forbidden, Refused
from portal.models import ACTIVE, Account, Application, OutboxMessage, Subject
from portal.notifications import queue_message
from portal.services import instance_settings
from portal.states import IN_FLIGHT, Kind, State, is_bureau_admin

UNSET, UPCOMING, OPEN, CLOSED = "unset", "upcoming", "open", "closed"
BATCH = 500


@dataclass(frozen=True)
class Window:
    start: date | None
    end: date | None
    today: date

    @property
    def status(self) -> str:
        if self.start is None or self.end is None:
            return UNSET
        if self.today < self.start:
            return UPCOMING
        return OPEN if self.today <= self.end else CLOSED

    @property
    def year(self) -> int:
        """The review year: the window's start year, or this year while none is set."""
        return self.start.year if self.start else self.today.year

    @property
    def is_overdue(self) -> bool:
        """Once the window has closed, every subject not done is overdue."""
        return self.status == CLOSED


@dataclass(frozen=True)
class ReminderResult:
    sent: int               # subjects reminded now (one email and one SMS each)
    already_reminded: int   # left out: reminded earlier today


def current_window() -> Window:
    settings = instance_settings.get_settings()
    return Window(settings.annual_review_start, settings.annual_review_end, local_today())


def set_window(actor, start: date | None, end: date | None):
    """Open (or move) the window; both dates empty clears it. Audited as a settings change."""
    return instance_settings.update_settings(
        actor, {"annual_review_start": start, "annual_review_end": end})


def close_window(actor):
    """End the window yesterday, so today it is closed; a window that has not started yet
    is cleared instead."""
    window = current_window()
    yesterday = window.today - timedelta(days=1)
    if window.start and window.start <= yesterday:
        return set_window(actor, window.start, min(window.end, yesterday))
    return set_window(actor, None, None)


# -- who has done it ------------------------------------------------------------------

def _approved_since(start: date):
    """Subjects with an annual-review application approved since the window opened."""
    opened_utc = local_midnight_utc(start)
    return (Application.select(Application.subject)
            .where(Application.kind == Kind.ANNUAL_REVIEW, Application.state == State.APPROVED,
                   Application.subject.is_null(False), Application.decided_at >= opened_utc))


def _done(window: Window):
    done = fn.COALESCE(Subject.annual_review_year, 0) == window.year
    if window.start:
        done = done | Subject.id.in_(_approved_since(window.start))
    return done


def _subjects(condition):
    return (Subject.select(Subject.id, Subject.name, Subject.filing_number, Subject.nature,
                           Subject.annual_review_year, Account.id, Account.username)
            .join(Account).where(Subject.status == ACTIVE, condition)
            .order_by(Subject.filing_number, Subject.id))


def done_subjects(window: Window | None = None):
    """Active subjects that have done this year's review (a query, for paginating)."""
    return _subjects(_done(window or current_window()))


def pending_subjects(window: Window | None = None):
    """Active subjects that have not (overdue once the window has closed)."""
    return _subjects(~_done(window or current_window()))


def in_progress(subject_ids) -> set[int]:
    """Of these subjects, those with an annual-review application on its way (one query)."""
    if not subject_ids:
        return set()
    return {row.subject_id for row in Application.select(Application.subject).where(
        Application.kind == Kind.ANNUAL_REVIEW, Application.state.in_(list(IN_FLIGHT)),
        Application.subject.in_(list(subject_ids)))}


def counts(window: Window | None = None) -> dict:
    window = window or current_window()
    total = Subject.select().where(Subject.status == ACTIVE).count()
    done = done_subjects(window).count()
    return {"total": total, "done": done, "pending": total - done}


# -- reminders ------------------------------------------------------------------------

def send_reminders(actor) -> ReminderResult:
    """Email and SMS each pending subject's account now, in one transaction with one audit
    event for the request. Idempotent by date: the messages carry stable ids made of the
    day and the subject, so a second run the same day sends nothing to those already
    reminded. Subjects whose annual-review application is already on its way are left out.
    `actor` None is the system (the periodic reminder task).
    """
    if actor is not None and not is_bureau_admin(actor):
        raise Forbidden(_l("只有管局管理员可以发送年度审核提醒"))
    window = current_window()
    if window.status == UNSET:
        raise Refused(_l("请先设置年度审核期，再发送提醒"))
    sent = already = 0
    with transaction():
        for batch in chunked(_reminder_targets(window).iterator(), BATCH):
            done_today = _reminded_today(window.today, [row.id for row in batch])
            for row in batch:
                if row.id in done_today:
                    already += 1
                else:
                    _remind(row, window)
                    sent += 1
        if sent:
            record_event("annual_review.remind", object_type="annual_review",
                         object_id=str(window.year), actor=actor,
                         after={"date": window.today.isoformat(), "sent": sent,
                                "already_reminded": already})
    return ReminderResult(sent, already)


def _reminder_targets(window: Window):
    on_the_way = (Application.select(Application.subject)
                  .where(Application.kind == Kind.ANNUAL_REVIEW,
                         Application.state.in_(list(IN_FLIGHT)),
                         Application.subject.is_null(False)))
    return (Subject.select(Subject.id, Subject.name, Subject.filing_number,
                           Account.email, Account.mobile)
            .join(Account)
            .where(Subject.status == ACTIVE, Account.is_active == True,
                   ~_done(window), Subject.id.not_in(on_the_way))
            .order_by(Subject.id))


def _message_id(day: date, subject_id: int, channel: str) -> str:
    return f"annual-review-{day:%Y%m%d}-subject{subject_id}-{channel}@icp-portal"


def _reminded_today(day: date, subject_ids: list[int]) -> set[int]:
    ids = {_message_id(day, s, "email"): s for s in subject_ids}
    ids.update({_message_id(day, s, "sms"): s for s in subject_ids})
    rows = OutboxMessage.select(OutboxMessage.message_id).where(
        OutboxMessage.message_id.in_(list(ids)))
    return {ids[row.message_id] for row in rows}


def _remind(row, window: Window) -> None:
    """One email and one SMS to the subject's account (Chinese: the filer's language)."""
    text = _reminder_text(row, window)
    payload = {"action": "annual_review_reminder", "subject_id": row.id, "year": window.year}
    queue_message("email", row.account.email, f"{window.year}年度备案审核提醒", text, payload,
                  message_id=_message_id(window.today, row.id, "email"))
    queue_message("sms", row.account.mobile, "", text, payload,
                  message_id=_message_id(window.today, row.id, "sms"))


def _reminder_text(row, window: Window) -> str:
    what = f"您的备案主体“{row.name}”（{row.filing_number}）尚未完成{window.year}年度备案审核"
    if window.status == CLOSED:
        return f"{what}，年度审核期已于{window.end.isoformat()}结束，已逾期，请尽快登录备案系统办理。"
    if window.status == UPCOMING:
        return (f"{what}。年度审核期为{window.start.isoformat()}至{window.end.isoformat()}，"
                f"届时请登录备案系统核对并更新备案信息。")
    return f"{what}，请于{window.end.isoformat()}前登录备案系统核对并更新备案信息。"
