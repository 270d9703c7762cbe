"""Time in one place: stored in UTC (naive), shown in Asia/Shanghai.

Tests freeze the clock with `freeze(dt)`; everything that asks for "now" comes here.
"""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
_frozen: datetime | None = None


def utcnow() -> datetime:
    """Naive UTC datetime, the form every timestamp column stores."""
    if _frozen is not None:
        return _frozen
    return datetime.now(timezone.utc).replace(tzinfo=None)


def freeze(moment: datetime | None) -> None:
    """Pin `utcnow()` to a naive UTC moment (None to release)."""
    global _frozen
    _frozen = moment


def to_local(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc).astimezone(LOCAL_TZ)


def local_today() -> date:
    """Today's date in the bureau's time zone (deadlines count in local days)."""
    return to_local(utcnow()).date()


def local_midnight_utc(day: date) -> datetime:
    """The naive UTC moment at which the local (Asia/Shanghai) day `day` begins: what a
    query on stored timestamps compares with when a person picks a date."""
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ).astimezone(timezone.utc).replace(
        tzinfo=None)


def utc_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[since, until) in UTC covering the local dates start..end inclusive."""
    return local_midnight_utc(start), local_midnight_utc(end + timedelta(days=1))

