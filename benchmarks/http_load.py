"""Pieces shared by the benchmarks that drive a running server over HTTP: real one-page PDFs
(uploads are checked by structure), a free local port, a multipart body."""

from __future__ import annotations

import io
import secrets
import socket


def one_page_pdf(content: bytes) -> bytes:
    """A one-page PDF whose page content stream is ``content`` (catalogue, page tree, page, xref)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"]
    return _pdf(objects)


def _pdf(objects: list[bytes], trailer: bytes = b"") -> bytes:
    out, offsets = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, xref)


_ID_PLACEHOLDER = b"0" * 32


def scanned_page_pdf(size: int) -> bytes:
    """A one-page A4 PDF of exactly ``size`` bytes as a phone or a scanner makes it: the page is
    one colour JPEG image (``/DCTDecode``, 200 dpi, noise so that it does not compress away;
    padded with JPEG comment segments to the size), drawn by a short content stream; the
    trailer carries the file identifier ``/ID``. ``unique_copy`` gives a copy its own
    identifier, so every upload is a distinct, still well-formed file."""
    from PIL import Image  # the benchmarks' only use of Pillow

    width, height = 1654, 2339
    image = Image.effect_noise((width // 2, height // 2), 25).resize((width, height)).convert("RGB")

    def document(jpeg: bytes) -> bytes:
        content = b"q %d 0 0 %d 0 0 cm /Im1 Do Q" % (595, 842)
        return _pdf([
            b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 5 0 R >> >> "
            b"/Contents 4 0 R >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 "
            b"/Filter /DCTDecode /Length %d >>\nstream\n" % (width, height, len(jpeg)) + jpeg + b"\nendstream",
        ], b" /ID [<%s> <%s>]" % (_ID_PLACEHOLDER, _ID_PLACEHOLDER))

    for quality in range(95, 10, -5):
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality)
        jpeg = out.getvalue()
        missing = size - len(document(jpeg))
        if missing >= 0:
            break
    else:
        raise ValueError(f"{size} bytes is too small for a scanned page")
    comments = []
    while missing > 0:  # JPEG comment segments (FF FE, length of at most 65535 counting itself)
        room = min(missing, 65535 + 2)
        if missing - room in (1, 2, 3):  # a segment is at least 4 bytes: leave enough for the last one
            room -= 4
        comments.append(b"\xff\xfe" + (room - 2).to_bytes(2, "big") + b"\x00" * (room - 4))
        missing -= room
    pdf = document(jpeg[:2] + b"".join(comments) + jpeg[2:])
    assert len(pdf) == size, (len(pdf), size)
    return pdf


def unique_copy(pdf: bytes) -> bytes:
    """``pdf`` (from ``scanned_page_pdf``) with a fresh random file identifier."""
    at = pdf.rindex(b"/ID [<")
    fresh = secrets.token_hex(16).encode()
    new = b"/ID [<%s> <%s>]" % (fresh, fresh)
    view = memoryview(pdf)
    return b"".join((view[:at], new, view[at + len(new):]))  # one copy, as the old `PDF + random tail`


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def multipart(fields: dict, filename: str, content: bytes) -> tuple[bytes, str]:
    """``fields`` and one PDF file named ``filename`` as a multipart/form-data body and its type."""
    boundary = "----bench" + secrets.token_hex(8)
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: application/pdf\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
