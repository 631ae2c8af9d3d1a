"""The demo generator's due dates (``portal.demo.Timeline``) equal the working calendar's."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from portal.demo import Timeline
from workflow.calendar import VN_TZ, WorkingCalendar, WorkingHours


def _check(calendar: WorkingCalendar, seed: int) -> None:
    timeline = Timeline(calendar, date(2025, 11, 1), date(2028, 12, 31))
    rng = random.Random(seed)
    for _ in range(3000):
        start = datetime(2025, 11, 20, tzinfo=VN_TZ) + timedelta(minutes=rng.randint(0, 370 * 1440),
                                                                 seconds=rng.randint(0, 59))
        # whole days, part days, ends of periods exactly (8 h = one day), and zero
        minutes = rng.choice([0, 1, 30, 210, 270, 480, 960, rng.randint(1, 60 * 480)])
        assert timeline.add(start, minutes) == calendar.add_working_minutes(start, minutes), (start, minutes)


def test_timeline_equals_the_calendar_with_holidays_and_overrides():
    _check(WorkingCalendar(extra_days_off={date(2026, 2, 23)}, extra_working_days={date(2026, 2, 28)}), 1)


def test_timeline_equals_the_calendar_with_other_opening_hours():
    hours = WorkingHours(((time(8, 0), time(12, 0)), (time(12, 0), time(16, 0)), (time(18, 0), time(19, 15))))
    _check(WorkingCalendar(working_hours=hours), 2)
