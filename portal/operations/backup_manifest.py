"""The manifest of a backup and the checks of files against it.

A backup directory holds::

    manifest.json       what the backup contains (written last: no manifest, no backup)
    database.dump       pg_dump, custom format, one snapshot
    files/ab/cd/<sha>   every stored file the snapshot refers to (``file_blobs``), same layout
                        as STORAGE_DIR

The manifest lists every file with its SHA-256 and size, the dump's SHA-256 and size, the
Alembic revision, the counts of dossiers, events and files in the snapshot, and the time.
Every check here reads the bytes again (the name of a content-addressed file proves nothing).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

FORMAT = "laichau-dvc-backup/1"
MANIFEST = "manifest.json"
DUMP = "database.dump"
FILES = "files"
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore refused or failed; ``problems`` lists what did not match."""

    def __init__(self, message: str, problems: list[str] | tuple[str, ...] = ()):
        super().__init__(message)
        self.message = message
        self.problems = list(problems)


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    content_type: str

    @property
    def relative_path(self) -> str:
        return f"{self.sha256[:2]}/{self.sha256[2:4]}/{self.sha256}"


@dataclass
class Manifest:
    created_at: str  # ISO 8601, UTC
    alembic_revision: str
    counts: dict[str, int]  # dossiers, events, files
    dump_sha256: str
    dump_size: int
    files: list[StoredFile] = field(default_factory=list)
    server_version: str = ""
    pg_dump_version: str = ""

    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "created_at": self.created_at,
            "alembic_revision": self.alembic_revision,
            "postgresql": {"server_version": self.server_version, "pg_dump": self.pg_dump_version},
            "database": {"path": DUMP, "format": "pg_dump custom", "sha256": self.dump_sha256,
                         "size": self.dump_size},
            "counts": dict(self.counts),
            "files": [{"path": f"{FILES}/{f.relative_path}", **asdict(f)} for f in self.files],
        }

    def write(self, directory: Path) -> None:
        """Write ``manifest.json`` atomically (the last step of a backup)."""
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=1) + "\n"
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".manifest-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, directory / MANIFEST)

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        path = directory / MANIFEST
        if not path.is_file():
            raise BackupError(f"{directory} không có {MANIFEST}: không phải bản sao lưu, hoặc bản sao lưu chưa xong.")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise BackupError(f"{MANIFEST}: định dạng {data.get('format')!r} không được hỗ trợ (cần {FORMAT}).")
            database = data["database"]
            return cls(
                created_at=str(data["created_at"]),
                alembic_revision=str(data["alembic_revision"]),
                counts={str(k): int(v) for k, v in data["counts"].items()},
                dump_sha256=str(database["sha256"]),
                dump_size=int(database["size"]),
                files=[StoredFile(str(f["sha256"]), int(f["size"]), str(f["content_type"])) for f in data["files"]],
                server_version=str(data.get("postgresql", {}).get("server_version", "")),
                pg_dump_version=str(data.get("postgresql", {}).get("pg_dump", "")),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise BackupError(f"{MANIFEST} hỏng hoặc thiếu mục: {error}") from None


def sha256_file(path: Path) -> tuple[str, int]:
    """(SHA-256 hex, size) of a file, read in chunks."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def copy_verified(source: Path, target: Path, expected_sha256: str) -> str | None:
    """Copy ``source`` to ``target`` (atomically, through a temporary file), hashing the bytes
    copied; a problem (and no ``target``) when they do not hash to ``expected_sha256``."""
    if not source.is_file():
        return f"thiếu tệp {expected_sha256} ({source})"
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".copy-")
    try:
        with source.open("rb") as reader, os.fdopen(fd, "wb") as writer:
            while chunk := reader.read(CHUNK):
                digest.update(chunk)
                writer.write(chunk)
            writer.flush()
            os.fsync(writer.fileno())
        if digest.hexdigest() != expected_sha256:
            os.unlink(tmp)
            return f"tệp {expected_sha256} có mã băm {digest.hexdigest()} ({source})"
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return None


def check_files(root: Path, files: list[StoredFile]) -> list[str]:
    """Every listed file under ``root`` (``ab/cd/<sha>``) with its size and hash, and nothing
    else there: the problems found."""
    problems = []
    expected = {f.relative_path: f for f in files}
    for relative, stored in sorted(expected.items()):
        path = root / relative
        if not path.is_file():
            problems.append(f"thiếu tệp {stored.sha256}")
            continue
        sha, size = sha256_file(path)
        if size != stored.size:
            problems.append(f"tệp {stored.sha256}: {size} byte, bản kê ghi {stored.size}")
        elif sha != stored.sha256:
            problems.append(f"tệp {stored.sha256}: nội dung có mã băm {sha}")
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root).as_posix()
            if path.is_file() and relative not in expected:
                problems.append(f"tệp thừa, không có trong bản kê: {relative}")
    return problems


def verify_backup(directory: Path) -> Manifest:
    """Read the manifest and check the dump and every file against it (nothing else is trusted);
    ``BackupError`` with every problem found."""
    manifest = Manifest.read(directory)
    problems = []
    dump = directory / DUMP
    if not dump.is_file():
        problems.append(f"thiếu {DUMP}")
    else:
        sha, size = sha256_file(dump)
        if (sha, size) != (manifest.dump_sha256, manifest.dump_size):
            problems.append(f"{DUMP}: mã băm {sha} ({size} byte), bản kê ghi {manifest.dump_sha256} "
                            f"({manifest.dump_size} byte)")
    if manifest.counts.get("files") != len(manifest.files):
        problems.append(f"bản kê ghi {manifest.counts.get('files')} tệp nhưng liệt kê {len(manifest.files)}")
    problems += check_files(directory / FILES, manifest.files)
    if problems:
        raise BackupError(f"Bản sao lưu {directory} không khớp với bản kê của nó.", problems)
    return manifest


def require_empty_directory(path: Path, what: str) -> None:
    """Refuse a directory that exists and holds anything (nothing is written over data)."""
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise BackupError(f"{what} {path} đã có dữ liệu; chỉ dùng thư mục trống hoặc chưa tồn tại.")
