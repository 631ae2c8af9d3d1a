"""The lifecycle table, ``apply`` and ``allowed_actions``."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from tests.unit.workflow.helpers import BREAK_GUARD, CURRENT_DUE, satisfying_context, vn
from workflow.machine import (
    GUARDS,
    TRANSITIONS,
    ActionNotAllowed,
    Context,
    GuardFailed,
    LifecycleMachine,
    RoleNotAllowed,
    Transition,
    WorkflowError,
    allowed_actions,
    apply,
    rows_for,
)
from workflow.states import FINAL_STATUSES, Action, Role, Status

ALL = list(itertools.product(Status, Action, Role))


def _expected(status: Status, action: Action, role: Role):
    rows = [r for r in TRANSITIONS if r.source is status and r.action is action]
    if not rows:
        return ActionNotAllowed, rows
    mine = [r for r in rows if role in r.roles]
    if not mine:
        return RoleNotAllowed, rows
    return None, mine


@pytest.mark.parametrize(("status", "action", "role"), ALL, ids=lambda v: str(v))
def test_every_combination_follows_the_table(status, action, role):
    error, rows = _expected(status, action, role)
    if error is None:
        for row in rows:
            assert apply(status, action, role, satisfying_context(row)) is row.target
    else:
        with pytest.raises(error) as info:
            apply(status, action, role, satisfying_context(rows[0]) if rows else Context())
        assert isinstance(info.value, WorkflowError)
        assert str(status) in str(info.value) and str(action) in str(info.value)
        if error is RoleNotAllowed:
            assert str(role) in str(info.value)


GUARDED = [(row, guard) for row in TRANSITIONS for guard in row.guards]


@pytest.mark.parametrize(
    ("row", "guard"), GUARDED, ids=[f"{r.source}-{r.action}-{r.target}-{g}" for r, g in GUARDED]
)
def test_each_guard_blocks_its_transition(row: Transition, guard: str):
    role = sorted(row.roles)[0]
    ctx = replace(satisfying_context(row), **BREAK_GUARD[guard])
    with pytest.raises(GuardFailed) as info:
        apply(row.source, row.action, role, ctx)
    if guard.startswith("resume_is_"):
        assert info.value.guard.startswith("resume_is_")
    else:
        assert info.value.guard == guard
    assert info.value.guard in str(info.value)


def test_every_guard_named_in_the_table_exists_and_is_used():
    used = {g for row in TRANSITIONS for g in row.guards}
    assert used == set(GUARDS)
    assert set(BREAK_GUARD) == set(GUARDS)


def test_table_has_no_ambiguous_rows():
    for (_source, action), group in itertools.groupby(
        sorted(TRANSITIONS, key=lambda r: (r.source, r.action)), key=lambda r: (r.source, r.action)
    ):
        group = list(group)
        if len(group) > 1:
            # only ``supplement`` fans out, each row guarded by its own resume status
            assert action is Action.SUPPLEMENT
            assert len({r.guards for r in group}) == len(group)


def test_main_path_online_dossier():
    steps = [
        (Action.SUBMIT, Role.CITIZEN, Status.SUBMITTED),
        (Action.ACCEPT, Role.ONE_STOP_OFFICER, Status.ACCEPTED),
        (Action.FORWARD, Role.ONE_STOP_OFFICER, Status.IN_PROCESS),
        (Action.FORWARD, Role.UNIT_LEADER, Status.IN_PROCESS),
        (Action.PROPOSE_RESULT, Role.SPECIALIST, Status.IN_PROCESS),
        (Action.APPROVE, Role.AGENCY_LEADER, Status.IN_PROCESS),
        (Action.ISSUE_RESULT, Role.CLERK, Status.PROCESSED),
        (Action.RETURN_RESULT, Role.ONE_STOP_OFFICER, Status.RETURNED),
        (Action.RATE, Role.CITIZEN, Status.RETURNED),
    ]
    ctx = Context(documents_complete=True, result_proposed=True, result_signed=True, fee_amount=0)
    status = Status.DRAFT
    for action, role, expected in steps:
        status = apply(status, action, role, ctx)
        assert status is expected, action


def test_supplement_returns_to_the_status_it_came_from():
    for origin, requester in [
        (Status.SUBMITTED, Role.ONE_STOP_OFFICER),
        (Status.ACCEPTED, Role.ONE_STOP_OFFICER),
        (Status.IN_PROCESS, Role.SPECIALIST),
    ]:
        status = apply(origin, Action.REQUEST_SUPPLEMENT, requester, Context(reason="Thiếu CCCD"))
        assert status is Status.SUPPLEMENT_REQUESTED
        back = apply(status, Action.SUPPLEMENT, Role.CITIZEN, Context(resume_status=origin))
        assert back is origin


def test_supplement_cannot_resume_to_an_arbitrary_status():
    with pytest.raises(GuardFailed):
        apply(
            Status.SUPPLEMENT_REQUESTED,
            Action.SUPPLEMENT,
            Role.CITIZEN,
            Context(resume_status=Status.PROCESSED),
        )


def test_refusal_is_a_result_and_refusal_to_accept_is_final():
    assert (
        apply(Status.IN_PROCESS, Action.REFUSE, Role.AGENCY_LEADER, Context(reason="Không đủ ĐK"))
        is Status.PROCESSED
    )
    assert (
        apply(Status.SUBMITTED, Action.REFUSE_INTAKE, Role.ONE_STOP_OFFICER, Context(reason="x"))
        is Status.NOT_ACCEPTED
    )
    with pytest.raises(GuardFailed, match="reason_given"):
        apply(Status.IN_PROCESS, Action.REFUSE, Role.AGENCY_LEADER, Context(reason=""))


def test_specialist_cannot_sign_and_clerk_needs_a_signed_result():
    with pytest.raises(RoleNotAllowed):
        apply(Status.IN_PROCESS, Action.APPROVE, Role.SPECIALIST, Context(result_proposed=True))
    with pytest.raises(GuardFailed, match="result_signed"):
        apply(Status.IN_PROCESS, Action.ISSUE_RESULT, Role.CLERK, Context(result_signed=False))


def test_fee_round_trip():
    status = apply(Status.IN_PROCESS, Action.REQUEST_FEE, Role.SPECIALIST, Context(fee_amount=1))
    assert status is Status.AWAITING_FEE
    with pytest.raises(GuardFailed, match="fee_paid"):
        apply(status, Action.PAY_FEE, Role.CITIZEN, Context(fee_amount=1, fee_paid=False))
    assert apply(status, Action.PAY_FEE, Role.CITIZEN, Context(fee_amount=1, fee_paid=True)) is (
        Status.IN_PROCESS
    )
    with pytest.raises(GuardFailed, match="fee_due"):
        apply(Status.IN_PROCESS, Action.REQUEST_FEE, Role.SPECIALIST, Context(fee_amount=0))


def test_apology_by_the_agency_head_once_early_enough_and_only_with_a_later_date():
    ctx = Context(reason="Chờ xác minh", current_due=CURRENT_DUE, new_due=vn(2026, 3, 17, 17, 0),
                  apology_early_enough=True)
    assert apply(Status.IN_PROCESS, Action.APOLOGIZE, Role.AGENCY_LEADER, ctx) is Status.IN_PROCESS
    with pytest.raises(RoleNotAllowed):  # the head of the agency apologizes, not a unit leader
        apply(Status.IN_PROCESS, Action.APOLOGIZE, Role.UNIT_LEADER, ctx)
    with pytest.raises(GuardFailed, match="not_yet_apologized"):
        apply(Status.IN_PROCESS, Action.APOLOGIZE, Role.AGENCY_LEADER, replace(ctx, apologized=True))
    with pytest.raises(GuardFailed, match="apology_early_enough"):
        apply(Status.IN_PROCESS, Action.APOLOGIZE, Role.AGENCY_LEADER, replace(ctx, apology_early_enough=False))
    earlier = replace(ctx, new_due=vn(2026, 3, 9, 17, 0))
    with pytest.raises(GuardFailed, match="new_due_after_current"):
        apply(Status.IN_PROCESS, Action.APOLOGIZE, Role.AGENCY_LEADER, earlier)


def test_withdraw_needs_a_reason_and_is_not_for_drafts():
    with pytest.raises(ActionNotAllowed):
        apply(Status.DRAFT, Action.WITHDRAW, Role.CITIZEN, Context(reason="Không cần nữa"))
    with pytest.raises(GuardFailed):
        apply(Status.IN_PROCESS, Action.WITHDRAW, Role.CITIZEN, Context())
    assert (
        apply(Status.AWAITING_FEE, Action.WITHDRAW, Role.CITIZEN, Context(reason="Đổi ý"))
        is Status.WITHDRAWN
    )


def test_error_precedence_status_before_role_before_guard():
    with pytest.raises(ActionNotAllowed):  # not from draft, whatever the role
        apply(Status.DRAFT, Action.ACCEPT, Role.ADMIN, Context())
    with pytest.raises(RoleNotAllowed):  # allowed from submitted, not for citizens
        apply(Status.SUBMITTED, Action.ACCEPT, Role.CITIZEN, Context())
    with pytest.raises(GuardFailed):
        apply(Status.SUBMITTED, Action.ACCEPT, Role.ONE_STOP_OFFICER, Context())


def test_apply_accepts_plain_strings():
    ctx = Context(documents_complete=True)
    assert apply("draft", "submit", "citizen", ctx) is Status.SUBMITTED
    with pytest.raises(ValueError):
        apply("nonsense", "submit", "citizen", ctx)


@pytest.mark.parametrize("status", list(Status))
def test_admin_never_acts(status):
    assert allowed_actions(status, Role.ADMIN) == []


@pytest.mark.parametrize("status", sorted(FINAL_STATUSES))
def test_final_statuses_accept_nothing_but_rating(status):
    for role in Role:
        expected = [Action.RATE] if (status, role) == (Status.RETURNED, Role.CITIZEN) else []
        assert allowed_actions(status, role) == expected


def test_allowed_actions_with_and_without_context():
    assert allowed_actions(Status.SUBMITTED, Role.ONE_STOP_OFFICER) == [
        Action.ACCEPT,
        Action.REQUEST_SUPPLEMENT,
        Action.REFUSE_INTAKE,
        Action.WITHDRAW,
    ]
    assert allowed_actions(Status.SUBMITTED, Role.ONE_STOP_OFFICER, Context()) == []
    assert allowed_actions(
        Status.SUBMITTED, Role.ONE_STOP_OFFICER, Context(documents_complete=True)
    ) == [Action.ACCEPT]
    assert allowed_actions(Status.IN_PROCESS, Role.CLERK) == [
        Action.FORWARD,
        Action.SEND_BACK,
        Action.ISSUE_RESULT,
    ]


def test_allowed_actions_agree_with_apply():
    for status, role in itertools.product(Status, Role):
        for action in Action:
            rows = rows_for(status, action)
            ctx = satisfying_context(rows[0]) if rows else Context()
            try:
                apply(status, action, role, ctx)
                ok = True
            except WorkflowError:
                ok = False
            assert ok == (action in allowed_actions(status, role, ctx)), (status, role, action)


def test_generated_statemachine_class_mirrors_the_table():
    assert {s.value for s in LifecycleMachine.states} == {s.value for s in Status}
    assert LifecycleMachine.initial_state.value == Status.DRAFT.value
    pairs = {
        (t.source.value, t.target.value, event)
        for state in LifecycleMachine.states
        for t in state.transitions
        for event in t.events
    }
    assert pairs == {(r.source.value, r.target.value, r.action.value) for r in TRANSITIONS}


def test_transition_rows_reject_unknown_guards_and_admin():
    with pytest.raises(ValueError):
        Transition(Status.DRAFT, Action.SUBMIT, Status.SUBMITTED, frozenset({Role.CITIZEN}), ("x",))
    with pytest.raises(ValueError):
        Transition(Status.DRAFT, Action.SUBMIT, Status.SUBMITTED, frozenset({Role.ADMIN}))
