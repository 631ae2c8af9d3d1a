"""The lifecycle written out by hand, checked against ``workflow.machine``.

The table below is NOT derived from ``machine.TRANSITIONS``: it restates the rules of the
module docstring of ``workflow.machine`` and of docs/lifecycle.md, so that a change to the
machine's table (a role added to a row, a guard dropped, a wrong target) makes these tests fail
until someone decides the rules changed and updates both.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime

import pytest

from workflow.calendar import VN_TZ
from workflow.machine import (
    ActionNotAllowed,
    Context,
    GuardFailed,
    RoleNotAllowed,
    allowed_actions,
    apply,
)
from workflow.states import Action, Role, Status

CITIZEN_DESK = "citizen one_stop_officer"
LEADERS = "unit_leader agency_leader"
APOLOGY_GUARDS = "reason_given not_yet_apologized apology_early_enough new_due_after_current"

# status, action, roles allowed, target status, guards
LIFECYCLE = [
    ("draft", "submit", CITIZEN_DESK, "submitted", "documents_complete"),
    ("submitted", "accept", "one_stop_officer", "accepted", "documents_complete"),
    ("submitted", "refuse_intake", "one_stop_officer", "not_accepted", "reason_given"),
    ("submitted", "request_supplement", "one_stop_officer", "supplement_requested", "reason_given"),
    ("submitted", "withdraw", CITIZEN_DESK, "withdrawn", "reason_given"),
    ("accepted", "request_supplement", "one_stop_officer", "supplement_requested", "reason_given"),
    ("accepted", "forward", "one_stop_officer", "in_process", ""),
    ("accepted", "stop", LEADERS, "stopped", "reason_given"),
    ("accepted", "withdraw", CITIZEN_DESK, "withdrawn", "reason_given"),
    ("accepted", "apologize", "agency_leader", "accepted", APOLOGY_GUARDS),
    ("in_process", "request_supplement", "specialist unit_leader", "supplement_requested", "reason_given"),
    ("in_process", "forward", "one_stop_officer specialist unit_leader agency_leader clerk", "in_process", ""),
    ("in_process", "send_back", "specialist unit_leader agency_leader clerk", "in_process", "reason_given"),
    ("in_process", "propose_result", "specialist", "in_process", ""),
    ("in_process", "approve", "agency_leader", "in_process", "result_proposed"),
    ("in_process", "issue_result", "clerk", "processed", "result_signed"),
    ("in_process", "refuse", "agency_leader", "processed", "reason_given"),
    ("in_process", "request_fee", "one_stop_officer specialist", "awaiting_fee", "fee_due"),
    ("in_process", "stop", LEADERS, "stopped", "reason_given"),
    ("in_process", "withdraw", CITIZEN_DESK, "withdrawn", "reason_given"),
    ("in_process", "apologize", "agency_leader", "in_process", APOLOGY_GUARDS),
    ("supplement_requested", "supplement", CITIZEN_DESK, "submitted", "resume_is_submitted"),
    ("supplement_requested", "supplement", CITIZEN_DESK, "accepted", "resume_is_accepted"),
    ("supplement_requested", "supplement", CITIZEN_DESK, "in_process", "resume_is_in_process"),
    ("supplement_requested", "stop", LEADERS, "stopped", "reason_given"),
    ("supplement_requested", "withdraw", CITIZEN_DESK, "withdrawn", "reason_given"),
    ("awaiting_fee", "pay_fee", CITIZEN_DESK, "in_process", "fee_paid"),
    ("awaiting_fee", "stop", LEADERS, "stopped", "reason_given"),
    ("awaiting_fee", "withdraw", CITIZEN_DESK, "withdrawn", "reason_given"),
    ("awaiting_fee", "apologize", "agency_leader", "awaiting_fee", APOLOGY_GUARDS),
    ("processed", "return_result", "one_stop_officer", "returned", "fee_paid"),
    ("returned", "rate", "citizen", "returned", "not_yet_rated"),
    # not_accepted, withdrawn and stopped accept nothing; administrators never act.
]

ROWS = [
    (Status(s), Action(a), frozenset(Role(r) for r in roles.split()), Status(t), tuple(guards.split()))
    for s, a, roles, t, guards in LIFECYCLE
]

DUE = datetime(2026, 3, 10, 17, 0, tzinfo=VN_TZ)
FEE = 50_000

#: Nothing holds: no reason, documents missing, a fee due and unpaid, no draft, no signature,
#: already apologized, a "new" date that is not later, no resume status, already rated.
NOTHING_HOLDS = Context(reason="", documents_complete=False, fee_amount=FEE, fee_paid=False,
                        result_proposed=False, result_signed=False, apologized=True, current_due=DUE,
                        new_due=DUE, resume_status=None, rated=True)

#: What makes each guard hold, and what makes it fail again.
HOLDS = {
    "reason_given": {"reason": "Hồ sơ thiếu bản sao CCCD"},
    "documents_complete": {"documents_complete": True},
    "fee_due": {"fee_amount": FEE, "fee_paid": False},
    "fee_paid": {"fee_amount": FEE, "fee_paid": True},
    "result_proposed": {"result_proposed": True},
    "result_signed": {"result_signed": True},
    "not_yet_apologized": {"apologized": False},
    "apology_early_enough": {"apology_early_enough": True},
    "new_due_after_current": {"new_due": DUE.replace(day=17)},
    "not_yet_rated": {"rated": False},
    "resume_is_submitted": {"resume_status": Status.SUBMITTED},
    "resume_is_accepted": {"resume_status": Status.ACCEPTED},
    "resume_is_in_process": {"resume_status": Status.IN_PROCESS},
}
FAILS = {
    "reason_given": {"reason": "   "},
    "documents_complete": {"documents_complete": False},
    "fee_due": {"fee_paid": True},
    "fee_paid": {"fee_paid": False},
    "result_proposed": {"result_proposed": False},
    "result_signed": {"result_signed": False},
    "not_yet_apologized": {"apologized": True},
    "apology_early_enough": {"apology_early_enough": False},
    "new_due_after_current": {"new_due": DUE},
    "not_yet_rated": {"rated": True},
    "resume_is_submitted": {"resume_status": None},
    "resume_is_accepted": {"resume_status": None},
    "resume_is_in_process": {"resume_status": None},
}


def only_guards(guards: tuple[str, ...]) -> Context:
    """A context in which the written guards hold and every other condition fails."""
    ctx = NOTHING_HOLDS
    for guard in guards:
        ctx = replace(ctx, **HOLDS[guard])
    return ctx


def row_id(row) -> str:
    return f"{row[0]}-{row[1]}->{row[3]}"


@pytest.mark.parametrize(("status", "role"), list(itertools.product(Status, Role)), ids=str)
def test_allowed_actions_are_the_written_ones(status, role):
    written = {action for s, action, roles, _, _ in ROWS if s is status and role in roles}
    assert allowed_actions(status, role) == [a for a in Action if a in written]


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_each_written_row_reaches_its_target_when_only_its_guards_hold(row):
    status, action, roles, target, guards = row
    for role in roles:
        assert apply(status, action, role, only_guards(guards)) is target, role


@pytest.mark.parametrize(
    ("row", "guard"), [(row, g) for row in ROWS for g in row[4]],
    ids=lambda v: v if isinstance(v, str) else row_id(v),
)
def test_each_written_guard_blocks_its_row(row, guard):
    status, action, roles, _, guards = row
    ctx = replace(only_guards(guards), **FAILS[guard])
    for role in roles:
        with pytest.raises(GuardFailed) as error:
            apply(status, action, role, ctx)
        if guard.startswith("resume_is_"):
            assert error.value.guard.startswith("resume_is_")
        else:
            assert error.value.guard == guard


def test_unwritten_pairs_are_refused_with_the_right_error():
    everyone = Context(reason="x", documents_complete=True, result_proposed=True, result_signed=True,
                       current_due=DUE, new_due=DUE.replace(day=17))
    for status, action, role in itertools.product(Status, Action, Role):
        rows = [r for r in ROWS if r[0] is status and r[1] is action]
        if not rows:
            with pytest.raises(ActionNotAllowed):
                apply(status, action, role, everyone)
        elif not any(role in r[2] for r in rows):
            with pytest.raises(RoleNotAllowed):
                apply(status, action, role, everyone)


def test_a_desk_officer_does_not_send_a_dossier_back():
    assert Action.SEND_BACK not in allowed_actions(Status.IN_PROCESS, Role.ONE_STOP_OFFICER)
    with pytest.raises(RoleNotAllowed):
        apply(Status.IN_PROCESS, Action.SEND_BACK, Role.ONE_STOP_OFFICER, Context(reason="Trả lại"))


def test_a_result_is_not_returned_while_its_fee_is_unpaid():
    unpaid = Context(fee_amount=FEE, fee_paid=False)
    with pytest.raises(GuardFailed) as error:
        apply(Status.PROCESSED, Action.RETURN_RESULT, Role.ONE_STOP_OFFICER, unpaid)
    assert error.value.guard == "fee_paid"
    assert apply(Status.PROCESSED, Action.RETURN_RESULT, Role.ONE_STOP_OFFICER,
                 replace(unpaid, fee_paid=True)) is Status.RETURNED
    assert apply(Status.PROCESSED, Action.RETURN_RESULT, Role.ONE_STOP_OFFICER,
                 Context(fee_amount=0)) is Status.RETURNED
