"""Realistic demo dossiers over the past twelve months (``flask demo generate --dossiers N``).

For demos and benchmarks: a province-year of dossiers in every channel, level, status and agency,
with supplements, late ones, stops, withdrawals and refusals. Deterministic for a given ``--seed``
and reference day. Rows are written with SQLAlchemy Core bulk inserts in batches.

Approximations (documented in docs/benchmarks.md):

* Due dates use the agency's working calendar (holidays, weekends, opening hours), computed once
  per (agency, 30-minute reception slot, legal days) and shifted by the minutes into the slot;
  a slot that straddles the lunch break or closing time can be off by that remainder.
* Supplement pauses are represented by their effect (a later due date), not by a pause list.
* Only the ``--events`` most recent dossiers get an event history (create, submit, accept, with a
  valid hash chain); the others have none, so their receipts and control sheets are not available.
* Demo dossiers carry no e-form snapshot (``form_snapshot`` is empty) to keep the table small.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import click
from flask import current_app
from sqlalchemy import func, insert, select

from portal.extensions import db
from portal.models import Agency, Dossier, DossierCodeCounter, DossierEvent, Procedure
from portal.operations.calendar import working_calendar
from portal.operations.events import GENESIS, event_digest
from portal.statistics import daily
from portal.text import fold
from portal.transaction import command_boundary
from workflow.calendar import VN_TZ, days_to_minutes
from workflow.codes import format_code
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


def _name(rng: random.Random) -> str:
    female = rng.random() < 0.5
    middle = rng.choice(MIDDLE_F if female else MIDDLE_M)
    return f"{rng.choice(FAMILY)} {middle} {rng.choice(GIVEN)}"


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
        return rng.choice(["in_process", "in_process", "accepted", "awaiting_fee"])
    if rng.random() < finished_share:
        return "refused" if rng.random() < 0.02 else ("returned" if rng.random() < 0.97 or age_days > 14 else "processed")
    return rng.choice(["submitted", "accepted", "in_process", "in_process", "in_process", "awaiting_fee"])


class DueCache:
    """Due dates per (agency, 30-minute slot, budget), shifted by the minutes into the slot."""

    def __init__(self):
        self.calendars: dict[int, object] = {}
        self.cache: dict[tuple, datetime] = {}

    def calendar(self, agency_id: int):
        if agency_id not in self.calendars:
            self.calendars[agency_id] = working_calendar(agency_id)
        return self.calendars[agency_id]

    def due(self, agency_id: int, start: datetime, minutes: int) -> datetime:
        slot = start.replace(minute=(start.minute // 30) * 30, second=0, microsecond=0)
        key = (agency_id, slot, minutes)
        if key not in self.cache:
            self.cache[key] = self.calendar(agency_id).add_working_minutes(slot, minutes)
        return self.cache[key] + (start - slot)


def _reception_time(rng: random.Random, day: date) -> datetime:
    minute = rng.choice([rng.randint(7 * 60, 11 * 60 + 29), rng.randint(13 * 60 + 30, 16 * 60 + 59)])
    return datetime(day.year, day.month, day.day, minute // 60, minute % 60, rng.randint(0, 59), tzinfo=VN_TZ)


def _working_days(cache: DueCache, agency_id: int, first: date, last: date) -> list[date]:
    calendar = cache.calendar(agency_id)
    days, d = [], first
    while d <= last:
        if calendar.is_working_day(d):
            days.append(d)
        d += timedelta(days=1)
    return days


def generate(n: int, *, seed: int = 2026, today: date | None = None, batch: int = 5000, events: int = 2000,
             progress: Callable[[int], None] | None = None) -> dict:
    """Insert ``n`` dossiers received over the 12 months before ``today``; returns counts by status.

    Commits per batch (it is a bulk loader, not a use case).
    """
    rng = random.Random(seed)
    today = today or datetime.now(VN_TZ).date()
    now = datetime.combine(today, datetime.min.time(), VN_TZ).replace(hour=17)
    procedures = [
        ProcedureInfo(p.id, p.agency_id, ident, p.level, p.processing_days or 1, p.online_processing_days,
                      p.fee_amount or 0, p.form_version, p.steps)
        for p, ident in db.session.execute(
            select(Procedure, Agency.identifier).join(Agency, Agency.id == Procedure.agency_id)
            .where(Procedure.is_published.is_(True)).order_by(Procedure.id))
    ]
    if not procedures:
        raise ValueError("no procedures: load the catalogue first (flask catalogue load)")
    # Busier procedures: civil status and residence dominate a province's counters.
    weights = [rng.uniform(0.3, 3.0) * (4 if p.level == 4 else 1) for p in procedures]
    cache = DueCache()
    first_day = today - timedelta(days=365)
    days_by_agency = {p.agency_id: _working_days(cache, p.agency_id, first_day, today) for p in procedures}
    sequences: dict[tuple[int, date], int] = {}
    existing = dict(((r.agency_id, r.day), r.last_sequence) for r in db.session.scalars(select(DossierCodeCounter)))
    counts: dict[str, int] = {}
    table = Dossier.__table__
    rows: list[dict] = []
    with_events: list[tuple[dict, ProcedureInfo]] = []
    done = 0
    chosen = rng.choices(procedures, weights=weights, k=n)
    for i, proc in enumerate(chosen):
        day = rng.choice(days_by_agency[proc.agency_id])
        received = _reception_time(rng, day)
        if received > now:
            received = now - timedelta(hours=1)
        age = (now - received).total_seconds() / 86400
        channel = _channel(rng, proc.level)
        legal = min(proc.days, proc.online_days) if channel == Channel.ONLINE.value and proc.online_days else proc.days
        outcome = _outcome(rng, age, legal)
        row = _row(rng, proc, channel, received, legal, outcome, now, cache, sequences, existing)
        rows.append(row)
        counts[row["status"]] = counts.get(row["status"], 0) + 1
        if i >= n - events and row["received_at"] is not None:
            with_events.append((row, proc))
        if len(rows) >= batch:
            _flush(table, rows, with_events)
            done += len(rows)
            rows, with_events = [], []
            if progress:
                progress(batch)
    if rows:
        _flush(table, rows, with_events)
        if progress:
            progress(len(rows))
    _store_counters(sequences, existing)
    _commit_batch()
    return counts


def _commit_batch() -> None:
    """The one place this bulk loader commits, once per batch and at the end. Deliberately not one
    transaction per command (``command_boundary``): a run of millions of dossiers would hold one
    transaction for minutes, and the progress bar shows batches that are stored (a run stopped
    half-way keeps its finished batches, which are consistent: dossiers, day counts, events)."""
    db.session.commit()


def _next_code(proc: ProcedureInfo, local_day, sequences, existing) -> str:
    key = (proc.agency_id, local_day)
    sequences[key] = sequences.get(key, existing.get(key, 0)) + 1
    return format_code(proc.identifier, local_day, sequences[key])


def _row(rng, proc: ProcedureInfo, channel, received, legal, outcome, now, cache: DueCache, sequences, existing) -> dict:
    a_name = _name(rng)
    place = rng.choice(PLACES)
    applicant = {"full_name": a_name, "id_number": f"0{rng.randint(10, 99)}{rng.randint(10**8, 10**9 - 1)}",
                 "phone": f"09{rng.randint(10**7, 10**8 - 1)}", "address": f"{place}, tỉnh Lai Châu"}
    budget = days_to_minutes(legal)
    row = {
        "code": None, "procedure_id": proc.id, "agency_id": proc.agency_id, "applicant_id": None,
        "applicant": applicant, "applicant_search": fold(a_name), "channel": channel, "status": outcome, "form_version": proc.form_version,
        "form_snapshot": [], "form_data": {}, "step_key": None, "step_started_at": None, "step_due_at": None,
        "holder_id": None, "holder_role": None, "submitted_at": received - timedelta(minutes=rng.randint(5, 600))
        if channel == Channel.ONLINE.value else received, "received_at": received, "budget_minutes": budget,
        "pauses": [], "paused_since": None, "resume_status": None, "supplement_requests": 0, "due_at": None,
        "original_due_at": None,
        "extended_at": None, "extended_due_at": None, "finished_at": None, "returned_at": None, "timeliness": None,
        "result_kind": None, "result_proposed": False, "result_signed": False, "fee_amount": proc.fee,
        "fee_paid_at": None, "rated_at": None, "created_at": received, "updated_at": received, "version": 3,
        "last_event_hash": None,
    }
    if outcome in ("submitted", "not_accepted") or (outcome == "withdrawn" and rng.random() < 0.3):
        # Never received: no clock; an online filing has the code it was given at submission.
        row.update(received_at=None, budget_minutes=None)
        if channel == Channel.ONLINE.value:
            row["code"] = _next_code(proc, row["submitted_at"].date(), sequences, existing)
        if outcome == "not_accepted":
            row["finished_at"] = received + timedelta(hours=rng.uniform(0.5, 6))
        if outcome == "withdrawn":
            row["finished_at"] = received + timedelta(days=rng.uniform(0.1, 3))
        row["created_at"] = row["updated_at"] = row["submitted_at"]
        return _utc(row)
    row["code"] = _next_code(proc, (row["submitted_at"] if channel == Channel.ONLINE.value else received).date(),
                             sequences, existing)
    due = cache.due(proc.agency_id, received, budget)
    row["due_at"] = row["original_due_at"] = due
    supplemented = rng.random() < 0.08
    if supplemented:  # the clock stopped for a few days while the applicant completed the file
        due = cache.due(proc.agency_id, due, days_to_minutes(rng.randint(1, 5)))
        row["due_at"] = due
    steps = proc.steps
    if outcome in ("returned", "processed", "refused", "stopped", "withdrawn"):
        late = rng.random() < 0.06
        span = (due - received).total_seconds()
        finished = due + timedelta(hours=rng.uniform(2, 120)) if late else received + timedelta(
            seconds=span * rng.uniform(0.35, 1.0))
        if finished > now:
            finished = now - timedelta(minutes=rng.randint(1, 600))
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
            step = rng.choice(steps[1:-1] or steps)
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
    return _utc(row)


def _utc(row: dict) -> dict:
    for key, value in row.items():
        if isinstance(value, datetime):
            row[key] = value.astimezone(UTC)
    if row["paused_since"] is not None:
        kind = "fee" if row["status"] == "awaiting_fee" else "supplement"
        row["pauses"] = [[row["paused_since"].isoformat(), None, kind]]
    return row


def _flush(table, rows: list[dict], with_events: list[tuple[dict, ProcedureInfo]]) -> None:
    """One chunk in one transaction: the dossiers, their day counts, and events for the newest."""
    ids = dict(db.session.execute(insert(table).returning(table.c.code, table.c.id), rows).all())
    daily.count_dossiers(db.session.connection(), ids.values())  # bulk INSERT: outside the ORM flush
    if with_events:
        _events(ids, with_events)
    _commit_batch()


def _events(ids: dict[str, int], with_events: list[tuple[dict, ProcedureInfo]]) -> None:
    """create, submit, accept events with a valid hash chain for the most recent dossiers."""
    event_rows, anchors = [], {}
    for row, _proc in with_events:
        dossier_id = ids.get(row["code"])
        if dossier_id is None:
            continue
        name = row["applicant"]["full_name"]
        prev = GENESIS
        specs = [("create", None, "draft", row["submitted_at"], name, "citizen"),
                 ("submit", "draft", "submitted", row["submitted_at"], name, "citizen"),
                 ("accept", "submitted", "accepted", row["received_at"], "Cán bộ tiếp nhận (dữ liệu mẫu)",
                  "one_stop_officer")]
        for seq, (action, before, after, at, actor, role) in enumerate(specs, 1):
            event = DossierEvent(dossier_id=dossier_id, seq=seq, at=at, actor_id=None, actor_name=actor,
                                 actor_role=role, agency_id=row["agency_id"] if role != "citizen" else None,
                                 action=action, from_status=before, to_status=after, from_step=None, to_step=None,
                                 comment=None, due_at=row["original_due_at"] if action == "accept" else None,
                                 step_due_at=None, step_timeliness=None, payload={"demo": True}, prev_hash=prev)
            event.hash = event_digest(event)
            prev = event.hash
            event_rows.append({c: getattr(event, c) for c in (
                "dossier_id", "seq", "at", "actor_id", "actor_name", "actor_role", "agency_id", "action",
                "from_status", "to_status", "from_step", "to_step", "comment", "due_at", "step_due_at",
                "step_timeliness", "payload", "prev_hash", "hash")})
        anchors[dossier_id] = prev
    if event_rows:
        db.session.execute(insert(DossierEvent.__table__), event_rows)
        for dossier_id, last_hash in anchors.items():
            db.session.execute(Dossier.__table__.update().where(Dossier.__table__.c.id == dossier_id)
                               .values(last_event_hash=last_hash))


def _store_counters(sequences: dict, existing: dict) -> None:
    """Record the sequences used, so that real receptions continue after them."""
    table = DossierCodeCounter.__table__
    for (agency_id, day), last in sequences.items():
        if (agency_id, day) in existing:
            db.session.execute(table.update().where(table.c.agency_id == agency_id, table.c.day == day)
                               .values(last_sequence=last))
    new = [{"agency_id": a, "day": d, "last_sequence": s} for (a, d), s in sequences.items() if (a, d) not in existing]
    for start in range(0, len(new), 5000):
        db.session.execute(insert(table), new[start:start + 5000])


def dossier_count() -> int:
    return db.session.scalar(select(func.count(Dossier.id))) or 0


@click.command("generate", help="Sinh hồ sơ mẫu của 12 tháng qua (mọi kênh, trạng thái, cơ quan) "
                                "cho trình diễn và đo hiệu năng.")
@click.option("--dossiers", "n", type=click.IntRange(1, 5_000_000), default=10_000, show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True, help="Cùng seed và ngày: cùng dữ liệu.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Ngày tham chiếu (mặc định hôm nay).")
@click.option("--batch", type=click.IntRange(100, 50_000), default=5000, show_default=True)
@click.option("--events", type=click.IntRange(0, 1_000_000), default=2000, show_default=True,
              help="Số hồ sơ gần nhất có lịch sử sự kiện (tạo, nộp, tiếp nhận).")
@click.option("--if-empty", is_flag=True, help="Không làm gì nếu đã có hồ sơ (dùng cho make run).")
@command_boundary  # around the batches: rolls back the unfinished batch of a failed run
def generate_command(n, seed, today, batch, events, if_empty):
    if current_app.config["PORTAL_ENV"] == "production":
        raise click.ClickException("Không sinh dữ liệu mẫu trong môi trường production.")
    if if_empty and dossier_count():
        click.echo(f"Đã có {dossier_count()} hồ sơ; không sinh thêm.")
        return
    started = time.perf_counter()
    with click.progressbar(length=n, label="Đang sinh hồ sơ mẫu") as bar:
        try:
            counts = generate(n, seed=seed, today=today.date() if today else None, batch=batch, events=events,
                              progress=bar.update)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"Đã tạo {n} hồ sơ trong {time.perf_counter() - started:.1f} giây:")
    for status, count in sorted(counts.items(), key=lambda item: -item[1]):
        click.echo(f"  {status:<22} {count}")
