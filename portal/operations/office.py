"""The one-stop office's work queue, its tab counts, bulk hand-overs and the working time left
on each dossier.

The queue is ONE SQL statement over stored columns (status, due dates, holder, agency) and the
indexes of migrations 0005 and 0021: the page is fetched with ``LIMIT per_page + 1`` (so we know
whether a next page exists without counting the whole agency) and either ``OFFSET`` (page
numbers, for people) or a keyset cursor ``(due_at, id)`` / ``(submitted_at, id)`` / ``id`` (for
programs walking deep pages). The tab counts come from the maintained tables of
``portal.statistics.queue_counts``; the search box from ``dossiers.search_text``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, String, and_, func, literal, or_, select, text, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal.extensions import db
from portal.models import Dossier, DossierFile, Procedure, User
from portal.models.types import utcnow
from portal.operations import commands, idempotency
from portal.operations.calendar import working_calendar
from portal.operations.dossiers import DossierError, StaleVersion
from portal.statistics import queue_counts
from portal.text import fold, normalize_phone
from workflow.calendar import VN_TZ, WorkingCalendar
from workflow.deadlines import remaining_text
from workflow.states import Action, Channel, Role, Status

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
# The same for ix_dossiers_open_due (the default queue).
OPEN_CLAUSE = text("dossiers.status IN ('submitted', 'accepted', 'in_process', 'supplement_requested', "
                   "'awaiting_fee', 'processed')")
QUEUES = ("work", "new", "mine", "due_soon", "overdue", "supplement", "linked", "all")
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
    counts: dict[str, int] | None = None  # per tab, when asked for
    calendars: dict = field(default_factory=dict)  # working calendars read for this page, by agency


def _vn_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), VN_TZ).astimezone(UTC)


def ordering_of(flt: QueueFilter) -> str:
    """Work queues go by deadline (most urgent first, those without a due date last); "all" by
    newest first; "new" by the newest submission first."""
    if flt.overdue:
        return "due"
    return {"all": "id", "new": "submitted"}.get(flt.queue, "due")


def _encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, ordering: str) -> tuple:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if ordering == "id":
            return (int(raw[0]),)
        if raw[0] is None and ordering == "due":  # past the dated ones: those without a due date
            return None, int(raw[1])
        moment = datetime.fromisoformat(raw[0])
        if moment.tzinfo is None:
            raise ValueError
        return moment, int(raw[1])
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
    if flt.queue == "linked":
        # Link-up: another agency's dossiers now at a step this agency takes.
        linked_agency = flt.agency_id if user.role == Role.ADMIN.value else user.agency_id
        query = query.where(d.step_agency_id.is_not(None))
        if linked_agency:
            query = query.where(d.step_agency_id == linked_agency)
    elif user.role == Role.ADMIN.value:
        if flt.agency_id:
            query = query.where(d.agency_id == flt.agency_id)
    else:
        query = query.where(d.agency_id == user.agency_id)

    if flt.queue == "work":
        query = query.where(OPEN_CLAUSE)
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
        query = query.where(search_clause(flt.q))

    ordering = ordering_of(flt)
    if ordering == "id":
        query = query.order_by(d.id.desc())
        if flt.cursor:
            (last_id,) = _decode_cursor(flt.cursor, ordering)
            query = query.where(d.id < last_id)
    elif ordering == "submitted":
        query = query.order_by(d.submitted_at.desc(), d.id.desc())
        if flt.cursor:
            last_at, last_id = _decode_cursor(flt.cursor, ordering)
            query = query.where(or_(d.submitted_at < last_at, and_(d.submitted_at == last_at, d.id < last_id)))
    else:
        # Dossiers without a due date yet (submitted, not received) come last: NULLS LAST is
        # PostgreSQL's ascending order, so ix_dossiers_open_due is read in order and stopped.
        query = query.order_by(d.due_at.asc().nulls_last(), d.id)
        if flt.cursor:
            last_due, last_id = _decode_cursor(flt.cursor, ordering)
            if last_due is None:
                query = query.where(d.due_at.is_(None), d.id > last_id)
            elif db.engine.dialect.name == "postgresql":
                query = query.where(or_(tuple_(d.due_at, d.id) > tuple_(last_due, last_id), d.due_at.is_(None)))
            else:
                query = query.where(or_(d.due_at > last_due, and_(d.due_at == last_due, d.id > last_id),
                                        d.due_at.is_(None)))
    query = query.limit(flt.per_page + 1)
    if not flt.cursor and flt.page > 1:
        query = query.offset((flt.page - 1) * flt.per_page)
    return query


# "số 3002", "(số 3002)", "số: 3002" (folded); not "mã hồ sơ: 000.00.31.H33-..." (a code follows).
_INTERNAL_NUMBER = re.compile(r"(?:^|[^a-z0-9])so\s*:?\s*(\d{1,9})(?![\d.\-a-z])")
_SEPARATORS = re.compile(r"[\s.\-()+]")
MAX_TERMS = 6


def _like(term: str):
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    # Rendered into the statement (quoted by the dialect), never a bound parameter: the planner must
    # see the pattern to use the trigram index; a prepared statement's generic plan cannot (it
    # then walks the agency's dossiers row by row: ~0.9 s instead of ~60 ms at 1M dossiers).
    pattern = literal(f"%{escaped}%", type_=String, literal_execute=True)
    return Dossier.search_text.like(pattern, escape="\\")


def search_clause(q: str):
    """What the search box finds, in the agency's queue:

    - the internal number the queue shows for a dossier without a code ("Chưa cấp mã (số 3002)",
      "số 3002", or "3002" alone);
    - a full or partial code ("H33-261122-0007", "261122-0007", the last digits "0007");
    - the applicant's name with or without diacritics and case ("nguyen van a", "Nguyễn A": every
      word must appear);
    - the ID number, or the phone number as people type it ("0912 345 678", "+84 912 345 678").

    Everything but the internal number is a "contains" over ``search_text`` (trigram index)."""
    folded = fold(q)
    number = _INTERNAL_NUMBER.search(folded)
    if number:
        return Dossier.id == int(number.group(1))
    compact = normalize_phone(q) or ""
    if _SEPARATORS.sub("", q).isdigit() and compact.isdigit():
        found = [_like(compact)]  # an ID number, a phone number as typed, the last digits of a code
        if folded != compact and " " not in folded:
            found.append(_like(folded))  # a part of a code with its hyphen: "261122-0007"
        if len(compact) <= 9:
            found.append(Dossier.id == int(compact))
        return or_(*found)
    terms = [term for term in folded.replace("|", " ").split() if term][:MAX_TERMS]
    if not terms:
        return Dossier.id.is_(None)
    return or_(Dossier.code == q.strip().upper(), and_(*[_like(term) for term in terms]))


def due_soon_limit(user: User, now: datetime, calendars: dict | None = None) -> datetime:
    calendars = {} if calendars is None else calendars
    if user.agency_id not in calendars:
        calendars[user.agency_id] = working_calendar(user.agency_id)
    return calendars[user.agency_id].add_working_minutes(now, DUE_SOON_MINUTES)


def tab_counts(user: User, flt: QueueFilter | None = None, now: datetime | None = None,
               until: datetime | None = None) -> dict[str, int]:
    """How many dossiers each tab holds for ``user`` (the whole tab, before the search and the
    filters), from the maintained counts: a few small reads, never a count over the agency."""
    now = now or utcnow()
    agency_id = (flt.agency_id if flt else None) if user.role == Role.ADMIN.value else user.agency_id
    counts = queue_counts.tab_counts(db.session.connection(), agency_id=agency_id, role=user.role, user_id=user.id,
                                     now=now, due_soon_until=until or due_soon_limit(user, now))
    # Link-up: the dossiers now at this agency's linked steps, read on ix_dossiers_step_agency_id
    # (only those in transit; never the agency's own dossiers).
    linked = select(func.count()).select_from(Dossier).where(
        Dossier.step_agency_id == agency_id if agency_id is not None else Dossier.step_agency_id.is_not(None))
    counts["linked"] = db.session.scalar(linked) or 0
    return counts


def _plan_for_these_values() -> None:
    """A search is planned for its own values, never with a prepared statement's generic plan.

    psycopg prepares a statement on the server after it has run five times on a connection, and
    PostgreSQL may then plan it once for any agency and time (a generic plan): for a search that
    plan reads the trigram index without the agency's selectivity (at 1M dossiers a name searched
    took 17 ms instead of 7 ms, docs/benchmarks.md). ``SET LOCAL`` lasts until the end of this
    request's transaction."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def queue(user: User, flt: QueueFilter, now: datetime | None = None, with_counts: bool = False) -> QueuePage:
    """One page of the queue ``flt`` for ``user`` (scoped to the user's agency), with the tab
    counts when ``with_counts``."""
    now = now or utcnow()
    flt.validate()
    calendars: dict = {}
    until = due_soon_limit(user, now, calendars) if flt.queue == "due_soon" or with_counts else None
    if flt.q:
        _plan_for_these_values()
    rows = db.session.execute(queue_statement(user, flt, now, until)).all()
    has_next = len(rows) > flt.per_page
    rows = rows[: flt.per_page]
    ordering = ordering_of(flt)
    next_cursor = None
    if has_next and rows:
        last = rows[-1]
        if ordering == "id":
            next_cursor = _encode_cursor([last.id])
        elif ordering == "submitted":
            next_cursor = _encode_cursor([last.submitted_at.isoformat(), last.id])
        else:
            next_cursor = _encode_cursor([last.due_at.isoformat() if last.due_at else None, last.id])
    counts = tab_counts(user, flt, now, until) if with_counts else None
    return QueuePage(rows=rows, page=flt.page, per_page=flt.per_page, has_next=has_next,
                     next_cursor=next_cursor, ordering=ordering, now=now, counts=counts, calendars=calendars)


class TimeLeft:
    """Working time left (or overdue) per agency calendar, cached for one page."""

    def __init__(self, now: datetime | None = None, lang: str = "vi", paused_text: str = "tạm dừng: chờ bổ sung",
                 calendars: dict | None = None, fee_paused_text: str = "tạm dừng: chờ nộp phí"):
        self.now = now or utcnow()
        self.lang = lang
        self.paused_text = paused_text
        self.fee_paused_text = fee_paused_text
        self._calendars: dict[int, WorkingCalendar] = calendars if calendars is not None else {}

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


#: How long an online filing may wait for the desk's check before the "new" tab flags it: one
#: working day (the portal's own service level, not a legal time limit).
RECEPTION_MINUTES = 8 * 60


class ReceptionWait:
    """For a submitted dossier not yet received: the time left to check it at the desk (or how
    long it is past that), per the agency's calendar, cached for one page."""

    def __init__(self, now: datetime | None = None, lang: str = "vi", calendars: dict | None = None):
        self.now = now or utcnow()
        self.lang = lang
        self._calendars: dict[int, WorkingCalendar] = calendars if calendars is not None else {}

    def __call__(self, row) -> tuple[str, bool]:
        if row.status != Status.SUBMITTED.value or row.received_at is not None or row.submitted_at is None:
            return "", False
        calendar = self._calendars.get(row.agency_id)
        if calendar is None:
            calendar = self._calendars[row.agency_id] = working_calendar(row.agency_id)
        limit = calendar.add_working_minutes(row.submitted_at, RECEPTION_MINUTES)
        return remaining_text(self.now, limit, calendar, self.lang), limit < self.now


def bulk_assignees(user: User) -> list[User]:
    """Active staff of the user's agency who handle dossiers (whom a bulk hand-over may name)."""
    roles = [r.value for r in Role if r not in (Role.CITIZEN, Role.ADMIN)]
    return list(db.session.scalars(
        select(User).where(User.agency_id == user.agency_id, User.role.in_(roles), User.is_active_account.is_(True))
        .order_by(User.role, User.full_name)))


def files_of(dossier_id: int) -> list[DossierFile]:
    return list(db.session.scalars(
        select(DossierFile).where(DossierFile.dossier_id == dossier_id).order_by(DossierFile.id)))


# ---------------------------------------------------------------------------------------------
# Bulk hand-overs from the queue

#: What the queue does to several selected dossiers at once: forward each to its next step
#: ("chuyển bước tiếp theo"), to a named person when ``assignee_id`` is given ("phân công").
BULK_ACTIONS = (Action.FORWARD.value,)
MAX_BULK = 100


@dataclass
class BulkItem:
    dossier_id: int
    version: int | None
    dossier: Dossier | None = None  # after the action, when it was done
    error: DossierError | None = None  # why it was refused, when it was
    replayed: bool = False


def _item_key(key: str | None, dossier_id: int) -> str | None:
    if not key:
        return None
    return "bulk-" + hashlib.sha256(f"{key}\n{dossier_id}".encode()).hexdigest()[:48]


def bulk_act(actor: User, action: str, items: list[tuple[int, int | None]], values: dict | None = None,
             key: str | None = None, now: datetime | None = None) -> list[BulkItem]:
    """Do ``action`` to each selected dossier as its own lifecycle action (the same use case as one
    dossier's page: ``commands.run_once``, one event each), each in its own savepoint: a dossier
    that is refused (changed since the page was read, not at this role's step, a bad assignee...)
    is reported with its reason and leaves the others done. ``items`` are (dossier id, version
    the actor saw); ``key`` makes a repeated request (double click) replay instead of acting
    twice. Flushes; the caller's boundary commits once."""
    if action not in BULK_ACTIONS:
        raise QueueError("bad_bulk_action")
    if not items or len(items) > MAX_BULK:
        raise QueueError("bad_bulk_selection")
    key = idempotency.checked_key(key)
    results = []
    seen = set()
    for dossier_id, version in items:
        if dossier_id in seen:
            continue
        seen.add(dossier_id)
        item = BulkItem(dossier_id, version)
        try:
            with db.session.begin_nested():
                outcome = commands.run_once(dossier_id, action, actor, {**(values or {}), "version": version},
                                            _item_key(key, dossier_id), now)
            item.dossier, item.replayed = outcome.dossier, outcome.replayed
        except DossierError as error:
            item.error = error
        except (StaleDataError, IntegrityError):
            item.error = StaleVersion("stale_version", "changed meanwhile")
        results.append(item)
    return results
