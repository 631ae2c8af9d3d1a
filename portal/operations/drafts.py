"""Result drafts: the document the specialist proposes and the leader signs.

A draft is uploaded (PDF) or generated from the dossier's data; a newer draft supersedes the
older ones. Who may add one is decided by the lifecycle (``propose_result`` at the specialist's
step); this module only keeps the document.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from portal.extensions import db
from portal.models import Dossier, DossierFile, User
from portal.models.files import GENERATED_DRAFT, FileKind
from portal.operations import audit
from portal.operations.dossiers import DossierError
from portal.operations.forms import render_result_draft
from portal.operations.scans import Scan, store_scan
from portal.storage import sniff_content_type

DRAFT_KIND = FileKind.RESULT_DRAFT


def current_draft(dossier_id: int) -> DossierFile | None:
    return db.session.scalar(select(DossierFile).where(
        DossierFile.dossier_id == dossier_id, DossierFile.kind == DRAFT_KIND, DossierFile.superseded_at.is_(None))
        .order_by(DossierFile.id.desc()).limit(1))


def add_result_draft(dossier: Dossier, user: User, *, data: bytes | None, filename: str, generate: bool,
                     now: datetime) -> DossierFile:
    """Keep a draft result document (uploaded PDF or generated); older drafts are superseded."""
    if generate:
        data, filename = render_result_draft(dossier, user, now), f"du-thao-{dossier.code or dossier.id}.pdf"
    if not data:
        raise DossierError("draft_required", "upload a PDF or generate the draft")
    if sniff_content_type(data) != "application/pdf":
        raise DossierError("file_type", "the draft result must be a PDF")
    for old in db.session.scalars(select(DossierFile).where(
            DossierFile.dossier_id == dossier.id, DossierFile.kind == DRAFT_KIND,
            DossierFile.superseded_at.is_(None))):
        old.superseded_at = now
    # A generated draft is marked as such: the signed result is rendered anew with its number, while
    # an uploaded PDF is annexed to it (``signing._unsigned_result``).
    row = store_scan(dossier, Scan(GENERATED_DRAFT if generate else "", filename, data), DRAFT_KIND, user, now)
    db.session.flush()
    audit.record("dossier.result_draft", user=user, object_type="dossier", object_id=dossier.id,
                 file_id=row.id, sha256=row.blob_sha256, generated=generate)
    return row
