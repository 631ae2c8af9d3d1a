"""Due dates, supplement pauses, apology extensions, timeliness and remaining-time text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.unit.workflow.helpers import plain_calendar, vn
from workflow.calendar import WorkingCalendar
from workflow.deadlines import (
    Clock,
    DeadlineError,
    ExtensionAlreadyUsed,
    ExtensionNotLater,
    Pause,
    apology_in_time,
    classify,
    classify_handover,
    due_at,
    extend_due,
    remaining_text,
)
from workflow.states import Timeliness

CAL = plain_calendar()


def test_due_friday_16_59_with_one_day_is_monday_16_59():
    assert due_at(vn(2025, 11, 21, 16, 59), 1, CAL) == vn(2025, 11, 24, 16, 59)


def test_due_friday_17_01_counts_from_monday_morning_and_ends_at_closing():
    assert due_at(vn(2025, 11, 21, 17, 1), 1, CAL) == vn(2025, 11, 24, 17, 0)


def test_due_over_several_days_and_half_days():
    assert due_at(vn(2025, 11, 17, 7, 0), 5, CAL) == vn(2025, 11, 21, 17, 0)
    assert due_at(vn(2025, 11, 17, 7, 0), 0.5, CAL) == vn(2025, 11, 17, 11, 0)
    with pytest.raises(ValueError):
        due_at(vn(2025, 11, 17, 7, 0), 0, CAL)


def test_due_across_tet_2026_with_real_holidays():
    cal = WorkingCalendar()
    # Thursday 12/2 10:00 + 3 days: 5h Thu, 8h Fri 13/2, then Tết until 22/2, 11h left
    # -> Monday 23/2 full day (8h), Tuesday 24/2 3h -> 10:00.
    assert due_at(vn(2026, 2, 12, 10, 0), 3, cal) == vn(2026, 2, 24, 10, 0)


# -- clock pauses ---------------------------------------------------------------------------


def test_three_supplement_rounds():
    clock = Clock.start(vn(2025, 11, 3, 7, 0), 3, CAL)  # Monday, 1440 working minutes
    assert clock.due_at() == vn(2025, 11, 5, 17, 0)

    clock = clock.pause(vn(2025, 11, 3, 15, 0))  # used 360
    assert clock.is_paused and clock.due_at() is None
    assert clock.remaining_minutes(vn(2025, 11, 4, 9, 0)) == 1080
    clock = clock.resume(vn(2025, 11, 5, 10, 0))
    assert clock.due_at() == CAL.add_working_minutes(vn(2025, 11, 5, 10, 0), 1080)

    clock = clock.pause(vn(2025, 11, 6, 9, 0))  # +420 -> used 780
    assert clock.remaining_minutes(vn(2025, 11, 7, 9, 0)) == 660
    clock = clock.resume(vn(2025, 11, 10, 13, 30))

    clock = clock.pause(vn(2025, 11, 10, 16, 0))  # +150 -> used 930
    assert clock.remaining_minutes(vn(2025, 11, 12, 9, 0)) == 510
    clock = clock.resume(vn(2025, 11, 14, 16, 30))

    # 510 left from Friday 16:30: 30 min Friday, 480 on Monday -> Monday 17:00
    assert clock.due_at() == vn(2025, 11, 17, 17, 0)
    assert clock.elapsed_minutes(clock.due_at()) == 1440
    assert len(clock.pauses) == 3


def test_pause_after_the_due_date_does_not_move_it():
    clock = Clock(vn(2025, 11, 3, 7, 0), 480, CAL)
    late = clock.pause(vn(2025, 11, 4, 9, 0)).resume(vn(2025, 11, 6, 9, 0))
    assert late.due_at() == vn(2025, 11, 3, 17, 0)
    # overdue since Monday 17:00: Tuesday, Wednesday and 3 hours on Thursday
    assert late.remaining_minutes(vn(2025, 11, 6, 10, 0)) == -(480 + 480 + 180)


def test_pause_outside_working_hours_costs_nothing():
    clock = Clock(vn(2025, 11, 3, 7, 0), 960, CAL)
    paused = clock.pause(vn(2025, 11, 3, 17, 30)).resume(vn(2025, 11, 4, 6, 45))
    assert paused.due_at() == clock.due_at() == vn(2025, 11, 4, 17, 0)


def test_clock_validation():
    start = vn(2025, 11, 3, 7, 0)
    with pytest.raises(ValueError):
        Clock(start, 0, CAL)
    with pytest.raises(ValueError):
        Clock(start, 480, CAL, pauses=(Pause(vn(2025, 11, 2, 9, 0), vn(2025, 11, 3, 9, 0)),))
    with pytest.raises(ValueError):
        Clock(start, 480, CAL, pauses=(Pause(vn(2025, 11, 3, 9, 0)), Pause(vn(2025, 11, 4, 9))))
    with pytest.raises(ValueError):
        Pause(vn(2025, 11, 4, 9, 0), vn(2025, 11, 3, 9, 0))
    clock = Clock(start, 480, CAL)
    with pytest.raises(DeadlineError):
        clock.resume(vn(2025, 11, 3, 9, 0))
    with pytest.raises(DeadlineError):
        clock.pause(vn(2025, 11, 3, 9, 0)).pause(vn(2025, 11, 3, 10, 0))


# -- extension by apology -------------------------------------------------------------------


def test_extension_once_and_later_only():
    clock = Clock(vn(2025, 11, 3, 7, 0), 2 * 480, CAL)  # due Tue 4/11 17:00
    extended = clock.extend(vn(2025, 11, 7, 17, 0), at=vn(2025, 11, 3, 15, 0))
    assert extended.due_at() == vn(2025, 11, 7, 17, 0)
    with pytest.raises(ExtensionAlreadyUsed):
        extended.extend(vn(2025, 11, 10, 17, 0), at=vn(2025, 11, 4, 9, 0))
    with pytest.raises(ExtensionNotLater):
        clock.extend(vn(2025, 11, 4, 17, 0), at=vn(2025, 11, 3, 15, 0))
    with pytest.raises(DeadlineError):
        clock.pause(vn(2025, 11, 3, 9, 0)).extend(vn(2025, 11, 7, 17, 0), vn(2025, 11, 3, 10, 0))


def test_supplement_after_extension_moves_the_new_date():
    clock = Clock(vn(2025, 11, 3, 7, 0), 2 * 480, CAL).extend(
        vn(2025, 11, 7, 17, 0), at=vn(2025, 11, 4, 9, 0)
    )
    clock = clock.pause(vn(2025, 11, 6, 16, 0))
    assert clock.due_at() is None
    clock = clock.resume(vn(2025, 11, 7, 7, 0))  # paused 60 working minutes
    assert clock.due_at() == vn(2025, 11, 10, 8, 0)


def test_extend_due_function():
    due = vn(2025, 11, 4, 17, 0)
    assert extend_due(due, vn(2025, 11, 6, 17, 0), already_extended=False) == vn(2025, 11, 6, 17)
    with pytest.raises(ExtensionAlreadyUsed):
        extend_due(due, vn(2025, 11, 6, 17, 0), already_extended=True)
    with pytest.raises(ExtensionNotLater):
        extend_due(due, due, already_extended=False)


def test_apology_must_come_one_working_day_ahead():
    due = vn(2025, 11, 24, 17, 0)  # Monday
    assert apology_in_time(vn(2025, 11, 21, 17, 0), due, CAL)  # Friday evening: 8h ahead
    assert not apology_in_time(vn(2025, 11, 24, 7, 1), due, CAL)


# -- timeliness -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("finished", "expected"),
    [
        (vn(2025, 11, 21, 16, 0), Timeliness.EARLY),  # the Friday before
        (vn(2025, 11, 24, 0, 5), Timeliness.ON_TIME),  # due day, early morning
        (vn(2025, 11, 24, 16, 59, 59), Timeliness.ON_TIME),  # to the minute
        (vn(2025, 11, 24, 17, 0), Timeliness.LATE),
        (vn(2025, 11, 25, 8, 0), Timeliness.LATE),
        (datetime(2025, 11, 23, 17, 30, tzinfo=UTC), Timeliness.ON_TIME),  # 00:30 VN
        (datetime(2025, 11, 23, 16, 30, tzinfo=UTC), Timeliness.EARLY),  # 23:30 VN
    ],
)
def test_classify(finished, expected):
    assert classify(finished, vn(2025, 11, 24, 16, 59)) is expected


def test_classify_handover_uses_the_step_deadline():
    from workflow.process import ProcessPlan, Step
    from workflow.states import Role

    plan = ProcessPlan((Step("xu-ly", Role.SPECIALIST, 4),))
    step_due = plan.step_due(vn(2025, 11, 20, 16, 0), "xu-ly", CAL)  # 4 working hours -> due Friday 10:00
    assert step_due == vn(2025, 11, 21, 10, 0)
    assert classify_handover(step_due, vn(2025, 11, 20, 16, 30)) is Timeliness.EARLY
    assert classify_handover(step_due, vn(2025, 11, 21, 10, 0)) is Timeliness.ON_TIME
    assert classify_handover(step_due, vn(2025, 11, 21, 10, 1)) is Timeliness.LATE
    assert classify_handover(None, vn(2025, 11, 21, 10, 1)) is None


def test_classify_needs_aware_datetimes():
    with pytest.raises(ValueError):
        classify(datetime(2025, 11, 24, 9, 0), vn(2025, 11, 24, 16, 59))


# -- remaining text -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "due", "vi", "en"),
    [
        (vn(2025, 11, 17, 7, 0), vn(2025, 11, 18, 10, 0), "còn 1 ngày 3 giờ làm việc", "1 day 3 hours left (working time)"),
        (vn(2025, 11, 17, 16, 15), vn(2025, 11, 17, 17, 0), "còn 45 phút làm việc", "45 minutes left (working time)"),
        (
            vn(2025, 11, 17, 7, 0),
            vn(2025, 11, 17, 9, 15),
            "còn 2 giờ 15 phút làm việc",
            "2 hours 15 minutes left (working time)",
        ),
        (vn(2025, 11, 19, 17, 0), vn(2025, 11, 17, 17, 0), "quá hạn 2 ngày làm việc", "2 days overdue (working time)"),
        (
            vn(2025, 11, 20, 10, 0),
            vn(2025, 11, 17, 17, 0),
            "quá hạn 2 ngày 3 giờ làm việc",
            "2 days 3 hours overdue (working time)",
        ),
        (vn(2025, 11, 21, 16, 0), vn(2025, 11, 24, 8, 0), "còn 2 giờ làm việc", "2 hours left (working time)"),
        (vn(2025, 11, 17, 9, 0), vn(2025, 11, 17, 9, 0), "đến hạn", "due now"),
        (vn(2025, 11, 22, 9, 0), vn(2025, 11, 21, 17, 0), "đã quá hạn", "past due"),
        (vn(2025, 11, 17, 7, 0), vn(2025, 11, 17, 7, 1), "còn 1 phút làm việc", "1 minute left (working time)"),
    ],
)
def test_remaining_text(now, due, vi, en):
    assert remaining_text(now, due, CAL) == vi
    assert remaining_text(now, due, CAL, lang="en") == en


def test_remaining_text_rejects_unknown_language():
    with pytest.raises(ValueError):
        remaining_text(vn(2025, 11, 17, 7, 0), vn(2025, 11, 18, 7, 0), CAL, lang="fr")
