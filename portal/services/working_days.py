"""The working-day calendar the bureau keeps: holidays and make-up working days.

Review deadlines count working days (portal/calendar.py) over these overrides. When a day
changes, the deadlines of applications already in review that span it are counted again,
so the queue never shows a due date the calendar no longer supports.
"""
import calendar as month_calendar
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from portal.audit import record_event
from portal.calendar import add_working_days, is_working_day, load_overrides
from portal.clock import to_local
from portal.db import transaction
from portal.errors import Forbidden, NotFound, ValidationError
from portal.models import Application, WorkingDayOverride
from portal.states import State, is_bureau_admin, review_days

MIN_YEAR, MAX_YEAR = 2000, 2100
NOTE_MAX = 100


@dataclass(frozen=True)
class MonthSummary:
    month: int
    days: int
    working_days: int
    holidays: int      # weekdays off
    make_up_days: int  # weekend days worked


def year_overrides(year: int):
    """The year's overrides by date (a query, for a paginated list)."""
    year = check_year(year)
    return (WorkingDayOverride.select()
            .where(WorkingDayOverride.day.between(date(year, 1, 1), date(year, 12, 31)))
            .order_by(WorkingDayOverride.day))


def year_summary(year: int) -> list[MonthSummary]:
    """Per month: its days, working days, weekday holidays and make-up working days."""
    year = check_year(year)
    overrides = {row.day: row.is_working for row in year_overrides(year)}
    return [_month(year, month, overrides) for month in range(1, 13)]


def _month(year: int, month: int, overrides: dict) -> MonthSummary:
    days = [date(year, month, d) for d in range(1, month_calendar.monthrange(year, month)[1] + 1)]
    working = [is_working_day(d, overrides) for d in days]
    return MonthSummary(
        month=month, days=len(days), working_days=sum(working),
        holidays=sum(1 for d, w in zip(days, working) if not w and d.weekday() < 5),
        make_up_days=sum(1 for d, w in zip(days, working) if w and d.weekday() >= 5))


def check_year(year) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError(_l("年份不正确"), field="year") from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(_l("年份应在 %(low)d 到 %(high)d 之间", low=MIN_YEAR, high=MAX_YEAR),
                              field="year")
    return year


def add_override(actor, day: date, is_working: bool, note: str = "") -> WorkingDayOverride:
    """Declare `day` a holiday (is_working False) or a make-up working day (True).

    A holiday may fall on a weekend (the State Council's notice lists the whole break);
    a make-up working day must be a Saturday or Sunday, since a weekday already counts.
    """
    _require_admin(actor)
    note = _clean(day, is_working, note)
    with transaction():
        if WorkingDayOverride.select().where(WorkingDayOverride.day == day).exists():
            raise ValidationError(_l("%(day)s 已有设置，请先删除原设置", day=day.isoformat()),
                                  field="day")
        row = WorkingDayOverride.create(day=day, is_working=is_working, note=note)
        record_event("calendar.add", row, actor=actor, after=_describe(row))
        _reschedule_reviews(day, actor)
    return row


def remove_override(actor, override_id: int) -> None:
    """Delete an override: the day is an ordinary weekday or weekend day again."""
    _require_admin(actor)
    with transaction():
        row = WorkingDayOverride.get_or_none(WorkingDayOverride.id == override_id)
        if row is None:
            raise NotFound(_l("没有这条日历设置"))
        record_event("calendar.remove", row, actor=actor, before=_describe(row))
        row.delete_instance()
        _reschedule_reviews(row.day, actor)


def _clean(day, is_working: bool, note: str) -> str:
    if not isinstance(day, date):
        raise ValidationError(_l("请填写日期"), field="day")
    check_year(day.year)
    if is_working and day.weekday() < 5:
        raise ValidationError(_l("%(day)s 是工作日，调休上班日只能设在周六或周日",
                                 day=day.isoformat()), field="day")
    note = " ".join((note or "").split())
    if len(note) > NOTE_MAX:
        raise ValidationError(_l("说明不能超过 %(n)d 个字符", n=NOTE_MAX), field="note")
    return note


def _describe(row: WorkingDayOverride) -> dict:
    return {"day": row.day.isoformat(), "is_working": row.is_working, "note": row.note}


def _reschedule_reviews(day: date, actor) -> None:
    """Count again the due date of each application in review whose deadline the changed
    day could move: it entered review before `day` and is due on or after it (a later day
    is never looked at). One audit event per moved deadline."""
    overrides = load_overrides()
    affected = (Application.select(Application.id, Application.kind, Application.due_on,
                                   Application.review_started_at)
                .where(Application.state == State.REVIEW,
                       Application.review_started_at.is_null(False),
                       Application.due_on >= day))
    for app in affected:
        start = to_local(app.review_started_at).date()
        if start >= day:
            continue
        due = add_working_days(start, review_days(app.kind), overrides)
        if due != app.due_on:
            Application.update(due_on=due).where(Application.id == app.id).execute()
            record_event("application.deadline", app, actor=actor,
                         before={"due_on": app.due_on.isoformat()},
                         after={"due_on": due.isoformat()},
                         reason=f"工作日日历调整：{day.isoformat()}")


def _require_admin(actor) -> None:
    if not is_bureau_admin(actor):
        raise Forbidden(_l("只有管局管理员可以维护工作日日历"))
