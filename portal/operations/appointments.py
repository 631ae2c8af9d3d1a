"""Appointments seen from the office: the warning that an apology is due, with a prepared letter.

The rules (when to warn, how much later a prepared new date is) are in ``workflow.deadlines``;
this module applies them to a stored dossier with its agency's calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal.models import Dossier
from portal.models.types import utcnow
from portal.operations.calendar import working_calendar
from portal.operations.dossiers import plan_of
from workflow.deadlines import apology_due_soon, apology_in_time, suggested_new_due
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

