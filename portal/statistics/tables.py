"""The statistics tables: the figures of a period grouped by agency, field, procedure or month,
with a total (``StatTable``).

``period_table``, which the page, the API and the CSV/XLSX exports read, sums the per-day
counts of ``dossier_day_counts`` (``portal.statistics.daily``): a year at province scale reads in
tens of milliseconds instead of scanning hundreds of thousands of dossiers. ``direct_table``
counts the same table directly over ``dossiers`` with ``figure_conditions`` (one
``SUM(CASE WHEN ... THEN 1 ELSE 0 END)`` per figure in one GROUP BY): the reference that tests
and ``flask stats verify`` check the day counts against. No Python loop ever runs over
dossiers: Python only folds a few aggregate rows (per agency, field, procedure or month).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Integer, and_, case, func, literal_column, select, text
from sqlalchemy import cast as sa_cast

from portal.extensions import db
from portal.models import Agency, Procedure
from portal.models import Field as ProcedureField
from portal.models.statistics import DAY_COUNTS
from portal.models.types import utcnow
from portal.statistics.figures import (
    ALL_FIGURES,
    DC,
    FIGURES,
    GROUPS,
    RATES,
    STOCK_AT_END,
    STOCK_AT_START,
    D,
    P,
    Scope,
    dossiers_and_procedures,
    figure_conditions,
    relevant,
    tally,
    unpaused_past_due,
    utc_bound,
)
from portal.statistics.formulas import Ratio
from portal.statistics.periods import Period


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

def group_column(group_by: str, table=D):
    """The column a table grouped by agency, field or procedure groups ``table`` by."""
    return {"agency": table.c.agency_id, "field": P.c.field_id, "procedure": table.c.procedure_id}[group_by]


ROW_GROUPS = ("agency", "field", "procedure")  # groupings that are not months


def grouped_statement(period: Period, scope: Scope, group_by: str, now: datetime):
    """The one SELECT behind a table grouped by agency, field or procedure."""
    start, end, as_of = utc_bound(period.start_at), utc_bound(period.end_at), utc_bound(now)
    key = group_column(group_by).label("key")
    return (
        select(key, *_aggregates(figure_conditions(start, end, as_of)))
        .select_from(dossiers_and_procedures())
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
                "on_time", "late", "refused", "stopped", "withdrawn", "returned", "received_scanned",
                "processed_e_result", *LEVEL_FIGURES)
#: Stocks and the day count of their changes: the stock at 00:00 of a day is the sum of the
#: changes of all earlier days. "undated": in process without a due date and not paused, which
#: is neither overdue nor "not yet due" (as in figure_conditions, where due_at is NULL).
STOCK_CHANGES = {"in_process": "in_process_change", "supplement": "supplement_change",
                 "overdue": "overdue_change", "undated": "undated_change"}


#: The day counts the period's rows sum: the flows and the stock changes.
PERIOD_SUMS = tuple(name for name in DAY_COUNTS if name in FLOW_FIGURES or name in STOCK_CHANGES.values())


def _month_number(day):
    return sa_cast(func.extract("year", day), Integer) * 100 + sa_cast(func.extract("month", day), Integer)


def _day_counts(scope: Scope, group_by: str | None):
    """The day counts, joined with the procedures when the grouping or the scope needs them."""
    if group_by == "field" or scope.field_id is not None:
        return DC.join(P, P.c.id == DC.c.procedure_id)
    return DC


def _keys(group_by: str | None) -> list:
    return [group_column(group_by, DC).label("key")] if group_by in ROW_GROUPS else []


def opening_statement(period: Period, scope: Scope, group_by: str | None):
    """The stock changes of the days before the period, per group (one row without grouping):
    the stocks at its start. Four sums per day row (the flows of those days are not needed), so
    the history before a period (a whole past year for the current one) costs little."""
    keys = _keys(group_by)
    return (
        select(*keys, *[func.sum(DC.c[change]).label(change) for change in STOCK_CHANGES.values()])
        .select_from(_day_counts(scope, group_by))
        .where(DC.c.day < period.start, *scope.conditions(DC))
        .group_by(*keys)
    )


def day_counts_statement(period: Period, scope: Scope, group_by: str | None, by_month: bool = True):
    """The sums of the period's day counts per group and month (``bucket``: ``yyyymm``, or 0
    when not ``by_month``); without a row grouping (``None`` or "month") per month only. A few
    rows per group and month, whatever the number of dossiers; the rows of one group make its
    table row, the rows of one month (over the groups) its month row: one statement for both
    tables of the page."""
    keys = [*_keys(group_by), *([_month_number(DC.c.day).label("bucket")] if by_month else [])]
    sums = [func.sum(DC.c[name]).label(name) for name in PERIOD_SUMS]
    sums += [func.sum(case((level, counted), else_=0)).label(figure)
             for figure, (level, counted) in LEVEL_FIGURES.items()]
    return (
        select(*keys, *([] if by_month else [literal_column("0").label("bucket")]), *sums)
        .select_from(DC.join(P, P.c.id == DC.c.procedure_id))  # the levels
        .where(DC.c.day >= period.start, DC.c.day < period.end, *scope.conditions(DC))
        .group_by(*keys)
    )


def _add(rows) -> dict[str, int]:
    """The sums of several rows of day-count sums (a missing figure is 0)."""
    total: dict[str, int] = {}
    for row in rows:
        for name, value in row.items():
            total[name] = total.get(name, 0) + value
    return total


def _fold(opening: dict | None, buckets: list[dict | None]) -> list[dict[str, int]]:
    """The figures of consecutive buckets from the day-count sums: flows are the bucket's sums;
    each stock runs from its value at the start (the ``opening`` sums of earlier days) through
    the changes of each bucket. A missing row is a bucket with nothing. The overdue stock still
    includes dossiers due later than now (see _due_later_than_now)."""
    def value(row, name):
        return 0 if row is None else row.get(name, 0)

    running = {stock: value(opening, change) for stock, change in STOCK_CHANGES.items()}
    found = []
    for row in buckets:
        counts = {figure: value(row, figure) for figure in FLOW_FIGURES}
        counts["processed_in_time"] = counts["early"] + counts["on_time"]
        counts["received_paper"] = counts["received_in_person"] + counts["received_post"]
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
    Reads only the dossiers due between now and the last end that are unfinished at ``now`` (one
    finished before it is open at no later end): those without a finish, through the partial
    index ix_dossiers_unfinished_due (index-only on PostgreSQL), then those finished after ``now``
    (none when ``now`` is the present; a past ``now`` in tests), through ix_dossiers_finished_at.
    Returns ``{key: {end: n}}`` (key None without grouping)."""
    later = sorted({end for end in ends if end > now})
    if not later:
        return {}
    as_of = utc_bound(now)
    columns = [tally(and_(unpaused_past_due(utc_bound(end)), D.c.due_at >= as_of)).label(f"e{i}")
               for i, end in enumerate(later)]
    found: dict = {}
    for unfinished in (D.c.finished_at.is_(None), D.c.finished_at >= as_of):  # disjoint
        statement = (
            select(*([key.label("key")] if key is not None else []), *columns)
            .select_from(dossiers_and_procedures() if scope.field_id is not None or key is P.c.field_id else D)
            .where(D.c.received_at.is_not(None), unfinished, D.c.due_at >= as_of,
                   D.c.due_at < utc_bound(max(later)), *scope.conditions())
        )
        if key is not None:
            statement = statement.group_by(key)
        for row in db.session.execute(statement):
            mapping = row._mapping
            counts = found.setdefault(mapping["key"] if key is not None else None, dict.fromkeys(later, 0))
            for i, end in enumerate(later):
                counts[end] += int(mapping[f"e{i}"] or 0)
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
    return period_tables(period, scope, (group_by,), now, locale)[group_by]


def period_tables(period: Period, scope: Scope | None = None, groupings=("month", "agency"),
                  now: datetime | None = None, locale: str = "vi") -> dict[str, StatTable]:
    """The tables of ``period`` for "month" and (or) one row grouping (agency, field or
    procedure), as ``period_table`` makes each, read together: the page shows both, and one
    statement per part serves both tables (the stocks at the start, the period's sums per
    group and month, the dossiers due later than now, judged at the same ``now``)."""
    if not groupings or any(g not in GROUPS for g in groupings):
        raise ValueError(f"unknown grouping in {groupings!r}")
    rows_by = sorted({g for g in groupings if g != "month"})
    if len(rows_by) > 1:
        raise ValueError("at most one grouping besides month")
    group_by = rows_by[0] if rows_by else None
    scope = scope or Scope()
    now = now or utcnow()

    def sums(row) -> tuple:
        mapping = row._mapping
        return (mapping["key"] if group_by else None), {
            name: int(value or 0) for name, value in mapping.items() if name not in ("key", "bucket")}

    opening = dict(map(sums, db.session.execute(opening_statement(period, scope, group_by))))
    within: dict = {}  # key -> {bucket: sums}
    for row in db.session.execute(day_counts_statement(period, scope, group_by, by_month="month" in groupings)):
        key, found = sums(row)
        within.setdefault(key, {})[row.bucket] = found
    months = period.months() if "month" in groupings else []
    ends = [m.end_at for m in months] + ([period.end_at] if group_by else [])
    later = _due_later_than_now(ends, now, scope, group_column(group_by) if group_by else None)
    tables = {}
    if group_by:
        counted = {}
        for key in opening.keys() | within.keys():
            period_sums = _add(within.get(key, {}).values())
            counted[key] = _close(_fold(opening.get(key), [period_sums])[0], period.end_at, later.get(key))
        tables[group_by] = _table_of(period, scope, group_by, now, counted, locale)
    if months:
        buckets = [_add(by_month.get(m.start.year * 100 + m.start.month, {}) for by_month in within.values())
                   for m in months]
        found = _fold(_add(opening.values()), buckets)
        later_total = _add(later.values()) if later else None
        rows = [StatRow(i, m.label(), _close(found[i], m.end_at, later_total), m, f"{m.start:%Y-%m}")
                for i, m in enumerate(months)]
        tables["month"] = StatTable(period, "month", rows, _fold_months(rows), scope, now)
    return tables


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
