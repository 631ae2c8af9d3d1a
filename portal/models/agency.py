from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db

AGENCY_LEVELS = ("province", "department", "district", "commune")


class Agency(db.Model):
    """A state body: the province, a department (sở), a district or a commune.

    ``identifier`` is the national agency code (mã định danh) used in dossier codes.
    """

    __tablename__ = "agencies"
    __table_args__ = (
        CheckConstraint(
            "level IN ('province', 'department', 'district', 'commune')", name="level_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    identifier: Mapped[str] = mapped_column(String(32), unique=True)
    name_vi: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)

    parent: Mapped[Agency | None] = relationship(remote_side=[id])

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_vi

    def __repr__(self) -> str:
        return f"<Agency {self.code}>"
