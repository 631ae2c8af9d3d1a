"""Working calendar with real Vietnamese dates (holidays package 0.109) and overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from tests.unit.workflow.helpers import plain_calendar, vn
from workflow.calendar import VN_TZ, VietnamHolidays, WorkingCalendar, WorkingHours

CAL = WorkingCalendar()  # Vietnamese public holidays from the holidays package


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# -- public holidays ------------------------------------------------------------------------


def test_tet_2026_is_14_to_22_february_with_the_weekends():
    # Package: eve 16/2 .. 4th day 20/2 (Mon-Fri); with the two weekends that is the
    # announced 9-day break for civil servants, 14/2-22/2/2026.
    assert {d for d in CAL.public_days_off(2026) if d.month == 2} == set(
        _days(date(2026, 2, 16), date(2026, 2, 20))
    )
    assert not any(CAL.is_working_day(d) for d in _days(date(2026, 2, 14), date(2026, 2, 22)))
    assert CAL.is_working_day(date(2026, 2, 13))  # Friday before
    assert CAL.is_working_day(date(2026, 2, 23))  # Monday after


def test_tet_2027_is_4_to_10_february():
    # 1st day of Đinh Mùi is Saturday 6/2/2027: weekend days move to 29 Tết and mùng 5.
    off = {d for d in CAL.public_days_off(2027) if d.month == 2}
    assert off == set(_days(date(2027, 2, 4), date(2027, 2, 10)))
    assert CAL.is_working_day(date(2027, 2, 3))
    assert CAL.is_working_day(date(2027, 2, 11))


def test_reception_just_before_tet_2026_is_due_after_the_break():
    # Friday 13/2 16:00: 1 hour before Tết, 7 hours on Monday 23/2 (lunch 11:30-13:30).
    assert CAL.add_working_minutes(vn(2026, 2, 13, 16, 0), 480) == vn(2026, 2, 23, 16, 0)
    # Received Wednesday 3/2/2027 after closing: counts from Thursday 11/2 07:00.
    assert CAL.add_working_minutes(vn(2027, 2, 3, 17, 30), 480) == vn(2027, 2, 11, 17, 0)


def test_gio_to_2026_on_sunday_is_observed_on_monday():
    assert date(2026, 4, 26) in CAL.public_days_off(2026)  # 10/3 âm lịch, a Sunday
    assert not CAL.is_working_day(date(2026, 4, 27))  # compensatory day off
    assert CAL.is_working_day(date(2026, 4, 28))


def test_30_april_and_1_may_2026():
    assert not CAL.is_working_day(date(2026, 4, 30))
    assert not CAL.is_working_day(date(2026, 5, 1))
    assert CAL.is_working_day(date(2026, 4, 29))
    # Friday 24/4 08:00 + 3 days: 7h Fri, Tue 28/4, Wed 29/4, then 1h on Monday 4/5.
    assert CAL.add_working_minutes(vn(2026, 4, 24, 8, 0), 3 * 480) == vn(2026, 5, 4, 8, 0)


def test_national_day_2026_and_the_swapped_saturday_from_the_package():
    for d in (date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2)):
        assert not CAL.is_working_day(d)
    # 31/8 is taken in exchange for working on Saturday 22/8/2026
    assert CAL.is_working_day(date(2026, 8, 22))
    assert date(2026, 8, 22) in set(VietnamHolidays().working_days(2026))
    assert CAL.next_working_day(date(2026, 8, 28)) == date(2026, 9, 3)


def test_national_day_2027_takes_the_day_after():
    assert not CAL.is_working_day(date(2027, 9, 2))
    assert not CAL.is_working_day(date(2027, 9, 3))


def test_new_year_and_ordinary_days():
    assert not CAL.is_working_day(date(2026, 1, 1))
    assert CAL.is_working_day(date(2026, 1, 2))
    assert not CAL.is_working_day(date(2026, 1, 3))  # Saturday


# -- overrides ------------------------------------------------------------------------------


def test_swapped_saturday_is_a_working_day():
    cal = plain_calendar(extra_working_days={date(2025, 11, 22)})
    assert cal.is_working_day(date(2025, 11, 22))
    # Friday after closing -> counts from Saturday morning
    assert cal.add_working_minutes(vn(2025, 11, 21, 17, 30), 480) == vn(2025, 11, 22, 17, 0)


def test_extra_day_off_is_skipped():
    cal = plain_calendar(extra_days_off={date(2025, 11, 24)})
    assert not cal.is_working_day(date(2025, 11, 24))
    assert cal.add_working_minutes(vn(2025, 11, 21, 17, 30), 480) == vn(2025, 11, 25, 17, 0)


def test_extra_working_day_overrides_a_public_holiday_and_extra_off_a_weekday():
    cal = WorkingCalendar(
        extra_working_days={date(2026, 2, 16)}, extra_days_off={date(2026, 2, 12)}
    )
    assert cal.is_working_day(date(2026, 2, 16))
    assert not cal.is_working_day(date(2026, 2, 12))


def test_a_date_cannot_be_both_off_and_working():
    with pytest.raises(ValueError):
        plain_calendar(extra_days_off={date(2025, 1, 6)}, extra_working_days={date(2025, 1, 6)})


# -- working time ---------------------------------------------------------------------------


def test_friday_16_59_and_17_01():
    cal = plain_calendar()
    # 1 minute on Friday, 7h59 on Monday
    assert cal.add_working_minutes(vn(2025, 11, 21, 16, 59), 480) == vn(2025, 11, 24, 16, 59)
    # after closing: Monday 07:00 + 8h = Monday 17:00 (end of day stays at closing time)
    assert cal.add_working_minutes(vn(2025, 11, 21, 17, 1), 480) == vn(2025, 11, 24, 17, 0)
    assert cal.add_working_minutes(vn(2025, 11, 21, 17, 0), 480) == vn(2025, 11, 24, 17, 0)


def test_lunch_break():
    cal = plain_calendar()
    assert cal.add_working_minutes(vn(2025, 11, 20, 11, 0), 60) == vn(2025, 11, 20, 14, 0)
    assert cal.add_working_minutes(vn(2025, 11, 20, 12, 15), 60) == vn(2025, 11, 20, 14, 30)
    # ending exactly at 11:30 stays at 11:30
    assert cal.add_working_minutes(vn(2025, 11, 20, 7, 0), 270) == vn(2025, 11, 20, 11, 30)
    assert cal.add_working_minutes(vn(2025, 11, 20, 7, 0), 271) == vn(2025, 11, 20, 13, 31)
    assert cal.working_minutes_between(vn(2025, 11, 20, 11, 0), vn(2025, 11, 20, 14, 0)) == 60


def test_next_working_moment():
    cal = plain_calendar()
    assert cal.next_working_moment(vn(2025, 11, 20, 6, 10)) == vn(2025, 11, 20, 7, 0)
    assert cal.next_working_moment(vn(2025, 11, 20, 9, 15, 42)) == vn(2025, 11, 20, 9, 15)
    assert cal.next_working_moment(vn(2025, 11, 20, 11, 30)) == vn(2025, 11, 20, 13, 30)
    assert cal.next_working_moment(vn(2025, 11, 21, 17, 0)) == vn(2025, 11, 24, 7, 0)
    assert cal.next_working_moment(vn(2025, 11, 22, 10, 0)) == vn(2025, 11, 24, 7, 0)


def test_other_time_zones_are_converted_and_naive_is_refused():
    cal = plain_calendar()
    utc = datetime(2025, 11, 21, 9, 59, tzinfo=UTC)  # 16:59 in Hà Nội
    result = cal.add_working_minutes(utc, 480)
    assert result == vn(2025, 11, 24, 16, 59)
    assert result.utcoffset() == timedelta(hours=7)
    with pytest.raises(ValueError):
        cal.add_working_minutes(datetime(2025, 11, 21, 9, 0), 60)
    with pytest.raises(ValueError):
        cal.next_working_moment(datetime(2025, 11, 21, 9, 0))
    with pytest.raises(ValueError):
        cal.working_minutes_between(datetime(2025, 11, 21), vn(2025, 11, 22))


def test_working_minutes_between_is_signed_and_hours_are_minutes_over_60():
    cal = plain_calendar()
    a, b = vn(2025, 11, 21, 16, 0), vn(2025, 11, 24, 8, 30)
    assert cal.working_minutes_between(a, b) == 60 + 90
    assert cal.working_minutes_between(b, a) == -150
    assert cal.working_minutes_between(a, b) == 150
    assert cal.add_working_minutes(a, 150) == b


def test_working_days_between():
    cal = plain_calendar()
    assert cal.working_days_between(date(2025, 11, 21), date(2025, 11, 24)) == 1
    assert cal.working_days_between(date(2025, 11, 24), date(2025, 11, 21)) == -1
    assert cal.working_days_between(date(2025, 11, 17), date(2025, 11, 28)) == 9
    assert cal.working_days_between(date(2025, 11, 17), date(2025, 11, 17)) == 0
    assert CAL.working_days_between(date(2026, 2, 13), date(2026, 2, 23)) == 1


def test_custom_working_hours():
    hours = WorkingHours([(time(7, 30), time(11, 30)), (time(13, 0), time(17, 0))])
    cal = plain_calendar(working_hours=hours)
    assert hours.minutes_per_day == 480
    assert cal.add_working_minutes(vn(2025, 11, 20, 7, 0), 240) == vn(2025, 11, 20, 11, 30)
    assert cal.add_working_minutes(vn(2025, 11, 20, 7, 0), 241) == vn(2025, 11, 20, 13, 1)


@pytest.mark.parametrize(
    "periods",
    [
        [],
        [(time(11, 0), time(10, 0))],
        [(time(7, 0), time(12, 0)), (time(11, 0), time(17, 0))],
        [(time(13, 0), time(17, 0)), (time(7, 0), time(11, 0))],
        [(time(7, 0, 30), time(11, 0))],
    ],
)
def test_invalid_working_hours(periods):
    with pytest.raises(ValueError):
        WorkingHours(periods)


def test_add_rejects_negative_and_non_integer_minutes():
    cal = plain_calendar()
    with pytest.raises(ValueError):
        cal.add_working_minutes(vn(2025, 11, 20, 8, 0), -1)
    with pytest.raises(TypeError):
        cal.add_working_minutes(vn(2025, 11, 20, 8, 0), 1.5)
    assert cal.add_working_minutes(vn(2025, 11, 20, 8, 0, 45), 0) == vn(2025, 11, 20, 8, 0)


def test_calendar_without_working_days_fails_loudly():
    cal = plain_calendar(weekend=(0, 1, 2, 3, 4, 5, 6))
    with pytest.raises(ValueError):
        cal.add_working_minutes(vn(2025, 11, 20, 8, 0), 60)


def test_results_are_in_vietnam_time():
    assert CAL.next_working_moment(vn(2026, 1, 5, 8, 0)).tzinfo == VN_TZ
