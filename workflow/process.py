"""The internal process of a procedure (quy trình nội bộ) inside IN_PROCESS: its steps, who
acts at each, and when each must be handed over.

The lifecycle table (``workflow.machine``) says which role may take an action from a status; the
process adds the step: a step action (``STEP_ACTIONS``) is taken only by the role of the current
step, and only by its holder when the step was handed to a named person (``may_act``). The same
rule authorises an action (``step_refusal``) and lists what a page offers (``offered_actions``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from .calendar import WorkingCalendar, hours_to_minutes
from .machine import allowed_actions
from .states import Action, Role, Status


@dataclass(frozen=True)
class Step:
    """One step of a procedure's internal process: who acts and for how many working hours.

    ``agency`` is the code of another agency that takes this step (link-up, liên thông: e.g. the
    ward police registering a newborn's residence inside a commune's procedure); ``None`` is the
    procedure's own agency.
    """

    key: str
    role: Role
    hours: float
    agency: str | None = None

    def __post_init__(self) -> None:
        if not self.key:
            raise ValueError("a step needs a key")
        if Role(self.role) in (Role.CITIZEN, Role.ADMIN):
            raise ValueError(f"role {self.role} does not handle steps")
        if hours_to_minutes(self.hours) <= 0:
            raise ValueError(f"step {self.key!r} needs a positive duration")

    @property
    def minutes(self) -> int:
        return hours_to_minutes(self.hours)


@dataclass(frozen=True)
class ProcessPlan:
    """The ordered steps of one procedure (e.g. desk -> unit leader -> specialist -> ...)."""

    steps: tuple[Step, ...]

    def __post_init__(self) -> None:
        steps = tuple(self.steps)
        if not steps:
            raise ValueError("a process plan needs at least one step")
        keys = [s.key for s in steps]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"duplicate step keys: {duplicates}")
        object.__setattr__(self, "steps", steps)

    def _index(self, key: str) -> int:
        for i, step in enumerate(self.steps):
            if step.key == key:
                return i
        raise KeyError(f"no step {key!r} in this plan")

    @property
    def first(self) -> Step:
        return self.steps[0]

    @property
    def last(self) -> Step:
        return self.steps[-1]

    def step(self, key: str) -> Step:
        return self.steps[self._index(key)]

    def next_step(self, current_key: str) -> Step | None:
        """The step after ``current_key``; ``None`` after the last one. ``KeyError`` if unknown."""
        i = self._index(current_key)
        return self.steps[i + 1] if i + 1 < len(self.steps) else None

    @property
    def linked_agencies(self) -> tuple[str, ...]:
        """The other agencies taking steps of this process (coordinating agencies), in order."""
        codes: list[str] = []
        for step in self.steps:
            if step.agency and step.agency not in codes:
                codes.append(step.agency)
        return tuple(codes)

    def previous_step(self, current_key: str) -> Step | None:
        """The step before ``current_key`` (for ``send_back``); ``None`` before the first one."""
        i = self._index(current_key)
        return self.steps[i - 1] if i > 0 else None

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, object]]) -> ProcessPlan:
        """The plan of a procedure from its stored step rows ``{"key", "role", "hours"}`` (and
        ``"agency"`` for a step taken by another agency)."""
        return cls(tuple(Step(str(row["key"]), Role(str(row["role"])), float(row["hours"]),  # type: ignore[arg-type]
                              str(row["agency"]) if row.get("agency") else None)
                         for row in rows))

    def step_due(self, start: datetime, step: Step | str, calendar: WorkingCalendar) -> datetime:
        """When ``step``, received at ``start``, must be handed over (its hours of working time)."""
        if isinstance(step, str):
            step = self.step(step)
        elif step not in self.steps:
            raise KeyError(f"step {step.key!r} is not in this plan")
        return calendar.add_working_minutes(start, step.minutes)


# ---------------------------------------------------------------------------------------------
# Who acts at which step: one rule for authorising an action and for listing what a page offers

#: Actions that move a dossier along its internal steps inside IN_PROCESS: only the role of the
#: current step may take them, and only its holder when the step was handed to a named person.
STEP_ACTIONS: frozenset[Action] = frozenset(
    {Action.FORWARD, Action.SEND_BACK, Action.PROPOSE_RESULT, Action.APPROVE, Action.ISSUE_RESULT}
)


def may_act(step: Step | None, role: Role, holder_id: int | None, actor_id: int) -> bool:
    """Whether an actor with ``role`` may act at ``step``: the step is the role's, and it is
    held by nobody in particular (any person of the role) or by the actor. No step, no rule."""
    if step is None:
        return True
    return step.role == Role(role) and (holder_id is None or holder_id == actor_id)


def step_refusal(
    action: Action,
    status: Status,
    role: Role,
    actor_id: int,
    plan: ProcessPlan,
    step_key: str | None,
    holder_id: int | None,
) -> str | None:
    """Why the process steps forbid ``action`` now (``None`` when they allow it):

    * ``not_your_step`` - a step action inside IN_PROCESS by someone ``may_act`` refuses;
    * ``no_next_step`` - ``forward`` from the last step;
    * ``no_previous_step`` - ``send_back`` from the first step (or with no step).
    """
    action, status = Action(action), Status(status)
    step = plan.step(step_key) if step_key else None
    if action in STEP_ACTIONS and status is Status.IN_PROCESS and not may_act(step, role, holder_id, actor_id):
        return "not_your_step"
    if action is Action.FORWARD and step is not None and plan.next_step(step.key) is None:
        return "no_next_step"
    if action is Action.SEND_BACK and (step is None or plan.previous_step(step.key) is None):
        return "no_previous_step"
    return None


#: What the staff of a linked agency may do at its step: hand the dossier on, forward or back.
#: Results are proposed, signed and issued by the procedure's own agency.
LINKED_STEP_ACTIONS: frozenset[Action] = frozenset({Action.FORWARD, Action.SEND_BACK})


#: What the desk of another agency does with a dossier it receives for this agency's procedure
#: ("file at any desk"): register and accept it, then hand its first step on to this agency.
RECEIVING_DESK_ACTIONS: frozenset[Action] = frozenset({Action.SUBMIT, Action.ACCEPT})


def agency_refusal(action: Action, status: Status, step: Step | None, actor_agency: str | None,
                   home_agency: str, receiving_desk: str | None = None, at_first_step: bool = False) -> str | None:
    """Why the actor's agency may not take ``action`` now (``None`` when it may).

    ``receiving_desk`` is the agency whose desk received the dossier for this procedure ("file at
    any desk"): it registers and accepts it and forwards it on from the first step it holds.

    A step action inside IN_PROCESS belongs to the agency of the current step (a linked agency at
    its step, otherwise the procedure's own agency); a linked agency only hands the dossier on
    (``LINKED_STEP_ACTIONS``). Every other action (acceptance, supplements, apology, refusal...)
    stays with the procedure's own agency, wherever the dossier is.
    """
    action, status = Action(action), Status(status)
    if receiving_desk is not None and actor_agency == receiving_desk and receiving_desk != home_agency and (
            action in RECEIVING_DESK_ACTIONS
            or (action is Action.FORWARD and status in (Status.ACCEPTED, Status.IN_PROCESS) and at_first_step)):
        return None
    if action in STEP_ACTIONS and status is Status.IN_PROCESS and step is not None and step.agency:
        if actor_agency != step.agency:
            return "not_your_agency"
        return None if action in LINKED_STEP_ACTIONS else "linked_step_action"
    return None if actor_agency == home_agency else "not_your_agency"


def offered_actions(
    status: Status,
    role: Role,
    actor_id: int,
    plan: ProcessPlan,
    step_key: str | None,
    holder_id: int | None,
) -> list[Action]:
    """What ``role`` may do now, by the lifecycle table and the process steps (guards that depend
    on what the actor sends are left to the action itself)."""
    return [
        action
        for action in allowed_actions(status, role)
        if step_refusal(action, status, role, actor_id, plan, step_key, holder_id) is None
    ]
