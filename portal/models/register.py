"""The register of issued documents (sổ đăng ký văn bản đi, Nghị định 30/2020/NĐ-CP, Điều 15 and
Phụ lục IV): every numbered document an agency issues takes the next number of that agency's book
for the year. A number is never given twice, also when two documents are issued at the same
moment: the counter row is taken with an upsert (its row lock holds until commit on PostgreSQL)
and the entry's (agency, year, book, number) is unique."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.agency import Agency
from portal.models.types import UTCDateTime, utcnow


class DocumentRegisterCounter(db.Model):
    """The last number taken in one book of one agency in one year."""

    __tablename__ = "document_register_counters"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    book: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class RegisteredDocument(db.Model):
    """One entry of the register: the number a document was issued under.

    ``document`` is what was issued (``result``, ``receipt``, ``apology``...) and ``event_seq``
    the dossier event it was issued for (0 for the result): rendering the same document again
    finds its entry and prints the same number and date.
    """

    __tablename__ = "registered_documents"
    __table_args__ = (
        UniqueConstraint("agency_id", "year", "book", "number", name="uq_registered_documents_number"),
        UniqueConstraint("dossier_id", "document", "event_seq", name="uq_registered_documents_document"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # the two unique constraints above lead with agency_id and dossier_id: no index of their own
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    year: Mapped[int] = mapped_column(Integer)
    book: Mapped[str] = mapped_column(String(16))
    number: Mapped[int] = mapped_column(Integer)
    # As printed after "Số:", e.g. "05/QĐ-SYT".
    symbol: Mapped[str] = mapped_column(String(64))
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"))
    document: Mapped[str] = mapped_column(String(32))
    event_seq: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(500))
    issued_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agency: Mapped[Agency] = relationship()
