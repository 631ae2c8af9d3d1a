"""Internal process steps (quy trình nội bộ)."""

from __future__ import annotations

import pytest

from tests.unit.workflow.helpers import plain_calendar, vn
from workflow.process import ProcessPlan, Step
from workflow.states import Role

PLAN = ProcessPlan(
    [
        Step("desk", Role.ONE_STOP_OFFICER, 4),
        Step("assign", Role.UNIT_LEADER, 4),
        Step("appraise", Role.SPECIALIST, 16),
        Step("review", Role.UNIT_LEADER, 4),
        Step("sign", Role.AGENCY_LEADER, 8),
        Step("issue", Role.CLERK, 0.5),
    ]
)


def test_next_and_previous():
    assert PLAN.first.key == "desk"
    assert PLAN.next_step("desk").key == "assign"
    assert PLAN.next_step("issue") is None
    assert PLAN.previous_step("review").key == "appraise"
    assert PLAN.previous_step("desk") is None
    with pytest.raises(KeyError):
        PLAN.next_step("missing")


def test_total_and_step_due():
    assert sum(step.minutes for step in PLAN.steps) == (4 + 4 + 16 + 4 + 8) * 60 + 30
    cal = plain_calendar()
    start = vn(2025, 11, 21, 15, 0)  # Friday: 2 h on Friday, 2 h on Monday
    assert PLAN.step_due(start, "desk", cal) == vn(2025, 11, 24, 9, 0)
    assert PLAN.step_due(start, PLAN.step("issue"), cal) == vn(2025, 11, 21, 15, 30)
    with pytest.raises(KeyError):
        PLAN.step_due(start, Step("other", Role.CLERK, 1), cal)


def test_invalid_plans_and_steps():
    with pytest.raises(ValueError):
        ProcessPlan([])
    with pytest.raises(ValueError):
        ProcessPlan([Step("a", Role.CLERK, 1), Step("a", Role.SPECIALIST, 1)])
    with pytest.raises(ValueError):
        Step("a", Role.CLERK, 0)
    with pytest.raises(ValueError):
        Step("a", Role.ADMIN, 1)
    with pytest.raises(ValueError):
        Step("a", Role.CITIZEN, 1)
