"""Measures over the province's full catalogue of administrative procedures
(``catalogue_entries``, imported by ``portal.operations.province_catalogue``): the denominator of
the coverage targets, at province, agency or commune scope."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select

from portal.extensions import db
from portal.models import CatalogueEntry
from portal.statistics.figures import tally


def scope_conditions(scope: str, agency_id: int | None) -> list:
    """The entries a target of ``scope`` counts: all of them (province), one agency's, or the
    procedures carried out at commune level."""
    if scope == "agency":
        return [CatalogueEntry.agency_id == agency_id]
    if scope == "commune":
        return [CatalogueEntry.tier == "commune"]
    return []


@dataclass(frozen=True)
class Coverage:
    total: int
    level3_or_more: int
    level4: int
    eligible: int
    eligible_level4: int


def coverage(scope: str = "province", agency_id: int | None = None) -> Coverage:
    """One aggregate over the catalogue entries of the scope (a few thousand rows at most)."""
    level4 = CatalogueEntry.level == 4
    eligible = CatalogueEntry.full_online_eligible.is_(True)

    def count(condition):
        return func.coalesce(tally(condition), 0)

    row = db.session.execute(select(
        func.count(), count(CatalogueEntry.level >= 3), count(level4), count(eligible), count(and_(eligible, level4)),
    ).where(*scope_conditions(scope, agency_id))).one()
    return Coverage(*(int(v or 0) for v in row))


MEASURES = ("total", "level3_or_more", "level4", "eligible", "eligible_level4")


def entries_behind(measure: str, scope: str = "province", agency_id: int | None = None):
    """The catalogue entries behind a coverage number (the drill-down of a target)."""
    conditions = {"total": [], "level3_or_more": [CatalogueEntry.level >= 3], "level4": [CatalogueEntry.level == 4],
                  "eligible": [CatalogueEntry.full_online_eligible.is_(True)],
                  "eligible_level4": [CatalogueEntry.full_online_eligible.is_(True), CatalogueEntry.level == 4]}
    return (select(CatalogueEntry).where(*scope_conditions(scope, agency_id), *conditions[measure])
            .order_by(CatalogueEntry.code))
