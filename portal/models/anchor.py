"""The daily public audit anchor: one row per Vietnam day with the Merkle root over the hashes of
every dossier event of that day, its RFC 3161 timestamp token and the detached CMS signature of
the published statement (``portal.operations.anchors``, docs/audit.md).

``statement`` holds the exact bytes that were signed (UTF-8 JSON), so that the signature can be
checked again byte for byte and the published file is the stored one.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.signing import SigningCertificate
from portal.models.types import UTCDateTime, utcnow


class AuditAnchor(db.Model):
    __tablename__ = "audit_anchors"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)  # Asia/Ho_Chi_Minh
    event_count: Mapped[int]
    root: Mapped[str] = mapped_column(String(64))  # hex
    statement: Mapped[str] = mapped_column(Text)
    signature: Mapped[bytes] = mapped_column(LargeBinary)  # CMS SignedData, detached, DER
    timestamp_token: Mapped[bytes] = mapped_column(LargeBinary)  # RFC 3161 TimeStampToken, DER
    timestamped_at: Mapped[datetime] = mapped_column(UTCDateTime)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("signing_certificates.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    certificate: Mapped[SigningCertificate] = relationship()

    def __repr__(self) -> str:
        return f"<AuditAnchor {self.day} {self.event_count} {self.root[:12]}>"
