"""Resumable uploads of a citizen's documents: a file sent in chunks over a weak mobile signal,
which resumes from what the server holds after the connection drops (the server side of the
tus 1.0 core protocol lives in ``portal.citizen.upload_views``; ``docs/uploads.md``).

An ``UploadSession`` row records who sends which file to which document slot of which dossier,
its declared size and how many bytes arrived; the bytes themselves are in a partial file
``<STORAGE_DIR>/partial/<id>``. Each chunk must start at the received offset and stay within the
declared size. The partial file is truncated to the recorded offset before a chunk is written, so
a chunk whose transaction rolled back is simply sent again. When the last chunk arrives the whole
file goes through ``filing.add_attachment`` — the same checks (type, sizes, PDF structure, image
re-encoding, a photo turned into a PDF) as a file posted by the form — and the session ends.

Sessions live ``LIFETIME`` after their last chunk; expired ones are removed lazily when a new one
starts (and by ``expire``, for a scheduled command).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from portal.extensions import db
from portal.models import Dossier, DossierFile, User
from portal.models.files import UploadSession
from portal.models.types import utcnow
from portal.operations import filing
from portal.operations.filing import FilingError, Limits
from portal.storage import sniff_content_type, storage_root

LIFETIME = timedelta(hours=24)
SNIFF_BYTES = 16


def partial_path(upload: UploadSession) -> Path:
    folder = storage_root() / "partial"
    folder.mkdir(exist_ok=True)
    return folder / upload.id


def start(dossier: Dossier, user: User, document_key: str, filename: str | None, size: int,
          limits: Limits) -> UploadSession:
    """A new upload of ``size`` bytes to the document ``document_key`` of the citizen's dossier."""
    if dossier.applicant_id != user.id:
        raise FilingError("not_found", 404)
    filing.editable_document(dossier, document_key or "")
    if size <= 0:
        raise FilingError("empty_file", 422)
    if size > limits.max_file:
        raise FilingError("file_too_large", 413, limit=limits.max_file // (1024 * 1024))
    now = utcnow()
    expire(now)
    upload = UploadSession(id=secrets.token_hex(16), owner_id=user.id, dossier_id=dossier.id,
                           document_key=document_key, filename=filing.clean_filename(filename),
                           declared_size=size, received=0, created_at=now, expires_at=now + LIFETIME)
    db.session.add(upload)
    db.session.flush()
    partial_path(upload).write_bytes(b"")
    return upload


def own_upload(dossier: Dossier, user: User, upload_id: str, *, lock: bool = False) -> UploadSession:
    """The citizen's own upload to this dossier; anyone else's, an ended or expired one is a 404.
    With ``lock`` the row is locked (PostgreSQL) so that two chunks of one upload never overlap."""
    upload = db.session.get(UploadSession, upload_id[:32], with_for_update=lock)
    if (upload is None or upload.owner_id != user.id or upload.dossier_id != dossier.id
            or upload.expires_at <= utcnow()):
        raise FilingError("not_found", 404)
    return upload


def append(upload: UploadSession, dossier: Dossier, user: User, offset: int, chunk: bytes,
           limits: Limits) -> DossierFile | None:
    """Add ``chunk`` at ``offset``; the attached file once the last byte has arrived, else None."""
    if offset != upload.received:
        raise FilingError("upload_offset_mismatch", 409, offset=upload.received)
    if offset + len(chunk) > upload.declared_size:
        raise FilingError("upload_beyond_size", 413)
    if offset < SNIFF_BYTES <= offset + len(chunk) or (offset == 0 and len(chunk) == upload.declared_size):
        _check_type_early(upload, dossier, _head(upload, offset, chunk))
    path = partial_path(upload)
    with path.open("r+b") as handle:
        handle.truncate(offset)
        handle.seek(offset)
        handle.write(chunk)
    upload.received = offset + len(chunk)
    upload.expires_at = utcnow() + LIFETIME
    db.session.flush()
    if upload.received < upload.declared_size:
        return None
    row = filing.add_attachment(dossier, user, upload.document_key, upload.filename, path.read_bytes(), limits,
                                photos_as_pdf=True)
    terminate(upload)
    return row


def _head(upload: UploadSession, offset: int, chunk: bytes) -> bytes:
    before = partial_path(upload).read_bytes()[:offset] if offset else b""
    return (before + chunk)[:SNIFF_BYTES]


def _check_type_early(upload: UploadSession, dossier: Dossier, head: bytes) -> None:
    """Refuse a file of the wrong type from its first bytes, before the rest is sent."""
    document = filing.editable_document(dossier, upload.document_key)
    if sniff_content_type(head) not in filing.accepted_types(document, photos_as_pdf=True):
        raise FilingError("wrong_type", 415)


def terminate(upload: UploadSession) -> None:
    """End the upload: its row and its partial file are removed."""
    partial_path(upload).unlink(missing_ok=True)
    db.session.delete(upload)
    db.session.flush()


def expire(now: datetime | None = None) -> int:
    """Remove the uploads nobody continued within ``LIFETIME``; how many there were."""
    stale = list(db.session.scalars(select(UploadSession).where(UploadSession.expires_at <= (now or utcnow()))))
    for upload in stale:
        terminate(upload)
    return len(stale)
