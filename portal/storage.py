"""Content-addressed file storage outside the database.

Files live under ``STORAGE_DIR`` (shared storage in production) at ``ab/cd/<sha256>``. A file is
written before the transaction that references it commits; if that transaction rolls back,
the files it wrote are removed again unless a committed row refers to them, so a failed upload
or submission leaves no orphan. ``flask files gc`` sweeps anything a crash left behind.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models.files import FileBlob

SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


def sniff_content_type(data: bytes) -> str | None:
    """The type of ``data`` from its first bytes; ``None`` for anything not accepted."""
    head = data[:16]
    for magic, content_type in SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


def storage_root() -> Path:
    root = Path(current_app.config["STORAGE_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    return root


def blob_path(sha256: str, root: Path | None = None) -> Path:
    root = root or storage_root()
    return root / sha256[:2] / sha256[2:4] / sha256


def put_blob(data: bytes, content_type: str, known: dict[str, FileBlob] | None = None,
             sha256: str | None = None) -> FileBlob:
    """Store ``data`` (once per content) and return its row, added to the session. ``known``: the
    rows of the contents already stored, when the caller read them at once (``stored_blobs``);
    ``sha256``: the SHA-256 of ``data`` (hex) when the caller has it, so a file is hashed once."""
    sha = sha256 or hashlib.sha256(data).hexdigest()
    row = known.get(sha) if known is not None else db.session.get(FileBlob, sha)
    path = blob_path(sha)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
        db.session.info.setdefault("new_blob_paths", []).append((sha, str(path)))
    if row is None:
        row = FileBlob(sha256=sha, size=len(data), content_type=content_type)
        db.session.add(row)
        if known is not None:
            known[sha] = row  # the same content twice in one request: one row
    return row


def stored_blobs(hashes: list[str]) -> dict[str, FileBlob]:
    """The rows of the contents of those SHA-256 ``hashes`` already stored, in one query (for
    ``put_blob``)."""
    return {row.sha256: row for row in db.session.scalars(select(FileBlob).where(FileBlob.sha256.in_(set(hashes))))}


def read_blob(sha256: str) -> bytes:
    return blob_path(sha256).read_bytes()


@event.listens_for(Session, "after_commit")
def _forget_new_blobs(session: Session) -> None:
    if not session.in_nested_transaction():  # a savepoint released: the outermost commit decides
        session.info.pop("new_blob_paths", None)


@event.listens_for(Session, "after_soft_rollback")
def _remove_uncommitted_blobs(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is not None:
        return  # a savepoint or subtransaction; the outermost rollback decides
    written = session.info.pop("new_blob_paths", None)
    if not written:
        return
    for sha, path in written:
        if session.execute(select(FileBlob.sha256).where(FileBlob.sha256 == sha)).first() is None:
            Path(path).unlink(missing_ok=True)


def orphan_paths(root: Path | None = None) -> list[Path]:
    """Files on disk that no committed row refers to (left by a crash between write and commit)."""
    root = root or storage_root()
    known = set(db.session.scalars(select(FileBlob.sha256)))
    return [p for p in root.glob("*/*/*") if p.is_file() and p.name not in known]
