"""Plan targets (chỉ tiêu kế hoạch) that the leaders' dashboard compares the figures against.

Targets are data, not constants: the seeds' targets are loaded from
``portal/catalogue/data/targets.yaml`` (``flask stats load-targets``) and administrators edit
them on the dashboard. ``metric`` names a measure defined in ``portal.statistics.formulas``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.agency import Agency
from portal.models.dossier import Dossier
from portal.models.types import UTCDateTime, utcnow

COMPARATORS = (">=", "<=")
UNITS = ("count", "percent")
#: Where a target is measured: the whole province, one agency, or the commune-level procedures.
TARGET_SCOPES = ("province", "agency", "commune")
#: The tier that carries out a procedure of the province catalogue ("cấp thực hiện").
CATALOGUE_TIERS = ("province", "commune", "vertical")


class PlanTarget(db.Model):
    __tablename__ = "plan_targets"
    __table_args__ = (
        CheckConstraint("comparator IN ('>=', '<=')", name="comparator_known"),
        CheckConstraint("unit IN ('count', 'percent')", name="unit_known"),
        CheckConstraint("target_value >= 0", name="target_not_negative"),
        CheckConstraint("scope IN ('province', 'agency', 'commune')", name="scope_known"),
        CheckConstraint("(scope = 'agency') = (agency_id IS NOT NULL)", name="agency_scope_has_agency"),
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
    # The exact words of the planning document, e.g. "Cung cấp từ 30 dịch vụ công ...".
    source: Mapped[str] = mapped_column(Text)
    # The decision that set the target: its number ("1520/QĐ-UBND"), date and the plan's title.
    decision_number: Mapped[str | None] = mapped_column(String(64))
    decision_date: Mapped[date | None] = mapped_column(Date)
    document_title: Mapped[str | None] = mapped_column(Text)
    # Where the target is measured (TARGET_SCOPES); the agency of an agency target.
    scope: Mapped[str] = mapped_column(String(16), default="province", server_default="province")
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    agency: Mapped[Agency | None] = relationship()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_vi

    def decision_text(self) -> str:
        """"Quyết định số 1520/QĐ-UBND ngày 22/11/2017" (empty when unknown)."""
        if not self.decision_number:
            return ""
        dated = f" ngày {self.decision_date:%d/%m/%Y}" if self.decision_date else ""
        return f"Quyết định số {self.decision_number}{dated}"

    def __repr__(self) -> str:
        return f"<PlanTarget {self.code} {self.comparator} {self.target_value}>"


class CatalogueEntry(db.Model):
    """One administrative procedure of the province's full catalogue (about 2,080 in seed 004),
    kept light: the denominator of the coverage targets, not a procedure the portal runs.

    Imported from the national procedure database's export or a CSV (``flask stats
    import-catalogue``); ``procedure_id`` links the entries the portal itself offers."""

    __tablename__ = "catalogue_entries"
    __table_args__ = (
        CheckConstraint("level IN (2, 3, 4)", name="level_known"),
        CheckConstraint("tier IN ('province', 'commune', 'vertical')", name="tier_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The national code (Cơ sở dữ liệu quốc gia về TTHC), or the row's own key when it has none.
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_vi: Mapped[str] = mapped_column(String(500))
    field_name: Mapped[str | None] = mapped_column(String(255))
    tier: Mapped[str] = mapped_column(String(16))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    # Service level offered now (2 information, 3 partly online, 4 full online) and whether the
    # procedure is eligible for full online service ("đủ điều kiện ... toàn trình").
    level: Mapped[int] = mapped_column(Integer)
    full_online_eligible: Mapped[bool] = mapped_column(Boolean, default=False)
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedures.id"), index=True)
    source: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<CatalogueEntry {self.code} level {self.level}>"


# Indexes on dossiers for the statistics: the period filter keeps dossiers still open or
# finished/returned after the period's start (see portal.statistics.queries.relevant).
Index("ix_dossiers_finished_at", Dossier.__table__.c.finished_at)
Index("ix_dossiers_returned_at", Dossier.__table__.c.returned_at)


#: The counts kept per day in ``dossier_day_counts``: flows counted on the day they happened,
#: and the changes of the stocks on that day (portal.statistics.daily has the definitions).
DAY_COUNTS = (
    "received", "received_online", "received_in_person", "received_post", "received_digitised",
    "received_scanned", "processed", "early", "on_time", "late", "refused", "stopped", "withdrawn", "returned",
    "processed_e_result", "fee_paid",
    "in_process_change", "supplement_change", "overdue_change", "undated_change",
)


class DossierDayCount(db.Model):
    """What happened to the received dossiers of one procedure and agency on one Vietnam day.

    Derived data, kept exact in the transaction of every dossier change
    (``portal.statistics.daily``) and rebuilt from ``dossiers`` by ``flask stats rebuild``. The
    dashboard sums these rows instead of scanning every dossier of the period.
    """

    __tablename__ = "dossier_day_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"), primary_key=True)
    # Flows: received (by channel) on this day; finished on this day (processed, split by
    # timeliness, of which refused; stopped; withdrawn); result returned on this day.
    received: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    received_online: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    received_in_person: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    received_post: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    received_digitised: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # with a file
    # Received at the desk (in person or by post) with a paper document scanned there (has_scans).
    received_scanned: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Processed with an electronically signed result (result_signed).
    processed_e_result: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    processed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    early: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    on_time: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    late: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    refused: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    stopped: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    withdrawn: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    returned: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Fee paid on this day (fee_amount > 0, day of fee_paid_at), received or not: the denominator
    # of the online-payment rate (0028_fee_paid_day_counts).
    fee_paid: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Stocks: entries minus exits on this day; a stock at 00:00 of a day is the sum of the
    # changes of all earlier days.
    in_process_change: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    supplement_change: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    overdue_change: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    undated_change: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


# The dashboard's correction for "overdue at a future end" reads dossiers due between now and
# the end of the period (portal.statistics.queries._due_later_than_now).
Index("ix_dossiers_due_at", Dossier.__table__.c.due_at)

# Of those, the current year's dashboard needs only the dossiers still open (received, not
# finished): a finished dossier due later than now is overdue at no end (0026_speed_indexes).
# On PostgreSQL the index carries every column that query reads (an index-only scan).
_OPEN_RECEIVED = (Dossier.__table__.c.finished_at.is_(None)) & (Dossier.__table__.c.received_at.is_not(None))
UNFINISHED_DUE_INCLUDE = ["agency_id", "procedure_id", "received_at", "finished_at", "paused_since"]
Index("ix_dossiers_unfinished_due", Dossier.__table__.c.due_at, postgresql_where=_OPEN_RECEIVED,
      postgresql_include=UNFINISHED_DUE_INCLUDE, sqlite_where=_OPEN_RECEIVED)

# The online-payment rate reads the dossiers whose fee was paid in the period.
Index("ix_dossiers_fee_paid_at", Dossier.__table__.c.fee_paid_at, postgresql_where=Dossier.__table__.c.fee_amount > 0,
      sqlite_where=Dossier.__table__.c.fee_amount > 0)
# The QĐ 766 "procedures with a fee paid (online) in the period": one index probe per procedure.
Index("ix_dossiers_procedure_fee_paid_at", Dossier.__table__.c.procedure_id, Dossier.__table__.c.fee_paid_at,
      postgresql_where=Dossier.__table__.c.fee_amount > 0, sqlite_where=Dossier.__table__.c.fee_amount > 0)
