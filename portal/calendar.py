"""Working days (工作日) for review deadlines.

Weekends are off and weekdays are on, except where the bureau's overrides say
otherwise: the State Council's yearly holiday notice moves days both ways (a
weekday holiday, a make-up working Saturday). The functions are pure and take the
overrides as a mapping `date -> is_working`; `load_overrides()` reads them.
"""
from collections.abc import Mapping
from datetime import date, timedelta

ONE_DAY = timedelta(days=1)


def is_working_day(day: date, overrides: Mapping[date, bool]) -> bool:
    """True on a working day: a weekday not declared a holiday, or a make-up weekend day."""
    if day in overrides:
        return bool(overrides[day])
    return day.weekday() < 5


def add_working_days(start: date, n: int, overrides: Mapping[date, bool]) -> date:
    """The date n working days after `start` (which is not counted); `start` when n == 0."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    while n > 0:
        day += ONE_DAY
        if is_working_day(day, overrides):
            n -= 1
    return day


def working_days_between(start: date, end: date, overrides: Mapping[date, bool]) -> int:
    """How many working days d have start < d <= end; negative when end is before start."""
    if end < start:
        return -working_days_between(end, start, overrides)
    days = (start + ONE_DAY * i for i in range(1, (end - start).days + 1))
    return sum(is_working_day(day, overrides) for day in days)


def load_overrides() -> dict[date, bool]:
    """Every override row from the database, as the mapping the functions above take."""
    from portal.models import WorkingDayOverride

    return {row.day: row.is_working for row in WorkingDayOverride.select()}
