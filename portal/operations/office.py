"""The one-stop office's work queue and the working time left on each dossier.

The queue is ONE SQL statement over stored columns (status, due dates, holder, agency) and the
indexes of migration 0005: the page is fetched with ``LIMIT per_page + 1`` (so we know whether
a next page exists without counting the whole agency) and either ``OFFSET`` (page numbers, for
people) or a keyset cursor ``(due_at, id)`` / ``id`` (for programs walking deep pages).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, and_, func, or_, select, text, tuple_

from portal.extensions import db
from portal.models import Dossier, DossierFile, Procedure, User
from portal.models.types import utcnow
from portal.operations.calendar import working_calendar
from portal.text import fold
from workflow.calendar import VN_TZ, WorkingCalendar
from workflow.deadlines import remaining_text
from workflow.states import Channel, Role, Status

#: Statuses in which a dossier is still somebody's work.
OPEN_STATUSES = (
    Status.SUBMITTED.value, Status.ACCEPTED.value, Status.IN_PROCESS.value,
    Status.SUPPLEMENT_REQUESTED.value, Status.AWAITING_FEE.value, Status.PROCESSED.value,
)
#: Statuses whose legal clock runs (a processed dossier's result is ready: no longer late-able).
RUNNING_STATUSES = (
    Status.ACCEPTED.value, Status.IN_PROCESS.value, Status.AWAITING_FEE.value,
)
# Literal, not bound: the planner must see that the query implies ix_dossiers_running_due's predicate.
RUNNING_CLAUSE = text("dossiers.status IN ('accepted', 'in_process', 'awaiting_fee')")
QUEUES = ("work", "new", "mine", "due_soon", "overdue", "supplement", "all")
DUE_SOON_MINUTES = 2 * 8 * 60  # two working days
MAX_PER_PAGE = 100


class QueueError(ValueError):
    """A bad queue parameter (HTTP 422)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class QueueFilter:
    queue: str = "work"
    status: str | None = None
    procedure: str | None = None  # procedure code
    channel: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    q: str = ""
    agency_id: int | None = None  # administrators only
    overdue: bool = False
    page: int = 1
    per_page: int = 25
    cursor: str | None = None

    def validate(self) -> QueueFilter:
        if self.queue not in QUEUES:
            raise QueueError("unknown_queue")
        if self.status and self.status not in {s.value for s in Status}:
            raise QueueError("unknown_status")
        if self.channel and self.channel not in {c.value for c in Channel}:
            raise QueueError("unknown_channel")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise QueueError("bad_per_page")
        if self.page < 1 or self.page > 100_000:
            raise QueueError("bad_page")
        if self.received_from and self.received_to and self.received_from > self.received_to:
            raise QueueError("bad_period")
        self.q = (self.q or "").strip()[:100]
        return self


@dataclass
class QueuePage:
    rows: list
    page: int
    per_page: int
    has_next: bool
    next_cursor: str | None
    ordering: str
    now: datetime = field(default_factory=utcnow)


def _vn_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), VN_TZ).astimezone(UTC)


def ordering_of(flt: QueueFilter) -> str:
    """Work queues go by deadline (most urgent first); "all" and "new" by newest first."""
    return "id" if flt.queue in ("all", "new") and not flt.overdue else "due"


def _encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, ordering: str) -> tuple:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if ordering == "id":
            return (int(raw[0]),)
        due = datetime.fromisoformat(raw[0])
        if due.tzinfo is None:
            raise ValueError
        return due, int(raw[1])
    except (ValueError, TypeError, IndexError, KeyError, json.JSONDecodeError):
        raise QueueError("bad_cursor") from None


def queue_statement(user: User, flt: QueueFilter, now: datetime, due_soon_until: datetime | None = None) -> Select:
    """The queue as one SELECT (no execution): used by the pages, the API and the benchmark."""
    d = Dossier
    applicant_name = d.applicant["full_name"].as_string()
    query = (
        select(
            d.id, d.code, d.status, d.channel, d.source, d.agency_id, d.procedure_id, d.due_at, d.received_at,
            d.submitted_at, d.finished_at, d.paused_since, d.step_key, d.step_due_at, d.holder_role,
            d.holder_id, d.version, applicant_name.label("applicant_name"),
            Procedure.code.label("procedure_code"), Procedure.name_vi.label("procedure_name"),
        )
        .join(Procedure, Procedure.id == d.procedure_id)
        .where(d.status != Status.DRAFT.value)
    )
    if user.role == Role.ADMIN.value:
        if flt.agency_id:
            query = query.where(d.agency_id == flt.agency_id)
    else:
        query = query.where(d.agency_id == user.agency_id)

    if flt.queue == "work":
        query = query.where(d.status.in_(OPEN_STATUSES))
    elif flt.queue == "new":
        query = query.where(d.status == Status.SUBMITTED.value, d.channel == Channel.ONLINE.value)
    elif flt.queue == "mine":
        mine = and_(d.status.in_(OPEN_STATUSES), d.holder_role == user.role,
                    or_(d.holder_id.is_(None), d.holder_id == user.id))
        if user.role == Role.ONE_STOP_OFFICER.value:
            mine = or_(mine, d.status == Status.PROCESSED.value)
        query = query.where(mine)
    elif flt.queue == "due_soon":
        until = due_soon_until or now + timedelta(days=2)
        query = query.where(RUNNING_CLAUSE, d.paused_since.is_(None), d.due_at >= now, d.due_at < until)
    elif flt.queue == "overdue":
        # waiting for the applicant's payment stops the clock: such a dossier is not late meanwhile
        query = query.where(RUNNING_CLAUSE, d.paused_since.is_(None), d.due_at < now)
    elif flt.queue == "supplement":
        query = query.where(d.status == Status.SUPPLEMENT_REQUESTED.value)
    if flt.overdue and flt.queue != "overdue":
        query = query.where(RUNNING_CLAUSE, d.paused_since.is_(None), d.due_at < now)

    if flt.status:
        query = query.where(d.status == flt.status)
    if flt.channel:
        query = query.where(d.channel == flt.channel)
    if flt.procedure:
        query = query.where(Procedure.code == flt.procedure)
    if flt.received_from:
        query = query.where(d.received_at >= _vn_midnight_utc(flt.received_from))
    if flt.received_to:
        query = query.where(d.received_at < _vn_midnight_utc(flt.received_to + timedelta(days=1)))
    if flt.q:
        # Names match without case or diacritics ("nguyen van a" finds "Nguyễn Văn A").
        query = query.where(or_(
            d.code == flt.q.upper(),
            d.code.like(flt.q.upper().replace("%", "").replace("_", "") + "%"),
            d.applicant_search.contains(fold(flt.q), autoescape=True),
        ))

    ordering = ordering_of(flt)
    if ordering == "id":
        query = query.order_by(d.id.desc())
        if flt.cursor:
            (last_id,) = _decode_cursor(flt.cursor, ordering)
            query = query.where(d.id < last_id)
    else:
        # Dossiers without a due date yet (submitted, not received) come last.
        far = datetime(9999, 1, 1, tzinfo=UTC)
        due_key = func.coalesce(d.due_at, far) if flt.queue in ("work", "mine", "all") else d.due_at
        query = query.order_by(due_key, d.id)
        if flt.cursor:
            last_due, last_id = _decode_cursor(flt.cursor, ordering)
            query = query.where(tuple_(due_key, d.id) > tuple_(last_due, last_id)) \
                if db.engine.dialect.name == "postgresql" else \
                query.where(or_(due_key > last_due, and_(due_key == last_due, d.id > last_id)))
    query = query.limit(flt.per_page + 1)
    if not flt.cursor and flt.page > 1:
        query = query.offset((flt.page - 1) * flt.per_page)
    return query


def due_soon_limit(user: User, now: datetime) -> datetime:
    calendar = working_calendar(user.agency_id)
    return calendar.add_working_minutes(now, DUE_SOON_MINUTES)


def queue(user: User, flt: QueueFilter, now: datetime | None = None) -> QueuePage:
    """One page of the queue ``flt`` for ``user`` (scoped to the user's agency)."""
    now = now or utcnow()
    flt.validate()
    until = due_soon_limit(user, now) if flt.queue == "due_soon" else None
    rows = db.session.execute(queue_statement(user, flt, now, until)).all()
    has_next = len(rows) > flt.per_page
    rows = rows[: flt.per_page]
    ordering = ordering_of(flt)
    next_cursor = None
    if has_next and rows:
        last = rows[-1]
        if ordering == "id":
            next_cursor = _encode_cursor([last.id])
        else:
            due = last.due_at or datetime(9999, 1, 1, tzinfo=UTC)
            next_cursor = _encode_cursor([due.isoformat(), last.id])
    return QueuePage(rows=rows, page=flt.page, per_page=flt.per_page, has_next=has_next,
                     next_cursor=next_cursor, ordering=ordering, now=now)


class TimeLeft:
    """Working time left (or overdue) per agency calendar, cached for one page."""

    def __init__(self, now: datetime | None = None, lang: str = "vi", paused_text: str = "tạm dừng: chờ bổ sung",
                 fee_paused_text: str = "tạm dừng: chờ nộp phí"):
        self.now = now or utcnow()
        self.lang = lang
        self.paused_text = paused_text
        self.fee_paused_text = fee_paused_text
        self._calendars: dict[int, WorkingCalendar] = {}

    def __call__(self, row) -> tuple[str, bool]:
        """(text, overdue) for a queue row or a Dossier."""
        if row.due_at is None or row.finished_at is not None:
            return "", False
        if row.paused_since is not None:
            return (self.fee_paused_text if row.status == "awaiting_fee" else self.paused_text), False
        calendar = self._calendars.get(row.agency_id)
        if calendar is None:
            calendar = self._calendars[row.agency_id] = working_calendar(row.agency_id)
        return remaining_text(self.now, row.due_at, calendar, self.lang), row.due_at < self.now


def files_of(dossier_id: int) -> list[DossierFile]:
    return list(db.session.scalars(
        select(DossierFile).where(DossierFile.dossier_id == dossier_id).order_by(DossierFile.id)))
