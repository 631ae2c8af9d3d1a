"""Realistic demo dossiers over the past months (``flask demo generate --dossiers N [--months 12]``).

For demos and benchmarks: a province's dossiers in every channel, level, status and agency,
with supplements, late ones, stops, withdrawals and refusals, received over the ``--months``
months before the reference day (12 by default; e.g. 23 to hold the whole previous calendar
year), with a volume growing by ``GROWTH_PER_YEAR`` (the newest days get a little more than the
oldest). Deterministic for a given ``--seed``, reference day (``--today``) and span: each batch
draws from its own random generator (seed, batch number), so a resumed run writes what an
uninterrupted one would have.

Speed (docs/benchmarks.md): on PostgreSQL each batch is one ``COPY dossiers FROM STDIN`` (ids taken
from the table's sequence beforehand), on SQLite one multi-row INSERT; the code counters of the
batch and the run's progress (``demo_runs``) are written in the batch's transaction, and the
per-day counts (``dossier_day_counts``) are rebuilt once at the end in one statement. A run stopped
half-way keeps its finished batches and codes; the same command (same ``--dossiers``, ``--seed``,
``--today``, ``--months``, ``--batch``, ``--events``) resumes it where it stopped, and the day counts are right
again when it ends (or after ``flask stats rebuild``).

Approximations (documented in docs/benchmarks.md):

* Due dates are exact for the agency's working calendar (holidays, weekends, opening hours), read
  from a table of its working periods (``Timeline``) instead of walking the calendar.
* Supplement pauses are represented by their effect (a later due date), not by a pause list.
* Only the ``--events`` most recent dossiers get an event history (create, submit, accept, with a
  valid hash chain); the others have none, so their receipts and control sheets are not available.
* Demo dossiers carry no e-form snapshot (``form_snapshot`` is empty) to keep the table small.
"""

from __future__ import annotations

import functools
import json
import random
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import click
from flask import current_app
from sqlalchemy import func, insert, select, text, update

from portal.extensions import db
from portal.models import Agency, DemoRun, Dossier, DossierCodeCounter, DossierEvent, Procedure
from portal.models.types import utcnow
from portal.operations.calendar import working_calendar
from portal.operations.events import GENESIS, event_digest
from portal.statistics import daily
from portal.text import dossier_search_text, fold
from portal.transaction import command_boundary
from workflow.calendar import VN_TZ, days_to_minutes
from workflow.codes import MAX_SEQUENCE, format_code
from workflow.deadlines import classify
from workflow.states import Channel

FAMILY = ["Nguyễn", "Lò", "Tòng", "Vàng", "Lường", "Hoàng", "Trần", "Lê", "Phạm", "Giàng", "Sùng", "Tẩn",
          "Lù", "Điêu", "Đỗ", "Bùi", "Quàng", "Mùa", "Chảo", "Hà"]
MIDDLE_M = ["Văn", "Đức", "Minh", "A", "Seo", "Quốc", "Hữu"]
MIDDLE_F = ["Thị", "Thu", "Ngọc", "Hồng", "Mai", "Kim"]
GIVEN = ["Pả", "Hùng", "Dung", "Mai", "Thắng", "Hoa", "Nhung", "Sáng", "Chứ", "Phong", "Lan", "Tuấn", "Hương",
         "Dế", "Chinh", "Quân", "Thảo", "Vân", "Cường", "Xuân", "Tâm", "Long", "Yến", "Bình"]
PLACES = ["Phường Tân Phong", "Phường Đoàn Kết", "Xã Tam Đường", "Xã Than Uyên", "Xã Sìn Hồ", "Xã Phong Thổ",
          "Xã Mường Tè", "Xã Tân Uyên", "Xã Nậm Nhùn", "Xã Bình Lư"]


@dataclass
class ProcedureInfo:
    id: int
    agency_id: int
    identifier: str
    level: int
    days: int
    online_days: int | None
    fee: int
    form_version: int
    steps: list


def _pick(rng: random.Random, items):
    """``rng.choice`` in a quarter of the time (one draw, no rejection sampling)."""
    return items[int(rng.random() * len(items))]


def _between(rng: random.Random, low: int, high: int) -> int:
    """``rng.randint`` in a quarter of the time."""
    return low + int(rng.random() * (high - low + 1))


def _name(rng: random.Random) -> str:
    female = rng.random() < 0.5
    middle = _pick(rng, MIDDLE_F if female else MIDDLE_M)
    return f"{_pick(rng, FAMILY)} {middle} {_pick(rng, GIVEN)}"


def _channel(rng: random.Random, level: int) -> str:
    r = rng.random()
    online = 0.62 if level == 4 else 0.22 if level == 3 else 0.0
    if r < online:
        return Channel.ONLINE.value
    return Channel.POST.value if r < online + 0.08 else Channel.IN_PERSON.value


def _outcome(rng: random.Random, age_days: float, legal_days: int) -> str:
    """What became of a dossier received ``age_days`` ago (calendar days)."""
    finished_share = min(1.0, max(0.0, (age_days - 0.2) / max(1.0, legal_days * 1.4 + 2)))
    r = rng.random()
    if r < 0.02:
        return "not_accepted"
    if r < 0.035:
        return "withdrawn"
    if r < 0.045:
        return "stopped"
    if r < 0.065 and age_days < 60:
        return "supplement_requested"
    if r < 0.075:  # the backlog: dossiers still open long after their due date
        return _pick(rng, ["in_process", "in_process", "accepted", "awaiting_fee"])
    if rng.random() < finished_share:
        return "refused" if rng.random() < 0.02 else ("returned" if rng.random() < 0.97 or age_days > 14 else "processed")
    return _pick(rng, ["submitted", "accepted", "in_process", "in_process", "in_process", "awaiting_fee"])


#: How much the volume grows in a year: a day a year later receives 10% more dossiers.
GROWTH_PER_YEAR = 0.10


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day if it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    following = date(year + (month == 11), (month + 1) % 12 + 1, 1)
    return date(year, month + 1, min(day.day, (following - timedelta(days=1)).day))


def _growing(u: float, growth: float) -> float:
    """The inverse of the distribution with density proportional to ``1 + growth * x`` on [0, 1):
    maps one uniform draw ``u`` to a position in the span, later positions a little likelier."""
    if growth <= 0:
        return u
    return ((1 + growth * (2 + growth) * u) ** 0.5 - 1) / growth


_EPOCH = date(2000, 1, 1)
_EPOCH_AT = datetime(2000, 1, 1, tzinfo=VN_TZ)


class Timeline:
    """The working periods of one agency's calendar from ``first`` to ``last`` as minute numbers
    (minutes since 2000-01-01 00:00 Vietnam time) with the working minutes before each, so that
    ``add`` equals ``WorkingCalendar.add_working_minutes`` with two bisections instead of a walk."""

    def __init__(self, calendar, first: date, last: date):
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.before: list[int] = []
        self.until: list[int] = []  # working minutes up to the end of each period
        total, day = 0, first
        spans = calendar.working_hours.spans
        while day <= last:
            if calendar.is_working_day(day):
                base = (day - _EPOCH).days * 1440
                for start, end in spans:
                    self.starts.append(base + start)
                    self.ends.append(base + end)
                    self.before.append(total)
                    total += end - start
                    self.until.append(total)
            day += timedelta(days=1)

    def add(self, start: datetime, minutes: int) -> datetime:
        local = start.astimezone(VN_TZ)
        minute = (local.date() - _EPOCH).days * 1440 + local.hour * 60 + local.minute
        if minutes <= 0:
            return _EPOCH_AT + timedelta(minutes=minute)
        i = bisect_right(self.ends, minute)  # the first period that ends after ``start``
        if i == len(self.ends):
            raise ValueError("demo timeline too short")
        target = self.before[i] + max(0, minute - self.starts[i]) + minutes
        j = bisect_left(self.until, target)  # a result on the end of a period stays there
        if j == len(self.until):
            raise ValueError("demo timeline too short")
        return _EPOCH_AT + timedelta(minutes=self.starts[j] + target - self.before[j])


class DueCache:
    """Working calendars and timelines per agency, built once per run."""

    def __init__(self, first: date, last: date):
        self.first, self.last = first, last
        self.calendars: dict[int, object] = {}
        self.timelines: dict[object, Timeline] = {}  # by agency id and by opening hours

    def calendar(self, agency_id: int):
        if agency_id not in self.calendars:
            self.calendars[agency_id] = working_calendar(agency_id)
        return self.calendars[agency_id]

    def due(self, agency_id: int, start: datetime, minutes: int) -> datetime:
        timeline = self.timelines.get(agency_id)
        if timeline is None:  # agencies with the same opening hours share one
            calendar = self.calendar(agency_id)
            spans = calendar.working_hours.spans
            if spans not in self.timelines:
                self.timelines[spans] = Timeline(calendar, self.first, self.last)
            timeline = self.timelines[agency_id] = self.timelines[spans]
        return timeline.add(start, minutes)


def _reception_time(rng: random.Random, day: date) -> datetime:
    minute = _pick(rng, [_between(rng, 7 * 60, 11 * 60 + 29), _between(rng, 13 * 60 + 30, 16 * 60 + 59)])
    return datetime(day.year, day.month, day.day, minute // 60, minute % 60, _between(rng, 0, 59), tzinfo=VN_TZ)


def _working_days(cache: DueCache, agency_id: int, first: date, last: date) -> list[date]:
    calendar = cache.calendar(agency_id)
    days, d = [], first
    while d <= last:
        if calendar.is_working_day(d):
            days.append(d)
        d += timedelta(days=1)
    return days


#: The columns a demo dossier is written with, in the order of the COPY rows.
COLUMNS = (
    "id", "code", "procedure_id", "agency_id", "applicant_id", "applicant", "applicant_search", "channel", "source",
    "status", "form_version", "form_snapshot", "form_data", "step_key", "step_started_at", "step_due_at", "holder_id",
    "holder_role", "submitted_at", "received_at", "budget_minutes", "pauses", "paused_since", "resume_status",
    "due_at", "original_due_at", "extended_at", "extended_due_at", "finished_at", "returned_at", "timeliness",
    "result_kind", "result_proposed", "result_signed", "fee_amount", "fee_paid_at", "has_files", "rated_at",
    "created_at", "updated_at", "version", "last_event_hash", "search_text", "supplement_requests",
)


class _Plan:
    """What a run needs besides the random draws: procedures, weights, calendars, sequences."""

    def __init__(self, seed: int, today: date, months: int = 12):
        self.today = today
        self.now = datetime.combine(today, datetime.min.time(), VN_TZ).replace(hour=17)
        self.procedures = [
            ProcedureInfo(p.id, p.agency_id, ident, p.level, p.processing_days or 1, p.online_processing_days,
                          p.fee_amount or 0, p.form_version, p.steps)
            for p, ident in db.session.execute(
                select(Procedure, Agency.identifier).join(Agency, Agency.id == Procedure.agency_id)
                .where(Procedure.is_published.is_(True)).order_by(Procedure.id))
        ]
        if not self.procedures:
            raise ValueError("no procedures: load the catalogue first (flask catalogue load)")
        rng = random.Random(seed)
        # Busier procedures: civil status and residence dominate a province's counters.
        self.weights = [rng.uniform(0.3, 3.0) * (4 if p.level == 4 else 1) for p in self.procedures]
        first_day = months_before(today, months)
        self.growth = GROWTH_PER_YEAR * (today - first_day).days / 365
        self.cache = DueCache(first_day - timedelta(days=1), today + timedelta(days=3 * 366))
        self.days_by_agency = {p.agency_id: _working_days(self.cache, p.agency_id, first_day, today)
                               for p in self.procedures}
        self.sequences: dict[tuple[int, date], int] = {}
        self.existing = {(r.agency_id, r.day): r.last_sequence for r in db.session.scalars(select(DossierCodeCounter))}
        self.touched: set[tuple[int, date]] = set()
        self.prefixes: dict[tuple[int, date], str] = {}


def generate(n: int, *, seed: int = 2026, today: date | None = None, months: int = 12, batch: int = 5000,
             events: int = 2000, progress: Callable[[int], None] | None = None) -> dict:
    """Insert ``n`` dossiers received over the ``months`` months before ``today``; returns counts by
    status (of the dossiers written by this call).

    Commits per batch (it is a bulk loader, not a use case). An unfinished run with the same
    parameters (``demo_runs``) is resumed instead of starting a new one.
    """
    today = today or datetime.now(VN_TZ).date()
    if months < 1:
        raise ValueError("the span is at least one month")
    run = unfinished_run(n, seed=seed, today=today, months=months, batch=batch, events=events)
    if run is None:
        run = DemoRun(seed=seed, reference_day=today, months=months, total=n, batch=batch, events=events, done=0)
        db.session.add(run)
        _commit_batch()
    elif progress and run.done:
        progress(run.done)
    plan = _Plan(seed, today, months)
    counts: dict[str, int] = {}
    dialect = db.session.get_bind().dialect.name
    for number, first in enumerate(range(0, n, batch)):
        if first < run.done:
            continue
        size = min(batch, n - first)
        rng = random.Random(seed * 1_000_003 + number)
        ids = iter(_new_ids(dialect, size))
        with _writer(dialect) as write:
            for i, proc in enumerate(rng.choices(plan.procedures, weights=plan.weights, k=size)):
                row = _row(rng, plan, proc)
                row["id"] = next(ids)
                counts[row["status"]] = counts.get(row["status"], 0) + 1
                if first + i >= n - events and row["received_at"] is not None:
                    row["last_event_hash"] = _events(row)
                write(_derived(row))
        _store_counters(plan)
        db.session.execute(update(DemoRun).where(DemoRun.id == run.id).values(done=first + size))
        _commit_batch()
        if progress:
            progress(size)
    rebuild_day_counts()
    db.session.execute(update(DemoRun).where(DemoRun.id == run.id).values(finished_at=utcnow()))
    _commit_batch()
    return counts


def unfinished_run(n: int, *, seed: int, today: date, months: int = 12, batch: int, events: int) -> DemoRun | None:
    """The newest run with these parameters that did not finish (it is resumed), if any."""
    return db.session.scalar(select(DemoRun).where(
        DemoRun.seed == seed, DemoRun.reference_day == today, DemoRun.months == months, DemoRun.total == n,
        DemoRun.batch == batch,
        DemoRun.events == events, DemoRun.finished_at.is_(None)).order_by(DemoRun.id.desc()).limit(1))


def rebuild_day_counts() -> int:
    """The per-day counts from every dossier, in one INSERT ... SELECT (after the DELETE)."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":  # JIT compiling the CASEs costs more than it saves
        connection.execute(text("SET LOCAL jit = off"))
        connection.execute(text("SET LOCAL work_mem = '128MB'"))
    rows = daily.rebuild(connection)
    if connection.dialect.name == "postgresql":
        connection.execute(text("ANALYZE dossiers"))
        connection.execute(text("ANALYZE dossier_day_counts"))
    return rows


def _commit_batch() -> None:
    """The one place this bulk loader commits, once per batch and at the end. Deliberately not one
    transaction per command (``command_boundary``): a run of millions of dossiers would hold one
    transaction for minutes, and the progress bar shows batches that are stored (a run stopped
    half-way keeps its finished batches: dossiers, events, code counters and its progress)."""
    db.session.commit()


def _new_ids(dialect: str, size: int) -> list[int]:
    """Ids for the next ``size`` dossiers: from the table's sequence on PostgreSQL (concurrent
    writers take other numbers), after the largest id on SQLite (one writer at a time)."""
    if dialect == "postgresql":
        return sorted(db.session.scalars(text("SELECT nextval(pg_get_serial_sequence('dossiers', 'id')) "
                                               "FROM generate_series(1, :n)"), {"n": size}))
    last = db.session.scalar(select(func.max(Dossier.id))) or 0
    return list(range(last + 1, last + size + 1))


@contextmanager
def _writer(dialect: str):
    """A function that writes one dossier row: streamed into one ``COPY dossiers FROM STDIN``
    per batch on PostgreSQL (the server stores rows while the next ones are drawn), collected
    for one multi-row INSERT on SQLite."""
    if dialect != "postgresql":
        rows: list[dict] = []
        yield rows.append
        if rows:
            db.session.execute(insert(Dossier.__table__), [_utc(row) for row in rows])
        return
    connection = db.session.connection()
    connection.execute(text("SET LOCAL synchronous_commit = off"))  # demo data: a lost batch is redone
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY dossiers ({', '.join(COLUMNS)}) FROM STDIN") as copy:  # noqa: S608 (fixed names)
        lines: list[str] = []

        def write(row: dict) -> None:
            lines.append(_copy_line(row))
            if len(lines) >= 500:
                copy.write("".join(lines))
                lines.clear()

        yield write
        if lines:
            copy.write("".join(lines))


_EMPTY_LIST, _EMPTY_DICT = "[]", "{}"


def _copy_line(row: dict) -> str:
    """The row in COPY's text format: NULL as \\N, booleans as t/f, numbers, timestamps with their
    offset ("2026-03-04 08:12:33+07:00"), text as it is (the generator's texts have no tab, new
    line or backslash, except the JSON of the applicant, whose backslashes are doubled)."""
    row["applicant"] = json.dumps(row["applicant"], ensure_ascii=False).replace("\\", "\\\\")
    row["pauses"] = json.dumps(row["pauses"]) if row["pauses"] else _EMPTY_LIST
    row["form_snapshot"], row["form_data"] = _EMPTY_LIST, _EMPTY_DICT
    return "\t".join([
        "\\N" if value is None else value if value.__class__ is str
        else ("t" if value else "f") if value.__class__ is bool else str(value)
        for value in map(row.__getitem__, COLUMNS)]) + "\n"


def _next_code(plan: _Plan, proc: ProcedureInfo, local_day) -> str:
    key = (proc.agency_id, local_day)
    sequence = plan.sequences.get(key)
    if sequence is None:
        sequence = plan.existing.get(key, 0)
    sequence = plan.sequences[key] = sequence + 1
    plan.touched.add(key)
    prefix = plan.prefixes.get(key)
    if prefix is None or sequence > MAX_SEQUENCE:  # format_code checks the parts once per day
        code = format_code(proc.identifier, local_day, sequence)
        prefix = plan.prefixes[key] = code[:-4]
        return code
    return f"{prefix}{sequence:04d}"


@functools.lru_cache(maxsize=65536)
def _folded(name: str) -> str:
    return fold(name)


def _row(rng, plan: _Plan, proc: ProcedureInfo) -> dict:
    now, cache = plan.now, plan.cache
    days = plan.days_by_agency[proc.agency_id]
    day = days[int(_growing(rng.random(), plan.growth) * len(days))]
    received = _reception_time(rng, day)
    if received > now:
        received = now - timedelta(hours=1)
    age = (now - received).total_seconds() / 86400
    channel = _channel(rng, proc.level)
    legal = min(proc.days, proc.online_days) if channel == Channel.ONLINE.value and proc.online_days else proc.days
    outcome = _outcome(rng, age, legal)
    a_name = _name(rng)
    place = _pick(rng, PLACES)
    applicant = {"full_name": a_name, "id_number": f"0{_between(rng, 10, 99)}{_between(rng, 10**8, 10**9 - 1)}",
                 "phone": f"09{_between(rng, 10**7, 10**8 - 1)}", "address": f"{place}, tỉnh Lai Châu"}
    budget = days_to_minutes(legal)
    row = {
        "id": None, "code": None, "procedure_id": proc.id, "agency_id": proc.agency_id, "applicant_id": None,
        "applicant": applicant, "applicant_search": _folded(a_name), "channel": channel, "source": "portal",
        "status": outcome, "form_version": proc.form_version,
        "form_snapshot": [], "form_data": {}, "step_key": None, "step_started_at": None, "step_due_at": None,
        "holder_id": None, "holder_role": None, "submitted_at": received - timedelta(minutes=_between(rng, 5, 600))
        if channel == Channel.ONLINE.value else received, "received_at": received, "budget_minutes": budget,
        "pauses": [], "paused_since": None, "resume_status": None, "supplement_requests": 0, "due_at": None,
        "original_due_at": None,
        "extended_at": None, "extended_due_at": None, "finished_at": None, "returned_at": None, "timeliness": None,
        "result_kind": None, "result_proposed": False, "result_signed": False, "fee_amount": proc.fee,
        "fee_paid_at": None, "has_files": False, "rated_at": None, "created_at": received, "updated_at": received,
        "version": 3, "last_event_hash": None,
    }
    if outcome in ("submitted", "not_accepted") or (outcome == "withdrawn" and rng.random() < 0.3):
        # Never received: no clock; an online filing has the code it was given at submission.
        row.update(received_at=None, budget_minutes=None)
        if channel == Channel.ONLINE.value:
            row["code"] = _next_code(plan, proc, row["submitted_at"].date())
        if outcome == "not_accepted":
            row["finished_at"] = received + timedelta(hours=rng.uniform(0.5, 6))
        if outcome == "withdrawn":
            row["finished_at"] = received + timedelta(days=rng.uniform(0.1, 3))
        row["created_at"] = row["updated_at"] = row["submitted_at"]
        return row
    row["code"] = _next_code(plan, proc, (row["submitted_at"] if channel == Channel.ONLINE.value else received).date())
    due = cache.due(proc.agency_id, received, budget)
    row["due_at"] = row["original_due_at"] = due
    supplemented = rng.random() < 0.08
    if supplemented:  # the clock stopped for a few days while the applicant completed the file
        due = cache.due(proc.agency_id, due, days_to_minutes(_between(rng, 1, 5)))
        row["due_at"] = due
    steps = proc.steps
    if outcome in ("returned", "processed", "refused", "stopped", "withdrawn"):
        late = rng.random() < 0.06
        span = (due - received).total_seconds()
        finished = due + timedelta(hours=rng.uniform(2, 120)) if late else received + timedelta(
            seconds=span * rng.uniform(0.35, 1.0))
        if finished > now:
            finished = now - timedelta(minutes=_between(rng, 1, 600))
            finished = max(finished, received + timedelta(minutes=5))
        row["finished_at"] = finished
        if outcome in ("returned", "processed", "refused"):
            row["timeliness"] = classify(finished, due).value
            row["result_proposed"] = row["result_signed"] = True
            row["result_kind"] = "refused" if outcome == "refused" else "granted"
            row["status"] = "processed" if outcome == "processed" else "returned"
            if row["status"] == "returned":
                row["returned_at"] = min(now, finished + timedelta(hours=rng.uniform(0.5, 72)))
            if steps and steps[-1]["role"] == "one_stop_officer" and row["status"] == "processed":
                row["step_key"], row["holder_role"] = steps[-1]["key"], steps[-1]["role"]
        if proc.fee:
            row["fee_paid_at"] = received
        row["version"] = 4 + len(steps)
        row["updated_at"] = row["returned_at"] or finished
    elif outcome == "supplement_requested":
        row["paused_since"] = received + timedelta(hours=rng.uniform(1, 40))
        row["resume_status"] = "in_process"
        row["supplement_requests"] = 1
    else:
        if outcome == "accepted":
            step = steps[0]
        else:
            step = _pick(rng, steps[1:-1] or steps)
        row["step_key"], row["holder_role"] = step["key"], step["role"]
        row["step_started_at"] = received + timedelta(hours=rng.uniform(0.1, 8))
        row["step_due_at"] = cache.due(proc.agency_id, row["step_started_at"], int(step["hours"] * 60))
        if outcome == "awaiting_fee" and not proc.fee:
            row["status"] = "in_process"
        elif outcome == "awaiting_fee":  # waiting for the payment stops the clock (ClockRules)
            row["paused_since"] = row["step_started_at"]
        if rng.random() < 0.03 and due > now:  # apologised once, with a later date
            row["extended_at"] = received + timedelta(days=1)
            row["due_at"] = row["extended_due_at"] = due + timedelta(days=7)
    return row


def _derived(row: dict) -> dict:
    """What the ORM would derive on a dossier, for a bulk write (COPY or Core INSERT: no listener):
    the queue's search text and the open pause with what it waits for."""
    row["search_text"] = dossier_search_text(row["code"], row["applicant"])
    if row["paused_since"] is not None:
        kind = "fee" if row["status"] == "awaiting_fee" else "supplement"
        row["pauses"] = [[row["paused_since"].astimezone(UTC).isoformat(), None, kind]]
    row.setdefault("supplement_requests", 0)
    return row


def _utc(row: dict) -> dict:
    for key, value in row.items():
        if isinstance(value, datetime):
            row[key] = value.astimezone(UTC)
    return row


def _events(row: dict) -> str:
    """create, submit, accept events with a valid hash chain for one of the most recent dossiers
    (added to the session's connection after the batch's dossiers); returns the last hash."""
    name = row["applicant"]["full_name"]
    prev = GENESIS
    specs = [("create", None, "draft", row["submitted_at"], name, "citizen"),
             ("submit", "draft", "submitted", row["submitted_at"], name, "citizen"),
             ("accept", "submitted", "accepted", row["received_at"], "Cán bộ tiếp nhận (dữ liệu mẫu)",
              "one_stop_officer")]
    pending = db.session.info.setdefault("portal.demo.events", [])
    for seq, (action, before, after, at, actor, role) in enumerate(specs, 1):
        event = SimpleNamespace(
            dossier_id=row["id"], seq=seq, at=at.astimezone(UTC), actor_id=None, actor_name=actor, actor_role=role,
            agency_id=row["agency_id"] if role != "citizen" else None, action=action, from_status=before,
            to_status=after, from_step=None, to_step=None, comment=None,
            due_at=row["original_due_at"].astimezone(UTC) if action == "accept" else None, step_due_at=None,
            step_timeliness=None, payload={"demo": True}, prev_hash=prev)
        event.hash = event_digest(event)  # the same digest as a DossierEvent's
        prev = event.hash
        pending.append(vars(event))
    return prev


def _store_counters(plan: _Plan) -> None:
    """Record the sequences used by this batch (so that real receptions, and the next batch of
    a resumed run, continue after them), and the events of its newest dossiers."""
    if plan.touched:
        keys = sorted(plan.touched)
        plan.touched.clear()
        values = [plan.sequences[key] for key in keys]
        if db.session.get_bind().dialect.name == "postgresql":  # one statement, arrays for parameters
            db.session.execute(text(
                "INSERT INTO dossier_code_counters (agency_id, day, last_sequence) "
                "SELECT * FROM unnest(CAST(:agencies AS integer[]), CAST(:days AS date[]), CAST(:values AS integer[])) "
                "ON CONFLICT (agency_id, day) DO UPDATE SET last_sequence = EXCLUDED.last_sequence"),
                {"agencies": [a for a, _d in keys], "days": [d for _a, d in keys], "values": values})
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert

            table = DossierCodeCounter.__table__
            statement = upsert(table)
            statement = statement.on_conflict_do_update(index_elements=[table.c.agency_id, table.c.day],
                                                        set_={"last_sequence": statement.excluded.last_sequence})
            db.session.execute(statement, [{"agency_id": a, "day": d, "last_sequence": v}
                                           for (a, d), v in zip(keys, values, strict=True)])
    pending = db.session.info.pop("portal.demo.events", None)
    if pending:
        db.session.execute(insert(DossierEvent.__table__), pending)


def dossier_count() -> int:
    return db.session.scalar(select(func.count(Dossier.id))) or 0


@click.command("generate", help="Sinh hồ sơ mẫu của những tháng qua (mọi kênh, trạng thái, cơ quan) "
                                "cho trình diễn và đo hiệu năng.")
@click.option("--dossiers", "n", type=click.IntRange(1, 5_000_000), default=10_000, show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True, help="Cùng seed và ngày: cùng dữ liệu.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Ngày tham chiếu (mặc định hôm nay).")
@click.option("--months", type=click.IntRange(1, 120), default=12, show_default=True,
              help="Hồ sơ tiếp nhận trong bấy nhiêu tháng trước ngày tham chiếu (23: trọn năm trước).")
@click.option("--batch", type=click.IntRange(100, 50_000), default=5000, show_default=True)
@click.option("--events", type=click.IntRange(0, 1_000_000), default=2000, show_default=True,
              help="Số hồ sơ gần nhất có lịch sử sự kiện (tạo, nộp, tiếp nhận).")
@click.option("--if-empty", is_flag=True, help="Không làm gì nếu đã có hồ sơ (dùng cho make run).")
@command_boundary  # around the batches: rolls back the unfinished batch of a failed run
def generate_command(n, seed, today, months, batch, events, if_empty):
    if current_app.config["PORTAL_ENV"] == "production":
        raise click.ClickException("Không sinh dữ liệu mẫu trong môi trường production.")
    if if_empty and dossier_count():
        click.echo(f"Đã có {dossier_count()} hồ sơ; không sinh thêm.")
        return
    day = today.date() if today else datetime.now(VN_TZ).date()
    resumed = unfinished_run(n, seed=seed, today=day, months=months, batch=batch, events=events)
    if resumed is not None:
        click.echo(f"Tiếp tục lần sinh dở dang (seed {seed}, ngày {day:%d/%m/%Y}): đã có {resumed.done}/{n} hồ sơ.")
    started = time.perf_counter()
    with click.progressbar(length=n, label="Đang sinh hồ sơ mẫu") as bar:
        try:
            counts = generate(n, seed=seed, today=day, months=months, batch=batch, events=events,
                              progress=bar.update)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
    made = sum(counts.values())
    click.echo(f"Đã tạo {made} hồ sơ trong {time.perf_counter() - started:.1f} giây "
               f"({made / max(time.perf_counter() - started, 1e-9):,.0f} hồ sơ/giây):")
    for status, count in sorted(counts.items(), key=lambda item: -item[1]):
        click.echo(f"  {status:<22} {count}")
