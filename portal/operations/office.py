"""One-stop office use cases: the work queue, registering dossiers at the desk, result drafts.

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
from portal.operations import audit
from portal.operations.calendar import working_calendar
from portal.operations.dossiers import (
    STEP_ACTIONS,
    ActionInput,
    DossierError,
    DossierNotFound,
    Forbidden,
    NotAllowed,
    StaleVersion,
    load_for_update,
    perform,
)
from portal.operations.events import append_event
from portal.storage import put_blob, sniff_content_type
from portal.text import fold
from workflow.calendar import VN_TZ
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
QUEUES = ("work", "new", "mine", "due_soon", "overdue", "supplement", "all")
DUE_SOON_MINUTES = 2 * 8 * 60  # two working days
MAX_PER_PAGE = 100
MAX_SCAN_BYTES = 20 * 1024 * 1024


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
            d.id, d.code, d.status, d.channel, d.agency_id, d.procedure_id, d.due_at, d.received_at,
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
        query = query.where(RUNNING_CLAUSE, d.due_at >= now, d.due_at < until)
    elif flt.queue == "overdue":
        query = query.where(RUNNING_CLAUSE, d.due_at < now)
    elif flt.queue == "supplement":
        query = query.where(d.status == Status.SUPPLEMENT_REQUESTED.value)
    if flt.overdue and flt.queue != "overdue":
        query = query.where(RUNNING_CLAUSE, d.due_at < now)

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


_WORKING_DAYS: dict[tuple, dict[int, list[int]]] = {}


class _FastSpans:
    """``working_minutes_between`` for long spans (a dossier overdue for months): the whole days
    in between are counted from a cached, sorted list of working-day ordinals per calendar and
    year, and only the two partial days are walked by the calendar itself. Same result as
    ``WorkingCalendar.working_minutes_between`` (tested), without a loop over every day."""

    def __init__(self, calendar):
        self.calendar = calendar
        self.per_day = sum(end - start for start, end in calendar.working_hours.spans)
        key = (calendar.working_hours.spans, tuple(calendar.weekend), frozenset(calendar.extra_days_off),
               frozenset(calendar.extra_working_days), type(calendar.holidays_provider).__name__)
        if len(_WORKING_DAYS) > 32:
            _WORKING_DAYS.clear()
        self.years = _WORKING_DAYS.setdefault(key, {})

    def _ordinals(self, year: int) -> list[int]:
        if year not in self.years:
            day, days = date(year, 1, 1), []
            while day.year == year:
                if self.calendar.is_working_day(day):
                    days.append(day.toordinal())
                day += timedelta(days=1)
            self.years[year] = days
        return self.years[year]

    def _full_days(self, first: date, last: date) -> int:
        """Working days d with first <= d <= last."""
        from bisect import bisect_left, bisect_right

        count = 0
        for year in range(first.year, last.year + 1):
            ordinals = self._ordinals(year)
            count += bisect_right(ordinals, last.toordinal()) - bisect_left(ordinals, first.toordinal())
        return count

    def working_minutes_between(self, a: datetime, b: datetime) -> int:
        if b < a:
            return -self.working_minutes_between(b, a)
        a_day, b_day = a.astimezone(VN_TZ).date(), b.astimezone(VN_TZ).date()
        if (b_day - a_day).days <= 2:
            return self.calendar.working_minutes_between(a, b)
        after_a = datetime.combine(a_day + timedelta(days=1), time(0, 0), VN_TZ)
        start_b = datetime.combine(b_day, time(0, 0), VN_TZ)
        return (self.calendar.working_minutes_between(a, after_a)
                + self._full_days(a_day + timedelta(days=1), b_day - timedelta(days=1)) * self.per_day
                + self.calendar.working_minutes_between(start_b, b))


class TimeLeft:
    """Working time left (or overdue) per agency calendar, cached for one page."""

    def __init__(self, now: datetime | None = None, lang: str = "vi", paused_text: str = "tạm dừng: chờ bổ sung"):
        self.now = now or utcnow()
        self.lang = lang
        self.paused_text = paused_text
        self._calendars: dict[int, _FastSpans] = {}

    def __call__(self, row) -> tuple[str, bool]:
        """(text, overdue) for a queue row or a Dossier."""
        from workflow.deadlines import remaining_text

        if row.due_at is None or row.finished_at is not None:
            return "", False
        if row.paused_since is not None:
            return self.paused_text, False
        calendar = self._calendars.get(row.agency_id)
        if calendar is None:
            calendar = self._calendars[row.agency_id] = _FastSpans(working_calendar(row.agency_id))
        return remaining_text(self.now, row.due_at, calendar, self.lang), row.due_at < self.now


# ---------------------------------------------------------------------------------------------
# Registering in-person and postal dossiers at the desk


@dataclass
class Scan:
    document_key: str
    filename: str
    data: bytes


@dataclass
class DeskRegistration:
    procedure_code: str
    channel: str
    applicant: dict
    form_data: dict = field(default_factory=dict)
    scans: list[Scan] = field(default_factory=list)
    paper_documents: list[str] = field(default_factory=list)  # keys received on paper, not scanned
    note: str = ""


APPLICANT_FIELDS = ("full_name", "id_number", "address", "phone", "email", "proxy_name")


def _clean_applicant(raw: dict) -> dict:
    applicant = {k: str(raw.get(k) or "").strip()[:500] for k in APPLICANT_FIELDS}
    if not applicant["full_name"]:
        raise DossierError("applicant_name_required", "the applicant's full name is required")
    if applicant["id_number"] and not (applicant["id_number"].isdigit() and len(applicant["id_number"]) in (9, 12)):
        raise DossierError("bad_id_number", "the ID number has 9 or 12 digits")
    return {k: v for k, v in applicant.items() if v}


def _store_scan(dossier: Dossier, scan: Scan, kind: str, user: User, now: datetime) -> DossierFile:
    if not scan.data:
        raise DossierError("empty_file", "the file is empty")
    if len(scan.data) > MAX_SCAN_BYTES:
        raise DossierError("file_too_large", "the file is larger than 20 MB")
    content_type = sniff_content_type(scan.data)
    if content_type is None:
        raise DossierError("file_type", "only PDF, PNG or JPEG files are accepted")
    blob = put_blob(scan.data, content_type)
    row = DossierFile(dossier_id=dossier.id, kind=kind, document_key=scan.document_key, blob_sha256=blob.sha256,
                      original_name=(scan.filename or "tep")[-255:], uploaded_by_id=user.id, uploaded_at=now)
    db.session.add(row)
    return row


def register_at_desk(officer: User, registration: DeskRegistration, now: datetime | None = None) -> Dossier:
    """Register a dossier brought in person or by post: create it with the desk's scans, submit
    and accept it at once (the receipt is issued). Flushes; the caller commits."""
    now = now or utcnow()
    if officer.role != Role.ONE_STOP_OFFICER.value:
        raise Forbidden("role_not_allowed", "only one-stop officers register dossiers at the desk")
    if registration.channel not in (Channel.IN_PERSON.value, Channel.POST.value):
        raise DossierError("bad_channel", "channel must be in_person or post")
    procedure = db.session.scalar(select(Procedure).where(Procedure.code == registration.procedure_code))
    if procedure is None or not procedure.is_published or procedure.agency_id != officer.agency_id:
        raise DossierNotFound("unknown_procedure", "no such procedure at your agency")
    applicant = _clean_applicant(registration.applicant)
    known = {doc["key"] for doc in procedure.documents}
    scanned = {s.document_key for s in registration.scans}
    unknown = (scanned | set(registration.paper_documents)) - known
    if unknown:
        raise DossierError("unknown_document", f"unknown document keys: {sorted(unknown)}")
    missing = [doc["key"] for doc in procedure.documents
               if doc.get("required") and doc["key"] not in scanned and doc["key"] not in registration.paper_documents]
    if missing:
        raise DossierError("documents_incomplete", f"required documents missing: {missing}")
    form_data = {str(k)[:64]: v for k, v in (registration.form_data or {}).items()
                 if isinstance(v, (str, int, float, bool)) or v is None}

    dossier = Dossier(
        procedure=procedure, agency_id=procedure.agency_id, applicant_id=None, applicant=applicant,
        channel=registration.channel, status=Status.DRAFT.value, form_version=procedure.form_version,
        form_snapshot=procedure.form_schema, form_data=form_data, fee_amount=procedure.fee_amount,
    )
    db.session.add(dossier)
    db.session.flush()
    append_event(dossier, at=now, actor_id=officer.id, actor_name=officer.full_name, actor_role=officer.role,
                 agency_id=officer.agency_id, action="create", from_status=None, to_status=Status.DRAFT.value,
                 payload={"channel": registration.channel, "registered_at_desk": True})
    for scan in registration.scans:
        _store_scan(dossier, scan, "scan", officer, now)
    db.session.flush()
    checklist = {"documents_complete": True, "scanned": sorted(scanned),
                 "paper": sorted(set(registration.paper_documents))}
    perform(dossier.id, Action.SUBMIT, officer, ActionInput(payload=checklist), now=now)
    perform(dossier.id, Action.ACCEPT, officer,
            ActionInput(reason=registration.note.strip()[:2000], payload=checklist), now=now)
    return dossier


# ---------------------------------------------------------------------------------------------
# Intake check of an online dossier


def intake_accept(dossier_id: int, officer: User, version: int, checked: list[str], note: str = "",
                  now: datetime | None = None) -> Dossier:
    """Accept an online dossier after checking it against the procedure's document list.
    Every required document must be ticked; otherwise the desk requests a supplement instead."""
    dossier = load_for_update(dossier_id, officer)
    required = [d["key"] for d in dossier.procedure.documents if d.get("required")]
    missing = [key for key in required if key not in checked]
    payload = {"documents_complete": not missing, "checked": sorted(set(checked))}
    if missing:
        payload["missing"] = missing
    return perform(dossier_id, Action.ACCEPT, officer, ActionInput(version=version, reason=note, payload=payload),
                   now=now)


# ---------------------------------------------------------------------------------------------
# Result drafts


def _check_specialist_step(dossier: Dossier, user: User, version: int | None) -> None:
    if version is not None and version != dossier.version:
        raise StaleVersion("stale_version", f"the dossier is at version {dossier.version}, not {version}")
    if user.role != Role.SPECIALIST.value:
        raise Forbidden("role_not_allowed", "only the specialist drafts the result")
    if dossier.status != Status.IN_PROCESS.value:
        raise NotAllowed("action_not_allowed", "the dossier is not in process")
    if dossier.holder_role != Role.SPECIALIST.value or dossier.holder_id not in (None, user.id):
        raise Forbidden("not_your_step", "the dossier is not at your step")


def generate_draft_pdf(dossier: Dossier, author: User) -> bytes:
    """A plain draft of the result document from the dossier's data (to be edited/signed)."""
    from portal.operations.forms import render_result_draft

    return render_result_draft(dossier, author)


def add_result_draft(dossier_id: int, user: User, *, version: int | None, data: bytes | None = None,
                     filename: str = "", generate: bool = False, now: datetime | None = None) -> DossierFile:
    """Store a draft result document (uploaded PDF or generated); older drafts are superseded."""
    now = now or utcnow()
    dossier = load_for_update(dossier_id, user)
    _check_specialist_step(dossier, user, version)
    if generate:
        data, filename = generate_draft_pdf(dossier, user), f"du-thao-{dossier.code or dossier.id}.pdf"
    if not data:
        raise DossierError("draft_required", "upload a PDF or generate the draft")
    if sniff_content_type(data) != "application/pdf":
        raise DossierError("file_type", "the draft result must be a PDF")
    for old in db.session.scalars(select(DossierFile).where(
            DossierFile.dossier_id == dossier.id, DossierFile.kind == "result_draft",
            DossierFile.superseded_at.is_(None))):
        old.superseded_at = now
    row = _store_scan(dossier, Scan("", filename, data), "result_draft", user, now)
    db.session.flush()
    audit.record("dossier.result_draft", user=user, object_type="dossier", object_id=dossier.id,
                 file_id=row.id, sha256=row.blob_sha256, generated=generate)
    return row


def propose_with_draft(dossier_id: int, user: User, *, version: int, data: bytes | None, filename: str,
                       generate: bool, reason: str = "", now: datetime | None = None) -> Dossier:
    """The specialist proposes the result; a draft document is attached (uploaded, generated,
    or one uploaded earlier)."""
    now = now or utcnow()
    if data or generate:
        add_result_draft(dossier_id, user, version=version, data=data, filename=filename, generate=generate, now=now)
    has_draft = db.session.scalar(select(func.count(DossierFile.id)).where(
        DossierFile.dossier_id == dossier_id, DossierFile.kind == "result_draft", DossierFile.superseded_at.is_(None)))
    if not has_draft:
        dossier = load_for_update(dossier_id, user)
        _check_specialist_step(dossier, user, version)
        raise DossierError("draft_required", "upload a PDF or generate the draft")
    return perform(dossier_id, Action.PROPOSE_RESULT, user, ActionInput(version=version, reason=reason), now=now)


def files_of(dossier_id: int) -> list[DossierFile]:
    return list(db.session.scalars(
        select(DossierFile).where(DossierFile.dossier_id == dossier_id).order_by(DossierFile.id)))


def assignees(dossier: Dossier, role: str) -> list[User]:
    """Active users of the dossier's agency with ``role`` (to forward to a named person)."""
    return list(db.session.scalars(
        select(User).where(User.agency_id == dossier.agency_id, User.role == role,
                           User.is_active_account.is_(True)).order_by(User.full_name)))


# ---------------------------------------------------------------------------------------------
# Actions from the office pages


DELIVERIES = ("desk", "post", "online")


@dataclass
class OfficeAction:
    version: int
    reason: str = ""
    items: list[str] = field(default_factory=list)
    new_due_at: datetime | None = None
    assignee_id: int | None = None
    delivery: str | None = None
    checked: list[str] = field(default_factory=list)
    draft: bytes | None = None
    draft_name: str = ""
    generate: bool = False


def available_actions(dossier: Dossier, user: User) -> list[str]:
    """The actions ``user`` may take on ``dossier`` now (status, role and internal step)."""
    from workflow import machine
    from workflow.machine import ProcessPlan, Step

    if user.role in (Role.ADMIN.value, Role.CITIZEN.value) or dossier.agency_id != user.agency_id:
        return []
    status = Status(dossier.status)
    plan = ProcessPlan(tuple(Step(s["key"], Role(s["role"]), s["hours"]) for s in dossier.procedure.steps))
    result = []
    for action in machine.allowed_actions(status, Role(user.role)):
        if action in (Action.SUBMIT, Action.RATE):
            continue
        if action in STEP_ACTIONS and status == Status.IN_PROCESS and dossier.step_key:
            if plan.step(dossier.step_key).role.value != user.role:
                continue
            if dossier.holder_id is not None and dossier.holder_id != user.id:
                continue
        if action == Action.FORWARD and dossier.step_key and plan.next_step(dossier.step_key) is None:
            continue
        if action == Action.SEND_BACK and (not dossier.step_key or plan.previous_step(dossier.step_key) is None):
            continue
        result.append(action.value)
    return result


def next_step_role(dossier: Dossier) -> str | None:
    from workflow.machine import ProcessPlan, Step

    plan = ProcessPlan(tuple(Step(s["key"], Role(s["role"]), s["hours"]) for s in dossier.procedure.steps))
    following = plan.next_step(dossier.step_key) if dossier.step_key else plan.first
    return following.role.value if following is not None else None


def office_action(dossier_id: int, action: str, user: User, data: OfficeAction,
                  now: datetime | None = None) -> Dossier:
    """Perform an action from the dossier page (one operation; the view commits)."""
    from workflow import machine

    dossier = load_for_update(dossier_id, user)
    permitted = action in {a.value for a in Action} and Role(user.role) != Role.ADMIN and Action(action) in \
        machine.allowed_actions(Status(dossier.status), Role(user.role))
    if permitted and data.version == dossier.version:
        if action == Action.RETURN_RESULT.value and data.delivery not in DELIVERIES:
            raise DossierError("delivery_required", "choose how the result is returned")
        if action == Action.REQUEST_SUPPLEMENT.value and not data.items and data.reason.strip():
            data.items = [data.reason.strip()]
        if action == Action.APOLOGIZE.value and data.new_due_at is None:
            raise DossierError("bad_new_due", "the new appointment is required")
    if action == Action.ACCEPT.value and permitted:
        return intake_accept(dossier_id, user, data.version, data.checked, data.reason, now=now)
    if action == Action.PROPOSE_RESULT.value and permitted:
        return propose_with_draft(dossier_id, user, version=data.version, data=data.draft,
                                  filename=data.draft_name, generate=data.generate, reason=data.reason, now=now)
    return perform(dossier_id, action, user, ActionInput(
        version=data.version, reason=data.reason.strip(), items=[i for i in data.items if i.strip()],
        new_due_at=data.new_due_at, assignee_id=data.assignee_id, delivery=data.delivery), now=now)
