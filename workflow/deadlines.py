"""Due dates in working time, clock pauses, extensions, early / on-time / late.

Rules
-----
* **Due date.** ``received_at`` + ``processing_days`` x 8 working hours of ``calendar``, counted
  from the next working moment (a reception after closing or on a day off counts from the next
  working morning). Arithmetic is in whole minutes (see ``workflow.calendar``).
* **End of day.** A due date that uses up the last working minute of a day is that day's
  closing time (17:00), not 07:00 the next working morning. Received Friday 16:59 with 1 day:
  1 minute on Friday + 7 h 59 min on Monday = Monday 16:59. Received Friday 17:01: counted from
  Monday 07:00, due Monday 17:00.
* **Clock pauses** (``Clock``). A supplement request stops the clock and the applicant's answer
  restarts it: time already used counts (NĐ 61/2018), the rest of the budget runs from the answer.
  While a pause is open there is no due date (``None``); ``remaining_minutes`` gives the frozen
  balance. Any number of rounds. Each pause says what it waited for (``PauseKind``).
* **What stops the clock** (``ClockRules``). Waiting for the applicant does not count against the
  agency: by default both the supplement rounds and the wait for the applicant's payment (status
  6, from the fee request to the confirmed payment) pause the clock. A procedure whose own text
  says otherwise sets ``supplement_pauses`` or ``fee_pauses`` to false in its catalogue entry
  (``clock_rules``); ``ClockRules.pauses_for`` is the one place that decides.
* **Supplement rounds.** Every request is counted. The law asks for the documents to be listed
  *once* (NĐ 61/2018 art. 16, 19); a second or later request is accepted only with a stated
  reason why it was not asked for the first time (``repeat_supplement_refusal``).
* **Extension** (apology, Mẫu 04). The new appointment is fixed by the leader, once per dossier
  (``ExtensionAlreadyUsed`` on a second time) and must be later than the current due date
  (``ExtensionNotLater``). A supplement round opened *after* the extension moves the new date by
  the working time it lasted.
* **Apology warning.** Two working days (``APOLOGY_WARNING_DAYS``) before the due date the
  officer is told that an apology is due (``apology_due_soon``); the apology itself must come at
  least one working day before (``apology_in_time``).
* **Timeliness** (``classify``), as in Vietnamese reporting:
  *early* ("trước hạn") - finished on an earlier calendar day (VN time) than the due date's day;
  *on time* ("đúng hạn") - finished on the due date's day, no later than the due time;
  *late* ("quá hạn") - finished after the due time. Compared to the minute. The same function
  classifies each hand-over against the step's own deadline (``classify_handover``).
* **Remaining time text** counts working time, 1 day = 8 working hours, rounded down.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Literal, TypedDict

from .calendar import (
    MINUTES_PER_WORKING_DAY,
    WorkingCalendar,
    days_to_minutes,
    floor_minute,
)
from .states import Timeliness


class DeadlineError(ValueError):
    """Invalid deadline operation."""


class ExtensionAlreadyUsed(DeadlineError):
    """The appointment was already extended once (apology letters are one per dossier)."""

    def __init__(self) -> None:
        super().__init__("the appointment may be extended only once")


class ExtensionNotLater(DeadlineError):
    """The new appointment is not after the current one."""

    def __init__(self, current_due: datetime, new_due: datetime):
        self.current_due, self.new_due = current_due, new_due
        super().__init__(
            f"new appointment {new_due.isoformat()} is not after {current_due.isoformat()}"
        )


def due_at(received_at: datetime, processing_days: float, calendar: WorkingCalendar) -> datetime:
    """The appointment: ``processing_days`` working days of 8 hours after ``received_at``."""
    minutes = days_to_minutes(processing_days)
    if minutes <= 0:
        raise ValueError("processing time must be positive")
    return calendar.add_working_minutes(received_at, minutes)


def legal_days(processing_days: float, *, online_days: float | None = None, remote_days: float | None = None,
               online: bool = False, remote: bool = False) -> float:
    """The legal time limit of one dossier: the procedure's limit, or its longer limit for remote
    and difficult areas when the handling agency is in one (``remote``); an online filing gets
    the procedure's shorter online limit if it has one."""
    days = remote_days if remote and remote_days else processing_days
    if online and online_days:
        days = min(days, online_days)
    return days


def extend_due(current_due: datetime, new_due: datetime, *, already_extended: bool) -> datetime:
    """Check an apology's new appointment and return it (VN time, whole minutes)."""
    if already_extended:
        raise ExtensionAlreadyUsed()
    current, new = floor_minute(current_due), floor_minute(new_due)
    if new <= current:
        raise ExtensionNotLater(current, new)
    return new


def apology_in_time(issued_at: datetime, due: datetime, calendar: WorkingCalendar) -> bool:
    """True if the apology comes at least one working day (8 working hours) before ``due``."""
    return calendar.working_minutes_between(issued_at, due) >= MINUTES_PER_WORKING_DAY


#: How many working days before the due date the officer is warned that an apology is due.
APOLOGY_WARNING_DAYS = 2


def apology_due_soon(now: datetime, due: datetime | None, calendar: WorkingCalendar) -> bool:
    """True from ``APOLOGY_WARNING_DAYS`` working days before ``due`` until ``due``: the dossier
    will be late unless finished, and the apology must go out while it still may (at least one
    working day before)."""
    if due is None:
        return False
    left = calendar.working_minutes_between(now, due)
    return 0 < left <= APOLOGY_WARNING_DAYS * MINUTES_PER_WORKING_DAY


def suggested_new_due(due: datetime, extra_minutes: int, calendar: WorkingCalendar) -> datetime:
    """A new appointment for a prepared apology: ``extra_minutes`` of working time (at least one
    working day) after the current due date."""
    return calendar.add_working_minutes(due, max(int(extra_minutes), MINUTES_PER_WORKING_DAY))


def repeat_supplement_refusal(previous_requests: int, repeat_reason: str) -> str | None:
    """Why a supplement request may not be made (``None``: it may). The first request needs only
    its ordinary reason; a second or later one needs the reason why it was not asked for the
    first time (the law asks for the missing documents to be listed once)."""
    if previous_requests > 0 and not (repeat_reason or "").strip():
        return "repeat_reason_required"
    return None


class PauseKind(StrEnum):
    """What a pause of the clock waits for."""

    SUPPLEMENT = "supplement"  # the applicant's supplement (status 5)
    FEE = "fee"  # the applicant's payment (status 6)


@dataclass(frozen=True)
class ClockRules:
    """Which waits for the applicant stop the clock; see the module docstring."""

    supplement_pauses: bool = True
    fee_pauses: bool = True

    KEYS = ("supplement_pauses", "fee_pauses")

    @classmethod
    def from_mapping(cls, data: Mapping[str, object] | None) -> ClockRules:
        """The rules from a catalogue entry's ``clock_rules`` (missing keys: the defaults);
        ``ValueError`` for an unknown key or a value that is not true/false."""
        data = data or {}
        unknown = sorted(set(data) - set(cls.KEYS))
        if unknown:
            raise ValueError(f"unknown clock rules: {unknown}")
        for key, value in data.items():
            if not isinstance(value, bool):
                raise ValueError(f"clock rule {key} must be true or false")
        return cls(**{k: bool(v) for k, v in data.items()})

    def pauses_for(self, kind: PauseKind | str) -> bool:
        """Whether waiting for ``kind`` stops the clock."""
        kind = PauseKind(kind)
        return self.supplement_pauses if kind is PauseKind.SUPPLEMENT else self.fee_pauses


@dataclass(frozen=True)
class Pause:
    """A stop of the clock: from the request to the applicant's answer (``None`` while open)."""

    started_at: datetime
    ended_at: datetime | None = None
    kind: PauseKind = PauseKind.SUPPLEMENT

    def __post_init__(self) -> None:
        object.__setattr__(self, "started_at", floor_minute(self.started_at))
        object.__setattr__(self, "kind", PauseKind(self.kind))
        if self.ended_at is not None:
            object.__setattr__(self, "ended_at", floor_minute(self.ended_at))
            if self.ended_at < self.started_at:
                raise ValueError("a pause cannot end before it starts")

    @property
    def end(self) -> datetime:
        """``ended_at`` of a closed pause (a running clock has only closed ones)."""
        if self.ended_at is None:
            raise DeadlineError("the pause is still open")
        return self.ended_at


@dataclass(frozen=True, eq=False)
class Clock:
    """The processing clock of one dossier: budget, pauses and at most one extension.

    Immutable: ``pause``, ``resume`` and ``extend`` return a new clock.
    """

    started_at: datetime
    budget_minutes: int
    calendar: WorkingCalendar
    pauses: tuple[Pause, ...] = ()
    extended_due: datetime | None = None
    extended_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "started_at", floor_minute(self.started_at))
        if isinstance(self.budget_minutes, bool) or not isinstance(self.budget_minutes, int):
            raise TypeError("budget_minutes must be an int")
        if self.budget_minutes <= 0:
            raise ValueError("budget_minutes must be positive")
        pauses = tuple(self.pauses)
        previous_end = self.started_at
        for i, pause in enumerate(pauses):
            if pause.started_at < previous_end:
                raise ValueError("pauses must be in order, after the start and not overlapping")
            if pause.ended_at is None and i != len(pauses) - 1:
                raise ValueError("only the last pause may be open")
            previous_end = pause.ended_at or pause.started_at
        object.__setattr__(self, "pauses", pauses)
        if (self.extended_due is None) != (self.extended_at is None):
            raise ValueError("extended_due and extended_at go together")
        if self.extended_due is not None and self.extended_at is not None:
            object.__setattr__(self, "extended_due", floor_minute(self.extended_due))
            object.__setattr__(self, "extended_at", floor_minute(self.extended_at))

    @classmethod
    def start(
        cls, received_at: datetime, processing_days: float, calendar: WorkingCalendar
    ) -> Clock:
        """A clock started at reception with a budget of ``processing_days`` working days."""
        return cls(received_at, days_to_minutes(processing_days), calendar)

    # -- state ------------------------------------------------------------------------------

    @property
    def is_paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1].ended_at is None

    @property
    def is_extended(self) -> bool:
        return self.extended_due is not None

    def pause(self, at: datetime, kind: PauseKind = PauseKind.SUPPLEMENT) -> Clock:
        """Stop the clock at ``at`` (supplement requested, fee requested)."""
        if self.is_paused:
            raise DeadlineError("the clock is already paused")
        return replace(self, pauses=self.pauses + (Pause(at, None, kind),))

    def resume(self, at: datetime) -> Clock:
        """Restart the clock at ``at`` (the applicant answered, or paid)."""
        if not self.is_paused:
            raise DeadlineError("the clock is not paused")
        last = self.pauses[-1]
        return replace(self, pauses=self.pauses[:-1] + (Pause(last.started_at, at, last.kind),))

    def extend(self, new_due: datetime, at: datetime) -> Clock:
        """Set the apology's new appointment (once; later than the current due date)."""
        if self.is_extended:
            raise ExtensionAlreadyUsed()
        current = self.due_at()
        if current is None:
            raise DeadlineError("no due date while the clock is paused")
        new = extend_due(current, new_due, already_extended=False)
        return replace(self, extended_due=new, extended_at=at)

    # -- computations -----------------------------------------------------------------------

    def due_at(self) -> datetime | None:
        """The current due date, or ``None`` while paused."""
        if self.is_paused:
            return None
        cal = self.calendar
        if self.extended_due is not None and self.extended_at is not None:
            later = [p for p in self.pauses if p.started_at >= self.extended_at]
            paused = sum(cal.working_minutes_between(p.started_at, p.end) for p in later)
            return cal.add_working_minutes(self.extended_due, paused)
        remaining = self.budget_minutes
        segment_start = self.started_at
        for pause in self.pauses:
            running = cal.working_minutes_between(segment_start, pause.started_at)
            if remaining <= running:
                # Due before this pause began: a late pause does not move a passed due date.
                return cal.add_working_minutes(segment_start, remaining)
            remaining -= running
            segment_start = pause.end
        return cal.add_working_minutes(segment_start, remaining)

    def _running_due(self) -> datetime:
        """``due_at`` of a clock known to be running (never ``None``)."""
        due = self.due_at()
        if due is None:
            raise DeadlineError("no due date while the clock is paused")
        return due

    def elapsed_minutes(self, at: datetime) -> int:
        """Working minutes the clock has run from the start until ``at`` (pauses excluded)."""
        cal = self.calendar
        at = floor_minute(at)
        total = 0
        segment_start = self.started_at
        for pause in self.pauses:
            if at <= pause.started_at:
                break
            total += cal.working_minutes_between(segment_start, pause.started_at)
            if pause.ended_at is None or at <= pause.ended_at:
                return total
            segment_start = pause.ended_at
        if at > segment_start:
            total += cal.working_minutes_between(segment_start, at)
        return total

    def remaining_minutes(self, at: datetime) -> int:
        """Working minutes left at ``at``; frozen while paused.

        Once past the due date it is minus the working time since the due date (a supplement
        round opened after the due date does not reduce the delay).
        """
        if self.is_paused:
            before = replace(self, pauses=self.pauses[:-1])._running_due()
            return self.calendar.working_minutes_between(self.pauses[-1].started_at, before)
        return self.calendar.working_minutes_between(at, self._running_due())


def classify(finished_at: datetime, due: datetime) -> Timeliness:
    """Early / on time / late, as defined in the module docstring."""
    finished, due = floor_minute(finished_at), floor_minute(due)
    if finished > due:
        return Timeliness.LATE
    if finished.date() < due.date():
        return Timeliness.EARLY
    return Timeliness.ON_TIME


def classify_handover(step_due: datetime | None, handed_over_at: datetime) -> Timeliness | None:
    """Classify one hand-over against its step's own deadline (fixed when the step was entered,
    ``ProcessPlan.step_due``); ``None`` for a step without a deadline."""
    if step_due is None:
        return None
    return classify(handed_over_at, step_due)


_Unit = Literal["day", "hour", "minute"]


class _Words(TypedDict):
    day: tuple[str, str]
    hour: tuple[str, str]
    minute: tuple[str, str]
    left: str
    overdue: str
    due_now: str
    past_due: str


_WORDS: dict[str, _Words] = {
    "vi": {
        "day": ("ngày", "ngày"),
        "hour": ("giờ", "giờ"),
        "minute": ("phút", "phút"),
        "left": "còn {} làm việc",
        "overdue": "quá hạn {} làm việc",
        "due_now": "đến hạn",
        "past_due": "đã quá hạn",
    },
    "en": {
        "day": ("day", "days"),
        "hour": ("hour", "hours"),
        "minute": ("minute", "minutes"),
        "left": "{} left (working time)",
        "overdue": "{} overdue (working time)",
        "due_now": "due now",
        "past_due": "past due",
    },
}


def _duration_text(minutes: int, words: _Words) -> str:
    days, rest = divmod(minutes, MINUTES_PER_WORKING_DAY)
    hours, mins = divmod(rest, 60)
    parts = []

    def part(n: int, unit: _Unit) -> None:
        singular, plural = words[unit]
        parts.append(f"{n} {singular if n == 1 else plural}")

    if days:
        part(days, "day")
    if hours:
        part(hours, "hour")
    if mins and not days:
        part(mins, "minute")
    return " ".join(parts)


def remaining_text(
    now: datetime, due: datetime, calendar: WorkingCalendar, lang: str = "vi"
) -> str:
    """Working time left as text, saying that it is working time: "còn 1 ngày 3 giờ làm việc",
    "quá hạn 2 ngày làm việc" (``lang="vi"``), "1 day 3 hours left (working time)",
    "2 days 3 hours overdue (working time)" (``lang="en"``).

    Working time between ``now`` and ``due``, 1 day = 8 working hours, rounded down; minutes are
    shown only below one day. With no working minute between them: "đến hạn" / "due now", or
    "đã quá hạn" / "past due" when ``now`` is after ``due`` (e.g. Saturday after a Friday due).
    """
    words = _WORDS.get(lang.split("_")[0].split("-")[0].lower())
    if words is None:
        raise ValueError(f"unsupported language {lang!r}")
    minutes = calendar.working_minutes_between(now, due)
    if minutes == 0:
        return words["past_due"] if floor_minute(now) > floor_minute(due) else words["due_now"]
    template = words["left"] if minutes > 0 else words["overdue"]
    return template.format(_duration_text(abs(minutes), words))
