"""Drill-down: the dossiers behind a number of a statistics table, selected with the same
condition the table counts them with (``figure_conditions``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Dossier, Procedure
from portal.models.types import utcnow
from portal.statistics.figures import ALL_FIGURES, Scope, figure_conditions, utc_bound
from portal.statistics.periods import Period


def dossiers_behind(figure: str, period: Period, scope: Scope | None = None, now: datetime | None = None):
    """SELECT of the dossiers counted in ``figure`` (same condition as the table), oldest first."""
    if figure not in ALL_FIGURES:
        raise ValueError(f"unknown figure {figure!r}")
    scope = scope or Scope()
    conditions = figure_conditions(utc_bound(period.start_at), utc_bound(period.end_at), utc_bound(now or utcnow()))
    return (
        select(Dossier)
        .join(Procedure, Procedure.id == Dossier.procedure_id)
        .where(conditions[figure], *scope.conditions())
        .order_by(Dossier.received_at, Dossier.id)
    )


def count_behind(figure: str, period: Period, scope: Scope | None = None, now: datetime | None = None) -> int:
    statement = dossiers_behind(figure, period, scope, now).order_by(None)
    return db.session.scalar(select(func.count()).select_from(statement.subquery()))
