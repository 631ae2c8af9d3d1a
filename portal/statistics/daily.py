"""Dossier counts per Vietnam day (``dossier_day_counts``), exact in every transaction.

Why: a year's dashboard grouped by month would otherwise scan every dossier the year touched
(hundreds of thousands at province scale). Periods are whole Vietnam days, so every figure of
``portal.statistics.queries`` is a sum over days of per-day counts:

- flows are counted on the day they happened: received (by channel, and with a stored file:
  ``has_files``) on the day of ``received_at``; processed (by timeliness, of which refused), stopped and withdrawn on the day
  of ``finished_at``; returned on the day of ``returned_at``; fee paid (``fee_amount > 0``) on the
  day of ``fee_paid_at``, for every dossier, received or not (the online-payment rate's
  denominator counts them all);
- stocks (in process, waiting for a supplement, overdue, in process without a due date) are
  intervals of days per dossier, stored as +1 on the day the dossier enters and -1 on the day it
  leaves. The stock at 00:00 of day D (the end of the period before D) is the sum of the changes
  of the days before D:
  in process ``[R, max(R, F))``; supplement ``[max(R, P), max(R, P, F))``; overdue (due date
  passed) ``[max(R, Due), max(R, Due, min(F, P)))``; in process without a due date and not paused
  ``[R, max(R, min(F, P)))``; with R, F, P, Due the days of received_at, finished_at,
  paused_since, due_at. ("Due before now" is applied by the query, see
  ``queries._due_later_than_now``.)

The per-dossier contributions are defined in SQL (``contributions``, used to rebuild the table
from ``dossiers``) and in Python (``dossier_contributions``, used on every flush so that a write
costs one upsert and no reads); the tests change dossiers at random through the ORM and check
that the table then equals a rebuild. A flush that changes a dossier's counted columns takes
its contributions before the change (from the session's attribute history, or from the database
when the old value was never loaded) and after it, and adds the difference to the day rows in
the same transaction (one executemany upsert, rows in key order, so two transactions take the
row locks in the same order). ORM writes are covered automatically; a bulk INSERT/UPDATE/DELETE
of dossiers outside the ORM unit of work must call ``count_dossiers`` after it (as the demo
generator does), ``uncount_dossiers`` before it, or ``rebuild``. ``flask stats verify`` compares the table with a direct count over ``dossiers``.

The equality with the direct count holds for dossiers whose timestamps follow the lifecycle
(received before finished, finished before returned), which the lifecycle guarantees.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date

from sqlalchemy import (
    Date,
    Integer,
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
)
from sqlalchemy import cast as sa_cast
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified, set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql import union_all

from portal.models import Dossier, DossierDayCount, DossierFile
from portal.models.statistics import DAY_COUNTS
from portal.statistics import queue_counts
from workflow.calendar import VN_TZ
from workflow.states import Channel, Status, Timeliness

D = Dossier.__table__
T = DossierDayCount.__table__
KEY = ("day", "agency_id", "procedure_id")

#: Dossier columns that change a dossier's contributions.
COUNTED_COLUMNS = frozenset({"received_at", "finished_at", "returned_at", "paused_since", "due_at", "status",
                             "timeliness", "result_kind", "channel", "agency_id", "procedure_id", "has_files",
                             "has_scans", "result_signed", "fee_paid_at", "fee_amount"})
WITH_RESULT = (Status.PROCESSED.value, Status.RETURNED.value)


def _day(column, dialect: str):
    """The Vietnam calendar day (UTC+07:00, no daylight saving) of a UTC timestamp."""
    if dialect == "postgresql":
        return sa_cast(func.timezone("UTC", column) + literal_column("INTERVAL '7 hours'"), Date)
    return func.date(column, "+7 hours")


def _greatest(dialect: str, *values):
    return (func.greatest if dialect == "postgresql" else func.max)(*values)


def _earliest_stop():
    """min(finished_at, paused_since), NULL when both are NULL."""
    return case((D.c.finished_at.is_(None), D.c.paused_since),
                (D.c.paused_since.is_(None), D.c.finished_at),
                (D.c.paused_since < D.c.finished_at, D.c.paused_since), else_=D.c.finished_at)


ZERO, ONE, MINUS_ONE = literal_column("0"), literal_column("1"), literal_column("-1")


def _flag(condition):
    return case((condition, ONE), else_=ZERO)


def contributions(dialect: str, where=None):
    """SELECT day, agency_id, procedure_id, <DAY_COUNTS> of the dossiers meeting ``where`` (all
    of them when None), summed per key and ordered by it. Every count but ``fee_paid`` is of
    received dossiers only."""
    received, finished, paused = (_day(D.c.received_at, dialect), _day(D.c.finished_at, dialect),
                                  _day(D.c.paused_since, dialect))
    due, stop = _day(D.c.due_at, dialect), _day(_earliest_stop(), dialect)
    with_result = D.c.status.in_(WITH_RESULT)
    parts = [
        (received, None, {
            "received": ONE, "in_process_change": ONE,
            "received_online": _flag(D.c.channel == Channel.ONLINE.value),
            "received_in_person": _flag(D.c.channel == Channel.IN_PERSON.value),
            "received_post": _flag(D.c.channel == Channel.POST.value),
            "received_digitised": _flag(D.c.has_files.is_(True)),
            "received_scanned": _flag(and_(D.c.channel != Channel.ONLINE.value, D.c.has_scans.is_(True))),
            "undated_change": _flag(D.c.due_at.is_(None)),
        }),
        (finished, D.c.finished_at.is_not(None), {
            "processed": _flag(with_result),
            "early": _flag(and_(with_result, D.c.timeliness == Timeliness.EARLY.value)),
            "on_time": _flag(and_(with_result, D.c.timeliness == Timeliness.ON_TIME.value)),
            "late": _flag(and_(with_result, D.c.timeliness == Timeliness.LATE.value)),
            "refused": _flag(and_(with_result, D.c.result_kind == "refused")),
            "processed_e_result": _flag(and_(with_result, D.c.result_signed.is_(True))),
            "stopped": _flag(D.c.status == Status.STOPPED.value),
            "withdrawn": _flag(D.c.status == Status.WITHDRAWN.value),
        }),
        (_day(D.c.returned_at, dialect), D.c.returned_at.is_not(None), {"returned": ONE}),
        (_greatest(dialect, received, finished), D.c.finished_at.is_not(None), {"in_process_change": MINUS_ONE}),
        (_greatest(dialect, received, paused), D.c.paused_since.is_not(None), {"supplement_change": ONE}),
        (_greatest(dialect, received, paused, finished), and_(D.c.paused_since.is_not(None),
                                                              D.c.finished_at.is_not(None)),
         {"supplement_change": MINUS_ONE}),
        (_greatest(dialect, received, due), D.c.due_at.is_not(None), {"overdue_change": ONE}),
        (_greatest(dialect, received, due, stop), and_(D.c.due_at.is_not(None),
                                                       or_(D.c.finished_at.is_not(None), D.c.paused_since.is_not(None))),
         {"overdue_change": MINUS_ONE}),
        (_greatest(dialect, received, stop), and_(D.c.due_at.is_(None),
                                                  or_(D.c.finished_at.is_not(None), D.c.paused_since.is_not(None))),
         {"undated_change": MINUS_ONE}),
    ]
    parts = [(day, and_(D.c.received_at.is_not(None), *([] if condition is None else [condition])), values)
             for day, condition, values in parts]
    # Not only received dossiers: a fee can be paid before the desk accepts the dossier.
    parts.append((_day(D.c.fee_paid_at, dialect), and_(D.c.fee_paid_at.is_not(None), D.c.fee_amount > 0),
                  {"fee_paid": ONE}))
    selects = []
    for day, condition, values in parts:
        columns = [day.label("day"), D.c.agency_id, D.c.procedure_id]
        columns += [values.get(name, ZERO).label(name) for name in DAY_COUNTS]
        statement = select(*columns)
        if condition is not None:
            statement = statement.where(condition)
        if where is not None:
            statement = statement.where(where)
        selects.append(statement)
    every = union_all(*selects).subquery("contribution")
    return (
        select(sa_cast(every.c.day, Date).label("day") if dialect == "postgresql" else every.c.day,
               every.c.agency_id, every.c.procedure_id,
               *[sa_cast(func.sum(every.c[name]), Integer).label(name) for name in DAY_COUNTS])
        .group_by(every.c.day, every.c.agency_id, every.c.procedure_id)
        .order_by(every.c.day, every.c.agency_id, every.c.procedure_id)
    )


def rebuild(connection) -> int:
    """Recompute the whole table from ``dossiers``; returns the number of day rows."""
    dialect = connection.dialect.name
    connection.execute(delete(T))
    connection.execute(T.insert().from_select(list(KEY) + list(DAY_COUNTS), contributions(dialect)))
    if inspect(connection).has_table(queue_counts.C.name):  # not yet when migration 0010 runs this
        queue_counts.rebuild(connection)  # the queue tabs' counts, derived from the same dossiers
    return connection.scalar(select(func.count()).select_from(T))


@functools.cache
def _of_dossiers(dialect: str):
    """``contributions`` of the dossiers whose ids are bound as ``ids``, built once."""
    return contributions(dialect, D.c.id.in_(bindparam("ids", expanding=True)))


def _read(connection, ids: Iterable[int]) -> dict[tuple, list[int]]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    found = {}
    for start in range(0, len(ids), 1000):
        statement = _of_dossiers(connection.dialect.name)
        for row in connection.execute(statement, {"ids": ids[start:start + 1000]}):
            values = [int(row._mapping[name]) for name in DAY_COUNTS]
            key = (_as_date(row.day), row.agency_id, row.procedure_id)
            found[key] = [a + b for a, b in zip(found.get(key, [0] * len(DAY_COUNTS)), values, strict=True)]
    return found


def _as_date(value):
    return value if isinstance(value, date) else date.fromisoformat(value)


@functools.cache
def _upsert_statement(dialect: str):
    """INSERT one day row, or add to the one already there; built once, run as executemany."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(T).values({name: bindparam(name) for name in KEY + DAY_COUNTS})
    return statement.on_conflict_do_update(
        index_elements=[T.c[name] for name in KEY],
        set_={name: T.c[name] + statement.excluded[name] for name in DAY_COUNTS})


def _upsert(connection, changes: dict[tuple, list[int]]) -> None:
    """Add ``changes`` to the day rows, in key order (so that concurrent transactions take the
    row locks in the same order and cannot deadlock on them)."""
    rows = [dict(zip(KEY, key, strict=True)) | dict(zip(DAY_COUNTS, values, strict=True))
            for key, values in sorted(changes.items()) if any(values)]
    if rows:
        connection.execute(_upsert_statement(connection.dialect.name), rows)


def count_dossiers(connection, ids: Iterable[int]) -> None:
    """Add dossiers written outside the ORM unit of work (bulk INSERT) to the day counts (and to
    the queue tabs' counts)."""
    ids = list(ids)
    _upsert(connection, _read(connection, ids))
    queue_counts.count(connection, ids)


def uncount_dossiers(connection, ids: Iterable[int]) -> None:
    """Take dossiers out of the day counts before a bulk DELETE (or, with ``count_dossiers``
    after it, around a bulk UPDATE) outside the ORM unit of work."""
    ids = list(ids)
    changes = _read(connection, ids)
    _upsert(connection, {key: [-value for value in values] for key, values in changes.items()})
    queue_counts.uncount(connection, ids)


# ---------------------------------------------------------------------------------------------
# Keeping the table current with every ORM flush


_PENDING = "portal.statistics.daily.pending"


def dossier_contributions(values) -> dict[tuple, list[int]]:
    """The Python twin of ``contributions`` for one dossier, from its column values (a mapping
    of COUNTED_COLUMNS): used on every flush, so that a write costs one upsert and no reads.
    Equal to the SQL by test (every change through the ORM, then a rebuild)."""
    received = values["received_at"]
    agency_id, procedure_id = values["agency_id"], values["procedure_id"]
    found: dict[tuple, list[int]] = {}

    def add(day, **counts):
        row = found.setdefault((day, agency_id, procedure_id), [0] * len(DAY_COUNTS))
        for name, n in counts.items():
            row[_INDEX[name]] += int(n)

    if values["fee_paid_at"] is not None and (values["fee_amount"] or 0) > 0:
        add(_vn_day(values["fee_paid_at"]), fee_paid=1)  # received or not
    if received is None:
        return found
    finished, paused, due, returned = (values["finished_at"], values["paused_since"], values["due_at"],
                                       values["returned_at"])
    status, timeliness, channel = values["status"], values["timeliness"], values["channel"]

    r = _vn_day(received)
    add(r, received=1, in_process_change=1, received_online=channel == Channel.ONLINE.value,
        received_in_person=channel == Channel.IN_PERSON.value, received_post=channel == Channel.POST.value,
        received_digitised=bool(values["has_files"]), undated_change=due is None,
        received_scanned=channel != Channel.ONLINE.value and bool(values["has_scans"]))
    with_result = status in WITH_RESULT
    if finished is not None:
        f = _vn_day(finished)
        add(f, processed=with_result, early=with_result and timeliness == Timeliness.EARLY.value,
            on_time=with_result and timeliness == Timeliness.ON_TIME.value,
            late=with_result and timeliness == Timeliness.LATE.value,
            refused=with_result and values["result_kind"] == "refused",
            processed_e_result=with_result and bool(values["result_signed"]),
            stopped=status == Status.STOPPED.value, withdrawn=status == Status.WITHDRAWN.value)
        add(max(r, f), in_process_change=-1)
    if returned is not None:
        add(_vn_day(returned), returned=1)
    if paused is not None:
        p = _vn_day(paused)
        add(max(r, p), supplement_change=1)
        if finished is not None:
            add(max(r, p, _vn_day(finished)), supplement_change=-1)
    stops = [moment for moment in (finished, paused) if moment is not None]
    stop = _vn_day(min(stops)) if stops else None
    if due is not None:
        d = _vn_day(due)
        add(max(r, d), overdue_change=1)
        if stop is not None:
            add(max(r, d, stop), overdue_change=-1)
    elif stop is not None:
        add(max(r, stop), undated_change=-1)
    return found


_INDEX = {name: i for i, name in enumerate(DAY_COUNTS)}


def _vn_day(moment):
    return moment.astimezone(VN_TZ).date()


def _add(total: dict, part: dict, sign: int) -> None:
    for key, values in part.items():
        row = total.setdefault(key, [0] * len(DAY_COUNTS))
        for i, value in enumerate(values):
            row[i] += sign * value


def _counted_change(dossier: Dossier) -> bool:
    attrs = inspect(dossier).attrs
    if (dossier.received_at is None and not attrs.received_at.history.has_changes()
            and dossier.fee_paid_at is None and not attrs.fee_paid_at.history.has_changes()):
        return False  # never received nor paid, before or after: counts nowhere
    return any(attrs[name].history.has_changes() for name in COUNTED_COLUMNS)


#: Dossier flags kept from its files: (column, file kind that sets it or None for any, day count).
FILE_FLAGS = (("has_files", None, "received_digitised"), ("has_scans", "scan", "received_scanned"))


def _mark_files(session, changes: dict) -> None:
    """Keep ``dossiers.has_files`` (any stored file) and ``has_scans`` (a paper document scanned at
    the desk) true exactly when the dossier has such a file, for the files added or removed in
    this flush, and count the change in ``changes``.

    A plain UPDATE, not through the ORM: a file is not a step of the dossier's lifecycle, so the
    dossier's version (optimistic locking of officers' actions) must not move. The session's
    copy is given the new value as its committed state, so a change of the same dossier in this
    flush starts from it."""
    new_files = [obj for obj in session.new if isinstance(obj, DossierFile) and obj.dossier_id is not None]
    removed = [obj for obj in session.deleted if isinstance(obj, DossierFile)]
    if not (new_files or removed):
        return
    gone = [obj.id for obj in removed]
    files = DossierFile.__table__
    connection = session.connection()
    for column, kind, counted in FILE_FLAGS:
        def matches(obj, kind=kind):
            return kind is None or obj.kind == kind
        added = {obj.dossier_id for obj in new_files if matches(obj)}
        flips = []
        for dossier_id in sorted(added):
            dossier = session.identity_map.get(identity_key(Dossier, dossier_id))
            if dossier is not None and dossier in session.dirty and column not in inspect(dossier).unloaded:
                # Written in this flush anyway (a new file moves updated_at): the mark rides on that
                # UPDATE (set even when this copy already says true), and the ORM's own before/after
                # counting covers the figure. One UPDATE of the dossier per attachment.
                if getattr(dossier, column):
                    flag_modified(dossier, column)
                else:
                    setattr(dossier, column, True)
                continue
            flips.append((dossier_id, True, D.c[column].is_(False)))
        for dossier_id in sorted({obj.dossier_id for obj in removed if matches(obj)} - added):
            others = select(files.c.id).where(files.c.dossier_id == dossier_id, files.c.id.not_in(gone),
                                              *([files.c.kind == kind] if kind else [])).exists()
            flips.append((dossier_id, False, and_(D.c[column].is_(True), ~others)))
        for dossier_id, value, condition in flips:
            row = connection.execute(
                D.update().where(D.c.id == dossier_id, condition).values({column: value})
                .returning(D.c.received_at, D.c.agency_id, D.c.procedure_id, D.c.channel)).first()
            if row is None:
                continue
            counts = row.received_at is not None and (kind is None or row.channel != Channel.ONLINE.value)
            if counts:
                key = (_vn_day(row.received_at), row.agency_id, row.procedure_id)
                _add(changes, {key: [1 if name == counted else 0 for name in DAY_COUNTS]}, 1 if value else -1)
            dossier = session.identity_map.get(identity_key(Dossier, dossier_id))
            if dossier is not None:
                set_committed_value(dossier, column, value)


@event.listens_for(Session, "before_flush")
def _before_flush(session, _flush_context, _instances) -> None:
    changes: dict[tuple, list[int]] = {}
    _mark_files(session, changes)
    changed = [obj for obj in session.dirty if isinstance(obj, Dossier) and _counted_change(obj)]
    deleted = [obj for obj in session.deleted if isinstance(obj, Dossier)]
    added = [obj for obj in session.new if isinstance(obj, Dossier)
             and (obj.received_at is not None or obj.fee_paid_at is not None)]
    if not (changed or deleted or added or changes):
        return
    unknown = []
    for dossier in changed + deleted:
        old = queue_counts.columns_before_flush(dossier, COUNTED_COLUMNS)
        if old is None:
            unknown.append(dossier.id)
        else:
            _add(changes, dossier_contributions(old), -1)
    if unknown:
        _add(changes, _read(session.connection(), unknown), -1)
    session.info[_PENDING] = (changes, changed + added)


@event.listens_for(Session, "after_flush")
def _after_flush(session, _flush_context) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    changes, dossiers = pending
    for dossier in dossiers:
        _add(changes, dossier_contributions({name: getattr(dossier, name) for name in COUNTED_COLUMNS}), +1)
    _upsert(session.connection(), changes)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session) -> None:
    session.info.pop(_PENDING, None)
