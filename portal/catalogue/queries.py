"""Reading the catalogue: one search used by the pages and the API."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Agency, Field, Procedure
from portal.text import fold


@dataclass(frozen=True)
class ProcedureFilter:
    q: str = ""
    field: str = ""
    agency: str = ""
    level: int | None = None


@dataclass(frozen=True)
class ProcedurePage:
    items: list[Procedure]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_procedures(criteria: ProcedureFilter, page: int = 1, per_page: int = 20) -> ProcedurePage:
    """Published procedures matching every word of ``q`` (without diacritics) and the filters."""
    query = select(Procedure).where(Procedure.is_published.is_(True))
    for word in fold(criteria.q).split()[:8]:
        query = query.where(Procedure.search_text.like(f"%{_escape_like(word)}%", escape="\\"))
    if criteria.field:
        query = query.join(Field, Procedure.field_id == Field.id).where(Field.code == criteria.field)
    if criteria.agency:
        query = query.join(Agency, Procedure.agency_id == Agency.id).where(Agency.code == criteria.agency)
    if criteria.level is not None:
        query = query.where(Procedure.level == criteria.level)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = max(1, page)
    items = db.session.scalars(
        query.options(joinedload(Procedure.field), joinedload(Procedure.agency))
        .order_by(Procedure.seed_item, Procedure.code)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return ProcedurePage(list(items), total, page, per_page)


def get_procedure(code: str) -> Procedure | None:
    return db.session.scalar(
        select(Procedure)
        .options(joinedload(Procedure.field), joinedload(Procedure.agency))
        .where(Procedure.code == code, Procedure.is_published.is_(True))
    )


def filter_choices() -> tuple[list[Field], list[Agency]]:
    """Fields and agencies that have at least one published procedure."""
    fields_ = db.session.scalars(
        select(Field).where(Field.id.in_(select(Procedure.field_id).where(Procedure.is_published.is_(True))))
        .order_by(Field.name_vi)
    ).all()
    agencies = db.session.scalars(
        select(Agency).where(Agency.id.in_(select(Procedure.agency_id).where(Procedure.is_published.is_(True))))
        .order_by(Agency.name_vi)
    ).all()
    return list(fields_), list(agencies)


def level_counts() -> dict[int, int]:
    rows = db.session.execute(
        select(Procedure.level, func.count()).where(Procedure.is_published.is_(True)).group_by(Procedure.level)
    ).all()
    return {level: count for level, count in rows}
