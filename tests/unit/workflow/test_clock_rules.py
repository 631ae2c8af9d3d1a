"""Waiting for the applicant stops the clock; supplement rounds; the apology warning."""

from __future__ import annotations

import pytest

from tests.unit.workflow.helpers import satisfying_context
from workflow import machine
from workflow.calendar import VN_TZ, NoHolidays, WorkingCalendar
from workflow.deadlines import (
    Clock,
    ClockRules,
    PauseKind,
    apology_due_soon,
    legal_days,
    repeat_supplement_refusal,
    suggested_new_due,
)
from workflow.states import Action, Role, Status

CAL = WorkingCalendar(holidays_provider=NoHolidays())


def vn(*args):
    from datetime import datetime

    return datetime(*args, tzinfo=VN_TZ)


def test_rules_default_to_pausing_for_both_waits():
    rules = ClockRules.from_mapping(None)
    assert rules.pauses_for(PauseKind.SUPPLEMENT) and rules.pauses_for("fee")
    assert not ClockRules.from_mapping({"fee_pauses": False}).pauses_for(PauseKind.FEE)
    assert ClockRules.from_mapping({"fee_pauses": False}).pauses_for(PauseKind.SUPPLEMENT)


@pytest.mark.parametrize("bad", [{"fee": False}, {"fee_pauses": "no"}, {"supplement_pauses": 0}])
def test_bad_rules_are_refused(bad):
    with pytest.raises(ValueError):
        ClockRules.from_mapping(bad)


def test_a_fee_wait_moves_the_due_date_by_its_working_time_and_keeps_its_kind():
    start = vn(2026, 11, 23, 7, 0)  # Monday, opening time
    clock = Clock.start(start, 3, CAL)
    assert clock.due_at() == vn(2026, 11, 25, 17, 0)
    paused = clock.pause(vn(2026, 11, 23, 10, 0), PauseKind.FEE)
    assert paused.due_at() is None
    resumed = paused.resume(vn(2026, 11, 24, 10, 0))  # one working day later
    assert resumed.pauses[-1].kind is PauseKind.FEE
    assert resumed.due_at() == vn(2026, 11, 26, 17, 0)


def test_a_second_supplement_request_needs_a_reason():
    assert repeat_supplement_refusal(0, "") is None
    assert repeat_supplement_refusal(1, "  ") == "repeat_reason_required"
    assert repeat_supplement_refusal(2, "Giấy tờ mới phát sinh sau khi xác minh") is None
    row = next(r for r in machine.TRANSITIONS if r.action is Action.REQUEST_SUPPLEMENT and r.source is Status.IN_PROCESS)
    ctx = satisfying_context(row, supplement_requests=1)
    with pytest.raises(machine.GuardFailed) as error:
        machine.apply(Status.IN_PROCESS, Action.REQUEST_SUPPLEMENT, Role.SPECIALIST, ctx)
    assert error.value.guard == "repeat_supplement_justified"
    ok = satisfying_context(row, supplement_requests=1, repeat_reason="Kết quả xác minh cần thêm giấy tờ")
    assert machine.apply(Status.IN_PROCESS, Action.REQUEST_SUPPLEMENT, Role.SPECIALIST, ok) is Status.SUPPLEMENT_REQUESTED


def test_the_apology_warning_starts_two_working_days_ahead():
    due = vn(2026, 11, 27, 17, 0)  # Friday evening
    assert not apology_due_soon(vn(2026, 11, 25, 16, 59), due, CAL)  # 2 days and 1 minute left
    assert apology_due_soon(vn(2026, 11, 25, 17, 0), due, CAL)  # exactly two working days
    assert apology_due_soon(vn(2026, 11, 27, 16, 0), due, CAL)
    assert not apology_due_soon(vn(2026, 11, 27, 17, 0), due, CAL)  # due now: too late to warn
    assert not apology_due_soon(vn(2026, 11, 25, 17, 0), None, CAL)


def test_a_suggested_new_date_is_at_least_a_working_day_later():
    due = vn(2026, 11, 27, 17, 0)
    assert suggested_new_due(due, 60, CAL) == vn(2026, 11, 30, 17, 0)  # Monday
    assert suggested_new_due(due, 3 * 480, CAL) == vn(2026, 12, 2, 17, 0)


def test_the_legal_time_limit_of_a_dossier():
    assert legal_days(30, remote_days=45) == 30
    assert legal_days(30, remote_days=45, remote=True) == 45
    assert legal_days(30, remote=True) == 30
    assert legal_days(10, online_days=7, online=True) == 7
    assert legal_days(30, online_days=20, remote_days=45, online=True, remote=True) == 20
