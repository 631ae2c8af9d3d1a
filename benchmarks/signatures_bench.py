"""Signatures per second: PAdES B-B / B-T / B-LTA vs the bare RSA/ECDSA sign operation.

Run:  .venv/bin/python benchmarks/signatures_bench.py [--seconds 3]
Prints one table; "ratio" is how many bare sign operations one PDF signature costs.
B-T and B-LTA are also shown without the local timestamp authority's own cost (measured in the
same run: one token for B-T, two for B-LTA: the signature's and the document timestamp), and B-B
against pyHanko's own size estimate (a dry-run CMS per signature) instead of the fixed reservation.
Target (issue #20): B-B at 30 signatures/s or more on one core.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, padding, utils  # noqa: E402
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.sign import signers as ph_signers  # noqa: E402
from pyhanko.sign.fields import SigSeedSubFilter  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.ttfonts import TTFont  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

import signatures.pdf as signatures_pdf  # noqa: E402
from signatures.pdf import KeyFileSigner, StampText, sign_pdf  # noqa: E402
from signatures.pki import export_pkcs12, issue_certificate  # noqa: E402
from signatures.testing import TestPKI  # noqa: E402


def receipt_pdf() -> bytes:
    pdfmetrics.registerFont(
        TTFont("BenchSerif", str(ROOT / "signatures/fonts/LiberationSerif-Regular.ttf"))
    )
    buf = BytesIO()
    c = canvas.Canvas(buf)
    c.setFont("BenchSerif", 14)
    c.drawString(72, 770, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ")
    c.setFont("BenchSerif", 11)
    for i in range(25):
        c.drawString(72, 740 - 18 * i, f"Dòng {i + 1}: Thành phần hồ sơ — bản sao có chứng thực")
    c.showPage()
    c.save()
    return buf.getvalue()


def rate(fn, seconds: float) -> float:
    fn()  # warm-up
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds or n < 3:
        fn()
        n += 1
    return n / elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    pki = TestPKI.get()
    pdf = receipt_pdf()
    ts = pki.timestamper()
    vc = pki.validation_context()
    digest = hashes.Hash(hashes.SHA256())
    digest.update(pdf)
    dgst = digest.finalize()
    rows: list[tuple[str, str, float, float]] = []

    def one_token():
        asyncio.run(ts.async_timestamp(dgst, "sha256"))

    tsa_rate = rate(one_token, args.seconds)
    tsa_cost = 1 / tsa_rate
    rows.append(("TSA", "local TSA: one timestamp token", tsa_rate, 1.0))

    for label, ck in (
        ("RSA-2048", pki.officer),
        ("ECDSA P-256", issue_certificate(pki.root, "Lê Thị Én", key_type="ec")),
    ):
        key = ck.private_key
        if isinstance(key, ec.EllipticCurvePrivateKey):

            def bare(key=key):
                key.sign(dgst, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
        else:

            def bare(key=key):
                key.sign(dgst, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))

        base = rate(bare, args.seconds)
        rows.append((label, "bare sign of a SHA-256 digest", base, 1.0))
        signer = KeyFileSigner(ck)
        cases = [
            ("B-B", {}),
            ("B-B + visible stamp", {"stamp": StampText("Nguyễn Thị Hoà", "Công chức")}),
            ("B-T (local TSA)", {"level": "B-T", "timestamper": ts}),
            ("B-LTA (local TSA)", {"level": "B-LTA", "timestamper": ts, "validation_context": vc}),
        ]
        for name, kw in cases:

            def one(kw=kw, signer=signer):
                sign_pdf(pdf, signer, reason="Tiếp nhận hồ sơ", **kw)

            r = rate(one, args.seconds)
            rows.append((label, name, r, base / r))
            tokens = {"B-T": 1, "B-LTA": 2}.get(kw.get("level", "B-B"), 0)
            if tokens:
                net = 1 / (1 / r - tokens * tsa_cost)
                rows.append((label, f"{name.split()[0]} without the TSA's own cost", net, base / net))

    # cached vs uncached key parsing (RSA, B-B)
    ck = pki.officer
    p12 = export_pkcs12(ck, b"bench")
    cached = KeyFileSigner(ck)
    stock = ph_signers.SimpleSigner.load_pkcs12_data(p12, [], passphrase=b"bench")

    def stock_sign():
        w = IncrementalPdfFileWriter(BytesIO(pdf))
        meta = ph_signers.PdfSignatureMetadata(
            field_name="ChuKy1", reason="x", subfilter=SigSeedSubFilter.PADES
        )
        ph_signers.PdfSigner(meta, signer=stock).sign_pdf(w, output=BytesIO())

    def p12_every_time():
        sign_pdf(pdf, KeyFileSigner.from_pkcs12(p12, b"bench"), reason="x")

    def cached_sign():
        sign_pdf(pdf, cached, reason="x")

    c = rate(cached_sign, args.seconds)
    rows.append(("RSA-2048", "B-B, cached KeyFileSigner", c, 1.0))
    fixed = signatures_pdf.reserved_signature_bytes
    signatures_pdf.reserved_signature_bytes = lambda *a: None  # pyHanko's dry-run estimate
    try:
        d = rate(cached_sign, args.seconds)
    finally:
        signatures_pdf.reserved_signature_bytes = fixed
    rows.append(("RSA-2048", "B-B, pyHanko dry-run size estimate", d, c / d))
    s = rate(stock_sign, args.seconds)
    rows.append(("RSA-2048", "B-B, pyHanko SimpleSigner (reparses key)", s, c / s))
    p = rate(p12_every_time, args.seconds)
    rows.append(("RSA-2048", "B-B, PKCS#12 parsed per signature", p, c / p))

    print(f"{'key':<12} {'operation':<42} {'ops/s':>9} {'ratio':>8}")
    for key, op, r, ratio in rows:
        print(f"{key:<12} {op:<42} {r:9.1f} {ratio:8.1f}")
    print("ratio = bare-sign rate / this rate (for the last three rows: cached rate / this rate)")
    b_b = next(r for key, op, r, _ in rows if key == "RSA-2048" and op == "B-B")
    print(f"B-B RSA-2048: {b_b:.1f} signatures/s on one core (target >= 30): "
          f"{'met' if b_b >= 30 else 'NOT met'}")


if __name__ == "__main__":
    main()
