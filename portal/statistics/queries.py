"""Every figure of the leaders' dashboard, defined once, as SQL over stored dossier columns.

``figure_conditions(start, end, as_of)`` is the single definition: for each figure, the SQL
condition a dossier must meet to be counted in it for the period [start, end). Counted directly
(``direct_table``) the conditions are summed (``SUM(CASE WHEN ... THEN 1 ELSE 0 END)``) in one
GROUP BY over the period's dossiers; the drill-down (``dossiers_behind``) selects the dossiers
meeting the same condition. The table the page, the API and the CSV/XLSX exports read
(``period_table``) gives the same numbers from the per-day counts of ``dossier_day_counts``
(``portal.statistics.daily``), which a year at province scale reads in tens of milliseconds
instead of scanning hundreds of thousands of dossiers; tests and ``flask stats verify`` check
that both agree. No Python loop ever runs over dossiers: Python only folds a few aggregate rows
(per agency, field, procedure or month).

Definitions (docs/statistics.md has the full text):

- *received* (tiếp nhận): ``received_at`` in the period. ``received_at`` is set when the desk
  accepts (registers) the dossier; drafts, submissions not yet accepted and refused intakes are
  not received. Split by ``channel``: online / in person / post.
- *carried over* (kỳ trước chuyển sang): received before the period and not finished before it.
- *finished*: ``finished_at`` is set when a result is issued, the request is refused, or the
  dossier is stopped or withdrawn. *processed* (đã giải quyết) = finished in the period with a
  result (status processed or returned), split by the stored ``timeliness``: early / on time /
  late; *refused* = processed with ``result_kind`` 'refused'; *stopped*, *withdrawn* = finished
  in the period in that status.
- *in process* (đang giải quyết) = received before the end and not finished by the end; of
  which *overdue* = due before the end (and before now) and not waiting for a supplement;
  *not yet due* = the rest; *supplement* = waiting for the applicant's supplement at the end.
  Balance: carried over + received = processed + stopped + withdrawn + in process.
- *returned* (đã trả kết quả) = ``returned_at`` in the period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy import cast as sa_cast

from portal.extensions import db
from portal.models import Agency, Dossier, DossierDayCount, DossierFile, Procedure
from portal.models import Field as ProcedureField
from portal.models.statistics import DAY_COUNTS
from portal.models.types import UTCDateTime, utcnow
from portal.statistics.formulas import Ratio
from portal.statistics.periods import Period
from workflow.states import Channel, Status, Timeliness

D = Dossier.__table__
P = Procedure.__table__
DC = DossierDayCount.__table__

GROUPS = ("agency", "field", "procedure", "month")

#: Counted figures, in the order of the tables and exports.
FIGURES = (
    "carried_over", "received", "received_online", "received_in_person", "received_post",
    "processed", "early", "on_time", "late", "in_process", "not_yet_due", "overdue", "supplement",
    "stopped", "withdrawn", "refused", "returned",
)
#: Figures behind the rates (numerators and denominators), also drillable.
RATE_FIGURES = (
    "processed_in_time", "received_level3", "received_level3_online", "received_level4",
    "received_level4_online", "received_level34", "received_level34_online",
)
ALL_FIGURES = FIGURES + RATE_FIGURES

#: rate -> (numerator figure, denominator figure)
RATES = {
    "on_time_rate": ("processed_in_time", "processed"),
    "online_rate_level3": ("received_level3_online", "received_level3"),
    "online_rate_level4": ("received_level4_online", "received_level4"),
}

#: Figures that describe the state at one moment (start or end of the period) rather than
#: what happened during it; a period's value is its first (carried over) or last month's.
STOCK_AT_START = frozenset({"carried_over"})
STOCK_AT_END = frozenset({"in_process", "not_yet_due", "overdue", "supplement"})

FINISHED_WITH_RESULT = (Status.PROCESSED.value, Status.RETURNED.value)


def figure_conditions(start, end, as_of) -> dict[str, ColumnElement[bool]]:
    """The condition of every figure for the period [start, end), evaluated at ``as_of``.

    ``start``, ``end`` and ``as_of`` are SQL expressions: bound values, or the columns of a
    table of months (to compute every month of a year in one statement).
    """
    received = and_(D.c.received_at >= start, D.c.received_at < end)
    finished = and_(D.c.finished_at >= start, D.c.finished_at < end)
    open_at_start = and_(D.c.received_at < start, or_(D.c.finished_at.is_(None), D.c.finished_at >= start))
    open_at_end = _open_at(end)
    paused_at_end = and_(D.c.paused_since.is_not(None), D.c.paused_since < end)
    overdue = and_(_unpaused_past_due(end), D.c.due_at < as_of)
    processed = and_(finished, D.c.status.in_(FINISHED_WITH_RESULT))
    level3, level4 = P.c.level == 3, P.c.level == 4
    online = D.c.channel == Channel.ONLINE.value
    return {
        "carried_over": open_at_start,
        "received": received,
        "received_online": and_(received, online),
        "received_in_person": and_(received, D.c.channel == Channel.IN_PERSON.value),
        "received_post": and_(received, D.c.channel == Channel.POST.value),
        "processed": processed,
        "early": and_(processed, D.c.timeliness == Timeliness.EARLY.value),
        "on_time": and_(processed, D.c.timeliness == Timeliness.ON_TIME.value),
        "late": and_(processed, D.c.timeliness == Timeliness.LATE.value),
        "in_process": open_at_end,
        "not_yet_due": and_(open_at_end, ~overdue),
        "overdue": overdue,
        "supplement": and_(open_at_end, paused_at_end),
        "stopped": and_(finished, D.c.status == Status.STOPPED.value),
        "withdrawn": and_(finished, D.c.status == Status.WITHDRAWN.value, D.c.received_at.is_not(None)),
        "refused": and_(processed, D.c.result_kind == "refused"),
        "returned": and_(D.c.returned_at >= start, D.c.returned_at < end),
        "processed_in_time": and_(processed, D.c.timeliness.in_((Timeliness.EARLY.value, Timeliness.ON_TIME.value))),
        "received_level3": and_(received, level3),
        "received_level3_online": and_(received, level3, online),
        "received_level4": and_(received, level4),
        "received_level4_online": and_(received, level4, online),
        "received_level34": and_(received, P.c.level >= 3),
        "received_level34_online": and_(received, P.c.level >= 3, online),
    }


def _open_at(end) -> ColumnElement[bool]:
    """Received before ``end`` and not finished before it."""
    return and_(D.c.received_at < end, or_(D.c.finished_at.is_(None), D.c.finished_at >= end))


def _unpaused_past_due(end) -> ColumnElement[bool]:
    """Open at ``end``, not waiting for a supplement then, and due before it: overdue at
    ``end`` when also due before now."""
    return and_(_open_at(end), or_(D.c.paused_since.is_(None), D.c.paused_since >= end), D.c.due_at < end)


def relevant(start, end) -> ColumnElement[bool]:
    """Dossiers that can count in any figure of [start, end): received before the end and not
    finished and returned before the start. A cheap pre-filter; every figure implies it."""
    return and_(
        D.c.received_at < end,
        or_(D.c.finished_at.is_(None), D.c.finished_at >= start, D.c.returned_at >= start),
    )


def tally(condition: ColumnElement[bool]):
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END)."""
    return func.sum(case((condition, 1), else_=0))


def _bound(value: datetime):
    return literal(value, UTCDateTime())


@dataclass(frozen=True)
class Scope:
    """Filters of a table: one agency, field or procedure (ids), or none (the province)."""

    agency_id: int | None = None
    field_id: int | None = None
    procedure_id: int | None = None

    def conditions(self, table=D) -> list[ColumnElement[bool]]:
        """The filters on ``table``: ``dossiers`` or the day counts (both joined with procedures)."""
        found = []
        if self.agency_id is not None:
            found.append(table.c.agency_id == self.agency_id)
        if self.field_id is not None:
            found.append(P.c.field_id == self.field_id)
        if self.procedure_id is not None:
            found.append(table.c.procedure_id == self.procedure_id)
        return found


@dataclass
class StatRow:
    key: object  # agency/field/procedure id, or the month's index; None for the total
    label: str
    counts: dict[str, int]
    period: Period | None = None  # the month of a month row
    code: str | None = None  # agency/field/procedure code, or "YYYY-MM" for a month

    def __getitem__(self, figure: str) -> int:
        return self.counts[figure]

    def ratio(self, rate: str) -> Ratio:
        numerator, denominator = RATES[rate]
        return Ratio(self.counts[numerator], self.counts[denominator])

    def to_dict(self) -> dict:
        data = {figure: self.counts[figure] for figure in FIGURES}
        for rate in RATES:
            data[rate] = self.ratio(rate).to_dict()
        return data


@dataclass
class StatTable:
    period: Period
    group_by: str
    rows: list[StatRow]
    total: StatRow
    scope: Scope = field(default_factory=Scope)
    as_of: datetime | None = None


def _row_counts(row) -> dict[str, int]:
    mapping = row._mapping
    return {figure: int(mapping[figure] or 0) for figure in ALL_FIGURES}


def _aggregates(conditions: dict[str, ColumnElement[bool]]) -> list:
    return [tally(conditions[figure]).label(figure) for figure in ALL_FIGURES]


def _base_from():
    return D.join(P, P.c.id == D.c.procedure_id)


def group_column(group_by: str, table=D):
    """The column a table grouped by agency, field or procedure groups ``table`` by."""
    return {"agency": table.c.agency_id, "field": P.c.field_id, "procedure": table.c.procedure_id}[group_by]


ROW_GROUPS = ("agency", "field", "procedure")  # groupings that are not months


def grouped_statement(period: Period, scope: Scope, group_by: str, now: datetime):
    """The one SELECT behind a table grouped by agency, field or procedure."""
    start, end, as_of = _bound(period.start_at), _bound(period.end_at), _bound(now)
    key = group_column(group_by).label("key")
    return (
        select(key, *_aggregates(figure_conditions(start, end, as_of)))
        .select_from(_base_from())
        .where(relevant(start, end), *scope.conditions())
        .group_by(key)
    )


# ---------------------------------------------------------------------------------------------
# The grouped table, from the day counts (portal.statistics.daily)


#: Received figures by service level: (level condition, day count summed).
LEVEL_FIGURES = {
    "received_level3": (P.c.level == 3, DC.c.received),
    "received_level3_online": (P.c.level == 3, DC.c.received_online),
    "received_level4": (P.c.level == 4, DC.c.received),
    "received_level4_online": (P.c.level == 4, DC.c.received_online),
    "received_level34": (P.c.level >= 3, DC.c.received),
    "received_level34_online": (P.c.level >= 3, DC.c.received_online),
}
#: Figures counted on the day they happened: a period's value is the sum over its days.
FLOW_FIGURES = ("received", "received_online", "received_in_person", "received_post", "processed", "early",
                "on_time", "late", "refused", "stopped", "withdrawn", "returned", *LEVEL_FIGURES)
#: Stocks and the day count of their changes: the stock at 00:00 of a day is the sum of the
#: changes of all earlier days. "undated": in process without a due date and not paused, which
#: is neither overdue nor "not yet due" (as in figure_conditions, where due_at is NULL).
STOCK_CHANGES = {"in_process": "in_process_change", "supplement": "supplement_change",
                 "overdue": "overdue_change", "undated": "undated_change"}


def _month_number(day):
    return sa_cast(func.extract("year", day), Integer) * 100 + sa_cast(func.extract("month", day), Integer)


def day_counts_statement(period: Period, scope: Scope, group_by: str):
    """The sums of the day counts per group and bucket: bucket 0 holds the days before the
    period (their stock changes make the stocks at its start); bucket 1 the period's days, or,
    grouped by month, ``yyyymm`` of each month. A few rows per group, whatever the number of
    dossiers; ``_fold`` turns them into the figures."""
    before = DC.c.day < period.start
    bucket = case((before, 0), else_=_month_number(DC.c.day) if group_by == "month" else 1).label("bucket")
    keys = [bucket] if group_by == "month" else [group_column(group_by, DC).label("key"), bucket]
    sums = [func.sum(DC.c[name]).label(name) for name in DAY_COUNTS]
    sums += [func.sum(case((level, counted), else_=0)).label(figure)
             for figure, (level, counted) in LEVEL_FIGURES.items()]
    return (
        select(*keys, *sums)
        .select_from(DC.join(P, P.c.id == DC.c.procedure_id))
        .where(DC.c.day < period.end, *scope.conditions(DC))
        .group_by(*keys)
    )


def _fold(opening, buckets: list) -> list[dict[str, int]]:
    """The figures of consecutive buckets from the rows of ``day_counts_statement``: flows are
    the bucket's sums; each stock runs from its value at the start (the ``opening`` sums of
    earlier days) through the changes of each bucket. A missing row is a bucket with nothing.
    The overdue stock still includes dossiers due later than now (see _due_later_than_now)."""
    def value(row, name):
        return 0 if row is None else int(row._mapping[name] or 0)

    running = {stock: value(opening, change) for stock, change in STOCK_CHANGES.items()}
    found = []
    for row in buckets:
        counts = {figure: value(row, figure) for figure in FLOW_FIGURES}
        counts["processed_in_time"] = counts["early"] + counts["on_time"]
        counts["carried_over"] = running["in_process"]
        for stock, change in STOCK_CHANGES.items():
            running[stock] += value(row, change)
            counts[stock] = running[stock]
        found.append(counts)
    return found


def _due_later_than_now(ends: list[datetime], now: datetime, scope: Scope, key=None) -> dict:
    """For the ends after ``now``: per group, the dossiers the day counts hold as overdue at that
    end although their due time is not before now. An end in the future is judged at ``now``
    (figure_conditions: due before the end *and before now*); the day counts only know days.
    Reads the dossiers due between now and the last end (index on due_at). Returns
    ``{key: {end: n}}`` (key None without grouping)."""
    later = [end for end in ends if end > now]
    if not later:
        return {}
    as_of = _bound(now)
    columns = [tally(and_(_unpaused_past_due(_bound(end)), D.c.due_at >= as_of)).label(f"e{i}")
               for i, end in enumerate(later)]
    statement = (
        select(*([key.label("key")] if key is not None else []), *columns)
        .select_from(_base_from())
        .where(D.c.received_at.is_not(None), D.c.due_at >= as_of, D.c.due_at < _bound(max(later)),
               *scope.conditions())
    )
    if key is not None:
        statement = statement.group_by(key)
    found = {}
    for row in db.session.execute(statement):
        mapping = row._mapping
        found[mapping["key"] if key is not None else None] = {
            end: int(mapping[f"e{i}"] or 0) for i, end in enumerate(later)}
    return found


def _close(counts: dict, end: datetime, later: dict | None) -> dict[str, int]:
    """Final figures of one row: overdue judged at now for a future end, not yet due."""
    if later:
        counts["overdue"] -= later.get(end, 0)
    counts["not_yet_due"] = counts["in_process"] - counts["overdue"] - counts.pop("undated")
    return {figure: counts[figure] for figure in ALL_FIGURES}


def _labels(group_by: str, keys: list, locale: str) -> dict:
    model = {"agency": Agency, "field": ProcedureField, "procedure": Procedure}[group_by]
    if not keys:
        return {}
    return {obj.id: (obj.code, obj.name(locale)) for obj in db.session.scalars(select(model).where(model.id.in_(keys)))}


def _analytic_session() -> None:
    """For this transaction only: no JIT compilation on PostgreSQL, and parallel aggregates.

    For the direct scans over dossiers (``direct_table``), which run a few hundred
    milliseconds at province scale: JIT spends a large share of that compiling the CASE
    expressions, and the planner, which expects one group per row, would not take the parallel
    aggregate (measured in docs/statistics.md). ``SET LOCAL`` ends with the transaction.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))
        db.session.execute(text("SET LOCAL parallel_setup_cost = 0"))
        db.session.execute(text("SET LOCAL parallel_tuple_cost = 0"))


def period_table(period: Period, scope: Scope | None = None, group_by: str = "agency",
                 now: datetime | None = None, locale: str = "vi") -> StatTable:
    """The figures of ``period`` grouped by agency, field, procedure or month, with a total.

    Read from the day counts (``dossier_day_counts``), plus the dossiers due between now and
    the end of the period; equal to ``direct_table`` (tested, and ``flask stats verify``)."""
    if group_by not in GROUPS:
        raise ValueError(f"unknown grouping {group_by!r}")
    scope = scope or Scope()
    now = now or utcnow()
    result = db.session.execute(day_counts_statement(period, scope, group_by)).all()
    if group_by == "month":
        months = period.months()
        by_bucket = {row.bucket: row for row in result}
        found = _fold(by_bucket.get(0), [by_bucket.get(m.start.year * 100 + m.start.month) for m in months])
        later = _due_later_than_now([m.end_at for m in months], now, scope).get(None)
        rows = [StatRow(i, m.label(), _close(found[i], m.end_at, later), m, f"{m.start:%Y-%m}")
                for i, m in enumerate(months)]
        return StatTable(period, group_by, rows, _fold_months(rows), scope, now)
    opening, within = {}, {}
    for row in result:
        (within if row.bucket else opening)[row.key] = row
    later = _due_later_than_now([period.end_at], now, scope, group_column(group_by))
    counted = {}
    for key in opening.keys() | within.keys():
        counted[key] = _close(_fold(opening.get(key), [within.get(key)])[0], period.end_at, later.get(key))
    return _table_of(period, scope, group_by, now, counted, locale)


def _table_of(period, scope, group_by, now, counted: dict, locale: str) -> StatTable:
    """Rows of the groups with any non-zero figure, by label, and their total."""
    counted = {key: counts for key, counts in counted.items() if any(counts.values())}
    labels = _labels(group_by, list(counted), locale)
    rows = sorted((StatRow(key, labels.get(key, ("", str(key)))[1], counts, code=labels.get(key, ("", ""))[0])
                   for key, counts in counted.items()), key=lambda row: row.label)
    total = StatRow(None, "Tổng cộng", {f: sum(r.counts[f] for r in rows) for f in ALL_FIGURES})
    return StatTable(period, group_by, rows, total, scope, now)


def direct_table(period: Period, scope: Scope | None = None, group_by: str = "agency",
                 now: datetime | None = None, locale: str = "vi") -> StatTable:
    """The same table counted directly over ``dossiers`` with ``figure_conditions`` (one scan of
    the period's dossiers): the reference the day counts are checked against."""
    if group_by not in ROW_GROUPS:
        raise ValueError(f"direct_table groups by agency, field or procedure, not {group_by!r}")
    scope = scope or Scope()
    now = now or utcnow()
    _analytic_session()
    result = db.session.execute(grouped_statement(period, scope, group_by, now)).all()
    return _table_of(period, scope, group_by, now, {r.key: _row_counts(r) for r in result}, locale)


def _fold_months(rows: list[StatRow]) -> StatRow:
    """The period's total from its months: flows add up, stocks are the first/last month's."""
    counts = {}
    for figure in ALL_FIGURES:
        if figure in STOCK_AT_START:
            counts[figure] = rows[0].counts[figure] if rows else 0
        elif figure in STOCK_AT_END:
            counts[figure] = rows[-1].counts[figure] if rows else 0
        else:
            counts[figure] = sum(r.counts[figure] for r in rows)
    return StatRow(None, "Tổng cộng", counts)


# ---------------------------------------------------------------------------------------------
# Drill-down: the dossiers behind a number


def dossiers_behind(figure: str, period: Period, scope: Scope | None = None, now: datetime | None = None):
    """SELECT of the dossiers counted in ``figure`` (same condition as the table), oldest first."""
    if figure not in ALL_FIGURES:
        raise ValueError(f"unknown figure {figure!r}")
    scope = scope or Scope()
    conditions = figure_conditions(_bound(period.start_at), _bound(period.end_at), _bound(now or utcnow()))
    return (
        select(Dossier)
        .join(Procedure, Procedure.id == Dossier.procedure_id)
        .where(conditions[figure], *scope.conditions())
        .order_by(Dossier.received_at, Dossier.id)
    )


def count_behind(figure: str, period: Period, scope: Scope | None = None, now: datetime | None = None) -> int:
    statement = dossiers_behind(figure, period, scope, now).order_by(None)
    return db.session.scalar(select(func.count()).select_from(statement.subquery()))


# ---------------------------------------------------------------------------------------------
# Service coverage, plan targets and the QĐ 766 indicators


def procedures_by_level(scope: Scope | None = None) -> dict[int, int]:
    """Published procedures offered at each service level (2, 3, 4)."""
    scope = scope or Scope()
    statement = select(P.c.level, func.count()).where(P.c.is_published.is_(True)).group_by(P.c.level)
    if scope.agency_id is not None:
        statement = statement.where(P.c.agency_id == scope.agency_id)
    if scope.field_id is not None:
        statement = statement.where(P.c.field_id == scope.field_id)
    if scope.procedure_id is not None:
        statement = statement.where(P.c.id == scope.procedure_id)
    counts = {2: 0, 3: 0, 4: 0}
    counts.update({level: n for level, n in db.session.execute(statement)})
    return counts


PERMIT_WORDS = "giấy phép"


def permit_online_ratio(period: Period, scope: Scope | None = None) -> Ratio:
    """Permit dossiers (procedures whose name contains "giấy phép") received online / received."""
    scope = scope or Scope()
    start, end = _bound(period.start_at), _bound(period.end_at)
    received = and_(D.c.received_at >= start, D.c.received_at < end)
    row = db.session.execute(
        select(tally(and_(received, D.c.channel == Channel.ONLINE.value)).label("n"), tally(received).label("d"))
        .select_from(_base_from())
        .where(func.lower(P.c.name_vi).contains(PERMIT_WORDS), *scope.conditions())
    ).one()
    return Ratio(int(row.n or 0), int(row.d or 0))


def _table(name: str):
    return db.metadata.tables.get(name)


def satisfaction_ratio(period: Period, scope: Scope | None = None) -> Ratio | None:
    """Ratings "rất hài lòng" or "hài lòng" / all ratings given in the period (None before the
    ``ratings`` table exists)."""
    ratings = _table("ratings")
    if ratings is None:
        return None
    scope = scope or Scope()
    row = db.session.execute(
        select(tally(ratings.c.level.in_(("very_satisfied", "satisfied"))).label("n"), func.count().label("d"))
        .select_from(ratings.join(D, D.c.id == ratings.c.dossier_id).join(P, P.c.id == D.c.procedure_id))
        .where(ratings.c.created_at >= _bound(period.start_at), ratings.c.created_at < _bound(period.end_at),
               *scope.conditions())
    ).one()
    return Ratio(int(row.n or 0), int(row.d or 0))


def satisfaction_breakdown(period: Period, scope: Scope | None = None) -> dict[str, int] | None:
    ratings = _table("ratings")
    if ratings is None:
        return None
    scope = scope or Scope()
    counts = {"very_satisfied": 0, "satisfied": 0, "unsatisfied": 0}
    statement = (
        select(ratings.c.level, func.count())
        .select_from(ratings.join(D, D.c.id == ratings.c.dossier_id).join(P, P.c.id == D.c.procedure_id))
        .where(ratings.c.created_at >= _bound(period.start_at), ratings.c.created_at < _bound(period.end_at),
               *scope.conditions())
        .group_by(ratings.c.level)
    )
    counts.update({level: n for level, n in db.session.execute(statement)})
    return counts


def online_payment_ratio(period: Period, scope: Scope | None = None) -> Ratio | None:
    """Dossiers whose fee was paid in the period with an online payment (a ``payments`` row with
    status 'paid') / dossiers whose fee was paid in the period (None without ``payments``)."""
    payments = _table("payments")
    if payments is None or not {"dossier_id", "status"} <= set(payments.c.keys()):
        return None
    scope = scope or Scope()
    paid = and_(D.c.fee_paid_at >= _bound(period.start_at), D.c.fee_paid_at < _bound(period.end_at),
                D.c.fee_amount > 0)
    # Two counts, so that each reads the partial index on fee_paid_at (and the few paid payments)
    # instead of probing the payments of every dossier.
    counted = select(func.count()).select_from(_base_from() if scope.field_id is not None else D)
    counted = counted.where(paid, *scope.conditions())
    online = D.c.id.in_(select(payments.c.dossier_id).where(payments.c.status == "paid"))
    return Ratio(int(db.session.scalar(counted.where(online)) or 0), int(db.session.scalar(counted) or 0))


def digitisation_ratio(period: Period, scope: Scope | None = None) -> Ratio:
    """Received dossiers with at least one stored electronic file (``has_files``, kept with every
    file added or removed) / received dossiers; from the day counts."""
    scope = scope or Scope()
    row = db.session.execute(
        select(func.sum(DC.c.received_digitised).label("n"), func.sum(DC.c.received).label("d"))
        .select_from(DC.join(P, P.c.id == DC.c.procedure_id))
        .where(DC.c.day >= period.start, DC.c.day < period.end, *scope.conditions(DC))
    ).one()
    return Ratio(int(row.n or 0), int(row.d or 0))


def digitisation_ratio_direct(period: Period, scope: Scope | None = None) -> Ratio:
    """The same ratio counted over dossiers and their files (the reference of the tests)."""
    scope = scope or Scope()
    files = DossierFile.__table__
    received = and_(D.c.received_at >= _bound(period.start_at), D.c.received_at < _bound(period.end_at))
    digitised = exists().where(files.c.dossier_id == D.c.id)
    row = db.session.execute(
        select(tally(digitised).label("n"), func.count().label("d"))
        .select_from(_base_from()).where(received, *scope.conditions())
    ).one()
    return Ratio(int(row.n or 0), int(row.d or 0))


# ---------------------------------------------------------------------------------------------
# Checking the day counts against the dossiers


def day_count_differences(period: Period, now: datetime | None = None) -> list[tuple[str, str, int, int]]:
    """(row, figure, from the day counts, counted directly) for every figure of ``period``, by
    agency and for each of its months, where the two differ. Empty when the day counts are
    exact. Scans the period's dossiers once per month: an operator's check, not a page."""
    now = now or utcnow()
    found = []

    def compare(label, ours: dict, direct: dict):
        found.extend((label, figure, ours.get(figure, 0), direct.get(figure, 0))
                     for figure in ALL_FIGURES if ours.get(figure, 0) != direct.get(figure, 0))

    ours, direct = period_table(period, now=now), direct_table(period, now=now)
    direct_rows = {row.key: row for row in direct.rows}
    for key in {row.key for row in ours.rows} | set(direct_rows):
        mine = next((row for row in ours.rows if row.key == key), None)
        theirs = direct_rows.get(key)
        label = (mine or theirs).label
        compare(label, mine.counts if mine else {}, theirs.counts if theirs else {})
    for row in period_table(period, group_by="month", now=now).rows:
        compare(row.label, row.counts, direct_table(row.period, now=now).total.counts)
    ours_files, direct_files = digitisation_ratio(period), digitisation_ratio_direct(period)
    if ours_files.numerator != direct_files.numerator:
        found.append(("Tổng cộng", "received_digitised", ours_files.numerator, direct_files.numerator))
    return found
