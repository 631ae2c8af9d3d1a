"""Working minutes over long spans: whole days are counted from the cached working days of each
year, the two partial days minute by minute. Checked against a plain day-by-day count."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from tests.unit.workflow.helpers import vn
from workflow.calendar import VN_TZ, WorkingCalendar, floor_minute


def day_by_day(calendar: WorkingCalendar, a: datetime, b: datetime) -> int:
    """The reference: every day from a to b, each working period clipped to [a, b)."""
    a, b = floor_minute(a), floor_minute(b)
    if b < a:
        return -day_by_day(calendar, b, a)
    total, day = 0, a.date()
    while day <= b.date():
        if calendar.is_working_day(day):
            low = a.hour * 60 + a.minute if day == a.date() else 0
            high = b.hour * 60 + b.minute if day == b.date() else 24 * 60
            total += sum(max(0, min(end, high) - max(start, low)) for start, end in calendar.working_hours.spans)
        day += timedelta(days=1)
    return total


def test_long_spans_match_a_day_by_day_count_with_holidays_and_overrides():
    calendar = WorkingCalendar(extra_days_off=[date(2026, 4, 29)], extra_working_days=[date(2026, 5, 9)])
    rng = random.Random(7)
    base = vn(2025, 12, 20, 8, 0)
    for _ in range(400):
        a = base + timedelta(minutes=rng.randint(0, 60 * 24 * 500))
        b = a + timedelta(minutes=rng.randint(-60 * 24 * 400, 60 * 24 * 400))
        assert calendar.working_minutes_between(a, b) == day_by_day(calendar, a, b), (a, b)


def test_a_swapped_working_saturday_and_a_day_off_count_across_a_year_boundary():
    calendar = WorkingCalendar(extra_days_off=[date(2026, 1, 2)], extra_working_days=[date(2026, 1, 3)])
    a, b = vn(2025, 12, 30, 9, 0), vn(2026, 1, 6, 9, 0)
    assert calendar.working_minutes_between(a, b) == day_by_day(calendar, a, b)
    assert calendar.working_days_in(date(2026, 1, 2), date(2026, 1, 3)) == 1


def test_working_days_between_counts_after_the_first_day():
    calendar = WorkingCalendar()
    friday = datetime(2026, 3, 6, 10, 0, tzinfo=VN_TZ)
    assert calendar.working_days_between(friday, friday + timedelta(days=3)) == 1
    assert calendar.working_days_between(friday + timedelta(days=3), friday) == -1
    assert calendar.working_days_in(date(2026, 3, 7), date(2026, 3, 6)) == 0
