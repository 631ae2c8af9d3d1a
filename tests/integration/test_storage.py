import hashlib

from portal.extensions import db
from portal.models import FileBlob
from portal.storage import blob_path, orphan_paths, put_blob, read_blob, sniff_content_type

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_content_type_comes_from_the_bytes_not_the_name():
    assert sniff_content_type(PDF) == "application/pdf"
    assert sniff_content_type(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert sniff_content_type(b"\xff\xd8\xff\xe0....") == "image/jpeg"
    assert sniff_content_type(b"MZ\x90\x00 renamed.exe as .pdf") is None
    assert sniff_content_type(b"") is None


def test_same_content_is_stored_once(app):
    a = put_blob(PDF, "application/pdf")
    b = put_blob(PDF, "application/pdf")
    db.session.commit()
    assert a is b and read_blob(a.sha256) == PDF


def test_a_rolled_back_upload_leaves_no_file(app):
    row = put_blob(PDF + b"rollback", "application/pdf")
    path = blob_path(row.sha256)
    assert path.exists()
    db.session.rollback()
    assert not path.exists()
    assert db.session.get(FileBlob, row.sha256) is None


def test_a_savepoint_released_after_the_write_does_not_keep_the_file(app):
    """Only the outermost commit keeps a file: a savepoint released on the way (another row
    written with its own savepoint) must not make a later rollback leave an orphan."""
    row = put_blob(PDF + b"savepoint", "application/pdf")
    path = blob_path(row.sha256)
    with db.session.begin_nested():
        pass
    db.session.rollback()
    assert not path.exists()


def test_gc_finds_files_without_rows(app, runner):
    stray = blob_path("ab" * 32)
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"left by a crash")
    assert stray in orphan_paths()
    result = runner.invoke(args=["files", "gc"])
    assert result.exit_code == 0 and not stray.exists()


def test_files_reach_the_disk_before_their_name_and_their_row(app, monkeypatch):
    """Durable storage: each file's bytes are synced before the rename names it, every directory
    involved is synced after the renames, and all this happens in ``put_blobs``, before the
    transaction that commits the rows; several files share each step."""
    import os

    from portal import storage

    steps = []
    real_fdatasync, real_fsync, real_replace = os.fdatasync, os.fsync, os.replace
    monkeypatch.setattr(storage.os, "fdatasync", lambda fd: (steps.append(("data", fd)), real_fdatasync(fd))[1])
    monkeypatch.setattr(storage.os, "fsync",
                        lambda fd: (steps.append(("dir", os.readlink(f"/proc/self/fd/{fd}"))), real_fsync(fd))[1])
    monkeypatch.setattr(storage.os, "replace", lambda a, b: (steps.append(("name", b)), real_replace(a, b))[1])
    if hasattr(os, "posix_fadvise"):  # a synced file's pages leave the cache (uploads are read seldom)
        real_fadvise = os.posix_fadvise
        monkeypatch.setattr(storage.os, "posix_fadvise", lambda fd, offset, length, advice: (
            steps.append(("uncache", (fd, offset, length, advice))), real_fadvise(fd, offset, length, advice))[1])
    contents = [PDF + b"durable-1", PDF + b"durable-2"]
    rows = storage.put_blobs([(c, "application/pdf", hashlib.sha256(c).hexdigest()) for c in contents])
    if hasattr(os, "posix_fadvise"):
        uncached = [(i, step[1]) for i, step in enumerate(steps) if step[0] == "uncache"]
        # each file right after its own sync, the whole file, before any name is given
        assert [steps[i - 1] for i, _ in uncached] == [s for s in steps if s[0] == "data"], steps
        assert [(fd, advice) for _, (fd, _o, _l, advice) in uncached] == [
            (fd, os.POSIX_FADV_DONTNEED) for kind, fd in steps if kind == "data"]
        assert all(offset == 0 and length == 0 for _, (_fd, offset, length, _a) in uncached)
        steps = [s for s in steps if s[0] != "uncache"]
    kinds = [kind for kind, _ in steps]
    assert kinds[:4] == ["data", "data", "name", "name"], kinds
    synced = [name for kind, name in steps[4:]]
    assert set(kinds[4:]) == {"dir"} and len(synced) == len(set(synced))  # each directory once
    assert {str(blob_path(row.sha256).parent) for row in rows} <= set(synced)
    assert [read_blob(row.sha256) for row in rows] == contents
    assert not list(blob_path(rows[0].sha256).parent.glob(".upload-*"))  # no temporary file left
    db.session.commit()
