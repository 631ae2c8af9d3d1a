"""Plan targets (chỉ tiêu kế hoạch) that the leaders' dashboard compares the figures against.

Targets are data, not constants: the seeds' targets are loaded from
``portal/catalogue/data/targets.yaml`` (``flask stats load-targets``) and administrators edit
them on the dashboard. ``metric`` names a measure defined in ``portal.statistics.formulas``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.dossier import Dossier
from portal.models.types import UTCDateTime, utcnow

COMPARATORS = (">=", "<=")
UNITS = ("count", "percent")


class PlanTarget(db.Model):
    __tablename__ = "plan_targets"
    __table_args__ = (
        CheckConstraint("comparator IN ('>=', '<=')", name="comparator_known"),
        CheckConstraint("unit IN ('count', 'percent')", name="unit_known"),
        CheckConstraint("target_value >= 0", name="target_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_vi: Mapped[str] = mapped_column(String(500))
    name_en: Mapped[str] = mapped_column(String(500))
    metric: Mapped[str] = mapped_column(String(64))
    comparator: Mapped[str] = mapped_column(String(2))
    target_value: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    unit: Mapped[str] = mapped_column(String(16))
    deadline_year: Mapped[int] = mapped_column(Integer)
    # The planning document and its exact words, e.g. seed 003: "Cung cấp từ 30 dịch vụ công ...".
    source: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_vi

    def __repr__(self) -> str:
        return f"<PlanTarget {self.code} {self.comparator} {self.target_value}>"


# Indexes on dossiers for the statistics: the period filter keeps dossiers still open or
# finished/returned after the period's start (see portal.statistics.queries.relevant).
Index("ix_dossiers_finished_at", Dossier.__table__.c.finished_at)
Index("ix_dossiers_returned_at", Dossier.__table__.c.returned_at)
