"""Reporting periods: month, quarter, 6 months, 9 months, year, custom range; each named period
on the calendar or on the reporting cut-off of Nghị định 09/2019/NĐ-CP.

The rule: a period is the half-open interval [start, end) of *Vietnam* calendar days
(UTC+07:00), i.e. from 00:00 on its first day up to, not including, 00:00 on the day after its
last day. A dossier received at 23:59:59 on 31/03 belongs to March and to Q1; one received at
00:00 on 01/04 belongs to April. Adjacent periods therefore never share or lose a dossier.

People read a range as "from 01/01 to 31/12" (both days included): ``Period.last_day`` is that
inclusive last day, and ``custom(first, last)`` takes it. The page (``start``/``until``) and the
API (``from``/``to``) both name the first and the *last* day included, so ``from=to`` is one day
(docs/statistics.md, "Periods").

Reporting cut-off (``basis="nd09"``, Nghị định 09/2019/NĐ-CP, Điều 12 "Thời gian chốt số liệu"):
the figures of a periodic report run from the 15th of the month before the period to the 14th of
the period's last month: month 3/2025 = 15/02/2025 - 14/03/2025; quarter 1/2025 = 15/12/2024 -
14/03/2025; 6 months = 15/12/2024 - 14/06/2025; year 2025 = 15/12/2024 - 14/12/2025. The decree
names monthly, quarterly, 6-month and yearly reports; 9 months follows the same rule (15/12/2024 -
14/09/2025), an extension marked "check" in docs/statistics.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from portal.labels import PERIOD_CUTOFF_TITLE, PERIOD_TITLES
from workflow.calendar import VN_TZ

KINDS = ("month", "quarter", "half", "nine_months", "year", "custom")
#: ``calendar``: the named period's calendar days; ``nd09``: its reporting cut-off (NĐ 09/2019).
BASES = ("calendar", "nd09")
CUTOFF_DAY = 15  # a cut-off period starts on the 15th and ends with the 14th
MAX_DAYS = 366 * 10  # a custom range longer than ten years is a typing mistake


class PeriodError(ValueError):
    """A period that cannot exist (month 13, end before start, ...); ``code`` keys the message
    (``portal.messages``)."""

    @property
    def code(self) -> str:
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class Period:
    start: date  # first day, included
    end: date  # first day after the period, excluded
    kind: str = "custom"
    basis: str = "calendar"

    def __post_init__(self):
        if self.end <= self.start:
            raise PeriodError("end_not_after_start")
        if (self.end - self.start).days > MAX_DAYS:
            raise PeriodError("too_long")

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time(0), tzinfo=VN_TZ)

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.end, time(0), tzinfo=VN_TZ)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def label(self) -> str:
        """The period named in the reader's language, e.g. "Quý 1/2025", "Tháng 3/2025",
        "01/01/2025 - 15/02/2025" (``portal.labels.PERIOD_TITLES``)."""
        title = PERIOD_TITLES.get(self.kind)
        days = f"{self.start:%d/%m/%Y} - {self.last_day:%d/%m/%Y}"
        if title is None:
            return days
        named = self.named_as()
        number = (named.month - 1) // 3 + 1 if self.kind == "quarter" else named.month
        text = str(title) % {"number": number, "year": named.year}
        if self.basis == "nd09":
            return str(PERIOD_CUTOFF_TITLE) % {"title": text, "days": days}
        return text

    def named_as(self) -> date:
        """The first day of the calendar period this period is named after (for a cut-off
        period, the month after its start: 15/12/2024 - 14/03/2025 is quarter 1/2025)."""
        return _add_months(date(self.start.year, self.start.month, 1), 1) if self.basis == "nd09" else self.start

    def months(self) -> list[Period]:
        """The calendar months of the period, the first and last clipped to the period."""
        result = []
        cursor = self.start
        while cursor < self.end:
            following = _add_months(date(cursor.year, cursor.month, 1), 1)
            piece_end = min(following, self.end)
            kind = "month" if cursor.day == 1 and piece_end == following else "custom"
            result.append(Period(cursor, piece_end, kind))
            cursor = piece_end
        return result


def _add_months(day: date, n: int) -> date:
    index = day.year * 12 + day.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise PeriodError("year_out_of_range")


def month(year: int, number: int) -> Period:
    _check_year(year)
    if not 1 <= number <= 12:
        raise PeriodError("month_out_of_range")
    first = date(year, number, 1)
    return Period(first, _add_months(first, 1), "month")


def quarter(year: int, number: int) -> Period:
    _check_year(year)
    if not 1 <= number <= 4:
        raise PeriodError("quarter_out_of_range")
    first = date(year, 3 * (number - 1) + 1, 1)
    return Period(first, _add_months(first, 3), "quarter")


def first_half(year: int) -> Period:
    """6 tháng đầu năm: 01/01 - 30/06."""
    _check_year(year)
    return Period(date(year, 1, 1), date(year, 7, 1), "half")


def nine_months(year: int) -> Period:
    """9 tháng đầu năm: 01/01 - 30/09."""
    _check_year(year)
    return Period(date(year, 1, 1), date(year, 10, 1), "nine_months")


def year(year_: int) -> Period:
    _check_year(year_)
    return Period(date(year_, 1, 1), date(year_ + 1, 1, 1), "year")


def custom(first_day: date, last_day: date) -> Period:
    """From ``first_day`` to ``last_day``, both included (as people say it); one day when they
    are the same day."""
    if last_day < first_day:
        raise PeriodError("end_before_start")
    return Period(first_day, last_day + timedelta(days=1), "custom")


def cutoff(period: Period) -> Period:
    """The reporting cut-off of a named calendar period (Nghị định 09/2019/NĐ-CP, Điều 12): from
    the 15th of the month before its first month to the 14th of its last month."""
    if period.kind == "custom":
        raise PeriodError("cutoff_needs_named_period")
    first_month = date(period.start.year, period.start.month, 1)
    start = _add_months(first_month, -1).replace(day=CUTOFF_DAY)
    end = date(period.last_day.year, period.last_day.month, CUTOFF_DAY)
    return Period(start, end, period.kind, "nd09")


def build(kind: str, year_: int | None = None, number: int | None = None,
          first_day: date | None = None, last_day: date | None = None, basis: str = "calendar") -> Period:
    """A period from the dashboard's (or the API's) choices; ``PeriodError`` when they do not
    make one. ``basis="nd09"`` gives the reporting cut-off of the named period."""
    if basis not in BASES:
        raise PeriodError("unknown_period_basis")
    if basis == "nd09":
        if kind == "custom":
            raise PeriodError("cutoff_needs_named_period")
        return cutoff(build(kind, year_, number))
    if kind == "custom":
        if first_day is None or last_day is None:
            raise PeriodError("custom_needs_dates")
        return custom(first_day, last_day)
    if year_ is None:
        raise PeriodError("year_missing")
    if kind == "month":
        return month(year_, number or 0)
    if kind == "quarter":
        return quarter(year_, number or 0)
    if kind == "half":
        return first_half(year_)
    if kind == "nine_months":
        return nine_months(year_)
    if kind == "year":
        return year(year_)
    raise PeriodError("unknown_period_kind")


def parse_day(text: str) -> date:
    """YYYY-MM-DD (the API) or DD/MM/YYYY; ``PeriodError`` otherwise."""
    text = (text or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise PeriodError("bad_date")
