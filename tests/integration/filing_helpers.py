"""Builders for filing tests: file contents, procedures, a citizen's dossier in a given state."""

from __future__ import annotations

import errno
import io
import os
import zlib

from flask import current_app
from PIL import Image
from sqlalchemy import select

from portal.extensions import db
from portal.models import Procedure
from portal.operations import filing
from portal.operations.filing import Limits


def pdf(tag: str = "", padding: int = 0, comment: int = 0) -> bytes:
    """A real one-page PDF (it passes the structural check of uploads): ``tag`` makes its bytes
    unique, ``padding`` adds that many bytes to its (uncompressed) page content, ``comment`` that
    many to a comment after the header (bytes no parser reads)."""
    content = b"% " + tag.encode() + b"\n" + b" " * padding
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"]
    out, offsets = b"%PDF-1.4\n" + (b"%" + b" " * comment + b"\n" if comment else b""), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def jpeg(width: int = 2, height: int = 2) -> bytes:
    image = Image.new("RGB", (width, height), (200, 30, 30))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


def camera_photo(width: int = 4000, height: int = 3000) -> bytes:
    """A camera-sized JPEG with some detail (noise compresses like a real photo: a few MB)."""
    image = Image.effect_noise((width // 4, height // 4), 40).convert("RGB").resize((width, height))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    return out.getvalue()


PDF = pdf()
JPEG = jpeg()
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def png(width: int = 1, height: int = 1) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def procedure(code: str) -> Procedure:
    return db.session.scalar(select(Procedure).where(Procedure.code == code))


def valid_data(proc: Procedure, user=None) -> dict:
    """Values that satisfy every field of the procedure's e-form."""
    samples = {"string": "Bản Hon, Tam Đường", "text": "Nội dung đề nghị", "integer": 2, "money": 1500000,
               "date": "2026-12-01", "email": "congdan@example.vn", "phone": "0912345678", "id_number": "012190000001"}
    data = {}
    for spec in proc.form_schema:
        if spec["type"] == "select":
            data[spec["name"]] = spec["options"][0]["value"]
        else:
            data[spec["name"]] = samples[spec["type"]]
    return data


def limits() -> Limits:
    return Limits.from_config(current_app.config)


def attach_required(dossier, user) -> None:
    for doc in dossier.procedure.documents:
        if doc.get("required"):
            filing.add_attachment(dossier, user, doc["key"], f"{doc['key']}.pdf", pdf(doc["key"]), limits())


def submitted_dossier(user, code: str = "LC-05", data: dict | None = None):
    proc = procedure(code)
    dossier, _ = filing.start_draft(user, proc, data or valid_data(proc))
    attach_required(dossier, user)
    filing.submit(dossier.id, user)
    db.session.commit()
    return dossier


def upload(name: str, content: bytes):
    return (io.BytesIO(content), name)


def full_store(monkeypatch) -> None:
    """The file store's writes fail as on a full disk (ENOSPC) until ``monkeypatch.undo()``;
    other writes go through (Linux names an open file in /proc)."""
    write = os.write

    def full(fd, data):
        if ".upload-" not in os.readlink(f"/proc/self/fd/{fd}"):
            return write(fd, data)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full)
