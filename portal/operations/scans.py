"""Files that staff add to a dossier: the desk's scans of paper documents and result drafts.

The bytes are typed by content (PDF, PNG or JPEG) and checked by structure
(``portal.operations.uploads``: an image is kept re-encoded), stored content-addressed, and recorded in a
row in the caller's transaction (a rollback removes the stored file again: ``portal.storage``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal.extensions import db
from portal.models import Dossier, DossierFile, User
from portal.models.files import FileKind
from portal.operations.dossiers import DossierError
from portal.operations.uploads import checked_content
from portal.storage import put_blob, sniff_content_type

MAX_SCAN_BYTES = 20 * 1024 * 1024


@dataclass
class Scan:
    document_key: str
    filename: str
    data: bytes


def store_scan(dossier: Dossier, scan: Scan, kind: FileKind, user: User, now: datetime) -> DossierFile:
    """Check and keep ``scan`` as a file of ``kind`` of ``dossier``."""
    if not scan.data:
        raise DossierError("empty_file", "the file is empty")
    if len(scan.data) > MAX_SCAN_BYTES:
        raise DossierError("file_too_large", "the file is larger than 20 MB", limit=MAX_SCAN_BYTES // (1024 * 1024))
    content_type = sniff_content_type(scan.data)
    if content_type is None:
        raise DossierError("file_type", "only PDF, PNG or JPEG files are accepted")
    blob = put_blob(checked_content(scan.data, content_type), content_type)
    row = DossierFile(dossier_id=dossier.id, kind=kind.value, document_key=scan.document_key, blob_sha256=blob.sha256,
                      original_name=(scan.filename or "tep")[-255:], uploaded_by_id=user.id, uploaded_at=now)
    db.session.add(row)
    return row
