from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.agency import Agency
from portal.models.types import JSONType, UTCDateTime, utcnow

# Service levels: 2 information only, 3 "một phần" (file online, pay and collect in person),
# 4 "toàn trình" (also pay online and receive the result online or by post).
LEVEL_NAMES = {2: "Mức độ 2", 3: "Mức độ 3 (một phần)", 4: "Mức độ 4 (toàn trình)"}


class Field(db.Model):
    """A field of administrative procedures (lĩnh vực)."""

    __tablename__ = "fields"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_vi: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255))

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_vi


class Procedure(db.Model):
    """An administrative procedure (thủ tục hành chính) as the catalogue publishes it.

    Documents, e-form fields and internal process steps are stored as data (JSON), loaded
    from the versioned catalogue under ``portal/catalogue/data``. ``content_hash`` is the hash
    of the catalogue entry: reloading an unchanged entry changes nothing, and ``form_version``
    only moves when the e-form itself changes (dossiers keep a snapshot of the version used).
    """

    __tablename__ = "procedures"
    __table_args__ = (
        CheckConstraint("level IN (2, 3, 4)", name="level_known"),
        CheckConstraint("processing_days >= 0", name="processing_days_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    seed_item: Mapped[int | None] = mapped_column(Integer)
    seed_name: Mapped[str | None] = mapped_column(String(255))
    name_vi: Mapped[str] = mapped_column(String(500))
    name_en: Mapped[str] = mapped_column(String(500))
    field_id: Mapped[int] = mapped_column(ForeignKey("fields.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    level: Mapped[int] = mapped_column(Integer, index=True)
    processing_days: Mapped[int] = mapped_column(Integer)
    online_processing_days: Mapped[int | None] = mapped_column(Integer)
    # The longer limit for agencies in remote and difficult areas (vùng sâu, vùng xa), when the
    # procedure's text has one (complaints: Luật Khiếu nại art. 28, 37).
    remote_processing_days: Mapped[int | None] = mapped_column(Integer)
    # Which waits for the applicant stop the clock, when the text differs from the default
    # (``workflow.deadlines.ClockRules``): {"fee_pauses": false}.
    clock_rules: Mapped[dict | None] = mapped_column(JSONType)
    # The procedure grants a permit, licence or certificate (the "permit" statistics target).
    permit: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    fee_amount: Mapped[int] = mapped_column(Integer, default=0)
    fee_text_vi: Mapped[str] = mapped_column(Text)
    fee_text_en: Mapped[str] = mapped_column(Text)
    fee_basis: Mapped[str | None] = mapped_column(Text)
    legal_basis: Mapped[list] = mapped_column(JSONType)
    conditions_vi: Mapped[str] = mapped_column(Text)
    conditions_en: Mapped[str] = mapped_column(Text)
    applicants_vi: Mapped[str] = mapped_column(Text)
    documents: Mapped[list] = mapped_column(JSONType)
    form_schema: Mapped[list] = mapped_column(JSONType)
    form_version: Mapped[int] = mapped_column(Integer, default=1)
    steps: Mapped[list] = mapped_column(JSONType)
    result_vi: Mapped[str] = mapped_column(Text)
    result_en: Mapped[str] = mapped_column(Text)
    result_delivery: Mapped[list] = mapped_column(JSONType)
    source: Mapped[dict] = mapped_column(JSONType)
    # Lower-case text without diacritics, so "giay phep xay dung" finds "Giấy phép xây dựng".
    search_text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    # The national code of the procedure (Cơ sở dữ liệu quốc gia về TTHC), when known.
    national_code: Mapped[str | None] = mapped_column(String(32))
    # The number of the live version (procedure_versions.number); dossiers keep the one they were filed under.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    is_published: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    field: Mapped[Field] = relationship()
    agency: Mapped[Agency] = relationship()

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_vi

    @property
    def accepts_online_filing(self) -> bool:
        return self.is_published and self.level >= 3

    @property
    def total_step_hours(self) -> float:
        return sum(step["hours"] for step in self.steps)

    def __repr__(self) -> str:
        return f"<Procedure {self.code}>"


@dataclass(frozen=True)
class ProcedureTerms:
    """What a dossier is handled by, as its procedure stood when the dossier was filed: the
    documents to bring, the e-form, the internal steps, the time limits and the fee."""

    documents: list
    form_schema: list
    steps: list
    processing_days: int
    online_processing_days: int | None
    fee_amount: int
    remote_processing_days: int | None = None
    clock_rules: dict | None = None

    @property
    def total_step_hours(self) -> float:
        return sum(step["hours"] for step in self.steps)


class ProcedureVersion(db.Model):
    """One version of a procedure: the full catalogue entry (the same mapping as its YAML file,
    plus ``is_published``) as it stood after a change, who made it (no author: the catalogue
    file) and why (a decision number, "catalogue file"). Append-only."""

    __tablename__ = "procedure_versions"
    __table_args__ = (UniqueConstraint("procedure_id", "number", name="uq_procedure_versions_procedure_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"))  # uq_..._procedure_number leads with it
    number: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict] = mapped_column(JSONType)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author = relationship("User")

    @property
    def terms(self) -> ProcedureTerms:
        s = self.snapshot
        return ProcedureTerms(documents=s["documents"], form_schema=s["form"], steps=s["steps"],
                              processing_days=s["processing_days"],
                              online_processing_days=s["online_processing_days"],
                              fee_amount=int(s["fee"].get("amount") or 0),
                              remote_processing_days=s.get("remote_processing_days"),
                              clock_rules=s.get("clock_rules"))
