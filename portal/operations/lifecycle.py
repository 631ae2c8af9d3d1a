"""The lifecycle engine: every action on a dossier goes through ``apply_action``.

It checks the version and the actor's access, asks ``workflow.machine`` whether the action is
allowed (status, role, process step and holder, guards), moves the clock and the internal step,
appends a chained event, and flushes. The caller's transaction boundary commits.

What an actor must send with each action (the checklist, the supplement items, the delivery
method...) is checked before this by ``portal.operations.commands``; the citizens' own actions
by ``portal.operations.filing`` (submit) and ``portal.operations.applicant`` (supplement,
withdraw, rate). All build an ``ActionInput`` and call this module, so a rule holds on every door.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from portal.extensions import db
from portal.models import Dossier, User
from portal.models.types import utcnow
from portal.operations import result_signing
from portal.operations.appointments import record_proof
from portal.operations.calendar import LazyCalendar, working_calendar
from portal.operations.dossiers import (
    DossierError,
    DossierNotFound,
    Forbidden,
    NotAllowed,
    StaleVersion,
    assign_code,
    can_see,
    current_step,
    load_for_update,
    plan_of,
    processing_days,
    step_agency_id,
)
from portal.operations.events import append_event
from portal.operations.forms import register_issued_form
from workflow import machine, process
from workflow.calendar import WorkingCalendar
from workflow.deadlines import (
    Clock,
    ClockRules,
    DeadlineError,
    ExtensionAlreadyUsed,
    ExtensionNotLater,
    Pause,
    PauseKind,
    apology_in_time,
    classify,
    classify_handover,
)
from workflow.machine import Context
from workflow.process import ProcessPlan, Step
from workflow.states import FINAL_STATUSES, Action, Channel, ResultKind, Role, Status

#: Guards that refuse a second time what may be done once (a rating, an apology): a conflict
#: with what is already recorded (409), not a problem of the input (422).
ONCE_ONLY_GUARDS = frozenset({"not_yet_rated", "not_yet_apologized"})

@dataclass
class ActionInput:
    """What the engine needs besides the dossier and the actor: already checked by the caller."""

    version: int | None = None
    reason: str = ""
    new_due_at: datetime | None = None
    assignee_id: int | None = None
    items: list[str] = field(default_factory=list)
    result_kind: ResultKind | None = None
    delivery: str | None = None
    documents_complete: bool = False  # submit / accept: the caller checked the documents
    repeat_reason: str = ""  # a second or later supplement request: why it was not asked at first
    remote_area: bool = False  # accept: the desk marks the case as one of a remote and difficult area
    payload: dict = field(default_factory=dict)  # recorded in the event as it is


def perform(dossier_id: int, action: Action | str, actor: User, data: ActionInput | None = None,
            now: datetime | None = None) -> Dossier:
    """Lock the dossier and apply ``action`` by ``actor`` (see ``apply_action``)."""
    return apply_action(load_for_update(dossier_id, actor), action, actor, data, now)


def as_action(action: Action | str) -> Action:
    try:
        return Action(action)
    except ValueError:
        raise NotAllowed("unknown_action", f"unknown action {action!r}") from None


def authorize(dossier: Dossier, action: Action, actor: User, version: int | None) -> None:
    """Refuse before anything is written: a stale page, someone else's dossier, a role or a step
    that may not take ``action`` now (guards on what the actor sends come later)."""
    if version is not None and version != dossier.version:
        raise StaleVersion("stale_version", f"the dossier is at version {dossier.version}, not {version}")
    if actor.role == Role.CITIZEN.value and dossier.applicant_id != actor.id:
        raise DossierNotFound("not_found")
    status, role = Status(dossier.status), Role(actor.role)
    rows = machine.rows_for(status, action)
    if not rows:
        raise NotAllowed("action_not_allowed", f"'{action}' is not allowed from status '{status}'")
    if not any(role in row.roles for row in rows):
        raise Forbidden("role_not_allowed", f"role '{role}' may not perform '{action}' from status '{status}'")
    done = already_done(dossier, action)
    if done is not None:
        raise NotAllowed(done, f"'{action}' has already taken effect on this dossier")
    waiting = result_signing.refusal(dossier, action)
    if waiting is not None:
        raise NotAllowed(waiting, "the result of the leader's decision is still being signed")
    refusal = process.step_refusal(action, status, role, actor.id, plan_of(dossier.terms),
                                   dossier.step_key, dossier.holder_id)
    if refusal == "not_your_step":
        raise Forbidden(refusal, f"the dossier is at step {dossier.step_key}, held by someone else or another role")
    if refusal is not None:
        raise NotAllowed(refusal)
    refusal = _agency_refusal(dossier, action, actor)
    if refusal is not None:
        raise Forbidden(refusal, f"the dossier is at step {dossier.step_key}, taken by another agency")


def _agency_refusal(dossier: Dossier, action: Action, actor: User) -> str | None:
    """Link-up: a step taken by another agency is that agency's; everything else the dossier's own
    agency's (``workflow.process.agency_refusal``). Citizens and administrators are not officers."""
    if actor.role in (Role.CITIZEN.value, Role.ADMIN.value):
        return None
    step = current_step(dossier)
    desk = dossier.desk_agency.code if dossier.desk_agency is not None else None
    return process.agency_refusal(action, Status(dossier.status), step,
                                  actor.agency.code if actor.agency is not None else None, dossier.agency.code,
                                  receiving_desk=desk,
                                  at_first_step=step is not None and step.key == plan_of(dossier.terms).first.key)


def already_done(dossier: Dossier, action: Action) -> str | None:
    """Why ``action`` would repeat what has already taken effect (``None`` when it would not):
    a result is signed once (a second ``approve`` would sign it again). Refused with 409 on
    every door, whatever the step; a new proposal (``propose_result``) asks for a new signature."""
    if action is Action.APPROVE and dossier.result_signed:
        return "already_signed"
    return None


#: The input guards (what the actor sends) are assumed met when listing what a page offers; the
#: guards on the dossier's own state (a proposed or signed result, a fee, an apology) are not.
_INPUT_GUARDS_MET = {"reason": "-", "documents_complete": True, "repeat_reason": "-"}


def offered_actions(dossier: Dossier, user: User, now: datetime | None = None) -> list[Action]:
    """The actions ``user`` may take on ``dossier`` now: the rules ``authorize`` and the
    lifecycle's guards on the dossier's state apply, so nothing offered would be refused for
    anything but what the actor types."""
    if user.role in (Role.ADMIN.value, Role.CITIZEN.value) or not can_see(user, dossier):
        return []
    status, role = Status(dossier.status), Role(user.role)
    now = now or utcnow()
    context = _context(dossier, ActionInput(), now, working_calendar(dossier.agency_id))
    context = replace(context, **_INPUT_GUARDS_MET,
                      new_due=(dossier.due_at + timedelta(days=3650)) if dossier.due_at else None)
    guarded = set(machine.allowed_actions(status, role, context))
    offered = [action for action in process.offered_actions(
        status, role, user.id, plan_of(dossier.terms), dossier.step_key, dossier.holder_id)
        if action not in (Action.SUBMIT, Action.RATE) and action in guarded and already_done(dossier, action) is None
        and _agency_refusal(dossier, action, user) is None]
    if any(a in result_signing.WAITS_FOR_SIGNATURE for a in offered) and result_signing.pending_job(dossier):
        offered = [a for a in offered if a not in result_signing.WAITS_FOR_SIGNATURE]  # the signature first
    return offered


#: The action a page recommends when it is offered, first match wins: what moves the dossier on
#: at its current step (the others stay available, folded away).
RECOMMENDED = (Action.ACCEPT, Action.RETURN_RESULT, Action.ISSUE_RESULT, Action.APPROVE, Action.PROPOSE_RESULT,
               Action.FORWARD, Action.SUPPLEMENT, Action.PAY_FEE)


def recommended_action(dossier: Dossier, offered: list[Action]) -> Action | None:
    """The one next action to recommend among ``offered`` (the first of ``RECOMMENDED``): what
    moves the dossier on at its step; ``None`` when only side actions (refuse, stop...) remain."""
    for action in RECOMMENDED:
        if action in offered:
            return action
    return None


#: Actions that naturally continue: once done, the dossier moves to the next step of the
#: process (a proposal goes to its reviewer, a signed result to the clerk's step).
CONTINUES_TO_NEXT_STEP = frozenset({Action.PROPOSE_RESULT, Action.APPROVE})


def continue_to_next_step(dossier: Dossier, action: Action, actor: User, assignee_id: int | None = None,
                          now: datetime | None = None) -> bool:
    """After ``action`` (one of ``CONTINUES_TO_NEXT_STEP``), hand the dossier to the next step as a
    ``forward`` of its own (its own event, the hand-over classified like any other). Nothing
    happens when the process has no next step or the actor may not forward now."""
    if action not in CONTINUES_TO_NEXT_STEP or dossier.status != Status.IN_PROCESS.value:
        return False
    refusal = process.step_refusal(Action.FORWARD, Status(dossier.status), Role(actor.role), actor.id,
                                   plan_of(dossier.terms), dossier.step_key, dossier.holder_id)
    if refusal is not None or _agency_refusal(dossier, Action.FORWARD, actor) is not None:
        return False
    apply_action(dossier, Action.FORWARD, actor, ActionInput(assignee_id=assignee_id,
                                                             payload={"after": action.value}), now)
    return True


def _context(dossier: Dossier, data: ActionInput, now: datetime, calendar: WorkingCalendar) -> Context:
    return Context(
        reason=data.reason or "",
        documents_complete=data.documents_complete,
        fee_amount=dossier.fee_amount or 0,
        fee_paid=dossier.fee_paid_at is not None,
        result_proposed=dossier.result_proposed,
        result_signed=dossier.result_signed,
        apologized=dossier.extended_at is not None,
        apology_early_enough=dossier.due_at is not None and apology_in_time(now, dossier.due_at, calendar),
        current_due=dossier.due_at,
        new_due=data.new_due_at,
        resume_status=Status(dossier.resume_status) if dossier.resume_status else None,
        rated=dossier.rated_at is not None,
        supplement_requests=dossier.supplement_requests or 0,
        repeat_reason=data.repeat_reason or "",
    )


def apply_action(dossier: Dossier, action: Action | str, actor: User, data: ActionInput | None = None,
                 now: datetime | None = None) -> Dossier:
    """Apply ``action`` by ``actor`` to the locked ``dossier``; see the module docstring."""
    data = data or ActionInput()
    now = now or utcnow()
    action = as_action(action)
    authorize(dossier, action, actor, data.version)
    status = Status(dossier.status)
    calendar = LazyCalendar(dossier.agency_id)  # read only if the action needs it
    try:
        new_status = machine.apply(status, action, Role(actor.role), _context(dossier, data, now, calendar))
    except machine.GuardFailed as error:
        refusal = NotAllowed if error.guard in ONCE_ONLY_GUARDS else DossierError
        raise refusal(f"guard_{error.guard}", str(error)) from None

    handover: dict = {"step_due_at": None, "step_timeliness": None}
    from_step = dossier.step_key
    defer_signing = result_signing.defers(action, dossier)  # the decision now, its signatures by a job
    with db.session.no_autoflush:  # one UPDATE of the dossier, so its version moves by one
        _apply_effects(dossier, action, status, new_status, data, now, calendar, handover, actor, defer_signing)
        dossier.status = new_status.value
        dossier.updated_at = now
        event = append_event(
            dossier, at=now, actor_id=actor.id, actor_name=actor.full_name, actor_role=actor.role,
            agency_id=actor.agency_id, action=action.value, from_status=status.value, to_status=new_status.value,
            from_step=from_step, to_step=dossier.step_key, comment=(data.reason or None), due_at=dossier.due_at,
            payload=_event_payload(data), **handover,
        )
        if defer_signing:
            result_signing.enqueue(dossier, event, actor, now)
    db.session.flush()
    register_issued_form(dossier, event)  # the form this act issues takes its number now
    return dossier


def _event_payload(data: ActionInput) -> dict:
    payload = dict(data.payload)
    if data.items:
        payload["items"] = list(data.items)
    if data.new_due_at:
        payload["new_due_at"] = data.new_due_at.isoformat()
    if data.assignee_id:
        payload["assignee_id"] = data.assignee_id
    if data.delivery:
        payload["delivery"] = str(data.delivery)
    if data.result_kind:
        payload["result_kind"] = str(data.result_kind)
    if data.repeat_reason:
        payload["repeat_reason"] = data.repeat_reason
    return payload


# ---------------------------------------------------------------------------------------------
# The clock and the steps, kept in the dossier's columns


def clock_of(dossier: Dossier, calendar: WorkingCalendar) -> Clock | None:
    """The dossier's processing clock, rebuilt from its stored columns."""
    if dossier.received_at is None or not dossier.budget_minutes:
        return None
    pauses = tuple(
        Pause(datetime.fromisoformat(stored[0]), datetime.fromisoformat(stored[1]) if stored[1] else None,
              PauseKind(stored[2]) if len(stored) > 2 else PauseKind.SUPPLEMENT)
        for stored in dossier.pauses
    )
    return Clock(dossier.received_at, dossier.budget_minutes, calendar, pauses,
                 dossier.extended_due_at, dossier.extended_at)


def _store_clock(dossier: Dossier, clock: Clock) -> None:
    dossier.pauses = [[p.started_at.isoformat(), p.ended_at.isoformat() if p.ended_at else None, p.kind.value]
                      for p in clock.pauses]
    dossier.paused_since = clock.pauses[-1].started_at if clock.is_paused else None
    dossier.extended_at, dossier.extended_due_at = clock.extended_at, clock.extended_due
    due = clock.due_at()
    if due is not None:
        dossier.due_at = due


def _enter_step(dossier: Dossier, plan: ProcessPlan, step: Step | None, now: datetime, calendar: WorkingCalendar,
                holder_id: int | None = None) -> None:
    if step is None:
        dossier.step_key = dossier.step_started_at = dossier.step_due_at = None
        dossier.holder_id = dossier.holder_role = dossier.step_agency_id = None
        return
    dossier.step_key = step.key
    dossier.step_agency_id = step_agency_id(step)
    dossier.step_started_at = now
    dossier.step_due_at = plan.step_due(now, step, calendar)
    dossier.holder_role = step.role.value
    dossier.holder_id = holder_id


def _hand_over(dossier: Dossier, now: datetime, handover: dict) -> None:
    """The current step is handed over: classified against that step's own deadline."""
    timeliness = classify_handover(dossier.step_due_at, now)
    if timeliness is not None:
        handover["step_due_at"] = dossier.step_due_at
        handover["step_timeliness"] = timeliness.value


def _finish(dossier: Dossier, now: datetime) -> None:
    dossier.finished_at = now
    if dossier.due_at is not None:
        dossier.timeliness = classify(now, dossier.due_at).value


def clock_rules(dossier: Dossier) -> ClockRules:
    """Which waits for the applicant stop the dossier's clock (its procedure's rules as filed)."""
    try:
        return ClockRules.from_mapping(dossier.terms.clock_rules)
    except ValueError:  # checked when the catalogue is loaded; an old snapshot falls back to the law
        return ClockRules()


def _accept(dossier: Dossier, plan: ProcessPlan, now: datetime, calendar: WorkingCalendar, actor: User,
            remote_area: bool = False) -> str:
    dossier.remote_area = bool(remote_area and dossier.terms.remote_processing_days)
    clock = Clock.start(now, processing_days(dossier), calendar)
    dossier.received_at = now
    dossier.budget_minutes = clock.budget_minutes
    dossier.code = dossier.code or assign_code(dossier, now)  # online filings have theirs since submission
    _store_clock(dossier, clock)
    dossier.original_due_at = dossier.due_at
    _enter_step(dossier, plan, plan.first, now, calendar, holder_id=actor.id)
    # how the receipt's appointment was computed, for its verification code and QR code
    return record_proof(dossier, "receipt", now, calendar, legal_days=processing_days(dossier)).code


def _move(dossier: Dossier, plan: ProcessPlan, step: Step | None, now: datetime, calendar: WorkingCalendar,
          data: ActionInput, handover: dict) -> None:
    _hand_over(dossier, now, handover)
    _enter_step(dossier, plan, step, now, calendar, holder_id=data.assignee_id)


def _apply_effects(dossier: Dossier, action: Action, status: Status, new_status: Status, data: ActionInput,
                   now: datetime, calendar: WorkingCalendar, handover: dict, actor: User,
                   defer_signing: bool = False) -> None:
    plan = plan_of(dossier.terms)
    if action == Action.SUBMIT:
        dossier.submitted_at = now
        # The code is given at submission, as the national portal does, so that the applicant
        # has something to quote at once; reception (received_at, the legal clock, the
        # receipt) still starts at acceptance.
        dossier.code = dossier.code or assign_code(dossier, now)
        if dossier.channel != Channel.ONLINE.value:
            dossier.applicant.setdefault("registered_by", actor.id)
    elif action == Action.ACCEPT:
        data.payload["proof_code"] = _accept(dossier, plan, now, calendar, actor, data.remote_area)
        if dossier.remote_area:
            data.payload["remote_area"] = True
    elif action == Action.FORWARD:
        _move(dossier, plan, plan.next_step(dossier.step_key) if dossier.step_key else plan.first, now, calendar,
              data, handover)
    elif action == Action.SEND_BACK:
        _move(dossier, plan, plan.previous_step(dossier.step_key), now, calendar, data, handover)
    elif action == Action.PROPOSE_RESULT:
        dossier.result_proposed = True
        dossier.result_signed = False  # a new proposal needs a new signature
        dossier.result_kind = (data.result_kind or ResultKind.GRANTED).value
    elif action == Action.APPROVE:
        # the leader's and the agency seal's signatures (docs/signatures.md); the hash goes in the
        # event, or, deferred, in the audit entry of the signing job (result_signing)
        if defer_signing:
            data.payload["result_signing"] = "deferred"
        else:
            from portal.operations.signing import (
                sign_result,  # pyHanko: imported by the first approval
            )

            data.payload["result_sha256"] = sign_result(dossier, actor, now).blob_sha256
            dossier.result_signed = True
    elif action == Action.REFUSE:
        # the refusal of the request is a result: the agency's written reply with the reasons, signed
        # (before the dossier changes: signing flushes, the dossier's version moves once)
        if defer_signing:
            data.payload["result_signing"] = "deferred"
        else:
            from portal.operations.signing import sign_refusal  # pyHanko, on first use

            data.payload["result_sha256"] = sign_refusal(dossier, actor, now, data.reason or "").blob_sha256
            dossier.result_signed = True
        dossier.result_kind = ResultKind.REFUSED.value
        _finish(dossier, now)
    elif action == Action.ISSUE_RESULT:
        _hand_over(dossier, now, handover)
        _finish(dossier, now)
        _enter_step(dossier, plan, plan.last if plan.last.role == Role.ONE_STOP_OFFICER else None, now, calendar)
    elif action == Action.RETURN_RESULT:
        dossier.returned_at = now
        _enter_step(dossier, plan, None, now, calendar)
    elif action in (Action.REQUEST_SUPPLEMENT, Action.SUPPLEMENT, Action.APOLOGIZE, Action.REQUEST_FEE):
        _move_clock(dossier, action, status, data, now, calendar)
    elif action == Action.PAY_FEE:
        dossier.fee_paid_at = now
        _move_clock(dossier, action, status, data, now, calendar)
    elif action == Action.RATE:
        dossier.rated_at = now
    if new_status in FINAL_STATUSES and action != Action.RETURN_RESULT and action != Action.RATE:
        dossier.finished_at = dossier.finished_at or now
        _enter_step(dossier, plan, None, now, calendar)


def _move_clock(dossier: Dossier, action: Action, status: Status, data: ActionInput, now: datetime,
                calendar: WorkingCalendar) -> None:
    """Waiting for the applicant (a supplement, a payment) pauses the legal clock as the
    procedure's ``ClockRules`` say, the answer or the payment resumes it; an apology extends it
    once. Every supplement request is counted."""
    clock = clock_of(dossier, calendar)
    rules = clock_rules(dossier)
    if action == Action.REQUEST_SUPPLEMENT:
        dossier.resume_status = status.value
        dossier.supplement_requests = (dossier.supplement_requests or 0) + 1
        data.payload["round"] = dossier.supplement_requests
        if clock is not None and not clock.is_paused and rules.pauses_for(PauseKind.SUPPLEMENT):
            _store_clock(dossier, clock.pause(now, PauseKind.SUPPLEMENT))
    elif action == Action.REQUEST_FEE:
        if clock is not None and not clock.is_paused and rules.pauses_for(PauseKind.FEE):
            _store_clock(dossier, clock.pause(now, PauseKind.FEE))
    elif action in (Action.SUPPLEMENT, Action.PAY_FEE):
        if action == Action.SUPPLEMENT:
            dossier.resume_status = None
        if clock is not None and clock.is_paused:
            _store_clock(dossier, clock.resume(now))
    elif action == Action.APOLOGIZE:
        if clock is None or data.new_due_at is None:
            raise DossierError("bad_new_due", "the new appointment is required")
        current_due = clock.due_at()
        try:
            _store_clock(dossier, clock.extend(data.new_due_at, now))
        except ExtensionAlreadyUsed:
            raise NotAllowed("already_apologized") from None
        except ExtensionNotLater:
            raise DossierError("guard_new_due_after_current", "the new appointment is not later") from None
        except DeadlineError:  # the clock is paused: there is no appointment to move
            raise DossierError("clock_paused", "the clock is paused while waiting for the applicant") from None
        # Inspectors ask whether the apology came at least a working day before the due date.
        data.payload["in_time"] = current_due is not None and apology_in_time(now, current_due, calendar)
        data.payload["proof_code"] = record_proof(dossier, "apology", now, calendar, legal_days=processing_days(dossier),
                                                  previous_due=current_due, in_time=data.payload["in_time"]).code
