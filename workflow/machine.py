"""The dossier lifecycle: which action is allowed from which status, for which role, under which
guard.

``TRANSITIONS`` is the single source of truth. The python-statemachine class ``LifecycleMachine``
is generated from it, ``apply`` runs the event through that class, and ``mermaid`` draws it.

Decisions
---------
* **accept / forward.** ``accept`` (one-stop officer) moves *submitted* to *accepted* (national
  code 2): the receipt is issued and the appointment fixed. ``accepted`` is a resting status:
  the dossier is still at the one-stop desk. ``forward`` from *accepted* hands it to the
  processing unit and the status becomes *in_process* (4). The national portal reports both.
* **submit.** Citizens submit their online drafts. One-stop officers may also ``submit``: that is
  how a dossier received in person or by post is registered (then accepted at once).
* **internal steps.** ``forward`` / ``send_back`` / ``propose_result`` / ``approve`` inside
  *in_process* do not change the status; the portal moves the dossier along the procedure's
  ``ProcessPlan`` (steps with their own deadlines).
* **approve / issue_result.** ``approve`` is the agency leader signing the result (the status
  stays *in_process*; the guard ``result_proposed`` requires the specialist's draft). The clerk's
  ``issue_result`` (văn thư: number, seal, release; guard ``result_signed``) makes it
  *processed* (9, result ready).
* **refuse.** Refusing the request (agency leader, with a reason) is itself a result: a signed
  refusal letter that the applicant collects. The dossier becomes *processed* (9) and then
  *returned* (10) like any other result; the portal records the kind of result (granted /
  refused). Refusal *to accept* at the desk is the different action ``refuse_intake`` (-> 3).
* **supplement.** ``request_supplement`` is allowed from *submitted*, *accepted* and
  *in_process*; the portal stores the status it came from and passes it back as
  ``Context.resume_status`` when the applicant answers (``supplement``), and the dossier returns
  to that status (one table row per possible resume status, guarded by ``resume_is_<status>``).
  A second or later request needs the reason why it was not asked the first time
  (``repeat_supplement_justified``; the portal counts the requests).
* **fees.** ``request_fee`` (*in_process* -> *awaiting_fee*, guard ``fee_due``) and ``pay_fee``
  (-> *in_process*, guard ``fee_paid``: the payment is confirmed). A fee collected when the result
  is handed over is checked by ``return_result``'s ``fee_paid`` guard.
* **apologize** (the agency leader only, with a reason and a new date; at most once:
  ``not_yet_apologized``; at the latest one working day before the due date:
  ``apology_early_enough``; the new date must be later: ``new_due_after_current``) keeps the status.
* **stop / withdraw** carry a reason. A draft is not withdrawn (the citizen deletes it). One-stop
  officers may record a withdrawal handed in on paper.
* **rate** on *returned* keeps the status, once per dossier (``not_yet_rated``).
* Administrators never act on dossiers.

``allowed_actions(status, role)`` without a context ignores guards (what the role may do from
that status); with a context it lists only actions whose guards pass.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from .deadlines import repeat_supplement_refusal
from .states import FINAL_STATUSES, PROCESSING_ROLES, Action, Role, Status

if TYPE_CHECKING:
    from statemachine import StateMachine

# ---------------------------------------------------------------------------------------------
# Errors


class WorkflowError(Exception):
    """Base class of the lifecycle errors."""


class ActionNotAllowed(WorkflowError):
    """The action is never allowed from this status (HTTP 409)."""

    def __init__(self, status: Status, action: Action):
        self.status, self.action = Status(status), Action(action)
        super().__init__(f"action '{self.action}' is not allowed from status '{self.status}'")


class RoleNotAllowed(WorkflowError):
    """The action is allowed from this status, but not for this role (HTTP 403)."""

    def __init__(self, status: Status, action: Action, role: Role):
        self.status, self.action, self.role = Status(status), Action(action), Role(role)
        super().__init__(
            f"role '{self.role}' may not perform '{self.action}' from status '{self.status}'"
        )


class GuardFailed(WorkflowError):
    """The action is allowed for the role, but a condition does not hold (HTTP 422)."""

    def __init__(self, status: Status, action: Action, guard: str):
        self.status, self.action, self.guard = Status(status), Action(action), guard
        super().__init__(
            f"'{self.action}' from status '{self.status}' needs '{guard}', which does not hold"
        )


# ---------------------------------------------------------------------------------------------
# Context and guards


@dataclass(frozen=True)
class Context:
    """What the guards need to know about the dossier and the request. Defaults satisfy nothing."""

    reason: str = ""
    documents_complete: bool = False
    fee_amount: int = 0  # VND still to be paid for this dossier (0: no fee)
    fee_paid: bool = False
    result_proposed: bool = False
    result_signed: bool = False
    apologized: bool = False
    # The apology comes at least one working day before the due date (the caller computes it
    # with its working calendar: ``workflow.deadlines.apology_in_time``).
    apology_early_enough: bool = False
    current_due: datetime | None = None
    new_due: datetime | None = None
    resume_status: Status | None = None
    rated: bool = False
    # Supplement requests already made on this dossier, and the reason a further one is needed.
    supplement_requests: int = 0
    repeat_reason: str = ""


def _resume_is(status: Status) -> Callable[[Context], bool]:
    def check(ctx: Context) -> bool:
        return ctx.resume_status == status

    return check


GUARDS: dict[str, Callable[[Context], bool]] = {
    "reason_given": lambda ctx: bool(ctx.reason and ctx.reason.strip()),
    "documents_complete": lambda ctx: ctx.documents_complete,
    "fee_due": lambda ctx: ctx.fee_amount > 0 and not ctx.fee_paid,
    "fee_paid": lambda ctx: ctx.fee_amount <= 0 or ctx.fee_paid,
    "result_proposed": lambda ctx: ctx.result_proposed,
    "result_signed": lambda ctx: ctx.result_signed,
    "not_yet_apologized": lambda ctx: not ctx.apologized,
    "apology_early_enough": lambda ctx: ctx.apology_early_enough,
    "new_due_after_current": lambda ctx: (
        ctx.current_due is not None and ctx.new_due is not None and ctx.new_due > ctx.current_due
    ),
    "not_yet_rated": lambda ctx: not ctx.rated,
    "repeat_supplement_justified": lambda ctx: (
        repeat_supplement_refusal(ctx.supplement_requests, ctx.repeat_reason) is None
    ),
    "resume_is_submitted": _resume_is(Status.SUBMITTED),
    "resume_is_accepted": _resume_is(Status.ACCEPTED),
    "resume_is_in_process": _resume_is(Status.IN_PROCESS),
}


def check_guard(name: str, ctx: Context) -> bool:
    return bool(GUARDS[name](ctx))


# ---------------------------------------------------------------------------------------------
# The table


@dataclass(frozen=True)
class Transition:
    source: Status
    action: Action
    target: Status
    roles: frozenset[Role]
    guards: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = [g for g in self.guards if g not in GUARDS]
        if unknown:
            raise ValueError(f"unknown guards {unknown} in {self.source} -{self.action}->")
        if Role.ADMIN in self.roles:
            raise ValueError("administrators do not process dossiers")


_CITIZEN = frozenset({Role.CITIZEN})
_DESK = frozenset({Role.ONE_STOP_OFFICER})
_LEADERS = frozenset({Role.UNIT_LEADER, Role.AGENCY_LEADER})
# The apology and its new appointment are signed by the head of the agency (Nghị định 61/2018,
# Điều 19; Lai Châu QĐ 88/2025), not by a unit leader.
_AGENCY_HEAD = frozenset({Role.AGENCY_LEADER})
_PROCESSORS = PROCESSING_ROLES


def _rows() -> Iterable[Transition]:
    S, A, R, T = Status, Action, Role, Transition
    open_statuses = (S.SUBMITTED, S.ACCEPTED, S.IN_PROCESS, S.SUPPLEMENT_REQUESTED, S.AWAITING_FEE)
    yield T(S.DRAFT, A.SUBMIT, S.SUBMITTED, _CITIZEN | _DESK, ("documents_complete",))
    yield T(S.SUBMITTED, A.ACCEPT, S.ACCEPTED, _DESK, ("documents_complete",))
    yield T(S.SUBMITTED, A.REFUSE_INTAKE, S.NOT_ACCEPTED, _DESK, ("reason_given",))
    supplement_guards = ("reason_given", "repeat_supplement_justified")
    yield T(S.SUBMITTED, A.REQUEST_SUPPLEMENT, S.SUPPLEMENT_REQUESTED, _DESK, supplement_guards)
    yield T(S.ACCEPTED, A.REQUEST_SUPPLEMENT, S.SUPPLEMENT_REQUESTED, _DESK, supplement_guards)
    yield T(S.ACCEPTED, A.FORWARD, S.IN_PROCESS, _DESK)
    yield T(
        S.IN_PROCESS,
        A.REQUEST_SUPPLEMENT,
        S.SUPPLEMENT_REQUESTED,
        frozenset({R.SPECIALIST, R.UNIT_LEADER}),
        supplement_guards,
    )
    for resume in (S.SUBMITTED, S.ACCEPTED, S.IN_PROCESS):
        yield T(
            S.SUPPLEMENT_REQUESTED,
            A.SUPPLEMENT,
            resume,
            _CITIZEN | _DESK,
            (f"resume_is_{resume.value}",),
        )
    yield T(S.IN_PROCESS, A.FORWARD, S.IN_PROCESS, _PROCESSORS)
    yield T(S.IN_PROCESS, A.SEND_BACK, S.IN_PROCESS, _PROCESSORS - _DESK, ("reason_given",))
    yield T(S.IN_PROCESS, A.PROPOSE_RESULT, S.IN_PROCESS, frozenset({R.SPECIALIST}))
    yield T(
        S.IN_PROCESS, A.APPROVE, S.IN_PROCESS, frozenset({R.AGENCY_LEADER}), ("result_proposed",)
    )
    yield T(S.IN_PROCESS, A.ISSUE_RESULT, S.PROCESSED, frozenset({R.CLERK}), ("result_signed",))
    yield T(S.IN_PROCESS, A.REFUSE, S.PROCESSED, frozenset({R.AGENCY_LEADER}), ("reason_given",))
    yield T(
        S.IN_PROCESS,
        A.REQUEST_FEE,
        S.AWAITING_FEE,
        frozenset({R.SPECIALIST, R.ONE_STOP_OFFICER}),
        ("fee_due",),
    )
    yield T(S.AWAITING_FEE, A.PAY_FEE, S.IN_PROCESS, _CITIZEN | _DESK, ("fee_paid",))
    for source in (S.ACCEPTED, S.IN_PROCESS, S.SUPPLEMENT_REQUESTED, S.AWAITING_FEE):
        yield T(source, A.STOP, S.STOPPED, _LEADERS, ("reason_given",))
    for source in open_statuses:
        yield T(source, A.WITHDRAW, S.WITHDRAWN, _CITIZEN | _DESK, ("reason_given",))
    for source in (S.ACCEPTED, S.IN_PROCESS, S.AWAITING_FEE):
        yield T(
            source,
            A.APOLOGIZE,
            source,
            _AGENCY_HEAD,
            ("reason_given", "not_yet_apologized", "apology_early_enough", "new_due_after_current"),
        )
    yield T(S.PROCESSED, A.RETURN_RESULT, S.RETURNED, _DESK, ("fee_paid",))
    yield T(S.RETURNED, A.RATE, S.RETURNED, _CITIZEN, ("not_yet_rated",))


TRANSITIONS: tuple[Transition, ...] = tuple(_rows())


def rows_for(status: Status, action: Action) -> tuple[Transition, ...]:
    """The table rows for ``action`` from ``status`` (several only for ``supplement``)."""
    return _BY_SOURCE_ACTION.get((Status(status), Action(action)), ())


_BY_SOURCE_ACTION: dict[tuple[Status, Action], tuple[Transition, ...]] = {}
for _row in TRANSITIONS:
    _BY_SOURCE_ACTION.setdefault((_row.source, _row.action), ())
    _BY_SOURCE_ACTION[(_row.source, _row.action)] += (_row,)


# ---------------------------------------------------------------------------------------------
# The python-statemachine class, generated from the table


def _role_condition(roles: frozenset[Role]) -> Callable[..., bool]:
    def role_allowed(role: Role) -> bool:
        return role in roles

    return role_allowed


def _guard_condition(name: str) -> Callable[..., bool]:
    check = GUARDS[name]

    def guard(ctx: Context) -> bool:
        return bool(check(ctx))

    guard.__name__ = name
    return guard


def _build_machine_class() -> type[StateMachine]:
    from statemachine import State, StateMachine  # imported with the class, at its first use

    states = {
        status: State(
            status.value,
            value=status.value,
            initial=status is Status.DRAFT,
            final=status in FINAL_STATUSES and status is not Status.RETURNED,
        )
        for status in Status
    }
    attrs: dict[str, object] = {status.value: state for status, state in states.items()}
    for row in TRANSITIONS:
        conditions = [_role_condition(row.roles)] + [_guard_condition(g) for g in row.guards]
        transition = states[row.source].to(states[row.target], cond=conditions)
        key = row.action.value
        attrs[key] = attrs[key] | transition if key in attrs else transition
    # RETURNED is a resting status that only accepts ``rate``: python-statemachine cannot mark
    # a state with outgoing transitions final, so the final-reachability check is off.
    attrs["validate_final_reachability"] = False
    attrs["__doc__"] = "The dossier lifecycle, generated from workflow.machine.TRANSITIONS."
    attrs["__module__"] = __name__
    metaclass: Callable[..., type[StateMachine]] = type(StateMachine)
    return metaclass("LifecycleMachine", (StateMachine,), attrs)


@functools.cache
def lifecycle_machine_class() -> type[StateMachine]:
    """``LifecycleMachine``, built at its first use rather than at import (building the class costs
    about 0.1 s, which start-up and the commands that never move a dossier need not pay)."""
    return _build_machine_class()


def __getattr__(name: str) -> object:  # PEP 562: ``workflow.machine.LifecycleMachine`` stays readable
    if name == "LifecycleMachine":
        return lifecycle_machine_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

_instances = threading.local()


def _machine(status: Status) -> StateMachine:
    """This thread's machine, set to ``status``: built once per thread (building one costs more
    than a millisecond; an instance holds its current state, so threads do not share one), and
    again after it reached a final status (a terminated machine takes no more events)."""
    machine = getattr(_instances, "machine", None)
    if machine is None or machine.is_terminated:
        machine = _instances.machine = lifecycle_machine_class()(start_value=status.value)
    else:
        machine.current_state_value = status.value
    return machine


# ---------------------------------------------------------------------------------------------
# Public API


def _first_failing_guard(row: Transition, ctx: Context) -> str | None:
    for name in row.guards:
        if not check_guard(name, ctx):
            return name
    return None


def apply(status: Status, action: Action, role: Role, ctx: Context | None = None) -> Status:
    """The status after ``role`` performs ``action`` on a dossier in ``status``.

    Raises ``ActionNotAllowed`` (never from this status), ``RoleNotAllowed`` (not for this role)
    or ``GuardFailed`` (a condition does not hold; the error names the guard).
    """
    status, action, role = Status(status), Action(action), Role(role)
    ctx = ctx if ctx is not None else Context()
    rows = rows_for(status, action)
    if not rows:
        raise ActionNotAllowed(status, action)
    rows = tuple(r for r in rows if role in r.roles)
    if not rows:
        raise RoleNotAllowed(status, action, role)
    failures = [(row, failed) for row in rows if (failed := _first_failing_guard(row, ctx)) is not None]
    if len(failures) == len(rows):
        # Report the guard of the row that got furthest (most guards satisfied).
        row, failed = max(failures, key=lambda item: item[0].guards.index(item[1]))
        raise GuardFailed(status, action, failed)
    passing = [row for row in rows if _first_failing_guard(row, ctx) is None]
    machine = _machine(status)
    machine.send(action.value, role=role, ctx=ctx)
    result = Status(machine.current_state_value)
    if result is not passing[0].target:  # pragma: no cover - the class is built from the table
        raise AssertionError(f"machine and table disagree: {result} != {passing[0].target}")
    return result


def allowed_actions(status: Status, role: Role, ctx: Context | None = None) -> list[Action]:
    """Actions ``role`` may perform from ``status``, in ``Action`` order.

    Without ``ctx`` guards are ignored; with ``ctx`` only actions with a passing row are listed.
    """
    status, role = Status(status), Role(role)
    result = []
    for action in Action:
        for row in rows_for(status, action):
            if role in row.roles and (ctx is None or _first_failing_guard(row, ctx) is None):
                result.append(action)
                break
    return result


def mermaid() -> str:
    """A Mermaid ``stateDiagram-v2`` of ``TRANSITIONS`` (deterministic; docs/lifecycle.md)."""
    lines = ["stateDiagram-v2", f"    [*] --> {Status.DRAFT.value}"]
    for row in TRANSITIONS:
        roles = ", ".join(r.value for r in Role if r in row.roles)
        label = f"{row.action.value} ({roles})"
        if row.guards:
            label += " if " + " and ".join(row.guards)
        lines.append(f"    {row.source.value} --> {row.target.value} : {label}")
    for status in Status:
        if status in FINAL_STATUSES:
            lines.append(f"    {status.value} --> [*]")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m workflow.machine: print the diagram for docs/lifecycle.md
    print(mermaid(), end="")
