"""A supplement requested at the very minute the dossier falls due (``Clock.due_at``).

The rule: a pause that begins once the budget is used up does not move the due date ("a late
pause does not move a passed due date"). A pause beginning exactly at the due minute is such a
pause: no working minute is left to freeze. One minute earlier, one minute is left and runs
from the answer.

Working hours 07:00-11:30 and 13:30-17:00. Clock started Monday 3/11/2025 07:00 with 3 hours:
due Monday 10:00. The applicant answers on Wednesday 5/11 at 09:00.
"""

from __future__ import annotations

from tests.unit.workflow.helpers import plain_calendar, vn
from workflow.deadlines import Clock

CAL = plain_calendar()
START = vn(2025, 11, 3, 7, 0)
DUE = vn(2025, 11, 3, 10, 0)
ANSWERED = vn(2025, 11, 5, 9, 0)


def clock_paused_at(requested):
    return Clock(START, 180, CAL).pause(requested).resume(ANSWERED)


def test_without_a_pause_the_dossier_is_due_at_ten():
    assert Clock(START, 180, CAL).due_at() == DUE


def test_a_pause_starting_exactly_at_the_due_minute_keeps_the_due_date():
    assert clock_paused_at(vn(2025, 11, 3, 10, 0)).due_at() == DUE


def test_a_pause_one_minute_before_the_due_minute_leaves_one_minute_after_the_answer():
    assert clock_paused_at(vn(2025, 11, 3, 9, 59)).due_at() == vn(2025, 11, 5, 9, 1)


def test_a_pause_one_minute_after_the_due_minute_keeps_the_due_date():
    assert clock_paused_at(vn(2025, 11, 3, 10, 1)).due_at() == DUE


def test_while_paused_at_the_due_minute_nothing_is_left():
    paused = Clock(START, 180, CAL).pause(vn(2025, 11, 3, 10, 0))
    assert paused.due_at() is None
    assert paused.remaining_minutes(vn(2025, 11, 4, 9, 0)) == 0
