"""The verification block of a provable appointment on the receipt and the apology."""

from __future__ import annotations

import subprocess

from portal.documents import ProofStamp, render_apology, render_receipt
from tests.conftest import require_tool
from tests.unit.documents import samples

STAMP = ProofStamp("ABCDE-FGHJK", "https://dichvucong.laichau.gov.vn/hen-tra/ABCDE-FGHJK")


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([require_tool("pdftotext"), "-layout", str(path), "-"], capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def test_receipt_and_apology_print_the_code_and_address(tmp_path):
    for pdf in (render_receipt(samples.receipt(proof=STAMP)).pdf, render_apology(samples.apology(proof=STAMP)).pdf):
        text = _text(pdf, tmp_path)
        assert "Mã kiểm tra ngày hẹn: ABCDE-FGHJK" in text and STAMP.url in text


def test_without_a_stamp_nothing_is_added(tmp_path):
    assert "Mã kiểm tra" not in _text(render_receipt(samples.receipt()).pdf, tmp_path)
