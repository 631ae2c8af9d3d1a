"""Every figure of the leaders' dashboard, defined once, as SQL over stored dossier columns.

``figure_conditions(start, end, as_of)`` is the single definition: for each figure, the SQL
condition a dossier must meet to be counted in it for the period [start, end). The grouped
table (``period_table``) sums those conditions (``SUM(CASE WHEN ... THEN 1 ELSE 0 END)``) in one
GROUP BY; the drill-down (``dossiers_behind``) selects the dossiers meeting the same condition;
the page, the API and the CSV/XLSX exports all read ``period_table``. No Python loop ever runs
over dossiers: Python only folds the few aggregate rows (at most one per agency, field,
procedure or month).

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
from portal.models import Agency, Dossier, DossierFile, Procedure
from portal.models import Field as ProcedureField
from portal.models.types import UTCDateTime, utcnow
from portal.statistics.formulas import Ratio
from portal.statistics.periods import Period
from workflow.states import Channel, Status, Timeliness

D = Dossier.__table__
P = Procedure.__table__

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
    open_at_end = and_(D.c.received_at < end, or_(D.c.finished_at.is_(None), D.c.finished_at >= end))
    paused_at_end = and_(D.c.paused_since.is_not(None), D.c.paused_since < end)
    overdue = and_(open_at_end, ~paused_at_end, D.c.due_at < end, D.c.due_at < as_of)
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

    def conditions(self) -> list[ColumnElement[bool]]:
        found = []
        if self.agency_id is not None:
            found.append(D.c.agency_id == self.agency_id)
        if self.field_id is not None:
            found.append(P.c.field_id == self.field_id)
        if self.procedure_id is not None:
            found.append(D.c.procedure_id == self.procedure_id)
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


GROUP_COLUMNS = {"agency": D.c.agency_id, "field": P.c.field_id, "procedure": D.c.procedure_id}


def grouped_statement(period: Period, scope: Scope, group_by: str, now: datetime):
    """The one SELECT behind a table grouped by agency, field or procedure."""
    start, end, as_of = _bound(period.start_at), _bound(period.end_at), _bound(now)
    key = GROUP_COLUMNS[group_by].label("key")
    return (
        select(key, *_aggregates(figure_conditions(start, end, as_of)))
        .select_from(_base_from())
        .where(relevant(start, end), *scope.conditions())
        .group_by(key)
    )


#: The flows of a month, split by the dossier's own columns (counted at the month of the
#: dossier's received_at or finished_at); the keys are the figures.
RECEIVED_SPLITS = {
    "received": None,
    "received_online": D.c.channel == Channel.ONLINE.value,
    "received_in_person": D.c.channel == Channel.IN_PERSON.value,
    "received_post": D.c.channel == Channel.POST.value,
    "received_level3": P.c.level == 3,
    "received_level3_online": and_(P.c.level == 3, D.c.channel == Channel.ONLINE.value),
    "received_level4": P.c.level == 4,
    "received_level4_online": and_(P.c.level == 4, D.c.channel == Channel.ONLINE.value),
    "received_level34": P.c.level >= 3,
    "received_level34_online": and_(P.c.level >= 3, D.c.channel == Channel.ONLINE.value),
}
_WITH_RESULT = D.c.status.in_(FINISHED_WITH_RESULT)
FINISHED_SPLITS = {
    "processed": _WITH_RESULT,
    "early": and_(_WITH_RESULT, D.c.timeliness == Timeliness.EARLY.value),
    "on_time": and_(_WITH_RESULT, D.c.timeliness == Timeliness.ON_TIME.value),
    "late": and_(_WITH_RESULT, D.c.timeliness == Timeliness.LATE.value),
    "refused": and_(_WITH_RESULT, D.c.result_kind == "refused"),
    "processed_in_time": and_(_WITH_RESULT, D.c.timeliness.in_((Timeliness.EARLY.value, Timeliness.ON_TIME.value))),
    "stopped": D.c.status == Status.STOPPED.value,
    "withdrawn": D.c.status == Status.WITHDRAWN.value,  # received: the scan keeps received dossiers only
}


def _bucket(col, bounds: list[datetime]):
    """Which of the months ``col`` falls in: 0 before the first month, i for the i-th month
    (1-based), len(bounds) from the end of the period on, NULL when ``col`` is NULL."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY, array

        thresholds = sa_cast(array([_bound(b) for b in bounds]), ARRAY(UTCDateTime()))
        return func.width_bucket(col, thresholds)
    whens = [(col.is_(None), None)] + [(col < _bound(b), literal(i, Integer)) for i, b in enumerate(bounds)]
    return case(*whens, else_=literal(len(bounds), Integer))


def monthly_statement(period: Period, scope: Scope, now: datetime):
    """One scan behind a table grouped by month, without a table of months.

    Each relevant dossier is reduced to the months (buckets) of its received_at, finished_at,
    returned_at, paused_since and due_at, and whether its due date is before ``now``; the
    dossiers are grouped by those few small numbers (a few hundred groups, whatever the number
    of dossiers) with their counts by channel, level, status and timeliness. ``_fold_buckets``
    turns the groups into the months' figures: flows at the month of their own timestamp,
    stocks (carried over, in process, overdue, ...) as running sums of entries and exits."""
    months = period.months()
    bounds = [months[0].start_at] + [m.end_at for m in months]
    start, end, as_of = _bound(period.start_at), _bound(period.end_at), _bound(now)
    keys = [
        _bucket(D.c.received_at, bounds).label("r"),
        _bucket(D.c.finished_at, bounds).label("f"),
        _bucket(D.c.returned_at, bounds).label("t"),
        _bucket(D.c.paused_since, bounds).label("p"),
        _bucket(D.c.due_at, bounds).label("d"),
        case((D.c.due_at < as_of, 1), else_=0).label("due_passed"),
    ]
    splits = [tally(c).label(f) for f, c in RECEIVED_SPLITS.items() if c is not None]
    splits += [tally(c).label(f) for f, c in FINISHED_SPLITS.items()]
    return (
        select(*keys, func.count().label("n"), *splits)
        .select_from(_base_from())
        .where(relevant(start, end), *scope.conditions())
        .group_by(*keys)
    )


def _fold_buckets(groups, k: int) -> list[dict[str, int]]:
    """The figures of each of the ``k`` months from the groups of ``monthly_statement``.

    Month indices: -1 before the period, 0..k-1 the months, k after; None for NULL. Same
    definitions as ``figure_conditions`` for each month [s_m, e_m) (a timestamp t is before e_m
    when its index <= m, not before s_m when its index >= m), with the pre-filter ``relevant``:
    - received in m: R == m, and (not finished, or finished or returned not before s_m);
    - finished / returned in m: F (T) == m and received before e_m (R <= m);
    - a stock is an interval of months per dossier, [entry, exit): in process [R, max(R, F));
      waiting for a supplement [max(R, P), max(R, P, F)); overdue (due before now)
      [max(R, D), max(R, D, min(F, P))); in process without a due date and not paused
      [R, max(R, min(F, P))) (neither overdue nor "not yet due", as in SQL with a NULL due date).
      The stock at the end of month m is the number of entries up to m minus the exits up to m;
      carried over into m is the stock at the end of m - 1."""
    counts = [dict.fromkeys(ALL_FIGURES, 0) for _ in range(k)]
    series = ("in_process", "supplement", "overdue", "no_due")
    deltas = {s: [0] * (k + 1) for s in series}  # position 0: before the period; m + 1: month m

    def index(bucket):
        return None if bucket is None else bucket - 1

    def interval(name, entry, exit_, n):
        if entry >= k:
            return
        deltas[name][entry + 1] += n
        if exit_ is not None and exit_ < k:
            deltas[name][exit_ + 1] -= n

    def least(*values):
        present = [v for v in values if v is not None]
        return min(present) if present else None

    for g in groups:
        m = g._mapping
        n = m["n"]
        r, f, t, p, d = (index(m[c]) for c in ("r", "f", "t", "p", "d"))
        if 0 <= r < k and (f is None or f >= r or (t is not None and t >= r)):
            month = counts[r]
            month["received"] += n
            for figure, condition in RECEIVED_SPLITS.items():
                if condition is not None:
                    month[figure] += int(m[figure] or 0)
        if f is not None and 0 <= f < k and r <= f:
            for figure in FINISHED_SPLITS:
                counts[f][figure] += int(m[figure] or 0)
        if t is not None and 0 <= t < k and r <= t:
            counts[t]["returned"] += n
        interval("in_process", r, None if f is None else max(r, f), n)
        if p is not None:
            interval("supplement", max(r, p), None if f is None else max(r, p, f), n)
        stop = least(f, p)
        if d is not None and m["due_passed"]:
            interval("overdue", max(r, d), None if stop is None else max(r, d, stop), n)
        if d is None:
            interval("no_due", r, None if stop is None else max(r, stop), n)

    running = dict.fromkeys(series, 0)
    for name in series:
        running[name] = deltas[name][0]
    for i in range(k):
        counts[i]["carried_over"] = running["in_process"]
        for name in series:
            running[name] += deltas[name][i + 1]
        month = counts[i]
        month["in_process"] = running["in_process"]
        month["supplement"] = running["supplement"]
        month["overdue"] = running["overdue"]
        month["not_yet_due"] = running["in_process"] - running["overdue"] - running["no_due"]
    return counts


def _labels(group_by: str, keys: list, locale: str) -> dict:
    model = {"agency": Agency, "field": ProcedureField, "procedure": Procedure}[group_by]
    if not keys:
        return {}
    return {obj.id: (obj.code, obj.name(locale)) for obj in db.session.scalars(select(model).where(model.id.in_(keys)))}


def _analytic_session() -> None:
    """For this transaction only: no JIT compilation on PostgreSQL.

    The aggregates run a few hundred milliseconds; JIT spends a large share of that compiling
    the CASE expressions (measured in docs/statistics.md). ``SET LOCAL`` ends with the request's
    transaction, so other queries keep the server's settings.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))
        db.session.execute(text("SET LOCAL parallel_setup_cost = 0"))
        db.session.execute(text("SET LOCAL parallel_tuple_cost = 0"))


def period_table(period: Period, scope: Scope | None = None, group_by: str = "agency",
                 now: datetime | None = None, locale: str = "vi") -> StatTable:
    """The figures of ``period`` grouped by agency, field, procedure or month, with a total."""
    if group_by not in GROUPS:
        raise ValueError(f"unknown grouping {group_by!r}")
    scope = scope or Scope()
    now = now or utcnow()
    _analytic_session()
    if group_by == "month":
        months = period.months()
        found = _fold_buckets(db.session.execute(monthly_statement(period, scope, now)), len(months))
        rows = [StatRow(i, m.label(), found[i], m, f"{m.start:%Y-%m}") for i, m in enumerate(months)]
        total = _fold_months(rows)
    else:
        result = db.session.execute(grouped_statement(period, scope, group_by, now)).all()
        labels = _labels(group_by, [r.key for r in result], locale)
        rows = sorted((StatRow(r.key, labels.get(r.key, ("", str(r.key)))[1], _row_counts(r),
                               code=labels.get(r.key, ("", ""))[0]) for r in result),
                      key=lambda row: row.label)
        total = StatRow(None, "Tổng cộng", {f: sum(r.counts[f] for r in rows) for f in ALL_FIGURES})
    return StatTable(period, group_by, rows, total, scope, now)


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
    online = exists().where(payments.c.dossier_id == D.c.id, payments.c.status == "paid")
    row = db.session.execute(
        select(tally(online).label("n"), func.count().label("d"))
        .select_from(_base_from()).where(paid, *scope.conditions())
    ).one()
    return Ratio(int(row.n or 0), int(row.d or 0))


def digitisation_ratio(period: Period, scope: Scope | None = None) -> Ratio:
    """Received dossiers with at least one stored electronic file / received dossiers."""
    scope = scope or Scope()
    files = DossierFile.__table__
    received = and_(D.c.received_at >= _bound(period.start_at), D.c.received_at < _bound(period.end_at))
    digitised = exists().where(files.c.dossier_id == D.c.id)
    row = db.session.execute(
        select(tally(digitised).label("n"), func.count().label("d"))
        .select_from(_base_from()).where(received, *scope.conditions())
    ).one()
    return Ratio(int(row.n or 0), int(row.d or 0))
