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
