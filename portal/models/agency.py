from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.text import fold

#: Every level a stored agency may have. ``district`` remains valid for rows made before the
#: two-level local government of 1/7/2025; new agencies get one of ``NEW_AGENCY_LEVELS``.
AGENCY_LEVELS = ("province", "department", "centre", "commune", "vertical", "district")
NEW_AGENCY_LEVELS = ("province", "department", "centre", "commune", "vertical")
#: The unit line of a form received by an agency that has no one-stop unit of its own.
DESK_UNIT = "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"


class Agency(db.Model):
    """A state body: the province, a department (sở), a one-stop centre (Trung tâm Phục vụ hành
    chính công), a commune or ward, or a vertical agency (cơ quan ngành dọc: Công an tỉnh, ...).

    ``identifier`` is the national agency code (mã định danh điện tử) used in dossier codes; a
    dossier keeps the code it was given, whatever later happens to its agency's names or code.
    ``governing_body`` and ``printed_name`` are the two header lines of the letters the agency
    signs (cơ quan chủ quản, tên cơ quan); ``one_stop_unit`` receives its dossiers and issues
    the desk forms (receipt, supplement request, ...) under its own header.
    """

    __tablename__ = "agencies"
    __table_args__ = (
        CheckConstraint(
            "level IN ('province', 'department', 'centre', 'commune', 'vertical', 'district')", name="level_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    identifier: Mapped[str] = mapped_column(String(32), unique=True)
    name_vi: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    governing_body: Mapped[str | None] = mapped_column(String(255))
    printed_name: Mapped[str | None] = mapped_column(String(255))
    one_stop_unit_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(255))
    address: Mapped[str | None] = mapped_column(String(500))
    # The place name of "…, ngày … tháng … năm …" (Nghị định 30/2020: the administrative unit where
    # the agency sits, "Lai Châu" for provincial bodies, "Tam Đường" for the commune).
    place_name: Mapped[str | None] = mapped_column(String(100))
    # The agency's abbreviation in document numbers ("05/QĐ-SYT": SYT); empty: from its printed name.
    document_symbol: Mapped[str | None] = mapped_column(String(32))
    # In a remote and difficult area (vùng sâu, vùng xa): procedures with a longer limit for
    # such areas (``Procedure.remote_processing_days``) get it here.
    remote_area: Mapped[bool] = mapped_column(default=False, server_default=false())

    parent: Mapped[Agency | None] = relationship(remote_side=[id], foreign_keys=[parent_id])
    one_stop_unit: Mapped[Agency | None] = relationship(remote_side=[id], foreign_keys=[one_stop_unit_id])

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_vi

    def letter_header(self) -> tuple[str, str]:
        """(governing body, name) printed at the top left of a letter this agency signs."""
        if self.governing_body is not None or self.printed_name:
            return (self.governing_body or "", self.printed_name or self.name_vi)
        return (self.parent.name_vi if self.parent is not None else "", self.name_vi)

    def desk_header(self) -> tuple[str, str]:
        """(governing body, unit) printed on the forms of the unit that receives this agency's
        dossiers: its one-stop unit's own header, or the agency over its desk."""
        if self.one_stop_unit is not None:
            return self.one_stop_unit.letter_header()
        if self.level == "centre":
            return self.letter_header()
        return (self.printed_name or self.name_vi, DESK_UNIT)

    def place(self) -> str:
        """The place name of the date line: the agency's own, else its parent's, else the province."""
        agency: Agency | None = self
        while agency is not None:
            if agency.place_name:
                return agency.place_name
            agency = agency.parent
        return "Lai Châu"

    def symbol(self) -> str:
        """The agency's abbreviation in document numbers: ``document_symbol``, else the initials of
        its printed name without diacritics ("SỞ Y TẾ" -> "SYT"); the People's Committees "UBND"."""
        if self.document_symbol:
            return self.document_symbol
        if self.level in ("province", "commune", "district"):
            return "UBND"
        words = fold(self.printed_name or self.name_vi).upper().split()
        return "".join(w[0] for w in words if w[0].isalnum())[:12] or "CQ"

    def desk_name(self) -> str:
        """The receiving unit as named inside a sentence."""
        if self.one_stop_unit is not None:
            return self.one_stop_unit.name_vi
        if self.level == "centre":
            return self.name_vi
        return f"Bộ phận Tiếp nhận và Trả kết quả - {self.name_vi}"

    def __repr__(self) -> str:
        return f"<Agency {self.code}>"
