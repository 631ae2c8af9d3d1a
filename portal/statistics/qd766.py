"""The service-quality index of Quyết định 766/QĐ-TTg by sub-criterion, explainable: the
breakdown is data (``portal/catalogue/data/qd766.yaml``: points, threshold for full points,
formula, source, checked against the annex or not), each measured sub-criterion is a ratio whose
numerator and denominator are drillable to the dossiers, procedures or catalogue entries behind
them, and a sub-criterion this system cannot measure is "not measured", never 0.

Score of a sub-criterion: points x min(rate, full_at) / full_at, rounded half-up to two decimals
(the proportional rule is an assumption until checked against the annex). Every measure reads
the per-day counts (``period_table``) or a bounded query: the catalogue (a few thousand rows),
the procedures (a few hundred), the per-day counts grouped by procedure, the dossiers whose fee
was paid in the period (partial index on fee_paid_at), ratings and feedback (few rows).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import yaml
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Dossier, Procedure
from portal.statistics import catalogue
from portal.statistics.figures import DC, D, Scope, utc_bound
from portal.statistics.formulas import TWO_PLACES, Ratio
from portal.statistics.indicators import (
    _table,
    feedback_answers,
    online_payment_ratio,
    satisfaction_ratio,
)
from portal.statistics.periods import Period
from portal.statistics.tables import StatTable, period_table

INDEX_FILE = Path(__file__).resolve().parent.parent / "catalogue" / "data" / "qd766.yaml"


@dataclass(frozen=True)
class Criterion:
    group: str
    key: str
    name_vi: str
    name_en: str
    points: Decimal
    full_at: Decimal
    measure: str | None
    formula_vi: str
    formula_en: str
    source: str
    checked: bool

    @property
    def code(self) -> str:
        return f"{self.group}.{self.key}"

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_vi

    def formula(self, locale: str) -> str:
        return self.formula_en if locale == "en" else self.formula_vi


@dataclass(frozen=True)
class Group:
    key: str
    name_vi: str
    name_en: str
    criteria: tuple[Criterion, ...]

    @property
    def points(self) -> Decimal:
        return sum((c.points for c in self.criteria), Decimal(0))

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_vi


class IndexFileError(ValueError):
    pass


@functools.cache
def load_index(path: Path = INDEX_FILE) -> tuple[Group, ...]:
    """The groups and sub-criteria of the file, checked (``IndexFileError`` names the problems)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    problems, groups = [], []
    for g in data.get("groups") or []:
        criteria = []
        for c in g.get("criteria") or []:
            try:
                criterion = Criterion(g["key"], c["key"], c["name_vi"], c["name_en"], Decimal(str(c["points"])),
                                      Decimal(str(c.get("full_at", 100))), c.get("measure"), c["formula_vi"],
                                      c["formula_en"], c["source"], bool(c.get("checked", False)))
            except (KeyError, ArithmeticError) as error:
                problems.append(f"{g.get('key')}.{c.get('key')}: {error}")
                continue
            if criterion.measure is not None and criterion.measure not in MEASURES:
                problems.append(f"{criterion.code}: unknown measure {criterion.measure!r}")
            if criterion.points <= 0 or not 0 < criterion.full_at <= 100:
                problems.append(f"{criterion.code}: points must be > 0 and full_at in (0, 100]")
            criteria.append(criterion)
        groups.append(Group(g["key"], g["name_vi"], g["name_en"], tuple(criteria)))
    codes = [c.code for g in groups for c in g.criteria]
    if len(codes) != len(set(codes)):
        problems.append("duplicate sub-criterion keys")
    if problems:
        raise IndexFileError("; ".join(problems))
    return tuple(groups)


def score(criterion: Criterion, ratio: Ratio | None) -> Decimal | None:
    """points x min(rate, full_at) / full_at, half-up to two decimals; None without data."""
    if ratio is None or ratio.percent is None:
        return None
    reached = min(ratio.percent, criterion.full_at)
    return (criterion.points * reached / criterion.full_at).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------------
# What is behind a numerator or a denominator: dossier figures of the table, other dossier sets,
# procedures or catalogue entries. ``Drill(kind, names)``.


@dataclass(frozen=True)
class Drill:
    kind: str  # "figures" (period_table figures), "dossiers", "procedures" or "catalogue"
    names: tuple[str, ...]


@dataclass
class Measured:
    ratio: Ratio | None  # None: the data source does not exist here (pending)
    numerator: Drill | None = None
    denominator: Drill | None = None


def _procedure_scope(statement, scope: Scope):
    if scope.agency_id is not None:
        statement = statement.where(Procedure.agency_id == scope.agency_id)
    if scope.field_id is not None:
        statement = statement.where(Procedure.field_id == scope.field_id)
    if scope.procedure_id is not None:
        statement = statement.where(Procedure.id == scope.procedure_id)
    return statement


def _paid_procedures(period: Period, scope: Scope, online: bool) -> list[int]:
    """The procedures with a dossier whose fee was paid in the period (online: with a paid
    ``payments`` row): for each procedure one probe of the index (procedure_id, fee_paid_at)
    WHERE fee_amount > 0, stopped at the first hit (LIMIT 1 keeps the planner from turning the
    EXISTS into a semi-join over every paid dossier of the year: seconds at 1M dossiers)."""
    hit = select(D.c.id).where(
        D.c.procedure_id == Procedure.id, D.c.fee_amount > 0, D.c.fee_paid_at >= utc_bound(period.start_at),
        D.c.fee_paid_at < utc_bound(period.end_at), *([D.c.agency_id == scope.agency_id] if scope.agency_id else []))
    if online:
        payments = _table("payments")
        hit = hit.where(D.c.id.in_(select(payments.c.dossier_id).where(payments.c.status == "paid")))
    statement = select(Procedure.id).where(hit.limit(1).exists())
    return list(db.session.scalars(_procedure_scope(statement, scope)))


def procedure_set(name: str, period: Period, scope: Scope):
    """SELECT of the procedures of one named set (a numerator or denominator of a sub-criterion)."""
    published = select(Procedure).where(Procedure.is_published.is_(True))
    if name == "offered_online":
        statement = published.where(Procedure.level >= 3)
    elif name == "used_online":
        used = select(DC.c.procedure_id).where(DC.c.day >= period.start, DC.c.day < period.end,
                                               DC.c.received_online > 0,
                                               *([DC.c.agency_id == scope.agency_id] if scope.agency_id else []))
        statement = published.where(Procedure.level >= 3, Procedure.id.in_(used))
    elif name == "with_fee":
        statement = published.where(Procedure.fee_amount > 0)
    elif name == "with_fee_online":
        statement = published.where(Procedure.fee_amount > 0, Procedure.level >= 3)
    elif name == "fee_paid":
        statement = select(Procedure).where(Procedure.id.in_(_paid_procedures(period, scope, online=False)))
    elif name == "fee_paid_online":
        statement = select(Procedure).where(Procedure.id.in_(_paid_procedures(period, scope, online=True)))
    else:
        raise ValueError(f"unknown procedure set {name!r}")
    return _procedure_scope(statement, scope).order_by(Procedure.code)


PROCEDURE_SETS = ("offered_online", "used_online", "with_fee", "with_fee_online", "fee_paid", "fee_paid_online")


def dossier_set(name: str, period: Period, scope: Scope):
    """SELECT of the dossiers of a named set that is not a figure of the table (payments, ratings)."""
    start, end = utc_bound(period.start_at), utc_bound(period.end_at)
    statement = select(Dossier).join(Procedure, Procedure.id == Dossier.procedure_id).where(*scope.conditions())
    if name in ("fee_paid", "fee_paid_online"):
        statement = statement.where(D.c.fee_paid_at >= start, D.c.fee_paid_at < end, D.c.fee_amount > 0)
        if name == "fee_paid_online":
            payments = _table("payments")
            statement = statement.where(D.c.id.in_(select(payments.c.dossier_id).where(payments.c.status == "paid")))
    elif name in ("rated", "rated_satisfied"):
        ratings = _table("ratings")
        chosen = select(ratings.c.dossier_id).where(ratings.c.created_at >= start, ratings.c.created_at < end)
        if name == "rated_satisfied":
            chosen = chosen.where(ratings.c.level.in_(("very_satisfied", "satisfied")))
        statement = statement.where(D.c.id.in_(chosen))
    else:
        raise ValueError(f"unknown dossier set {name!r}")
    return statement.order_by(Dossier.received_at, Dossier.id)


DOSSIER_SETS = ("fee_paid", "fee_paid_online", "rated", "rated_satisfied")


def _count(statement) -> int:
    return int(db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0)


def _catalogue_scope(scope: Scope) -> tuple[str, int | None]:
    return ("agency", scope.agency_id) if scope.agency_id else ("province", None)


def _measure(measure: str, period: Period, scope: Scope, table: StatTable) -> Measured:
    counts = table.total.counts
    if measure == "progress":
        return Measured(Ratio(counts["processed_in_time"] + counts["not_yet_due"], counts["processed"]
                              + counts["in_process"]),
                        Drill("figures", ("processed_in_time", "not_yet_due")), Drill("figures", ("processed", "in_process")))
    if measure == "online_share":
        return Measured(Ratio(counts["received_level34_online"], counts["received_level34"]),
                        Drill("figures", ("received_level34_online",)), Drill("figures", ("received_level34",)))
    if measure == "digitisation_received":
        return Measured(Ratio(counts["received_scanned"], counts["received_paper"]),
                        Drill("figures", ("received_scanned",)), Drill("figures", ("received_paper",)))
    if measure == "digitisation_results":
        return Measured(Ratio(counts["processed_e_result"], counts["processed"]),
                        Drill("figures", ("processed_e_result",)), Drill("figures", ("processed",)))
    if measure == "online_coverage":
        found = catalogue.coverage(*_catalogue_scope(scope))
        return Measured(Ratio(found.eligible_level4, found.eligible),
                        Drill("catalogue", ("eligible_level4",)), Drill("catalogue", ("eligible",)))
    if measure in ("online_procedures_used", "payment_integrated", "payment_procedures_used"):
        numerator, denominator = {"online_procedures_used": ("used_online", "offered_online"),
                                  "payment_integrated": ("with_fee_online", "with_fee"),
                                  "payment_procedures_used": ("fee_paid_online", "fee_paid")}[measure]
        if measure == "payment_procedures_used" and _table("payments") is None:
            return Measured(None)
        return Measured(Ratio(_count(procedure_set(numerator, period, scope)),
                              _count(procedure_set(denominator, period, scope))),
                        Drill("procedures", (numerator,)), Drill("procedures", (denominator,)))
    if measure == "payment_dossiers":
        return Measured(online_payment_ratio(period, scope), Drill("dossiers", ("fee_paid_online",)),
                        Drill("dossiers", ("fee_paid",)))
    if measure == "satisfaction_ratings":
        return Measured(satisfaction_ratio(period, scope), Drill("dossiers", ("rated_satisfied",)),
                        Drill("dossiers", ("rated",)))
    if measure == "feedback_on_time":
        found = feedback_answers(period, scope)
        return Measured(Ratio(found["answered_on_time"],
                              found["answered_on_time"] + found["answered_late"] + found["overdue"]))
    raise ValueError(f"unknown measure {measure!r}")


MEASURES = ("progress", "online_share", "digitisation_received", "digitisation_results", "online_coverage",
            "online_procedures_used", "payment_integrated", "payment_procedures_used", "payment_dossiers",
            "satisfaction_ratings", "feedback_on_time")


@dataclass
class CriterionResult:
    criterion: Criterion
    measured: Measured | None  # None: not measured by this system

    @property
    def ratio(self) -> Ratio | None:
        return self.measured.ratio if self.measured is not None else None

    @property
    def state(self) -> str:
        """"unmeasured" (not measured here), "no_data" (measured, nothing to count) or "scored"."""
        if self.measured is None:
            return "unmeasured"
        return "no_data" if self.ratio is None or self.ratio.percent is None else "scored"

    @property
    def score(self) -> Decimal | None:
        return score(self.criterion, self.ratio)


@dataclass
class GroupResult:
    group: Group
    criteria: list[CriterionResult] = field(default_factory=list)

    @property
    def score(self) -> Decimal | None:
        scored = [c.score for c in self.criteria if c.score is not None]
        return sum(scored, Decimal(0)) if scored else None

    @property
    def scored_points(self) -> Decimal:
        """The points of the sub-criteria that have a score (the maximum this score is out of)."""
        return sum((c.criterion.points for c in self.criteria if c.score is not None), Decimal(0))


@dataclass
class IndexResult:
    groups: list[GroupResult]

    @property
    def score(self) -> Decimal:
        return sum((g.score or Decimal(0) for g in self.groups), Decimal(0))

    @property
    def scored_points(self) -> Decimal:
        return sum((g.scored_points for g in self.groups), Decimal(0))

    @property
    def points(self) -> Decimal:
        return sum((g.group.points for g in self.groups), Decimal(0))

    def criterion(self, code: str) -> CriterionResult:
        return next(c for g in self.groups for c in g.criteria if c.criterion.code == code)


def evaluate(period: Period, scope: Scope | None = None, table: StatTable | None = None) -> IndexResult:
    """Every sub-criterion of the file measured over ``period`` and ``scope`` (``table``: the
    period's table at that scope, when the caller has it)."""
    scope = scope or Scope()
    table = table if table is not None and table.scope == scope and table.period == period else period_table(
        period, scope, "agency")
    return IndexResult([
        GroupResult(group, [CriterionResult(c, _measure(c.measure, period, scope, table) if c.measure else None)
                            for c in group.criteria])
        for group in load_index()
    ])


__all__ = ["DOSSIER_SETS", "INDEX_FILE", "MEASURES", "PROCEDURE_SETS", "Criterion", "Drill", "Group",
           "IndexFileError", "IndexResult", "Measured", "dossier_set", "evaluate", "load_index", "procedure_set",
           "score"]
