"""Shared fixtures: one test PKI per session, a Vietnamese one-page PDF, signed PDFs."""

from __future__ import annotations

import os
import re
import shutil
from io import BytesIO
from pathlib import Path

import pytest
from asn1crypto import cms
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from signatures.pdf import KeyFileSigner, StampText, sign_pdf
from signatures.testing import TestPKI

FONTS = Path(__file__).resolve().parents[3] / "signatures" / "fonts"


def require_tool(name: str) -> str:
    """Path of an external tool; skip visibly when missing, but fail when CI=true."""
    path = shutil.which(name)
    if path is None:
        msg = (
            f"external tool {name!r} is not installed (apt-get install poppler-utils qpdf openssl)"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg + " -- required when CI=true")
        pytest.skip(msg)
    return path


def make_pdf(title: str = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ") -> bytes:
    if "TestSerif" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("TestSerif", str(FONTS / "LiberationSerif-Regular.ttf")))
    buf = BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("TestSerif", 14)
    c.drawString(72, 770, title)
    c.setFont("TestSerif", 12)
    c.drawString(72, 740, "Mã hồ sơ: 000.00.12.H33-250101-0001")
    c.drawString(72, 720, "Người nộp: Lò Thị Mỷ, xã Sì Lở Lầu, huyện Phong Thổ, tỉnh Lai Châu")
    c.drawString(72, 700, "Thủ tục: Cấp giấy chứng nhận đăng ký hộ kinh doanh")
    c.showPage()
    c.save()
    return buf.getvalue()


def byte_range(data: bytes, index: int = 0) -> tuple[list[int], bytes]:
    """(/ByteRange, DER CMS) of the index-th signature dictionary in file order."""
    matches = list(re.finditer(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data))
    br = [int(x) for x in matches[index].groups()]
    hex_contents = data[br[0] + br[1] + 1 : br[2] - 1]
    raw = bytes.fromhex(hex_contents.decode("ascii"))
    der = cms.ContentInfo.load(raw, strict=False).dump()
    return br, der


def signed_bytes(data: bytes, br: list[int]) -> bytes:
    return data[br[0] : br[0] + br[1]] + data[br[2] : br[2] + br[3]]


@pytest.fixture(scope="session")
def pki() -> TestPKI:
    return TestPKI.get()


@pytest.fixture(scope="session")
def trust(pki):
    return pki.trust_store


@pytest.fixture(scope="session")
def unsigned_pdf() -> bytes:
    return make_pdf()


@pytest.fixture(scope="session")
def officer_signer(pki) -> KeyFileSigner:
    return KeyFileSigner(pki.officer)


@pytest.fixture(scope="session")
def signed(pki, unsigned_pdf, officer_signer) -> dict[str, bytes]:
    """The one-page PDF signed by the officer at every level (visible stamp)."""
    out = {}
    for level in ("B-B", "B-T", "B-LT", "B-LTA"):
        out[level] = sign_pdf(
            unsigned_pdf,
            officer_signer,
            level=level,
            reason="Tiếp nhận hồ sơ",
            stamp=StampText("Nguyễn Thị Hoà", "Công chức Bộ phận Một cửa"),
            timestamper=pki.timestamper(),
            validation_context=pki.validation_context(),
        )
    return out


@pytest.fixture(scope="session")
def two_signers(pki, unsigned_pdf) -> bytes:
    """Leader at B-LT, then the agency seal at B-LTA as a second incremental signature."""
    first = sign_pdf(
        unsigned_pdf,
        KeyFileSigner(pki.leader),
        level="B-LT",
        reason="Phê duyệt kết quả giải quyết",
        stamp=StampText("Trần Văn Đức", "Phó Chủ tịch UBND tỉnh"),
        timestamper=pki.timestamper(),
        validation_context=pki.validation_context(),
    )
    return sign_pdf(
        first,
        KeyFileSigner(pki.seal),
        level="B-LTA",
        reason="Đóng dấu cơ quan",
        stamp=StampText("Ủy ban nhân dân tỉnh Lai Châu", "Con dấu điện tử"),
        timestamper=pki.timestamper(),
        validation_context=pki.validation_context(),
    )
