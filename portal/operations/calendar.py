"""The working calendar as the administrators configured it: public holidays from the
``holidays`` package, announced overrides, and opening hours per agency."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import select

from portal.extensions import db
from portal.models import CalendarOverride, WorkingHoursSetting
from portal.models.types import utcnow
from portal.operations import audit
from portal.operations.errors import DomainError
from workflow.calendar import WorkingCalendar, WorkingHours

DEFAULT_PERIODS = [["07:00", "11:30"], ["13:30", "17:00"]]


class CalendarError(DomainError):
    """A refused change of the working calendar; ``code`` keys the message."""


def _parse_periods(periods: list[list[str]]) -> WorkingHours:
    try:
        parsed = tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in periods)
        return WorkingHours(parsed)
    except (TypeError, ValueError):
        raise CalendarError("bad_working_hours") from None


def working_calendar(agency_id: int | None = None) -> WorkingCalendar:
    """The calendar of ``agency_id`` (its own opening hours if set, else the province default)."""
    settings = {
        row.agency_id: row.periods
        for row in db.session.scalars(
            select(WorkingHoursSetting).where(
                (WorkingHoursSetting.agency_id == agency_id) | WorkingHoursSetting.agency_id.is_(None)
            )
        )
    }
    periods = settings.get(agency_id) or settings.get(None) or DEFAULT_PERIODS
    overrides = db.session.execute(select(CalendarOverride.day, CalendarOverride.kind)).all()
    return WorkingCalendar(
        working_hours=_parse_periods(periods),
        extra_days_off={d for d, kind in overrides if kind == "day_off"},
        extra_working_days={d for d, kind in overrides if kind == "working_day"},
    )


class LazyCalendar:
    """``working_calendar(agency_id)``, read at its first use: an action that moves no clock
    (a submission, a proposal, a signature) reads neither opening hours nor overrides."""

    def __init__(self, agency_id: int | None = None):
        self._agency_id = agency_id
        self._calendar: WorkingCalendar | None = None

    def __getattr__(self, name: str):
        if self._calendar is None:
            self._calendar = working_calendar(self._agency_id)
        return getattr(self._calendar, name)


def set_override(day: date, kind: str, note: str, by=None) -> CalendarOverride:
    if kind not in ("day_off", "working_day"):
        raise CalendarError("bad_kind")
    if not note or not note.strip():
        raise CalendarError("note_required")
    row = db.session.get(CalendarOverride, day)
    before = (row.kind, row.note) if row else None
    if row is None:
        row = CalendarOverride(day=day, kind=kind, note=note.strip(), created_by_id=by.id if by else None)
        db.session.add(row)
    else:
        row.kind, row.note = kind, note.strip()
    db.session.flush()
    audit.record("calendar.override_set", user=by, object_type="calendar_day", object_id=day.isoformat(),
                 kind=kind, note=note.strip(), before=before)
    return row


def remove_override(day: date, by=None) -> bool:
    row = db.session.get(CalendarOverride, day)
    if row is None:
        return False
    audit.record("calendar.override_removed", user=by, object_type="calendar_day", object_id=day.isoformat(),
                 kind=row.kind, note=row.note)
    db.session.delete(row)
    db.session.flush()
    return True


def set_working_hours(periods: list[list[str]], agency_id: int | None = None, by=None) -> WorkingHoursSetting:
    hours = _parse_periods(periods)
    if hours.minutes_per_day < 60:
        raise CalendarError("bad_working_hours")
    normalized = [[a.strftime("%H:%M"), b.strftime("%H:%M")] for a, b in hours.periods]
    row = db.session.scalar(select(WorkingHoursSetting).where(
        WorkingHoursSetting.agency_id == agency_id if agency_id is not None else WorkingHoursSetting.agency_id.is_(None)))
    if row is None:
        row = WorkingHoursSetting(agency_id=agency_id, periods=normalized)
        db.session.add(row)
    else:
        row.periods, row.updated_at = normalized, utcnow()
    db.session.flush()
    audit.record("calendar.working_hours_set", user=by, object_type="agency", object_id=agency_id, periods=normalized)
    return row


#: The ``holidays`` package's language for each language of the portal.
HOLIDAY_LANGUAGES = {"vi": "vi", "en": "en_US"}


def named_public_holidays(year: int, locale: str = "vi") -> dict[date, str]:
    """The statutory days off of ``year`` with their names in the reader's language."""
    return working_calendar().public_holiday_names(year, HOLIDAY_LANGUAGES.get(locale, "vi"))


def list_overrides(year: int | None = None) -> list[CalendarOverride]:
    query = select(CalendarOverride).order_by(CalendarOverride.day)
    if year:
        query = query.where(CalendarOverride.day >= date(year, 1, 1), CalendarOverride.day <= date(year, 12, 31))
    return list(db.session.scalars(query))
