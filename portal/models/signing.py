"""Signing certificates (deployment CA, officers, leaders, agency seals, the local TSA, the key
of the daily audit anchor) and remote-signing sessions.

Private keys are stored only as PKCS#8 PEM encrypted with the deployment key password
(``PKI_KEY_PASSWORD``); a certificate without a key (a USB token's certificate, used through
remote signing) has ``private_key_pem`` NULL.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.agency import Agency
from portal.models.types import JSONType, UTCDateTime, utcnow
from portal.models.user import User

CERTIFICATE_PURPOSES = ("ca", "person", "seal", "tsa", "anchor")  # anchor: signs the daily audit anchor


class SigningCertificate(db.Model):
    __tablename__ = "signing_certificates"
    __table_args__ = (
        CheckConstraint("purpose IN ('ca', 'person', 'seal', 'tsa', 'anchor')", name="purpose_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    subject: Mapped[str] = mapped_column(String(500))
    issuer: Mapped[str] = mapped_column(String(500))
    serial: Mapped[str] = mapped_column(String(64), unique=True)  # lower-case hex
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the DER, hex
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    not_after: Mapped[datetime] = mapped_column(UTCDateTime)
    certificate_pem: Mapped[str] = mapped_column(Text)
    chain_pem: Mapped[str] = mapped_column(Text, default="")  # CA certificates above it
    private_key_pem: Mapped[str | None] = mapped_column(Text)  # encrypted PKCS#8, never plaintext
    source: Mapped[str] = mapped_column(String(16), default="issued")  # issued / imported
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship()
    agency: Mapped[Agency | None] = relationship()

    def __repr__(self) -> str:  # never key material
        return f"<SigningCertificate {self.purpose} {self.serial} {self.subject!r}>"


class RemoteSigningSession(db.Model):
    """A prepared signature waiting for the client's signature value (USB token, remote service).

    ``id`` is random (it is the handle the client sends back); ``prepared`` holds the
    ``signatures.pdf.PreparedSignature`` as JSON (no secret in it).
    """

    __tablename__ = "remote_signing_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("signing_certificates.id"))
    kind: Mapped[str] = mapped_column(String(32))  # the FileKind being signed (a result)
    prepared: Mapped[dict] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result_file_id: Mapped[int | None] = mapped_column(ForeignKey("dossier_files.id"))

    certificate: Mapped[SigningCertificate] = relationship()
