"""Working days around the 2026 National Day holiday, computed by hand."""
from datetime import date, timedelta

import pytest

from portal.calendar import add_working_days, is_working_day, working_days_between

# 2026-10-01 (Thu) .. 10-07 (Wed) off; Sunday 09-27 and Saturday 10-10 are make-up days.
NATIONAL_DAY = {date(2026, 10, d): False for d in range(1, 8)} | {
    date(2026, 9, 27): True, date(2026, 10, 10): True}
NONE = {}


@pytest.mark.parametrize("day, overrides, expected", [
    (date(2026, 9, 25), NONE, True),            # Friday
    (date(2026, 9, 26), NONE, False),           # Saturday
    (date(2026, 9, 27), NONE, False),           # Sunday
    (date(2026, 9, 27), NATIONAL_DAY, True),    # make-up Sunday
    (date(2026, 10, 1), NATIONAL_DAY, False),   # holiday Thursday
    (date(2026, 10, 3), NATIONAL_DAY, False),   # holiday Saturday
    (date(2026, 10, 8), NATIONAL_DAY, True),    # first day back
    (date(2026, 10, 10), NATIONAL_DAY, True),   # make-up Saturday
    (date(2026, 10, 11), NATIONAL_DAY, False),  # ordinary Sunday
])
def test_is_working_day(day, overrides, expected):
    assert is_working_day(day, overrides) is expected


@pytest.mark.parametrize("start, n, overrides, expected", [
    (date(2026, 9, 25), 0, NATIONAL_DAY, date(2026, 9, 25)),
    (date(2026, 9, 26), 0, NATIONAL_DAY, date(2026, 9, 26)),   # n == 0 is start, even off
    (date(2026, 9, 25), 1, NONE, date(2026, 9, 28)),           # Fri + 1 = Mon
    (date(2026, 9, 25), 1, NATIONAL_DAY, date(2026, 9, 27)),   # make-up Sunday counts
    (date(2026, 9, 25), 5, NONE, date(2026, 10, 2)),
    (date(2026, 9, 25), 5, NATIONAL_DAY, date(2026, 10, 8)),   # 27, 28, 29, 30, then 8th
    (date(2026, 9, 30), 1, NATIONAL_DAY, date(2026, 10, 8)),
    (date(2026, 9, 30), 3, NATIONAL_DAY, date(2026, 10, 10)),  # 8, 9, make-up Saturday 10
    (date(2026, 9, 30), 4, NATIONAL_DAY, date(2026, 10, 12)),
    # 20-day review deadline from Monday 2026-09-21: 22-25 (4), 27-30 (8), 8-10 (11),
    # 12-16 (16), 19-22 (20).
    (date(2026, 9, 21), 20, NATIONAL_DAY, date(2026, 10, 22)),
    (date(2026, 9, 21), 20, NONE, date(2026, 10, 19)),
    (date(2026, 3, 2), 20, NONE, date(2026, 3, 30)),
])
def test_add_working_days(start, n, overrides, expected):
    assert add_working_days(start, n, overrides) == expected


def test_add_working_days_refuses_negative():
    with pytest.raises(ValueError):
        add_working_days(date(2026, 9, 21), -1, NONE)


@pytest.mark.parametrize("start, end, expected", [
    (date(2026, 9, 25), date(2026, 9, 25), 0),
    (date(2026, 9, 25), date(2026, 9, 27), 1),
    (date(2026, 9, 30), date(2026, 10, 7), 0),
    (date(2026, 9, 30), date(2026, 10, 11), 3),
    (date(2026, 9, 21), date(2026, 10, 22), 20),
    (date(2026, 10, 22), date(2026, 9, 21), -20),
])
def test_working_days_between(start, end, expected):
    assert working_days_between(start, end, NATIONAL_DAY) == expected


@pytest.mark.parametrize("n", [0, 1, 5, 20, 45])
@pytest.mark.parametrize("offset", range(0, 21, 3))
def test_between_inverts_add(n, offset):
    start = date(2026, 9, 14) + timedelta(days=offset)
    end = add_working_days(start, n, NATIONAL_DAY)
    assert working_days_between(start, end, NATIONAL_DAY) == n
    assert n == 0 or is_working_day(end, NATIONAL_DAY)


def test_five_day_deadline_over_holiday():
    """A 5-working-day correction period started the day before the holiday."""
    assert add_working_days(date(2026, 9, 30), 5, NATIONAL_DAY) == date(2026, 10, 13)
