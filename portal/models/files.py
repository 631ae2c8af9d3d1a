from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow

#: ``document_key`` of a result draft the system generated (an uploaded one has none): the signed
#: result is rendered afresh and such a draft is not annexed to it.
GENERATED_DRAFT = "generated"

class FileKind(StrEnum):
    """What a file of a dossier is (``dossier_files.kind``)."""

    DOCUMENT = "document"  # a document the applicant uploaded
    SCAN = "scan"  # a paper document digitised at the one-stop desk
    RESULT_DRAFT = "result_draft"  # the specialist's draft of the result (internal)
    RESULT = "result"  # the signed result handed to the applicant
    FORM = "form"  # a signed standard form (receipt, supplement request, ...)


class FileBlob(db.Model):
    """File content stored outside the database, addressed by its SHA-256 (one copy per content)."""

    __tablename__ = "file_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100))  # detected from the content, not the name
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DossierFile(db.Model):
    """A file that belongs to a dossier: an applicant's document, a scan made at the desk,
    a draft or signed result, a signed form. Files are never overwritten: a replacement is a
    new row and the old one gets ``superseded_at``."""

    __tablename__ = "dossier_files"
    __table_args__ = (Index("ix_dossier_files_dossier_kind", "dossier_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    kind: Mapped[str] = mapped_column(String(32))  # a FileKind
    document_key: Mapped[str | None] = mapped_column(String(64))
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("file_blobs.sha256"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    blob: Mapped[FileBlob] = relationship()


class UploadSession(db.Model):
    """A resumable upload under way (``portal.operations.upload_sessions``): the citizen sends
    a file to a document slot in chunks; ``received`` bytes are in a partial file under the
    storage directory (``partial/<id>``) until the last chunk arrives and the file goes through
    the normal attachment checks. ``id`` is random: it is the upload's address."""

    __tablename__ = "upload_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    document_key: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    declared_size: Mapped[int] = mapped_column(Integer)
    received: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
