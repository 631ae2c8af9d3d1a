"""The manifest of a backup and the file checks against it (no database needed; the restore
drill itself is tests/integration/test_backup.py, on PostgreSQL)."""

from __future__ import annotations

import hashlib
import json

import pytest

from portal.operations.backup_manifest import (
    BackupError,
    Manifest,
    StoredFile,
    check_files,
    copy_verified,
    require_empty_directory,
    verify_backup,
)


def make_backup(directory, contents: list[bytes]) -> Manifest:
    directory.mkdir()
    dump = b"PGDMP fake dump"
    (directory / "database.dump").write_bytes(dump)
    files = []
    for data in contents:
        stored = StoredFile(hashlib.sha256(data).hexdigest(), len(data), "application/pdf")
        path = directory / "files" / stored.relative_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        files.append(stored)
    manifest = Manifest(created_at="2026-11-30T10:00:00+00:00", alembic_revision="0010",
                        counts={"dossiers": 1, "events": 2, "files": len(files)},
                        dump_sha256=hashlib.sha256(dump).hexdigest(), dump_size=len(dump), files=files)
    manifest.write(directory)
    return manifest


def test_a_backup_reads_back_and_verifies(tmp_path):
    written = make_backup(tmp_path / "b", [b"%PDF-1 one", b"%PDF-1 two"])
    data = json.loads((tmp_path / "b" / "manifest.json").read_text(encoding="utf-8"))
    assert data["files"][0]["path"].startswith("files/") and data["database"]["path"] == "database.dump"
    assert verify_backup(tmp_path / "b") == written


@pytest.mark.parametrize("damage, expected", [
    ("flip", "nội dung có mã băm"),
    ("truncate", "byte, bản kê ghi"),
    ("remove", "thiếu tệp"),
    ("extra", "tệp thừa"),
    ("dump", "database.dump: mã băm"),
    ("count", "bản kê ghi 3 tệp nhưng liệt kê 2"),
])
def test_every_difference_from_the_manifest_is_reported(tmp_path, damage, expected):
    manifest = make_backup(tmp_path / "b", [b"%PDF-1 one", b"%PDF-1 two"])
    first = tmp_path / "b" / "files" / manifest.files[0].relative_path
    if damage == "flip":
        first.write_bytes(b"%PDF-1 onX")
    elif damage == "truncate":
        first.write_bytes(b"%PDF")
    elif damage == "remove":
        first.unlink()
    elif damage == "extra":
        (first.parent / "stray").write_bytes(b"?")
    elif damage == "dump":
        (tmp_path / "b" / "database.dump").write_bytes(b"PGDMP other dump")
    elif damage == "count":
        manifest.counts["files"] = 3
        manifest.write(tmp_path / "b")
    with pytest.raises(BackupError) as error:
        verify_backup(tmp_path / "b")
    assert any(expected in problem for problem in error.value.problems), error.value.problems


def test_no_manifest_no_backup(tmp_path):
    (tmp_path / "b").mkdir()
    with pytest.raises(BackupError, match="manifest.json"):
        verify_backup(tmp_path / "b")
    (tmp_path / "b" / "manifest.json").write_text('{"format": "other"}', encoding="utf-8")
    with pytest.raises(BackupError, match="không được hỗ trợ"):
        verify_backup(tmp_path / "b")


def test_a_copy_with_other_bytes_is_not_kept(tmp_path):
    source = tmp_path / "source"
    source.write_bytes(b"content")
    good = hashlib.sha256(b"content").hexdigest()
    assert copy_verified(source, tmp_path / "out" / "a", good) is None
    assert (tmp_path / "out" / "a").read_bytes() == b"content"
    assert "mã băm" in copy_verified(source, tmp_path / "out" / "b", "0" * 64)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a"]  # no partial file left
    assert check_files(tmp_path / "out", []) == ["tệp thừa, không có trong bản kê: a"]


def test_only_an_empty_or_new_directory_is_a_target(tmp_path):
    require_empty_directory(tmp_path / "new", "Thư mục")
    (tmp_path / "empty").mkdir()
    require_empty_directory(tmp_path / "empty", "Thư mục")
    (tmp_path / "empty" / "x").write_bytes(b"")
    with pytest.raises(BackupError, match="đã có dữ liệu"):
        require_empty_directory(tmp_path / "empty", "Thư mục")
