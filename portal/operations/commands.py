"""One command per lifecycle action taken by staff: what the actor must send, checked in one place.

Every door builds the same command from what it received (``command_for`` takes plain values:
the web form's fields, the API's JSON, a CLI's options) and calls ``act``. So the web page and the
API refuse the same things with the same codes: acceptance without a complete checklist
(``guard_documents_complete``), a proposal without a result draft (``draft_required``), returning
a result without a delivery method (``delivery_required``), an apology without a new date
(``bad_new_due``), a hand-over to someone who cannot take the step (``bad_assignee``).

The citizens' own actions are ``portal.operations.filing`` (submit) and
``portal.operations.applicant`` (supplement, withdraw, rate).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Dossier, User
from portal.models.types import utcnow
from portal.operations import idempotency
from portal.operations.dossiers import (
    DossierError,
    Forbidden,
    StaleVersion,
    load_for_update,
    plan_of,
    step_agency_id,
)
from portal.operations.drafts import add_result_draft, current_draft
from portal.operations.lifecycle import (
    ActionInput,
    apply_action,
    as_action,
    authorize,
    continue_to_next_step,
)
from workflow.process import Step
from workflow.states import Action, DeliveryMethod, ResultKind, Role

MAX_REASON = 4000
MAX_ITEMS, MAX_ITEM = 50, 1000


class InvalidInput(DossierError):
    """A field of the command has the wrong type or size (HTTP 422); ``detail`` names it."""

    def __init__(self, field: str):
        super().__init__("invalid_input", field)
        self.field = field
        self.params = {"field": field}


@dataclass(frozen=True)
class Command:
    """What every staff action carries: the version of the dossier the actor saw, and a reason
    or opinion (required by the guards of refusals, stops, withdrawals, supplement requests...)."""

    action: ClassVar[Action]
    version: int
    reason: str = ""

    def to_input(self, dossier: Dossier, actor: User, now: datetime) -> ActionInput:
        """Check what the actor sent against the dossier: the engine's input."""
        return ActionInput(version=self.version, reason=self.reason)


@dataclass(frozen=True)
class Accept(Command):
    """The desk accepts a dossier after ticking every required document it checked."""

    action = Action.ACCEPT
    checked: tuple[str, ...] = ()
    remote_area: bool = False  # the case is one of a remote and difficult area (longer limit, if any)

    def to_input(self, dossier: Dossier, actor: User, now: datetime) -> ActionInput:
        documents = dossier.terms.documents
        unknown = sorted(set(self.checked) - {doc["key"] for doc in documents})
        if unknown:
            raise DossierError("unknown_document", f"unknown document keys: {unknown}")
        missing = [doc["key"] for doc in documents if doc.get("required") and doc["key"] not in self.checked]
        payload: dict = {"checked": sorted(set(self.checked))}
        if missing:
            payload["missing"] = missing
        return ActionInput(version=self.version, reason=self.reason, documents_complete=not missing, payload=payload,
                           remote_area=self.remote_area)


@dataclass(frozen=True)
class RequestSupplement(Command):
    """What the applicant must add, one item a line (the reason alone is taken as the one item)."""

    action = Action.REQUEST_SUPPLEMENT
    items: tuple[str, ...] = ()
    repeat_reason: str = ""  # needed from the second request on (guard repeat_supplement_justified)

    def to_input(self, dossier: Dossier, actor: User, now: datetime) -> ActionInput:
        items = list(self.items) or ([self.reason] if self.reason else [])
        return ActionInput(version=self.version, reason=self.reason, items=items, repeat_reason=self.repeat_reason)


def _check_assignee(dossier: Dossier, assignee_id: int | None, action: Action = Action.FORWARD) -> None:
    if assignee_id is not None:
        role = target_role(dossier, action)
        if role is None or assignee_id not in {
                u.id for u in assignees(dossier, role, target_agency_id(dossier, action))}:
            raise DossierError("bad_assignee", "the assignee does not hold the next step's role here")


@dataclass(frozen=True)
class HandOver(Command):
    """Forward to the next step or send back to the previous one, optionally to a named person
    who holds the role of that step in the dossier's agency."""

    action = Action.FORWARD
    assignee_id: int | None = None

    def to_input(self, dossier: Dossier, actor: User, now: datetime) -> ActionInput:
        _check_assignee(dossier, self.assignee_id, self.action)
        return ActionInput(version=self.version, reason=self.reason, assignee_id=self.assignee_id)


@dataclass(frozen=True)
class SendBack(HandOver):
    action = Action.SEND_BACK


@dataclass(frozen=True)
class ProposeResult(Command):
    """The specialist proposes the result with a draft document: uploaded now, generated from the
    dossier's data, or uploaded earlier; then the dossier goes on to the reviewer's step
    (optionally to a named person, ``assignee_id``)."""

    action = Action.PROPOSE_RESULT
    draft: bytes | None = None
    draft_name: str = ""
    generate: bool = False
    result_kind: ResultKind = ResultKind.GRANTED
    assignee_id: int | None = None

    def to_input(self, dossier: Dossier, actor: User, now: datetime) -> ActionInput:
        _check_assignee(dossier, self.assignee_id)
        if self.draft or self.generate:
            add_result_draft(dossier, actor, data=self.draft, filename=self.draft_name, generate=self.generate,
                             now=now)
        elif current_draft(dossier.id) is None:
            raise DossierError("draft_required", "upload a PDF or generate the draft")
        return ActionInput(version=self.version, reason=self.reason, result_kind=self.result_kind)


@dataclass(frozen=True)
class Approve(Command):
    """The agency leader approves and signs the result; then the dossier goes on to the clerk's
    step (optionally to a named clerk, ``assignee_id``)."""

    action = Action.APPROVE
    assignee_id: int | None = None

    def to_input(self, dossier: Dossier, actor: User, now: datetime) -> ActionInput:
        _check_assignee(dossier, self.assignee_id)
        return ActionInput(version=self.version, reason=self.reason)


@dataclass(frozen=True)
class Apologize(Command):
    """A leader apologises and fixes a new appointment (once per dossier)."""

    action = Action.APOLOGIZE
    new_due_at: datetime | None = None

    def to_input(self, dossier: Dossier, actor: User, now: datetime) -> ActionInput:
        if self.new_due_at is None:
            raise DossierError("bad_new_due", "the new appointment is required")
        return ActionInput(version=self.version, reason=self.reason, new_due_at=self.new_due_at)


@dataclass(frozen=True)
class ReturnResult(Command):
    """The desk hands the result over, saying how."""

    action = Action.RETURN_RESULT
    delivery: DeliveryMethod | None = None

    def to_input(self, dossier: Dossier, actor: User, now: datetime) -> ActionInput:
        if self.delivery is None:
            raise DossierError("delivery_required", "choose how the result is returned")
        return ActionInput(version=self.version, reason=self.reason, delivery=self.delivery.value)


def _plain(action: Action) -> type[Command]:
    """Actions that need nothing but the version and (for some guards) a reason."""
    return dataclass(frozen=True)(type(f"Plain{action.name.title()}", (Command,), {"action": action,
                                                                                    "__module__": __name__}))


COMMANDS: dict[Action, type[Command]] = {
    Action.ACCEPT: Accept,
    Action.REQUEST_SUPPLEMENT: RequestSupplement,
    Action.FORWARD: HandOver,
    Action.SEND_BACK: SendBack,
    Action.PROPOSE_RESULT: ProposeResult,
    Action.APPROVE: Approve,
    Action.APOLOGIZE: Apologize,
    Action.RETURN_RESULT: ReturnResult,
    **{action: _plain(action) for action in (
        Action.REFUSE_INTAKE, Action.REFUSE, Action.STOP, Action.REQUEST_FEE, Action.PAY_FEE,
        Action.SUPPLEMENT, Action.WITHDRAW, Action.ISSUE_RESULT)},
}


# ---------------------------------------------------------------------------------------------
# From plain values (any door) to a command


def _text(value: object, field: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value.strip()) > limit:
        raise InvalidInput(field)
    return value.strip()


def _whole_number(value: object, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise InvalidInput(field)


def _items(value: object) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    lines = value.splitlines() if isinstance(value, str) else value
    if not isinstance(lines, (list, tuple)) or len(lines) > MAX_ITEMS:
        raise InvalidInput("items")
    return tuple(item for item in (_text(line, "items", MAX_ITEM) for line in lines) if item)


def _keys(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and len(v) <= 64 for v in value):
        raise InvalidInput("checked")
    return tuple(value)


def _moment(value: object) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput("new_due_at") from None
    if moment.tzinfo is None:
        raise InvalidInput("new_due_at")
    return moment


def _choice(value: object, enum: type, field: str):
    if value is None or value == "":
        return None
    try:
        return enum(value)
    except ValueError:
        raise InvalidInput(field) from None


def _bytes(value: object) -> bytes | None:
    if value is not None and not isinstance(value, bytes):
        raise InvalidInput("draft")
    return value or None


def _flag(value: object, field: str = "generate") -> bool:
    if value is not None and not isinstance(value, bool):
        raise InvalidInput(field)
    return bool(value)


_PARSERS = {
    "reason": lambda v: _text(v, "reason", MAX_REASON),
    "repeat_reason": lambda v: _text(v, "repeat_reason", MAX_REASON),
    "checked": _keys,
    "items": _items,
    "assignee_id": lambda v: _whole_number(v, "assignee_id"),
    "draft": _bytes,
    "draft_name": lambda v: _text(v, "draft_name", 255),
    "generate": _flag,
    "remote_area": lambda v: _flag(v, "remote_area"),
    "result_kind": lambda v: _choice(v, ResultKind, "result_kind") or ResultKind.GRANTED,
    "new_due_at": _moment,
    "delivery": lambda v: _choice(v, DeliveryMethod, "delivery"),
}


def command_for(action: str | Action, values: Mapping[str, object]) -> Command:
    """The command for ``action`` from plain values; only the fields the action takes are read.
    ``version`` is required: an action on a page someone else has changed since is refused."""
    action = as_action(action)
    command_class = COMMANDS.get(action)
    if command_class is None:
        raise Forbidden("role_not_allowed", f"'{action}' is the applicant's own action")
    version = _whole_number(values.get("version"), "version")
    if version is None:
        raise DossierError("version_required", "send the version of the dossier you are acting on")
    taken = {f.name: _PARSERS[f.name](values.get(f.name)) for f in fields(command_class) if f.name in _PARSERS}
    return command_class(version=version, **taken)


# ---------------------------------------------------------------------------------------------
# Doing it


def act(dossier_id: int, actor: User, command: Command, now: datetime | None = None) -> Dossier:
    """Lock the dossier once, refuse early (version, role, step), check what the actor sent,
    then apply the action. Flushes; the caller's boundary commits."""
    now = now or utcnow()
    dossier = load_for_update(dossier_id, actor)
    if actor.role == Role.ADMIN.value:
        raise Forbidden("role_not_allowed", "administrators do not act on dossiers")
    authorize(dossier, command.action, actor, command.version)
    dossier = apply_action(dossier, command.action, actor, command.to_input(dossier, actor, now), now)
    # a proposal goes on to its reviewer, a signed result to the clerk: one use case, two events
    continue_to_next_step(dossier, command.action, actor, getattr(command, "assignee_id", None), now)
    return dossier


def run(dossier_id: int, action: str | Action, actor: User, values: Mapping[str, object],
        now: datetime | None = None) -> Dossier:
    """``act`` with the command built from plain values (what every door calls)."""
    return act(dossier_id, actor, command_for(action, values), now)


@dataclass(frozen=True)
class Outcome:
    dossier: Dossier
    replayed: bool  # the same request with the same key was done before: nothing changed now


def run_once(dossier_id: int, action: str | Action, actor: User, values: Mapping[str, object], key: str | None,
             now: datetime | None = None) -> Outcome:
    """``run`` with an idempotency key: the same request with the same key is done once; a retry
    (after a lost response, a double click) gets the first outcome, even while the first request
    is still committing (its row lock makes the retry wait, then the retry finds the key)."""
    command = command_for(action, values)
    key = idempotency.checked_key(key)
    if key is None:
        return Outcome(act(dossier_id, actor, command, now), False)
    request = idempotency.digest({"dossier": dossier_id, "action": command.action, "command": command})
    if (earlier := _replay(dossier_id, actor, key, request)) is not None:
        return earlier
    try:
        with db.session.begin_nested():
            dossier = act(dossier_id, actor, command, now)
            idempotency.remember(actor, key, request, dossier.id)
    except (StaleVersion, IntegrityError):
        if (earlier := _replay(dossier_id, actor, key, request)) is not None:
            return earlier
        raise
    return Outcome(dossier, False)


def _replay(dossier_id: int, actor: User, key: str, request: str) -> Outcome | None:
    if idempotency.recorded(actor, key, request) is None:
        return None
    db.session.expire_all()
    return Outcome(load_for_update(dossier_id, actor), True)


def target_step(dossier: Dossier, action: Action = Action.FORWARD) -> Step | None:
    """The step a forward (or send-back) hands the dossier to."""
    plan = plan_of(dossier.terms)
    if action == Action.SEND_BACK:
        return plan.previous_step(dossier.step_key) if dossier.step_key else None
    return plan.next_step(dossier.step_key) if dossier.step_key else plan.first


def target_role(dossier: Dossier, action: Action = Action.FORWARD) -> str | None:
    """The role of the step a forward (or send-back) hands the dossier to."""
    following = target_step(dossier, action)
    return following.role.value if following is not None else None


def target_agency_id(dossier: Dossier, action: Action = Action.FORWARD) -> int:
    """The agency taking the step a forward (or send-back) hands the dossier to: a linked agency
    for a link-up step, otherwise the dossier's own."""
    following = target_step(dossier, action)
    return step_agency_id(following) or dossier.agency_id


def assignees(dossier: Dossier, role: str, agency_id: int | None = None) -> list[User]:
    """Active users with ``role`` of the agency taking the step (by default the dossier's own), to
    hand a step to a named person."""
    return list(db.session.scalars(
        select(User).where(User.agency_id == (agency_id or dossier.agency_id), User.role == role,
                           User.is_active_account.is_(True)).order_by(User.full_name)))

