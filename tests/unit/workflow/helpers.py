"""Shared helpers for the workflow unit tests (no database, no Flask)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from workflow.calendar import VN_TZ, NoHolidays, WorkingCalendar
from workflow.machine import Context, Transition
from workflow.states import Status

CURRENT_DUE = datetime(2026, 3, 10, 17, 0, tzinfo=VN_TZ)


def vn(*args: int) -> datetime:
    """An aware datetime in Vietnam time."""
    return datetime(*args, tzinfo=VN_TZ)


def plain_calendar(**kwargs) -> WorkingCalendar:
    """Default working hours, Saturday/Sunday weekend, no public holidays."""
    kwargs.setdefault("holidays_provider", NoHolidays())
    return WorkingCalendar(**kwargs)


def satisfying_context(row: Transition, **truth) -> Context:
    """A context under which every guard of ``row`` holds (``truth`` overrides fields)."""
    fee_due = "fee_due" in row.guards
    ctx = Context(
        reason="Hồ sơ thiếu bản sao giấy chứng nhận",
        documents_complete=True,
        fee_amount=50_000,
        fee_paid=not fee_due,
        result_proposed=True,
        result_signed=True,
        apologized=False,
        apology_early_enough=True,
        current_due=CURRENT_DUE,
        new_due=replace_day(CURRENT_DUE, 20),
        resume_status=row.target if row.source is Status.SUPPLEMENT_REQUESTED else None,
        rated=False,
    )
    return replace(ctx, **truth)


def replace_day(dt: datetime, day: int) -> datetime:
    return dt.replace(day=day)


#: For each guard, a change to a satisfying context that makes exactly that guard fail.
BREAK_GUARD = {
    "reason_given": {"reason": "   "},
    "documents_complete": {"documents_complete": False},
    "fee_due": {"fee_paid": True},
    "fee_paid": {"fee_paid": False},
    "result_proposed": {"result_proposed": False},
    "result_signed": {"result_signed": False},
    "not_yet_apologized": {"apologized": True},
    "apology_early_enough": {"apology_early_enough": False},
    "new_due_after_current": {"new_due": CURRENT_DUE},
    "not_yet_rated": {"rated": True},
    "repeat_supplement_justified": {"supplement_requests": 1, "repeat_reason": " "},
    "resume_is_submitted": {"resume_status": None},
    "resume_is_accepted": {"resume_status": None},
    "resume_is_in_process": {"resume_status": None},
}
