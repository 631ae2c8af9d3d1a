"""Appointments: the warning that an apology is due (with a prepared letter), and provable
appointments.

The rules (when to warn, how much later a prepared new date is, how an appointment is computed)
are in ``workflow.deadlines``; this module applies them to a stored dossier with its agency's
calendar.

Provable appointments: when the receipt fixes the appointment and when an apology replaces it,
``record_proof`` keeps the calculation (received time, legal days, working hours, weekend, the
calendar days of the span that depart from the plain week with their names, the pauses, the
extension) with a short verification code and the SHA-256 of the calendar over that span
(``WorkingCalendar.fingerprint``). The receipt and the apology print the code and a QR code of
the public page ``/hen-tra/<code>``, which shows the calculation and ``check_proof`` makes it
again with the calendar as it is now: a later change of the calendar (a day off added, a
swapped Saturday, other opening hours) shows as "lịch đã thay đổi từ khi tính", with the days
that changed, never silently.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from portal.extensions import db
from portal.models import AppointmentProof, CalendarOverride, Dossier
from portal.models.types import utcnow
from portal.operations.calendar import working_calendar
from portal.operations.dossiers import plan_of
from workflow.calendar import VN_TZ, WorkingCalendar
from workflow.deadlines import (
    Clock,
    Pause,
    PauseKind,
    apology_due_soon,
    apology_in_time,
    suggested_new_due,
)
from workflow.states import Status

#: Statuses from which the agency leader may apologise (``workflow.machine``).
APOLOGY_STATUSES = frozenset({Status.ACCEPTED.value, Status.IN_PROCESS.value, Status.AWAITING_FEE.value})


@dataclass(frozen=True)
class ApologyAdvice:
    """An apology is due soon: the current appointment, whether it may still be sent (at least
    one working day before), a suggested new appointment and the step the dossier is at."""

    due_at: datetime
    still_allowed: bool
    suggested_due: datetime
    step_name: str


def _remaining_step_minutes(dossier: Dossier) -> int:
    """Working minutes of the steps still ahead (the current one included)."""
    plan = plan_of(dossier.terms)
    if not dossier.step_key:
        return sum(step.minutes for step in plan.steps)
    keys = [step.key for step in plan.steps]
    start = keys.index(dossier.step_key) if dossier.step_key in keys else 0
    return sum(step.minutes for step in plan.steps[start:])


def _step_name(dossier: Dossier) -> str:
    for step in dossier.terms.steps:
        if step.get("key") == dossier.step_key:
            return str(step.get("name_vi") or "")
    return ""


def apology_advice(dossier: Dossier, now: datetime | None = None) -> ApologyAdvice | None:
    """The warning for the officer's page: ``None`` unless the dossier is open, running (not
    waiting for the applicant), not yet apologised for, and due within two working days."""
    now = now or utcnow()
    if (dossier.status not in APOLOGY_STATUSES or dossier.finished_at is not None or dossier.paused_since is not None
            or dossier.extended_at is not None or dossier.due_at is None):
        return None
    calendar = working_calendar(dossier.agency_id)
    if not apology_due_soon(now, dossier.due_at, calendar):
        return None
    return ApologyAdvice(
        due_at=dossier.due_at,
        still_allowed=apology_in_time(now, dossier.due_at, calendar),
        suggested_due=suggested_new_due(dossier.due_at, _remaining_step_minutes(dossier), calendar),
        step_name=_step_name(dossier),
    )


def prepared_reason(dossier: Dossier, advice: ApologyAdvice) -> str:
    """The reason line of a prepared apology letter, for the leader to complete and sign."""
    where = f" ở bước “{advice.step_name}”" if advice.step_name else ""
    return (f"Hồ sơ đang được giải quyết{where}, cần thêm thời gian để hoàn thành "
            f"(ghi rõ lý do cụ thể trước khi ký).")



# ---------------------------------------------------------------------------------------------
# Provable appointments: how each printed appointment was computed, and a recomputation now

#: Verification codes: no 0/O, 1/I/L, so that a code read from paper is typed right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def display_code(code: str) -> str:
    """The code as printed: two groups of five ("ABCDE-FGHJK")."""
    return f"{code[:5]}-{code[5:]}"


def normalize_code(raw: str) -> str | None:
    """The stored form of a code as someone typed it (case, dashes and spaces ignored); ``None``
    when it cannot be a code."""
    code = "".join(ch for ch in (raw or "").upper() if ch not in "- ")
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def _day(dt: datetime) -> date:
    return dt.astimezone(VN_TZ).date()


def _entries(calendar: WorkingCalendar, first: date, last: date) -> list[dict]:
    """The calendar days a calculation over ``first`` .. ``last`` used, with their names (a
    holiday's name, an announced override's note)."""
    entries = calendar.entries_between(first, last)
    overrides = {row.day: row.note for row in db.session.scalars(
        select(CalendarOverride).where(CalendarOverride.day >= first, CalendarOverride.day <= last))}
    names: dict[date, str] = {}
    for year in {d.year for d, kind in entries if kind == "public_holiday"}:
        names.update(calendar.public_holiday_names(year, "vi"))
    return [{"date": d.isoformat(), "kind": kind, "name": overrides.get(d) or names.get(d, "")} for d, kind in entries]


def _hours(calendar: WorkingCalendar) -> list[list[str]]:
    return [[a.strftime("%H:%M"), b.strftime("%H:%M")] for a, b in calendar.working_hours.periods]


def record_proof(dossier: Dossier, kind: str, now: datetime, calendar: WorkingCalendar, *, legal_days: float,
                 previous_due: datetime | None = None, in_time: bool | None = None) -> AppointmentProof:
    """Keep how the appointment just fixed on ``dossier`` was computed (at reception: ``kind``
    "receipt"; at an apology: "apology" with the appointment it replaces), with the hash of the
    calendar over the span the calculation used. Added to the session, not flushed: the
    lifecycle's single flush writes it with the dossier (whose version moves by one)."""
    due = dossier.due_at
    received = dossier.received_at
    if due is None or received is None:
        raise ValueError("no appointment to prove")
    first, last = _day(received), max(_day(due), _day(previous_due) if previous_due else _day(due))
    calculation = {
        "dossier_code": dossier.code,
        "received_at": received.isoformat(),
        "legal_days": legal_days,
        "budget_minutes": dossier.budget_minutes,
        "working_hours": _hours(calendar),
        "weekend": list(calendar.weekend),
        "pauses": [list(p) for p in (dossier.pauses or [])],
        "span": [first.isoformat(), last.isoformat()],
        "entries": _entries(calendar, first, last),
        "due_at": due.isoformat(),
    }
    if kind == "apology":
        calculation["extension"] = {
            "at": now.isoformat(), "previous_due_at": previous_due.isoformat() if previous_due else None,
            "new_due_at": due.isoformat(), "in_time": in_time,
        }
    proof = AppointmentProof(code=new_code(), dossier_id=dossier.id, kind=kind, computed_at=now, due_at=due,
                             calculation=calculation, calendar_hash=calendar.fingerprint(first, last))
    db.session.add(proof)
    return proof


def latest_proof(dossier_id: int, kind: str) -> AppointmentProof | None:
    return db.session.scalar(select(AppointmentProof).where(
        AppointmentProof.dossier_id == dossier_id, AppointmentProof.kind == kind)
        .order_by(AppointmentProof.id.desc()).limit(1))


@dataclass(frozen=True)
class ProofCheck:
    """A stored calculation next to the same calculation made now with the current calendar."""

    proof: AppointmentProof
    calculation: dict
    procedure_name: str
    agency_name: str
    calendar_changed: bool
    entries_now: list[dict]
    added: list[dict]  # calendar entries in the span that exist now and did not then
    removed: list[dict]  # entries used then that are gone now
    hours_now: list[list[str]]
    recomputed_due: datetime | None  # the appointment as the current calendar gives it
    recomputed_previous_due: datetime | None  # apology: the replaced appointment, recomputed
    in_time_now: bool | None  # apology: at least one working day before, by the current calendar

    @property
    def matches(self) -> bool:
        return self.recomputed_due is not None and self.recomputed_due == self.proof.due_at and (
            self.proof.kind != "apology" or self.recomputed_previous_due == _moment(
                self.calculation["extension"]["previous_due_at"]))


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def check_proof(raw_code: str) -> ProofCheck | None:
    """The proof printed with ``raw_code``, recomputed now (``None``: no such code)."""
    code = normalize_code(raw_code)
    proof = db.session.scalar(select(AppointmentProof).where(AppointmentProof.code == code)) if code else None
    if proof is None:
        return None
    calc = proof.calculation
    dossier = proof.dossier
    calendar = working_calendar(dossier.agency_id)
    first, last = (date.fromisoformat(x) for x in calc["span"])
    entries_now = _entries(calendar, first, last)
    then = {(e["date"], e["kind"]) for e in calc["entries"]}
    now_set = {(e["date"], e["kind"]) for e in entries_now}
    pauses = tuple(Pause(datetime.fromisoformat(p[0]), datetime.fromisoformat(p[1]) if p[1] else None,
                         PauseKind(p[2]) if len(p) > 2 else PauseKind.SUPPLEMENT) for p in calc["pauses"])
    received = datetime.fromisoformat(calc["received_at"])
    recomputed_previous, in_time_now = None, None
    try:
        clock = Clock(received, int(calc["budget_minutes"]), calendar, pauses)
        running_due = clock.due_at()
    except (ValueError, TypeError):
        running_due = None
    if proof.kind == "apology":
        extension = calc["extension"]
        recomputed_previous = running_due
        new_due = datetime.fromisoformat(extension["new_due_at"])
        recomputed = new_due if running_due is not None and new_due > running_due else None
        if running_due is not None:
            in_time_now = apology_in_time(datetime.fromisoformat(extension["at"]), running_due, calendar)
    else:
        recomputed = running_due
    return ProofCheck(
        proof=proof, calculation=calc, procedure_name=dossier.procedure.name_vi, agency_name=dossier.agency.name_vi,
        calendar_changed=calendar.fingerprint(first, last) != proof.calendar_hash,
        entries_now=entries_now,
        added=[e for e in entries_now if (e["date"], e["kind"]) not in then],
        removed=[e for e in calc["entries"] if (e["date"], e["kind"]) not in now_set],
        hours_now=_hours(calendar), recomputed_due=recomputed, recomputed_previous_due=recomputed_previous,
        in_time_now=in_time_now,
    )
