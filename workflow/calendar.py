"""Working calendar: which days are working days and which minutes are working minutes.

Time zone
    Vietnam uses UTC+7 all year (no daylight saving time), ``VN_TZ``. Every public function takes
    *aware* datetimes in any time zone and returns aware datetimes in ``VN_TZ``; a naive datetime
    raises ``ValueError``.

Precision
    All arithmetic is done in whole minutes, with integers. Seconds and microseconds of an input
    are dropped (a dossier received at 16:59:40 counts as received at 16:59), so results are exact
    and never drift.

Working days
    A date is a working day unless it is a weekend day (``weekend``, Saturday and Sunday by
    default) or a public day off, with two explicit overrides set by the administrator:

    * ``extra_working_days`` - e.g. a Saturday the government swapped into a working day
      ("làm bù"). Wins over weekends and public holidays.
    * ``extra_days_off`` - announced extra days off (e.g. a bridge day, a province's own day off).

    A date may not be in both sets.

Public holidays
    By default they come from the ``holidays`` package (``VietnamHolidays``), which implements
    art. 112 of the Labour Code 2019: New Year (1/1), Tết Nguyên Đán by the lunar calendar (the
    eve and the first four days, with the days falling on a weekend moved to adjacent working
    days), Giỗ Tổ Hùng Vương (10/3 lunar), 30/4, 1/5, 2/9 plus one adjacent day, observed days
    for holidays that fall on a weekend, and (from 2026) Ngày Văn hoá Việt Nam 24/11. It also
    lists the Government's announced day-off swaps it knows about (e.g. 31/8/2026 off in exchange
    for Saturday 22/8/2026); ``VietnamHolidays`` turns the swapped Saturdays of that table into
    working days.

    What version 0.109 of the package returns, compared with the announced plans:

    * Tết 2026 (Bính Ngọ): Mon 16/2 - Fri 20/2 (eve .. 4th day). With the weekends around it that
      is 14/2 - 22/2, the 9 days of the civil-service plan.
    * Tết 2027 (Đinh Mùi, 1st day Sat 6/2): Thu 4/2 (29 Tết) - Wed 10/2 (5th day), 7 days.
    * Giỗ Tổ 2026: Sun 26/4, observed Mon 27/4. 30/4 (Thu) and 1/5 (Fri) 2026.
    * Quốc khánh 2026: Tue 1/9 and Wed 2/9, plus Mon 31/8 (swapped with Sat 22/8).

    The package only knows the statutory days and the swaps published when it was released. Any
    plan the Government announces later (extra Tết days for civil servants, swapped Saturdays)
    must be entered by the administrator through ``extra_days_off`` / ``extra_working_days``.
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Protocol

VN_TZ = timezone(timedelta(hours=7), "ICT")

MINUTES_PER_WORKING_DAY = 8 * 60  # "1 working day = 8 working hours", whatever the opening hours

# A calendar without a single working day for this long is misconfigured.
_MAX_SEARCH_DAYS = 3 * 366


def to_vn(dt: datetime) -> datetime:
    """``dt`` converted to ``VN_TZ``; ``ValueError`` for a naive datetime."""
    if not isinstance(dt, datetime):
        raise TypeError(f"expected a datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        raise ValueError(f"naive datetime {dt.isoformat()}: give a time zone (e.g. VN_TZ)")
    return dt.astimezone(VN_TZ)


def floor_minute(dt: datetime) -> datetime:
    """``dt`` in ``VN_TZ`` without seconds: the whole minute all arithmetic works with."""
    return to_vn(dt).replace(second=0, microsecond=0)


def _local_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return to_vn(value).date()
    return value


def _minute_of_day(t: time) -> int:
    return t.hour * 60 + t.minute


def _at(day: date, minute_of_day: int) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=VN_TZ) + timedelta(minutes=minute_of_day)


@dataclass(frozen=True)
class WorkingHours:
    """Opening periods of one working day, e.g. 07:00-11:30 and 13:30-17:00 (8 hours).

    Periods are whole minutes, in order, non-empty and non-overlapping (touching is allowed, so
    08:00-12:00 + 12:00-16:00 is a valid way to describe 08:00-16:00).
    """

    periods: tuple[tuple[time, time], ...] = (
        (time(7, 0), time(11, 30)),
        (time(13, 30), time(17, 0)),
    )

    def __post_init__(self) -> None:
        periods = tuple((start, end) for start, end in self.periods)
        if not periods:
            raise ValueError("working hours need at least one period")
        previous_end = -1
        for start, end in periods:
            for t in (start, end):
                if not isinstance(t, time):
                    raise TypeError(f"working hours periods are datetime.time, got {t!r}")
                if t.second or t.microsecond or t.tzinfo is not None:
                    raise ValueError(f"working hours are whole minutes, local time: {t!r}")
            if _minute_of_day(start) >= _minute_of_day(end):
                raise ValueError(f"period {start}-{end} ends before it starts")
            if _minute_of_day(start) < previous_end:
                raise ValueError(f"period {start}-{end} overlaps or precedes the previous one")
            previous_end = _minute_of_day(end)
        object.__setattr__(self, "periods", periods)

    @property
    def spans(self) -> tuple[tuple[int, int], ...]:
        """The periods as (start, end) minutes since midnight."""
        return tuple((_minute_of_day(s), _minute_of_day(e)) for s, e in self.periods)

    @property
    def minutes_per_day(self) -> int:
        return sum(end - start for start, end in self.spans)

    @property
    def opening(self) -> time:
        return self.periods[0][0]

    @property
    def closing(self) -> time:
        return self.periods[-1][1]


class HolidaysProvider(Protocol):
    """Source of public days off (and of government-swapped working days) per year."""

    def days_off(self, year: int) -> Iterable[date]: ...

    def working_days(self, year: int) -> Iterable[date]: ...


class NoHolidays:
    """No public holidays at all (weekends and the explicit overrides only)."""

    def days_off(self, year: int) -> Iterable[date]:
        return ()

    def working_days(self, year: int) -> Iterable[date]:
        return ()


class VietnamHolidays:
    """Vietnamese public holidays from the ``holidays`` package (Labour Code 2019 art. 112).

    ``working_days`` returns the Saturdays/Sundays the package's table of announced swaps names
    as the day a substitute day off was taken from (e.g. Sat 22/8/2026 for Mon 31/8/2026), so a
    swap never removes a working day from the calendar.
    """

    def days_off(self, year: int) -> Iterable[date]:
        import holidays

        return set(holidays.country_holidays("VN", years=year).keys())

    def names(self, year: int, language: str = "vi") -> dict[date, str]:
        """The name of each public day off of ``year`` in ``language`` ("vi" or "en_US", the
        package's translations)."""
        import holidays

        return dict(holidays.country_holidays("VN", years=year, language=language).items())

    def working_days(self, year: int) -> Iterable[date]:
        try:
            from holidays.countries.vietnam import VietnamStaticHolidays
        except ImportError:  # pragma: no cover - older or restructured package
            return ()
        table = getattr(VietnamStaticHolidays, "special_public_holidays", {}) or {}
        result: set[date] = set()
        for table_year, entries in table.items():
            if entries and isinstance(entries[0], int):
                entries = (entries,)
            for entry in entries:
                # (month, day, from_month, from_day[, from_year]): day off taken in exchange for
                # working on from_day.
                if len(entry) not in (4, 5):
                    continue
                from_year = entry[4] if len(entry) == 5 else table_year
                worked = date(from_year, entry[2], entry[3])
                if worked.year == year:
                    result.add(worked)
        return result


@dataclass
class WorkingCalendar:
    """Working days and hours of one agency; see the module docstring for the rules."""

    working_hours: WorkingHours = field(default_factory=WorkingHours)
    weekend: tuple[int, ...] = (5, 6)  # date.weekday(): Saturday, Sunday
    extra_days_off: Iterable[date] = ()
    extra_working_days: Iterable[date] = ()
    holidays_provider: HolidaysProvider | None = None

    def __post_init__(self) -> None:
        self.weekend = tuple(sorted(set(self.weekend)))
        if any(d not in range(7) for d in self.weekend):
            raise ValueError(f"weekend days are 0 (Monday) .. 6 (Sunday): {self.weekend}")
        self.extra_days_off = frozenset(self.extra_days_off)
        self.extra_working_days = frozenset(self.extra_working_days)
        both = self.extra_days_off & self.extra_working_days
        if both:
            raise ValueError(f"dates both off and working: {sorted(both)}")
        self._holidays: HolidaysProvider = self.holidays_provider or VietnamHolidays()
        self.holidays_provider = self._holidays
        self._days_off: dict[int, frozenset[date]] = {}
        self._swapped: dict[int, frozenset[date]] = {}
        self._ordinals: dict[int, list[int]] = {}
        self._spans = self.working_hours.spans

    # -- days -------------------------------------------------------------------------------

    def public_days_off(self, year: int) -> frozenset[date]:
        """Public holidays of ``year`` according to the provider (cached)."""
        if year not in self._days_off:
            self._days_off[year] = frozenset(self._holidays.days_off(year))
            self._swapped[year] = frozenset(self._holidays.working_days(year))
        return self._days_off[year]

    def public_holiday_names(self, year: int, language: str = "vi") -> dict[date, str]:
        """Public holidays of ``year``, in date order, with their names in ``language`` when the
        provider has names (``VietnamHolidays.names``), else an empty name."""
        days = sorted(self.public_days_off(year))
        names = getattr(self._holidays, "names", None)
        named = names(year, language) if callable(names) else {}
        return {d: named.get(d, "") for d in days}

    def is_working_day(self, d: date | datetime) -> bool:
        """True if ``d`` (a date, or the VN-local date of an aware datetime) is a working day."""
        d = _local_date(d)
        if d in self.extra_working_days:
            return True
        if d in self.extra_days_off:
            return False
        if d in self.public_days_off(d.year):
            return False
        if d in self._swapped[d.year]:
            return True
        return d.weekday() not in self.weekend

    def next_working_day(self, d: date, *, include: bool = False) -> date:
        """The first working day after ``d`` (or ``d`` itself when ``include`` and working)."""
        current = d if include else d + timedelta(days=1)
        for _ in range(_MAX_SEARCH_DAYS):
            if self.is_working_day(current):
                return current
            current += timedelta(days=1)
        raise ValueError("the calendar has no working day for years: check its configuration")

    def working_days_between(self, a: date | datetime, b: date | datetime) -> int:
        """Working days ``d`` with ``a < d <= b`` (by VN-local date); negative when ``b < a``.

        Friday -> next Monday is 1; a date to itself is 0.
        """
        start, end = _local_date(a), _local_date(b)
        if end < start:
            return -self.working_days_between(end, start)
        return self.working_days_in(start + timedelta(days=1), end)

    # -- minutes ----------------------------------------------------------------------------

    def _is_open(self, dt: datetime) -> bool:
        if not self.is_working_day(dt.date()):
            return False
        minute = dt.hour * 60 + dt.minute
        return any(start <= minute < end for start, end in self._spans)

    def next_working_moment(self, dt: datetime) -> datetime:
        """``dt`` itself if the office is open then, else the next opening moment.

        A reception at closing time or later, at lunch, or on a day off counts from the next
        opening: 17:00 Friday -> 07:00 Monday; 11:30 -> 13:30.
        """
        dt = floor_minute(dt)
        day = dt.date()
        minute = dt.hour * 60 + dt.minute
        if self.is_working_day(day):
            for start, end in self._spans:
                if minute < end:
                    return _at(day, max(minute, start))
        day = self.next_working_day(day)
        return _at(day, self._spans[0][0])

    def add_working_minutes(self, start: datetime, minutes: int) -> datetime:
        """The earliest moment at which ``minutes`` working minutes have passed since ``start``.

        End-of-period rule: a result that falls exactly on the end of a period stays there -
        a due date that uses up the last minute of the day is 17:00 that day, never 07:00 the
        next working morning (and 11:30, not 13:30). ``minutes == 0`` returns ``start``
        (floored to the minute, in VN_TZ).
        """
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            raise TypeError(f"minutes must be an int, got {minutes!r}")
        if minutes < 0:
            raise ValueError("minutes must be >= 0")
        current = floor_minute(start)
        if minutes == 0:
            return current
        remaining = minutes
        day = current.date()
        minute = current.hour * 60 + current.minute
        per_day = self.working_hours.minutes_per_day
        for _ in range(_MAX_SEARCH_DAYS + remaining // per_day + 1):
            if self.is_working_day(day):
                for start_m, end_m in self._spans:
                    if minute >= end_m:
                        continue
                    begin = max(minute, start_m)
                    available = end_m - begin
                    if remaining <= available:
                        return _at(day, begin + remaining)
                    remaining -= available
            day += timedelta(days=1)
            minute = 0
        raise ValueError("the calendar has no working time for years: check its configuration")

    def working_minutes_between(self, a: datetime, b: datetime) -> int:
        """Working minutes in ``[a, b)``; signed: negative when ``b`` is before ``a``.

        The two partial days at the ends are walked minute-span by minute-span; the whole days
        in between are counted from the sorted working days of each year (a dossier overdue for
        months costs two bisections, not a loop over every day).
        """
        a, b = floor_minute(a), floor_minute(b)
        if b < a:
            return -self.working_minutes_between(b, a)
        first, last = a.date(), b.date()
        if first == last:
            return self._minutes_on(first, a.hour * 60 + a.minute, b.hour * 60 + b.minute)
        whole_days = self.working_days_in(first + timedelta(days=1), last - timedelta(days=1))
        return (self._minutes_on(first, a.hour * 60 + a.minute, 24 * 60)
                + whole_days * self.working_hours.minutes_per_day
                + self._minutes_on(last, 0, b.hour * 60 + b.minute))

    def _minutes_on(self, day: date, low: int, high: int) -> int:
        """Working minutes of ``day`` between minute-of-day ``low`` and ``high``."""
        if not self.is_working_day(day):
            return 0
        return sum(max(0, min(end_m, high) - max(start_m, low)) for start_m, end_m in self._spans)

    def working_days_in(self, first: date, last: date) -> int:
        """Working days ``d`` with ``first <= d <= last`` (0 when ``last < first``)."""
        count = 0
        for year in range(first.year, last.year + 1):
            ordinals = self._working_ordinals(year)
            count += bisect_right(ordinals, last.toordinal()) - bisect_left(ordinals, first.toordinal())
        return max(count, 0)

    # -- what a calculation used ------------------------------------------------------------

    def entries_between(self, first: date, last: date) -> list[tuple[date, str]]:
        """The days of ``first`` .. ``last`` (VN-local dates) on which this calendar departs from
        the plain week, in date order, each with its kind: ``public_holiday`` (the holidays
        provider), ``day_off`` (an announced extra day off), ``working_day`` (an announced
        working day, e.g. a swapped Saturday) or ``swapped_working_day`` (a swap the provider
        knows). These, with the opening hours and the weekend, are what an appointment computed
        over that span depends on."""
        entries: list[tuple[date, str]] = []
        day = first
        while day <= last:
            if day in self.extra_working_days:
                entries.append((day, "working_day"))
            elif day in self.extra_days_off:
                entries.append((day, "day_off"))
            elif day in self.public_days_off(day.year):
                entries.append((day, "public_holiday"))
            elif day in self._swapped[day.year] and day.weekday() in self.weekend:
                entries.append((day, "swapped_working_day"))
            day += timedelta(days=1)
        return entries

    def fingerprint(self, first: date, last: date) -> str:
        """SHA-256 of everything a working-time calculation over ``first`` .. ``last`` depends
        on: opening hours, weekend and ``entries_between``. The same calendar gives the same
        hash; any change that could move an appointment in that span gives another."""
        content = {
            "span": [first.isoformat(), last.isoformat()],
            "hours": [list(span) for span in self._spans],
            "weekend": list(self.weekend),
            "entries": [[d.isoformat(), kind] for d, kind in self.entries_between(first, last)],
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()

    def _working_ordinals(self, year: int) -> list[int]:
        """The working days of ``year`` as sorted ordinals (cached per calendar)."""
        if year not in self._ordinals:
            day, days = date(year, 1, 1), []
            while day.year == year:
                if self.is_working_day(day):
                    days.append(day.toordinal())
                day += timedelta(days=1)
            self._ordinals[year] = days
        return self._ordinals[year]



def hours_to_minutes(hours: float) -> int:
    """Whole minutes in ``hours`` (rounded to the nearest minute); ``ValueError`` if negative."""
    if isinstance(hours, bool):
        raise TypeError("hours must be a number")
    minutes = round(hours * 60)
    if minutes < 0:
        raise ValueError("hours must be >= 0")
    return int(minutes)


def days_to_minutes(days: float) -> int:
    """Working minutes in ``days`` working days of 8 hours (rounded to the minute)."""
    return hours_to_minutes(days * 8)
