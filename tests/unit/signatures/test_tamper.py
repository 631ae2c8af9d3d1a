"""Each tampering is reported invalid by verify_pdf."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from asn1crypto import cms
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from signatures.verify import verify_pdf

from .conftest import byte_range


def _contents_span(data: bytes) -> tuple[int, int]:
    br, _ = byte_range(data)
    return br[0] + br[1] + 1, br[2] - 1  # hex digits between < and >


def _flip_hex_digit(data: bytes, pos: int) -> bytes:
    old = chr(data[pos])
    new = "0" if old.lower() != "0" else "1"
    return data[:pos] + new.encode() + data[pos + 1 :]


def _find_hex(data: bytes, blob: bytes) -> int:
    start, end = _contents_span(data)
    hexed = data[start:end].lower()
    i = hexed.find(blob.hex().encode())
    assert i >= 0
    return start + i


def test_header_byte_changed(signed, trust):
    data = signed["B-T"]
    i = data.index(b"%PDF-1.") + 7
    tampered = data[:i] + (b"5" if data[i : i + 1] != b"5" else b"6") + data[i + 1 :]
    report = verify_pdf(tampered, trust)
    assert report.verdict == "invalid"
    assert report.signatures and report.signatures[0].intact is False


def test_bit_in_page_content(signed, trust):
    data = signed["B-B"]
    reader = PdfFileReader(BytesIO(data))
    page = reader.root["/Pages"]["/Kids"][0].get_object()
    ref = page.raw_get("/Contents")
    obj_at = re.search(rb"\n%d 0 obj" % ref.idnum, data).start()
    stream_at = data.index(b"stream", obj_at) + len(b"stream\n") + 10
    br, _ = byte_range(data)
    assert stream_at < br[1]  # inside the signed range
    tampered = data[:stream_at] + bytes([data[stream_at] ^ 0x01]) + data[stream_at + 1 :]
    report = verify_pdf(tampered, trust)
    assert report.verdict == "invalid"
    assert report.signatures[0].intact is False


def test_digit_in_signature_value(signed, trust):
    data = signed["B-B"]
    _, der = byte_range(data)
    sig_value = cms.ContentInfo.load(der)["content"]["signer_infos"][0]["signature"].native
    pos = _find_hex(data, sig_value) + len(sig_value)  # middle of the signature value
    report = verify_pdf(_flip_hex_digit(data, pos), trust)
    assert report.verdict == "invalid"
    assert report.signatures[0].intact is False


def test_byte_in_embedded_certificate(signed, trust, pki):
    data = signed["B-B"]
    _, der = byte_range(data)
    certs = cms.ContentInfo.load(der)["content"]["certificates"]
    signer_der = next(
        c.chosen.dump() for c in certs if c.chosen.subject.native["common_name"] == "Nguyễn Thị Hoà"
    )
    # a byte of the subject public key, inside the certificate
    pub = pki.officer.certificate.public_key().public_numbers().n.to_bytes(256, "big")
    offset = signer_der.index(pub[100:120])
    pos = _find_hex(data, signer_der) + 2 * offset
    report = verify_pdf(_flip_hex_digit(data, pos), trust)
    assert report.verdict == "invalid"


@pytest.mark.parametrize("level", ["B-B", "B-LTA"])
def test_text_overlay_after_signing(signed, trust, level):
    """No signed byte changes: only pyHanko's diff analysis (bottom_line) catches this."""
    data = signed[level]
    w = IncrementalPdfFileWriter(BytesIO(data))
    font = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Font"),
            generic.NameObject("/Subtype"): generic.NameObject("/Type1"),
            generic.NameObject("/BaseFont"): generic.NameObject("/Helvetica"),
        }
    )
    resources = generic.DictionaryObject(
        {
            generic.NameObject("/Font"): generic.DictionaryObject(
                {generic.NameObject("/FOv"): w.add_object(font)}
            )
        }
    )
    stream = generic.StreamObject(
        stream_data=b"BT /FOv 28 Tf 100 500 Td (DA HUY - KHONG HOP LE) Tj ET"
    )
    w.add_stream_to_page(0, w.add_object(stream), resources=resources)
    out = BytesIO()
    w.write(out)
    tampered = out.getvalue()
    assert tampered.startswith(data)  # every signed byte is unchanged

    report = verify_pdf(tampered, trust)
    sig = report.signatures[0]
    assert sig.intact is True and sig.trusted is True  # the crypto still checks out
    assert report.verdict == "invalid"
    assert sig.modifications.startswith("other")
    assert report.message_vi == "Tài liệu đã bị sửa đổi sau khi ký."
    assert report.message_en == "The document has been modified after it was signed."
