"""The counts on the office queue's tabs (``queue_counts``, ``queue_due_counts``), exact in every
transaction.

Why: a tab count is otherwise a count over the agency's dossiers (tens of thousands at province
scale) on the first page every officer opens. Instead each dossier that is not a draft adds 1 to:

- the row (agency, status, channel, holder role, holder) of ``queue_counts`` (holder role "" and
  holder 0 when nobody holds it): "to handle", "new online", "at my step", "waiting for a
  supplement" and "all" are sums over the agency's few rows;
- while it is running (accepted, in process, awaiting the fee) and has a due date, the row
  (agency, Vietnam day of ``due_at``) of ``queue_due_counts``: "overdue" (due before now) and
  "due soon" (due between now and the limit) add whole days from there and count in the
  running-due index only the dossiers due on the day of ``now`` and of the limit.

Kept like ``portal.statistics.daily``: every ORM flush that changes a counted column takes the
dossier's keys before the change (attribute history, or the database when the old value was
never loaded) and after it, and adds the difference with one upsert per table, rows in key order,
in the same transaction. Bulk writes outside the ORM go through ``daily.count_dossiers`` /
``uncount_dossiers`` / ``rebuild``, which call ``count``, ``uncount`` and ``rebuild`` here.
``verify`` compares both tables with a direct count (``flask stats verify``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import (
    Date,
    and_,
    bindparam,
    case,
    delete,
    event,
    func,
    inspect,
    literal_column,
    or_,
    select,
    text,
    true,
)
from sqlalchemy import cast as sa_cast
from sqlalchemy.orm import Session

from portal.database import dialect_insert
from portal.models import Dossier, QueueCount, QueueDueCount
from workflow.calendar import VN_TZ
from workflow.states import Channel, Role, Status

D = Dossier.__table__
C = QueueCount.__table__
DUE = QueueDueCount.__table__

COUNTED_COLUMNS = ("agency_id", "status", "channel", "holder_role", "holder_id", "due_at")
RUNNING = (Status.ACCEPTED.value, Status.IN_PROCESS.value, Status.AWAITING_FEE.value)
OPEN = (Status.SUBMITTED.value, Status.ACCEPTED.value, Status.IN_PROCESS.value,
        Status.SUPPLEMENT_REQUESTED.value, Status.AWAITING_FEE.value, Status.PROCESSED.value)
# Literal, not bound: the planner must see that the query implies ix_dossiers_running_due's predicate.
RUNNING_CLAUSE = text("dossiers.status IN ('accepted', 'in_process', 'awaiting_fee')")
COUNT_KEY = ("agency_id", "status", "channel", "holder_role", "holder_id")
DUE_KEY = ("agency_id", "day")


# ---------------------------------------------------------------------------------------------
# One dossier's keys


def keys_of(values) -> tuple[tuple | None, tuple | None]:
    """(queue_counts key, queue_due_counts key) of one dossier's column values; None where it
    counts nowhere."""
    status = values["status"]
    if status is None or status == Status.DRAFT.value:
        return None, None
    count_key = (values["agency_id"], status, values["channel"], values["holder_role"] or "",
                 values["holder_id"] or 0)
    due = values["due_at"]
    due_key = (values["agency_id"], due.astimezone(VN_TZ).date()) if status in RUNNING and due is not None else None
    return count_key, due_key


def _add(changes: tuple[dict, dict], values, sign: int) -> None:
    count_key, due_key = keys_of(values)
    if count_key is not None:
        changes[0][count_key] = changes[0].get(count_key, 0) + sign
    if due_key is not None:
        changes[1][due_key] = changes[1].get(due_key, 0) + sign


# ---------------------------------------------------------------------------------------------
# Writing


@functools.cache
def _upsert_statement(dialect: str, table_name: str):
    table = C if table_name == C.name else DUE
    key = COUNT_KEY if table is C else DUE_KEY
    statement = dialect_insert(dialect)(table).values({name: bindparam(name) for name in (*key, "n")})
    return statement.on_conflict_do_update(index_elements=[table.c[name] for name in key],
                                           set_={"n": table.c.n + statement.excluded.n})


def _upsert(connection, changes: tuple[dict, dict]) -> None:
    """Add the changes, in key order (concurrent transactions lock the rows in the same order)."""
    dialect = connection.dialect.name
    for table, key, found in ((C, COUNT_KEY, changes[0]), (DUE, DUE_KEY, changes[1])):
        rows = [dict(zip(key, k, strict=True)) | {"n": n} for k, n in sorted(found.items(), key=_sortable) if n]
        if rows:
            connection.execute(_upsert_statement(dialect, table.name), rows)


def _sortable(item):
    return tuple("" if v is None else v for v in item[0])


def _read(connection, ids: Iterable[int]) -> tuple[dict, dict]:
    changes: tuple[dict, dict] = ({}, {})
    ids = sorted(set(ids))
    for start in range(0, len(ids), 1000):
        rows = connection.execute(select(*[D.c[name] for name in COUNTED_COLUMNS])
                                  .where(D.c.id.in_(ids[start:start + 1000])))
        for row in rows:
            _add(changes, row._mapping, +1)
    return changes


def count(connection, ids: Iterable[int]) -> None:
    """Add dossiers written outside the ORM unit of work (bulk INSERT)."""
    _upsert(connection, _read(connection, ids))


def uncount(connection, ids: Iterable[int]) -> None:
    """Take dossiers out before a bulk DELETE (or, with ``count`` after it, around a bulk UPDATE)."""
    found = _read(connection, ids)
    _upsert(connection, ({k: -n for k, n in found[0].items()}, {k: -n for k, n in found[1].items()}))


def _vn_day(column, dialect: str):
    if dialect == "postgresql":
        return sa_cast(func.timezone("UTC", column) + literal_column("INTERVAL '7 hours'"), Date)
    return func.date(column, "+7 hours")


def direct_counts(connection) -> tuple[dict, dict]:
    """Both tables counted directly over ``dossiers`` (a scan: for rebuilding and checking)."""
    dialect = connection.dialect.name
    holder_role, holder_id = func.coalesce(D.c.holder_role, ""), func.coalesce(D.c.holder_id, 0)
    counts = {tuple(row[:5]): row[5] for row in connection.execute(
        select(D.c.agency_id, D.c.status, D.c.channel, holder_role, holder_id, func.count())
        .where(D.c.status != Status.DRAFT.value)
        .group_by(D.c.agency_id, D.c.status, D.c.channel, holder_role, holder_id))}
    day = _vn_day(D.c.due_at, dialect)
    dues = {(row[0], _as_date(row[1])): row[2] for row in connection.execute(
        select(D.c.agency_id, day, func.count()).where(D.c.status.in_(RUNNING), D.c.due_at.is_not(None))
        .group_by(D.c.agency_id, day))}
    return counts, dues


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def stored_counts(connection) -> tuple[dict, dict]:
    counts = {tuple(row[:5]): row[5] for row in connection.execute(select(*[C.c[k] for k in COUNT_KEY], C.c.n))
              if row[5]}
    dues = {(row[0], _as_date(row[1])): row[2] for row in connection.execute(select(DUE.c.agency_id, DUE.c.day,
                                                                                    DUE.c.n)) if row[2]}
    return counts, dues


def rebuild(connection) -> int:
    """Recompute both tables from ``dossiers``; returns the number of rows written."""
    connection.execute(delete(C))
    connection.execute(delete(DUE))
    counts, dues = direct_counts(connection)
    _upsert(connection, (counts, dues))
    return len(counts) + len(dues)


def verify(connection) -> list[tuple[str, tuple, int, int]]:
    """(table, key, stored, counted directly) wherever the two differ; empty when exact."""
    found = []
    for name, stored, direct in zip(("queue_counts", "queue_due_counts"), stored_counts(connection),
                                    direct_counts(connection), strict=True):
        for key in sorted(set(stored) | set(direct), key=lambda k: tuple(str(v) for v in k)):
            if stored.get(key, 0) != direct.get(key, 0):
                found.append((name, key, stored.get(key, 0), direct.get(key, 0)))
    return found


# ---------------------------------------------------------------------------------------------
# Keeping them current with every ORM flush

_PENDING = "portal.statistics.queue_counts.pending"


def columns_before_flush(dossier: Dossier, columns: Iterable[str]) -> dict | None:
    """``columns`` of ``dossier`` as the database holds them before this flush; None when an
    old value was never loaded (then the database is asked). Shared with the per-day counts."""
    attrs = inspect(dossier).attrs
    found = {}
    for name in columns:
        history = attrs[name].history
        if history.deleted:
            found[name] = history.deleted[0]
        elif history.unchanged:
            found[name] = history.unchanged[0]
        elif not history.added:
            found[name] = getattr(dossier, name)  # expired and unchanged: loading it is exact
        else:
            return None
    return found


def _counted_change(dossier: Dossier) -> bool:
    attrs = inspect(dossier).attrs
    return any(attrs[name].history.has_changes() for name in COUNTED_COLUMNS)


@event.listens_for(Session, "before_flush")
def _before_flush(session, _flush_context, _instances) -> None:
    changed = [obj for obj in session.dirty if isinstance(obj, Dossier) and _counted_change(obj)]
    deleted = [obj for obj in session.deleted if isinstance(obj, Dossier)]
    added = [obj for obj in session.new if isinstance(obj, Dossier)]
    if not (changed or deleted or added):
        return
    changes: tuple[dict, dict] = ({}, {})
    unknown = []
    for dossier in changed + deleted:
        old = columns_before_flush(dossier, COUNTED_COLUMNS)
        if old is None:
            unknown.append(dossier.id)
        else:
            _add(changes, old, -1)
    if unknown:
        found = _read(session.connection(), unknown)
        for part, known in zip(changes, found, strict=True):
            for key, n in known.items():
                part[key] = part.get(key, 0) - n
    session.info[_PENDING] = (changes, changed + added)


@event.listens_for(Session, "after_flush")
def _after_flush(session, _flush_context) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    changes, dossiers = pending
    for dossier in dossiers:
        _add(changes, {name: getattr(dossier, name) for name in COUNTED_COLUMNS}, +1)
    _upsert(session.connection(), changes)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session) -> None:
    session.info.pop(_PENDING, None)


# ---------------------------------------------------------------------------------------------
# Reading: the tab counts


def _vn_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), VN_TZ).astimezone(UTC)


def tab_counts(connection, *, agency_id: int | None, role: str, user_id: int, now: datetime,
               due_soon_until: datetime) -> dict[str, int]:
    """The count of every queue tab for a user of ``role`` (``agency_id`` None: every agency,
    for administrators). One statement: the agency's rows of both tables, and the running-due
    index entries of the day of ``now`` and of the due-soon limit; never the agency's dossiers."""
    mine = and_(C.c.status.in_(OPEN), C.c.holder_role == role, C.c.holder_id.in_((0, user_id)))
    if role == Role.ONE_STOP_OFFICER.value:
        mine = or_(mine, C.c.status == Status.PROCESSED.value)

    def summed(condition, n=C.c.n):
        return func.coalesce(func.sum(case((condition, n), else_=0)), 0)

    by_status = select(
        summed(C.c.status.in_(OPEN)).label("work"),
        summed(and_(C.c.status == Status.SUBMITTED.value, C.c.channel == Channel.ONLINE.value)).label("new"),
        summed(mine).label("mine"),
        summed(C.c.status == Status.SUPPLEMENT_REQUESTED.value).label("supplement"),
        func.coalesce(func.sum(C.c.n), 0).label("all"),
    )
    today = now.astimezone(VN_TZ).date()
    last_day = max(today, due_soon_until.astimezone(VN_TZ).date())
    by_day = select(
        summed(DUE.c.day < today, DUE.c.n).label("overdue_days"),
        summed(and_(DUE.c.day > today, DUE.c.day < last_day), DUE.c.n).label("soon_days"),
    )
    # The day of now and the day of the limit, counted in the running-due index.
    start, end, last_start = _vn_midnight(today), _vn_midnight(today + timedelta(days=1)), _vn_midnight(last_day)
    in_range = or_(and_(D.c.due_at >= start, D.c.due_at < end),
                   and_(D.c.due_at >= last_start, D.c.due_at < due_soon_until))
    edges = select(
        summed(D.c.due_at < now, 1).label("overdue_edge"),
        summed(and_(D.c.due_at >= now, D.c.due_at < due_soon_until), 1).label("soon_edge"),
    ).where(RUNNING_CLAUSE, in_range)
    if agency_id is not None:
        by_status = by_status.where(C.c.agency_id == agency_id)
        by_day = by_day.where(DUE.c.agency_id == agency_id)
        edges = edges.where(D.c.agency_id == agency_id)
    a, b, e = by_status.subquery("a"), by_day.subquery("b"), edges.subquery("e")
    row = connection.execute(select(a, b, e).select_from(a.join(b, true()).join(e, true()))).one()._mapping
    found = {name: int(row[name]) for name in ("work", "new", "mine", "supplement", "all")}
    found["overdue"] = int(row["overdue_days"]) + int(row["overdue_edge"])
    found["due_soon"] = int(row["soon_days"]) + int(row["soon_edge"])
    return found
