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
from functools import cache
from pathlib import Path

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from portal.database import add_as_inserted, dialect_insert
from portal.extensions import db
from portal.models.files import FileBlob
from portal.models.types import utcnow

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


def put_blob(data: bytes, content_type: str, sha256: str | None = None) -> FileBlob:
    """Store ``data`` (once per content) and return its row, added to the session; ``sha256``:
    the SHA-256 of ``data`` (hex) when the caller has it, so a file is hashed once."""
    sha = sha256 or hashlib.sha256(data).hexdigest()
    row = db.session.get(FileBlob, sha)
    if row is None:
        row = FileBlob(sha256=sha, size=len(data), content_type=content_type)
        db.session.add(row)
    _store_files([(sha, data)])
    return row


def put_blobs(files: list[tuple[bytes, str, str]]) -> list[FileBlob]:
    """Store several files ``(bytes, content type, SHA-256)`` at once and return their rows, in
    order, without reading the database: one ``INSERT ... ON CONFLICT DO NOTHING`` for the rows
    (a content stored before keeps its row), and the rows are put in the session as stored ones
    (their ``created_at`` is read only if asked for). The files are written and synced together
    (``_write_durably``); the same content twice is one row and one file."""
    unique = {sha: (data, content_type) for data, content_type, sha in files}
    connection = db.session.connection()  # table rows: no ORM execution path, no autoflush
    connection.execute(_insert_new_blobs(connection.dialect.name), [
        {"sha256": sha, "size": len(data), "content_type": content_type, "created_at": utcnow()}
        for sha, (data, content_type) in unique.items()])  # one statement, compiled once per process
    rows = {sha: db.session.identity_map.get(identity_key(FileBlob, sha)) for sha in unique}
    new = {sha: FileBlob(sha256=sha, size=len(data), content_type=content_type)
           for sha, (data, content_type) in unique.items() if rows[sha] is None}
    add_as_inserted(db.session(), new.values())  # as loaded: no INSERT at the flush, no SELECT now
    rows.update(new)
    _store_files([(sha, data) for sha, (data, _type) in unique.items()])
    return [rows[sha] for _data, _type, sha in files]


@cache
def _insert_new_blobs(dialect: str):
    return dialect_insert(dialect)(FileBlob.__table__).on_conflict_do_nothing(index_elements=["sha256"])


def _store_files(files: list[tuple[str, bytes]]) -> None:
    """Write the files not on disk yet (a file under its final name is complete: see below)."""
    new = [(path, data) for path, data in ((blob_path(sha), data) for sha, data in files) if not path.exists()]
    if new:
        _write_durably(new, db.session.info.setdefault("new_blob_paths", []))


def _write_durably(files: list[tuple[Path, bytes]], written: list[tuple[str, str]]) -> None:
    """Write each ``(path, bytes)`` so that it survives a power cut once this returns, and add
    ``(sha256, path)`` to ``written`` as soon as it has its name (a rollback removes it).

    Each file's bytes go to a temporary file in its directory and reach the disk (``fdatasync``)
    before the rename gives them their name, so a file under its final name is always complete
    (``put_blobs`` trusts an existing one); then each directory involved is synced once, so that
    the names are on the disk too (with the parents of a directory created for them). The row
    naming a file commits after this, so a committed row never names a file that a crash lost or
    left short. All files are written before the first sync: one wait for the disk per step, not
    per file (on a journalling file system, the later syncs of a step find little left to do)."""
    directories: dict[Path, None] = {}
    temporaries: list[tuple[int, str, Path]] = []
    try:
        for path, data in files:
            directory = path.parent
            if not directory.exists():  # ab/cd/: its entry in ab/ (and ab/'s in the root, if new) too
                if not directory.parent.exists():
                    directories[directory.parent.parent] = None
                directory.mkdir(parents=True, exist_ok=True)
                directories[directory.parent] = None
            directories[directory] = None
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".upload-")
            temporaries.append((fd, tmp, path))
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        for fd, _tmp, _path in temporaries:
            os.fdatasync(fd)
            _leave_page_cache(fd)
    except BaseException:
        for fd, tmp, _path in temporaries:
            os.close(fd)
            Path(tmp).unlink(missing_ok=True)
        raise
    for fd, tmp, path in temporaries:
        os.close(fd)
        os.replace(tmp, path)
        written.append((path.name, str(path)))
    for directory in directories:
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _leave_page_cache(fd: int) -> None:
    """Let the kernel drop a synced file's pages from its cache at once. An upload is written
    once and read seldom (by an officer, later), while the database lives on the same cache:
    two megabytes of every submission would otherwise push out its pages, and fresh cache pages
    cost far more than recycled ones (on a virtual machine, memory the guest has not touched
    yet costs about 3 ms per megabyte to write into: docs/benchmarks.md). The bytes are on the
    disk already (``fdatasync``), so nothing is lost; a later read comes from the disk."""
    if hasattr(os, "posix_fadvise"):  # Linux and most Unixes; elsewhere the cache keeps them
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)


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
