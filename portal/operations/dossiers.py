"""Dossier use cases: create, and every lifecycle action.

``perform`` is the one entry point of the lifecycle: it locks the dossier row, checks the
version and the actor's access, asks ``workflow.machine`` whether the action is allowed, moves
the clock and the internal step, appends a chained event, and flushes. The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal.extensions import db
from portal.models import Agency, Dossier, DossierCodeCounter, Procedure, User
from portal.models.types import utcnow
from portal.operations.calendar import working_calendar
from portal.operations.events import append_event
from workflow import machine
from workflow.calendar import VN_TZ, days_to_minutes
from workflow.codes import MAX_SEQUENCE, format_code
from workflow.deadlines import Clock, ExtensionAlreadyUsed, Pause, classify
from workflow.machine import Context, ProcessPlan, Step
from workflow.states import FINAL_STATUSES, Action, Channel, Role, Status


class DossierError(Exception):
    """A use-case failure. ``status`` is the HTTP status it maps to; ``code`` a stable key."""

    status = 422

    def __init__(self, code: str, detail: str = ""):
        super().__init__(detail or code)
        self.code = code
        self.detail = detail


class DossierNotFound(DossierError):
    status = 404


class StaleVersion(DossierError):
    status = 409


class NotAllowed(DossierError):
    status = 409


class Forbidden(DossierError):
    status = 403


@dataclass
class ActionInput:
    """What an actor sends with an action."""

    version: int | None = None
    reason: str = ""
    new_due_at: datetime | None = None
    assignee_id: int | None = None
    items: list[str] = field(default_factory=list)
    result_kind: str | None = None
    delivery: str | None = None
    payload: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Access


def can_see(user: User, dossier: Dossier) -> bool:
    if user.role == Role.CITIZEN.value:
        return dossier.applicant_id == user.id
    if user.role == Role.ADMIN.value:
        return True
    return dossier.agency_id == user.agency_id


def load_for_update(dossier_id: int, user: User) -> Dossier:
    """The dossier with its row locked (PostgreSQL), or DossierNotFound if it is not visible."""
    query = select(Dossier).where(Dossier.id == dossier_id)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update()
    dossier = db.session.scalar(query)
    if dossier is None or not can_see(user, dossier):
        raise DossierNotFound("not_found")
    return dossier


# ---------------------------------------------------------------------------------------------
# Codes


def next_sequence(agency_id: int, day) -> int:
    """Atomically take the next sequence number of ``agency_id`` for ``day``."""
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(DossierCodeCounter)
        .values(agency_id=agency_id, day=day, last_sequence=1)
        .on_conflict_do_update(
            index_elements=["agency_id", "day"],
            set_={"last_sequence": DossierCodeCounter.last_sequence + 1},
        )
        .returning(DossierCodeCounter.last_sequence)
    )
    sequence = db.session.execute(statement).scalar_one()
    if sequence > MAX_SEQUENCE:
        raise DossierError("code_sequence_exhausted", "more than 9999 dossiers in one day for this agency")
    return sequence


def assign_code(dossier: Dossier, received_at: datetime) -> str:
    agency = db.session.get(Agency, dossier.agency_id)
    local_day = received_at.astimezone(VN_TZ).date()
    return format_code(agency.identifier, local_day, next_sequence(agency.id, local_day))


# ---------------------------------------------------------------------------------------------
# Clock and steps


def plan_of(procedure: Procedure) -> ProcessPlan:
    return ProcessPlan(tuple(Step(s["key"], Role(s["role"]), s["hours"]) for s in procedure.steps))


def clock_of(dossier: Dossier, calendar) -> Clock | None:
    """The dossier's processing clock, rebuilt from its stored columns."""
    if dossier.received_at is None or not dossier.budget_minutes:
        return None
    pauses = tuple(
        Pause(datetime.fromisoformat(start), datetime.fromisoformat(end) if end else None)
        for start, end in dossier.pauses
    )
    return Clock(dossier.received_at, dossier.budget_minutes, calendar, pauses,
                 dossier.extended_due_at, dossier.extended_at)


def _store_clock(dossier: Dossier, clock: Clock) -> None:
    dossier.pauses = [[p.started_at.isoformat(), p.ended_at.isoformat() if p.ended_at else None] for p in clock.pauses]
    dossier.paused_since = clock.pauses[-1].started_at if clock.is_paused else None
    dossier.extended_at, dossier.extended_due_at = clock.extended_at, clock.extended_due
    due = clock.due_at()
    if due is not None:
        dossier.due_at = due


def _enter_step(dossier: Dossier, step: Step | None, now: datetime, calendar, holder_id: int | None = None) -> None:
    if step is None:
        dossier.step_key = dossier.step_started_at = dossier.step_due_at = None
        dossier.holder_id = dossier.holder_role = None
        return
    dossier.step_key = step.key
    dossier.step_started_at = now
    dossier.step_due_at = calendar.add_working_minutes(now, step.minutes)
    dossier.holder_role = step.role.value
    dossier.holder_id = holder_id


# ---------------------------------------------------------------------------------------------
# Creating dossiers


def create_draft(applicant: User, procedure: Procedure, form_data: dict, *, channel: Channel = Channel.ONLINE,
                 applicant_details: dict | None = None) -> Dossier:
    if not procedure.is_published:
        raise DossierNotFound("unknown_procedure")
    if channel == Channel.ONLINE and procedure.level < 3:
        raise NotAllowed("not_online", "this procedure is not filed online")
    details = applicant_details or {
        "full_name": applicant.full_name, "id_number": applicant.id_number, "address": applicant.address,
        "phone": applicant.phone, "email": applicant.email,
    }
    dossier = Dossier(
        procedure=procedure, agency_id=procedure.agency_id, applicant_id=applicant.id, applicant=details,
        channel=channel.value, status=Status.DRAFT.value, form_version=procedure.form_version,
        form_snapshot=procedure.form_schema, form_data=form_data, fee_amount=procedure.fee_amount,
    )
    db.session.add(dossier)
    db.session.flush()
    append_event(dossier, at=utcnow(), actor_id=applicant.id, actor_name=applicant.full_name,
                 actor_role=applicant.role, agency_id=applicant.agency_id, action="create",
                 from_status=None, to_status=Status.DRAFT.value, payload={"channel": channel.value})
    return dossier


# ---------------------------------------------------------------------------------------------
# The lifecycle


STEP_ACTIONS = {Action.FORWARD, Action.SEND_BACK, Action.PROPOSE_RESULT, Action.APPROVE, Action.ISSUE_RESULT}


def _context(dossier: Dossier, data: ActionInput) -> Context:
    return Context(
        reason=data.reason or "",
        documents_complete=bool(data.payload.get("documents_complete", True)),
        fee_amount=dossier.fee_amount or 0,
        fee_paid=dossier.fee_paid_at is not None,
        result_proposed=dossier.result_proposed,
        result_signed=dossier.result_signed,
        apologized=dossier.extended_at is not None,
        current_due=dossier.due_at,
        new_due=data.new_due_at,
        resume_status=Status(dossier.resume_status) if dossier.resume_status else None,
        rated=dossier.rated_at is not None,
    )


def perform(dossier_id: int, action: Action | str, actor: User, data: ActionInput | None = None,
            now: datetime | None = None) -> Dossier:
    """Apply ``action`` by ``actor`` to the dossier; see the module docstring."""
    data = data or ActionInput()
    now = now or utcnow()
    try:
        action = Action(action)
    except ValueError:
        raise NotAllowed("unknown_action", f"unknown action {action!r}") from None
    dossier = load_for_update(dossier_id, actor)
    if data.version is not None and data.version != dossier.version:
        raise StaleVersion("stale_version", f"the dossier is at version {dossier.version}, not {data.version}")
    if actor.role == Role.CITIZEN.value and dossier.applicant_id != actor.id:
        raise DossierNotFound("not_found")
    status = dossier.status_enum
    try:
        new_status = machine.apply(status, action, Role(actor.role), _context(dossier, data))
    except machine.RoleNotAllowed as error:
        raise Forbidden("role_not_allowed", str(error)) from None
    except machine.ActionNotAllowed as error:
        raise NotAllowed("action_not_allowed", str(error)) from None
    except machine.GuardFailed as error:
        raise DossierError(f"guard_{error.guard}", str(error)) from None

    plan = plan_of(dossier.procedure)
    if action in STEP_ACTIONS and status == Status.IN_PROCESS and dossier.step_key:
        if plan.step(dossier.step_key).role.value != actor.role:
            raise Forbidden("not_your_step", f"the dossier is at step {dossier.step_key}")
        if dossier.holder_id is not None and dossier.holder_id != actor.id:
            raise Forbidden("not_your_step", "the dossier is assigned to someone else")

    calendar = working_calendar(dossier.agency_id)
    handover = {"step_due_at": None, "step_timeliness": None}
    from_step = dossier.step_key
    with db.session.no_autoflush:  # one UPDATE of the dossier, so its version moves by one
        _apply_effects(dossier, action, status, new_status, data, now, calendar, plan, handover, actor)
        dossier.status = new_status.value
        dossier.updated_at = now
        append_event(
            dossier, at=now, actor_id=actor.id, actor_name=actor.full_name, actor_role=actor.role,
            agency_id=actor.agency_id, action=action.value, from_status=status.value, to_status=new_status.value,
            from_step=from_step, to_step=dossier.step_key, comment=(data.reason or None), due_at=dossier.due_at,
            payload=_event_payload(data), **handover,
        )
    db.session.flush()
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
        payload["delivery"] = data.delivery
    if data.result_kind:
        payload["result_kind"] = data.result_kind
    return payload


def _handover(dossier: Dossier, now: datetime, handover: dict) -> None:
    """Classify the hand-over of the current step against that step's own deadline."""
    if dossier.step_due_at is not None:
        handover["step_due_at"] = dossier.step_due_at
        handover["step_timeliness"] = classify(now, dossier.step_due_at).value


def _finish(dossier: Dossier, now: datetime) -> None:
    dossier.finished_at = now
    if dossier.due_at is not None:
        dossier.timeliness = classify(now, dossier.due_at).value


def _apply_effects(dossier: Dossier, action: Action, status: Status, new_status: Status, data: ActionInput,
                   now: datetime, calendar, plan: ProcessPlan, handover: dict, actor: User) -> None:
    procedure = dossier.procedure
    if action == Action.SUBMIT:
        dossier.submitted_at = now
        if dossier.channel != Channel.ONLINE.value:
            dossier.applicant.setdefault("registered_by", actor.id)
    elif action == Action.ACCEPT:
        days = procedure.processing_days
        if dossier.channel == Channel.ONLINE.value and procedure.online_processing_days:
            days = min(days, procedure.online_processing_days)
        dossier.received_at = now
        dossier.budget_minutes = days_to_minutes(days)
        dossier.code = assign_code(dossier, now)
        clock = Clock(now, dossier.budget_minutes, calendar)
        _store_clock(dossier, clock)
        dossier.original_due_at = dossier.due_at
        _enter_step(dossier, plan.first, now, calendar, holder_id=actor.id)
    elif action == Action.FORWARD:
        _handover(dossier, now, handover)
        following = plan.next_step(dossier.step_key) if dossier.step_key else plan.first
        if following is None:
            raise NotAllowed("no_next_step", "this is the last step of the process")
        _enter_step(dossier, following, now, calendar, holder_id=data.assignee_id)
    elif action == Action.SEND_BACK:
        _handover(dossier, now, handover)
        previous = plan.previous_step(dossier.step_key) if dossier.step_key else None
        if previous is None:
            raise NotAllowed("no_previous_step", "there is no earlier step to send the dossier back to")
        _enter_step(dossier, previous, now, calendar, holder_id=data.assignee_id)
    elif action == Action.PROPOSE_RESULT:
        dossier.result_proposed = True
        dossier.result_kind = data.result_kind or "granted"
    elif action == Action.APPROVE:
        from portal.operations.signing import sign_result

        # the leader's and the agency seal's signatures (docs/signatures.md); the hash goes in the event
        data.payload["result_sha256"] = sign_result(dossier, actor, now).blob_sha256
        dossier.result_signed = True
    elif action == Action.REFUSE:
        dossier.result_kind = "refused"
        _finish(dossier, now)
    elif action == Action.ISSUE_RESULT:
        _handover(dossier, now, handover)
        _finish(dossier, now)
        _enter_step(dossier, plan.last if plan.last.role == Role.ONE_STOP_OFFICER else None, now, calendar)
    elif action == Action.RETURN_RESULT:
        dossier.returned_at = now
        _enter_step(dossier, None, now, calendar)
    elif action == Action.REQUEST_SUPPLEMENT:
        dossier.resume_status = status.value
        clock = clock_of(dossier, calendar)
        if clock is not None:
            _store_clock(dossier, clock.pause(now))
    elif action == Action.SUPPLEMENT:
        dossier.resume_status = None
        clock = clock_of(dossier, calendar)
        if clock is not None and clock.is_paused:
            _store_clock(dossier, clock.resume(now))
    elif action == Action.APOLOGIZE:
        clock = clock_of(dossier, calendar)
        try:
            _store_clock(dossier, clock.extend(data.new_due_at, now))
        except ExtensionAlreadyUsed:
            raise NotAllowed("already_apologized") from None
    elif action == Action.PAY_FEE:
        dossier.fee_paid_at = now
    elif action == Action.RATE:
        dossier.rated_at = now
    if new_status in FINAL_STATUSES and action != Action.RETURN_RESULT and action != Action.RATE:
        dossier.finished_at = dossier.finished_at or now
        _enter_step(dossier, None, now, calendar)
