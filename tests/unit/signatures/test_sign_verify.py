from __future__ import annotations

import datetime as dt
import subprocess
import sys
from io import BytesIO

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from pyhanko.pdf_utils.reader import PdfFileReader

from signatures.pdf import (
    KeyFileSigner,
    SigningError,
    StampText,
    format_vn_time,
    render_stamp_pdf,
    sign_pdf,
)
from signatures.pki import export_pkcs12, issue_certificate
from signatures.verify import verify_pdf

from .conftest import make_pdf, require_tool


@pytest.mark.parametrize("level", ["B-B", "B-T", "B-LT", "B-LTA"])
def test_each_level_valid(signed, trust, level):
    report = verify_pdf(signed[level], trust)
    assert report.verdict == "valid", report
    (sig,) = report.signatures
    assert sig.level == level
    assert sig.intact and sig.trusted
    assert sig.signer == "Nguyễn Thị Hoà"
    assert sig.issuer == "CA Thử nghiệm Dịch vụ công Lai Châu"
    assert sig.signed_at.tzinfo is not None
    assert abs(sig.signed_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=10)
    assert report.message_vi == "Chữ ký hợp lệ: tài liệu không bị thay đổi sau khi ký."
    # B-B / B-T / B-LT: the signature (with its DSS) is the last revision; B-LTA appends the
    # document timestamp, which then covers the whole file (test_last_revision_always_covered)
    assert sig.covers_whole_document == (level != "B-LTA")
    assert sig.modifications == ("lta_updates" if level == "B-LTA" else "none")
    assert report.verdict == verify_pdf(signed[level], trust, expected_level=level).verdict


def test_expected_level_not_reached(signed, trust):
    report = verify_pdf(signed["B-T"], trust, expected_level="B-LTA")
    assert report.verdict == "indeterminate"
    assert "B-LTA" in report.message_vi


def test_to_dict_matches_api(signed, trust):
    d = verify_pdf(signed["B-T"], trust).to_dict()
    assert set(d) == {"verdict", "signatures", "message_vi", "message_en"}
    sig = d["signatures"][0]
    assert {
        "signer",
        "issuer",
        "signed_at",
        "level",
        "intact",
        "trusted",
        "covers_whole_document",
        "modifications",
    } <= set(sig)
    dt.datetime.fromisoformat(sig["signed_at"])  # ISO 8601, aware
    import json

    json.dumps(d)


def test_two_signers_leader_then_seal(two_signers, trust):
    report = verify_pdf(two_signers, trust)
    assert report.verdict == "valid", report
    leader, seal = report.signatures
    assert leader.signer == "Trần Văn Đức" and seal.signer == "Ủy ban nhân dân tỉnh Lai Châu"
    assert leader.level in ("B-LT", "B-LTA") and seal.level == "B-LTA"
    assert leader.modifications == "form_filling"  # the seal's signature came later
    assert not leader.covers_whole_document
    assert "2 chữ ký hợp lệ" in report.message_vi
    # visible stamps sit side by side, both on page 1
    reader = PdfFileReader(BytesIO(two_signers))
    rects = [
        [float(v) for v in a.get_object()["/Rect"]]
        for a in reader.root["/Pages"]["/Kids"][0].get_object()["/Annots"]
        if a.get_object().get("/FT") == "/Sig" and a.get_object()["/Rect"][2] > 0
    ]
    assert len(rects) == 2
    (a, b) = sorted(rects)
    assert a[2] <= b[0]  # no overlap


def test_ecdsa_and_pss_signers(pki, unsigned_pdf, trust):
    ec_key = issue_certificate(pki.root, "Lê Thị Én", key_type="ec")
    for signer in (KeyFileSigner(ec_key), KeyFileSigner(pki.leader, prefer_pss=True)):
        out = sign_pdf(
            unsigned_pdf, signer, level="B-T", reason="Thử", timestamper=pki.timestamper()
        )
        report = verify_pdf(out, trust)
        assert report.verdict == "valid", report


def test_key_file_signer_from_pkcs12(pki, unsigned_pdf, trust):
    signer = KeyFileSigner.from_pkcs12(export_pkcs12(pki.officer, b"pw"), b"pw")
    assert signer.pyhanko_signer() is signer.pyhanko_signer()  # parsed once, cached
    assert "Nguyễn Thị Hoà" in repr(signer)
    out = sign_pdf(unsigned_pdf, signer, reason="Tiếp nhận")
    assert verify_pdf(out, trust).verdict == "valid"


def test_bt_without_timestamper_refused(officer_signer, unsigned_pdf):
    with pytest.raises(SigningError):
        sign_pdf(unsigned_pdf, officer_signer, level="B-T", reason="x")
    with pytest.raises(ValueError):
        sign_pdf(unsigned_pdf, officer_signer, level="B-X", reason="x")


def test_untrusted_root_is_indeterminate(pki, unsigned_pdf, trust):
    out = sign_pdf(unsigned_pdf, KeyFileSigner(pki.untrusted_signer), reason="Giả mạo")
    report = verify_pdf(out, trust)
    assert report.verdict == "indeterminate"
    assert report.signatures[0].trusted is False
    assert report.signatures[0].intact is True
    assert "tin cậy" in report.message_vi
    # trusting the other root makes it valid: the signature itself is fine
    assert verify_pdf(out, [pki.untrusted_root.certificate]).verdict == "valid"


def test_signed_by_leader_not_trusted_by_other_root(signed, pki):
    report = verify_pdf(signed["B-LTA"], [pki.untrusted_root.certificate])
    assert report.verdict == "indeterminate"


def test_no_signature(unsigned_pdf, trust):
    report = verify_pdf(unsigned_pdf, trust)
    assert report.verdict == "unsigned"  # its own verdict, not "cannot tell"
    assert report.signatures == []
    assert report.message_vi == "Tài liệu không có chữ ký số."


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   ",
        b"\x00\xff" * 500,
        b"PK\x03\x04 zip file",
        b"%PDF-1.7\n garbage %%EOF",
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
    ],
)
def test_garbage_gives_a_report(data, trust):
    report = verify_pdf(data, trust)
    assert report.verdict in ("invalid", "indeterminate")
    assert report.message_vi and report.message_en


def test_truncated_signed_pdf(signed, trust):
    data = signed["B-B"]
    report = verify_pdf(data[: len(data) // 2], trust)
    assert report.verdict in ("invalid", "indeterminate")


def test_stamp_text_and_time_format():
    when = dt.datetime(2025, 7, 1, 17, 5, tzinfo=dt.UTC)
    assert format_vn_time(when) == "02/07/2025 00:05"
    lines = [t for t, _ in StampText("Trần Văn Đức", "Phó Chủ tịch", signed_at=when).lines()]
    assert "Thời gian: 02/07/2025 00:05 (+07:00)" in lines
    with pytest.raises(ValueError):
        format_vn_time(dt.datetime(2025, 1, 1))


def test_stamp_glyphs_are_not_stretched(tmp_path):
    """pdftotext -bbox: the words of the stamp keep their natural width (1/1000 em units)."""
    require_tool("pdftotext")
    when = dt.datetime(2025, 7, 1, 1, 5, tzinfo=dt.UTC)
    pdf = render_stamp_pdf(
        StampText("Trần Văn Đức", "Phó Chủ tịch UBND tỉnh", signed_at=when), 230, 78
    )
    path = tmp_path / "stamp.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Đức" in out and "01/07/2025" in out  # Vietnamese text extractable (ToUnicode)
    import re

    words = re.findall(r'xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]+)<', out)
    assert words
    for x_min, x_max, _ in words:
        assert 0 <= float(x_min) < float(x_max) <= 230  # inside the stamp box
    date = next((float(b) - float(a), w) for a, b, w in words if w == "01/07/2025")
    # 10 glyphs of Liberation Serif at <= 11 pt: about 45-55 pt; stretched (x2.048) would be ~100
    assert 30 < date[0] < 60


def test_visible_stamp_renders(signed, tmp_path):
    require_tool("pdftoppm")
    path = tmp_path / "s.pdf"
    path.write_bytes(signed["B-T"])
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(path), str(tmp_path / "p")], check=True)
    from PIL import Image

    img = Image.open(next(tmp_path.glob("p*.png"))).convert("RGB")
    w, h = img.size
    # red stamp pixels in the bottom-right corner
    reds = sum(
        1
        for x in range(w // 2, w)
        for y in range(int(h * 0.8), h)
        if (p := img.getpixel((x, y)))[0] > 150 and p[1] < 90 and p[2] < 90
    )
    assert reds > 50


def test_sign_refuses_non_pdf(officer_signer):
    with pytest.raises(SigningError):
        sign_pdf(b"hello", officer_signer, reason="x")


def test_sign_existing_field_refused(signed, officer_signer):
    with pytest.raises(SigningError):
        sign_pdf(signed["B-B"], officer_signer, reason="x", field_name="ChuKy1")


def test_package_imports_no_web_layers():
    code = (
        "import sys, signatures.pki, signatures.pdf, signatures.verify, signatures.testing, signatures.token;"
        "bad=[m for m in sys.modules if m.split('.')[0] in ('flask','portal','workflow')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_make_pdf_has_vietnamese():
    data = make_pdf("Kết quả")
    assert data.startswith(b"%PDF")


def test_raw_signature_helper_consistency(pki):
    # sanity for the remote tests: cryptography signs what pyHanko verifies
    sig = pki.officer.private_key.sign(b"abc", padding.PKCS1v15(), hashes.SHA256())
    pki.officer.certificate.public_key().verify(sig, b"abc", padding.PKCS1v15(), hashes.SHA256())


def _last_signature_or_timestamp(pdf: bytes):
    reader = PdfFileReader(BytesIO(pdf))
    return max(reader.embedded_signatures, key=lambda emb: emb.signed_revision)


@pytest.mark.parametrize("level", ["B-B", "B-T", "B-LT", "B-LTA"])
def test_last_revision_always_covered(signed, level):
    """No unsigned update after the last signature or document timestamp (pdfsig would report
    "Not total document signed"): the validation data goes in before, never after."""
    from pyhanko.sign.validation import SignatureCoverageLevel

    last = _last_signature_or_timestamp(signed[level])
    last.compute_digest()
    assert last.evaluate_signature_coverage() == SignatureCoverageLevel.ENTIRE_FILE
    if level == "B-LTA":
        assert last.sig_object_type == "/DocTimeStamp"


def test_two_signers_end_covered(two_signers):
    from pyhanko.sign.validation import SignatureCoverageLevel

    last = _last_signature_or_timestamp(two_signers)
    last.compute_digest()
    assert last.evaluate_signature_coverage() == SignatureCoverageLevel.ENTIRE_FILE


def test_container_larger_than_the_reservation_is_signed_anyway(pki, unsigned_pdf, officer_signer,
                                                                trust, monkeypatch):
    """Should the fixed reservation ever be too small, pyHanko measures and the signature is made."""
    import signatures.pdf as pdf_module

    monkeypatch.setattr(pdf_module, "reserved_signature_bytes", lambda *args: 64)
    signed = sign_pdf(unsigned_pdf, officer_signer, level="B-T", reason="Tiếp nhận hồ sơ",
                      timestamper=pki.timestamper())
    assert verify_pdf(signed, trust).verdict == "valid"


def test_reservation_holds_the_container(pki, unsigned_pdf, officer_signer, monkeypatch):
    """The fixed reservation is used (no fallback) and the container fits in it."""
    import re

    import signatures.pdf as pdf_module

    calls = []
    original = pdf_module.reserved_signature_bytes

    def recording(*args):
        calls.append(original(*args))
        return calls[-1]

    monkeypatch.setattr(pdf_module, "reserved_signature_bytes", recording)
    signed = sign_pdf(unsigned_pdf, officer_signer, level="B-T", reason="Tiếp nhận hồ sơ",
                      timestamper=pki.timestamper())
    (contents,) = re.findall(rb"/Contents <([0-9a-fA-F]+)>", signed)
    assert len(contents) == calls[0]
    assert len(contents.rstrip(b"0")) < calls[0]
