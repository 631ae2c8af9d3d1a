"""What an appointment's calculation used from the calendar, and its hash."""

from __future__ import annotations

from datetime import date, time

from workflow.calendar import NoHolidays, VietnamHolidays, WorkingCalendar, WorkingHours

FIRST, LAST = date(2026, 12, 28), date(2027, 1, 8)


def test_entries_name_the_days_that_depart_from_the_plain_week():
    cal = WorkingCalendar(holidays_provider=VietnamHolidays(), extra_days_off={date(2026, 12, 31)},
                          extra_working_days={date(2027, 1, 2)})
    assert cal.entries_between(FIRST, LAST) == [
        (date(2026, 12, 31), "day_off"), (date(2027, 1, 1), "public_holiday"), (date(2027, 1, 2), "working_day")]


def test_the_hash_follows_every_change_that_could_move_an_appointment():
    base = WorkingCalendar(holidays_provider=NoHolidays())
    same = WorkingCalendar(holidays_provider=NoHolidays())
    assert base.fingerprint(FIRST, LAST) == same.fingerprint(FIRST, LAST)
    changed = [
        WorkingCalendar(holidays_provider=NoHolidays(), extra_days_off={date(2027, 1, 4)}),
        WorkingCalendar(holidays_provider=NoHolidays(), extra_working_days={date(2027, 1, 2)}),
        WorkingCalendar(holidays_provider=NoHolidays(), working_hours=WorkingHours(((time(7, 30), time(11, 30)),
                                                                                    (time(13, 30), time(17, 0))))),
        WorkingCalendar(holidays_provider=VietnamHolidays()),
    ]
    assert all(c.fingerprint(FIRST, LAST) != base.fingerprint(FIRST, LAST) for c in changed)
    # a day outside the span is not part of the calculation
    outside = WorkingCalendar(holidays_provider=NoHolidays(), extra_days_off={date(2027, 3, 1)})
    assert outside.fingerprint(FIRST, LAST) == base.fingerprint(FIRST, LAST)
