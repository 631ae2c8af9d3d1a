"""The agencies' inbox of citizens' feedback (phản ánh, kiến nghị): receipt, assignment, answer.

Rules
-----
* **Receipt.** Feedback about one of the citizen's dossiers goes to the dossier's agency; other
  feedback to the agency the citizen chose, or else to the province's one-stop centre (the
  Public Administrative Service Centre, or the top agency when there is none). It gets a code
  ``PA-<year>-<number>`` and a due date of ``DAYS_TO_ANSWER`` working days from receipt on the
  agency's working calendar (``workflow.deadlines.due_at``, the rule of dossiers' appointments).
* **Who.** The staff of the receiving agency see its items; anyone else (another agency's
  officer) is told the item does not exist (404). Administrators may read every inbox but do not
  act. Any officer or leader of the agency assigns an item to an active officer of the same
  agency, and may assign it again until it is answered.
* **Answer.** Any officer or leader of the agency answers, once, with a text that is not empty.
  The citizen gets an in-app notification and, with an e-mail address, an e-mail
  (``notifications.notify_feedback_answered``). An item still unanswered after its due date is
  *overdue*; an answer after the due date was *late*.

Every assignment and answer is an audit entry. Use cases flush; the door commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, false, func, select

from portal.extensions import db
from portal.models import Agency, Dossier, User
from portal.models.filing import FEEDBACK_STATUSES, Feedback, FeedbackStatus
from portal.models.types import utcnow
from portal.operations import audit, notifications
from portal.operations.calendar import working_calendar
from portal.operations.errors import DomainError
from workflow.calendar import to_vn
from workflow.deadlines import due_at
from workflow.states import Role

#: The answer is due within this many working days of receipt (Nghị định 20/2008/NĐ-CP).
DAYS_TO_ANSWER = 10
#: The agency that receives feedback addressed to nobody in particular.
ONE_STOP_CENTRE = "trung-tam-phvhcc"
MAX_ANSWER = 8000
ACTING_ROLES = frozenset(role.value for role in (Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.UNIT_LEADER,
                                                 Role.AGENCY_LEADER, Role.CLERK))


class FeedbackError(DomainError):
    """A refused step of the feedback inbox; ``code`` keys the message, ``status`` the HTTP status."""

    def __init__(self, code: str, status: int = 422):
        super().__init__(code)
        self.status = status


# ---------------------------------------------------------------------------------------------
# Receipt


def default_agency() -> Agency | None:
    """The province's one-stop centre, else the top agency (no parent), else none."""
    centre = db.session.scalar(select(Agency).where(Agency.code == ONE_STOP_CENTRE))
    return centre or db.session.scalar(select(Agency).order_by(Agency.parent_id.is_not(None), Agency.id).limit(1))


def agencies() -> list[Agency]:
    """The agencies a citizen may address feedback to, in the order of the catalogue's tree."""
    return list(db.session.scalars(select(Agency).order_by(Agency.parent_id.is_not(None), Agency.name_vi)))


def addressed_agency(dossier: Dossier | None, agency_code: str | None) -> Agency | None:
    """Where feedback goes: the dossier's agency, else the chosen one, else the default. ``None``
    for a chosen code that does not exist (the caller refuses)."""
    if dossier is not None:
        return db.session.get(Agency, dossier.agency_id)
    if agency_code:
        return db.session.scalar(select(Agency).where(Agency.code == agency_code))
    return default_agency()


def receive(row: Feedback, agency: Agency | None, now: datetime | None = None) -> Feedback:
    """Register new feedback: receiving agency, due date, status, then (once it has an id) its code."""
    received = now or utcnow()
    row.created_at = received
    row.agency_id = agency.id if agency else None
    row.due_at = due_at(received, DAYS_TO_ANSWER, working_calendar(row.agency_id))
    row.status = FeedbackStatus.NEW.value
    db.session.add(row)
    db.session.flush()
    row.code = f"PA-{to_vn(received).year}-{row.id:06d}"
    db.session.flush()
    return row


# ---------------------------------------------------------------------------------------------
# Reading


def is_overdue(row: Feedback, now: datetime | None = None) -> bool:
    """Unanswered after its due date."""
    return row.answered_at is None and row.due_at < (now or utcnow())


def answered_late(row: Feedback) -> bool:
    return row.answered_at is not None and row.answered_at > row.due_at


def _scoped(query, user: User):
    """Staff see their agency's items, administrators every item, anyone else none."""
    if user.role == Role.ADMIN.value:
        return query
    if user.role not in ACTING_ROLES:
        return query.where(false())
    return query.where(Feedback.agency_id == user.agency_id)


def _overdue_condition(now: datetime):
    return and_(Feedback.answered_at.is_(None), Feedback.due_at < now)


@dataclass
class Inbox:
    items: list[Feedback]
    counts: dict[str, int]  # per status, "overdue" and "all", for the whole inbox
    now: datetime


def inbox(user: User, status: str | None = None, overdue: bool = False, now: datetime | None = None,
          limit: int = 500) -> Inbox:
    """The items of ``user``'s agency (every agency for an administrator), oldest due first,
    filtered by ``status`` and/or ``overdue``, with the inbox's counts."""
    now = now or utcnow()
    counts = {s.value: 0 for s in FeedbackStatus}
    counts.update(dict(db.session.execute(
        _scoped(select(Feedback.status, func.count()).group_by(Feedback.status), user)).all()))
    counts["overdue"] = db.session.scalar(
        _scoped(select(func.count()).select_from(Feedback).where(_overdue_condition(now)), user)) or 0
    counts["all"] = sum(counts[s.value] for s in FeedbackStatus)
    query = _scoped(select(Feedback), user)
    if status in FEEDBACK_STATUSES:
        query = query.where(Feedback.status == status)
    if overdue:
        query = query.where(_overdue_condition(now))
    items = db.session.scalars(query.order_by(Feedback.answered_at.is_not(None), Feedback.due_at, Feedback.id)
                               .limit(limit)).all()
    return Inbox(list(items), counts, now)


def visible(feedback_id: int, user: User, *, lock: bool = False) -> Feedback:
    """The item, if ``user`` may see it: staff of its agency or an administrator; else 404."""
    row = db.session.get(Feedback, feedback_id, with_for_update=lock or None)
    if row is None or not (user.role == Role.ADMIN.value or (user.role in ACTING_ROLES
                                                              and row.agency_id == user.agency_id)):
        raise FeedbackError("feedback_not_found", 404)
    return row


def assignees(row: Feedback) -> list[User]:
    """Active officers and leaders of the item's agency."""
    return list(db.session.scalars(select(User).where(
        User.agency_id == row.agency_id, User.role.in_(ACTING_ROLES), User.is_active_account.is_(True))
        .order_by(User.full_name, User.id)))


def of_citizen(user: User) -> list[Feedback]:
    """What ``user`` sent, newest first."""
    return list(db.session.scalars(select(Feedback).where(Feedback.user_id == user.id)
                                   .order_by(Feedback.created_at.desc(), Feedback.id.desc())))


# ---------------------------------------------------------------------------------------------
# Acting


def _actionable(feedback_id: int, by: User) -> Feedback:
    row = visible(feedback_id, by, lock=True)
    if by.role not in ACTING_ROLES:
        raise FeedbackError("feedback_not_staff", 403)
    if row.status == FeedbackStatus.ANSWERED.value:
        raise FeedbackError("feedback_already_answered", 409)
    return row


def assign(feedback_id: int, by: User, assignee_id: int | str | None, now: datetime | None = None) -> Feedback:
    """Give the item to ``assignee_id``, an active officer of its agency."""
    row = _actionable(feedback_id, by)
    try:
        wanted = int(assignee_id) if assignee_id not in (None, "") else None
    except (TypeError, ValueError):
        wanted = None
    assignee = next((u for u in assignees(row) if u.id == wanted), None)
    if assignee is None:
        raise FeedbackError("feedback_assignee_unknown", 422)
    before = {"status": row.status, "assignee_id": row.assignee_id}
    row.assignee_id, row.assigned_at = assignee.id, now or utcnow()
    row.status = FeedbackStatus.ASSIGNED.value
    db.session.flush()
    audit.record("feedback.assign", user=by, object_type="feedback", object_id=row.id, before=before,
                 after={"status": row.status, "assignee_id": assignee.id})
    return row


def answer(feedback_id: int, by: User, text: str | None, now: datetime | None = None) -> Feedback:
    """Answer the item (once) and tell the citizen."""
    row = _actionable(feedback_id, by)
    text = (text or "").strip()
    if not text:
        raise FeedbackError("feedback_answer_empty", 422)
    before = {"status": row.status, "assignee_id": row.assignee_id}
    row.answer, row.answered_by_id, row.answered_at = text[:MAX_ANSWER], by.id, now or utcnow()
    row.assignee_id = row.assignee_id or by.id
    row.status = FeedbackStatus.ANSWERED.value
    db.session.flush()
    audit.record("feedback.answer", user=by, object_type="feedback", object_id=row.id, before=before,
                 after={"status": row.status, "answered_by_id": by.id, "late": answered_late(row)})
    notifications.notify_feedback_answered(row)
    return row
