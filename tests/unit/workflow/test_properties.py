"""Property-based tests of working-time arithmetic and the clock (hypothesis)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from workflow.calendar import VN_TZ, WorkingCalendar
from workflow.deadlines import Clock, Pause, due_at

CAL = WorkingCalendar(extra_working_days={date(2025, 11, 22)}, extra_days_off={date(2026, 3, 9)})
SETTINGS = settings(max_examples=80, deadline=None)

moments = st.builds(
    lambda d, m: datetime(d.year, d.month, d.day, tzinfo=VN_TZ) + timedelta(minutes=m),
    st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)),
    st.integers(min_value=0, max_value=24 * 60 - 1),
)
offsets = st.sampled_from([0, 7, -5, 9, 1])
minutes = st.integers(min_value=0, max_value=40 * 480)


def _in_zone(dt: datetime, hours: int) -> datetime:
    return dt.astimezone(timezone(timedelta(hours=hours)))


@SETTINGS
@given(start=moments, m=minutes, zone=offsets)
def test_add_then_measure_round_trips(start, m, zone):
    start = _in_zone(start, zone)
    end = CAL.add_working_minutes(start, m)
    assert end.utcoffset() == timedelta(hours=7)
    assert CAL.working_minutes_between(start, end) == m
    assert CAL.working_minutes_between(end, start) == -m


@SETTINGS
@given(start=moments, m=st.integers(min_value=1, max_value=40 * 480))
def test_result_is_the_earliest_moment_and_inside_working_time(start, m):
    end = CAL.add_working_minutes(start, m)
    assert end > start
    assert CAL.working_minutes_between(start, end - timedelta(minutes=1)) == m - 1
    # the last minute counted is a working minute, so the end is within or at the end of a period
    assert CAL.next_working_moment(end - timedelta(minutes=1)) == end - timedelta(minutes=1)


@SETTINGS
@given(start=moments, a=minutes, b=minutes)
def test_monotonic_in_minutes(start, a, b):
    low, high = sorted((a, b))
    assert CAL.add_working_minutes(start, low) <= CAL.add_working_minutes(start, high)


@SETTINGS
@given(received=moments, days=st.integers(min_value=1, max_value=30))
def test_due_is_after_reception_and_uses_exactly_the_budget(received, days):
    due = due_at(received, days, CAL)
    assert due > received
    assert CAL.working_minutes_between(received, due) == days * 480
    assert CAL.is_working_day(due)


@SETTINGS
@given(a=moments, b=moments, c=moments)
def test_working_minutes_are_additive(a, b, c):
    a, b, c = sorted((a, b, c))
    assert CAL.working_minutes_between(a, c) == CAL.working_minutes_between(
        a, b
    ) + CAL.working_minutes_between(b, c)


@SETTINGS
@given(
    start=moments,
    days=st.integers(min_value=1, max_value=15),
    gaps=st.lists(
        st.tuples(st.integers(0, 3 * 480), st.integers(0, 5 * 24 * 60)), min_size=0, max_size=4
    ),
)
def test_clock_with_any_number_of_pauses_runs_exactly_its_budget(start, days, gaps):
    """Pauses given as (working minutes of running before, wall-clock minutes paused)."""
    pauses = []
    cursor = start
    for running, paused in gaps:
        begin = CAL.add_working_minutes(cursor, running)
        end = begin + timedelta(minutes=paused)
        pauses.append(Pause(begin, end))
        cursor = end
    clock = Clock(start, days * 480, CAL, tuple(pauses))
    due = clock.due_at()
    assert clock.elapsed_minutes(due) == days * 480
    assert clock.elapsed_minutes(due - timedelta(minutes=1)) < days * 480
    assume(all(p.ended_at <= due for p in pauses))
    paused_working = sum(CAL.working_minutes_between(p.started_at, p.ended_at) for p in pauses)
    assert CAL.working_minutes_between(start, due) == days * 480 + paused_working
