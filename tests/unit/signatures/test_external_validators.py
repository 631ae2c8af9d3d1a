"""Independent validators: poppler's pdfsig, openssl cms and qpdf --check."""

from __future__ import annotations

import hashlib
import subprocess

import pytest
from asn1crypto import cms

from signatures.pki import cert_to_pem

from .conftest import byte_range, signed_bytes

LEVELS = ["B-B", "B-T", "B-LT", "B-LTA"]


def _pdfsig(path) -> str:
    res = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True)
    return res.stdout + res.stderr  # exit status is 0 even on "Digest Mismatch"


def _signature_blocks(text: str) -> list[str]:
    return [b for b in text.split("Signature #")[1:] if "ETSI.CAdES.detached" in b]


@pytest.mark.parametrize("level", LEVELS)
def test_pdfsig_accepts(signed, tmp_path, level):
    from .conftest import require_tool

    require_tool("pdfsig")
    path = tmp_path / f"{level}.pdf"
    path.write_bytes(signed[level])
    out = _pdfsig(path)
    blocks = _signature_blocks(out)
    assert len(blocks) == 1, out
    # pdfsig does not know our test root: check the signature line, not the certificate line
    assert "Signature Validation: Signature is Valid." in blocks[0], out
    assert "Digest Mismatch" not in out
    assert "Nguyễn Thị Hoà" in blocks[0]


def test_pdfsig_two_signers(two_signers, tmp_path):
    from .conftest import require_tool

    require_tool("pdfsig")
    path = tmp_path / "two.pdf"
    path.write_bytes(two_signers)
    blocks = _signature_blocks(_pdfsig(path))
    assert len(blocks) == 2
    assert all("Signature Validation: Signature is Valid." in b for b in blocks)


def test_pdfsig_sees_digest_mismatch(signed, tmp_path):
    """Guard that our pdfsig parsing would notice a broken file."""
    from .conftest import require_tool

    require_tool("pdfsig")
    data = bytearray(signed["B-B"])
    i = data.index(b"%PDF-1.") + 7
    data[i] = ord("5") if data[i] != ord("5") else ord("6")
    path = tmp_path / "bad.pdf"
    path.write_bytes(bytes(data))
    out = _pdfsig(path)
    assert "Signature is Valid" not in out
    assert "Digest Mismatch" in out


def _openssl_verify(tmp_path, data: bytes, root_pem: bytes, index: int = 0):
    br, der = byte_range(data, index)
    (tmp_path / "sig.der").write_bytes(der)
    (tmp_path / "content.bin").write_bytes(signed_bytes(data, br))
    (tmp_path / "root.pem").write_bytes(root_pem)
    return subprocess.run(
        [
            "openssl",
            "cms",
            "-verify",
            "-inform",
            "DER",
            "-in",
            str(tmp_path / "sig.der"),
            "-binary",
            "-content",
            str(tmp_path / "content.bin"),
            "-CAfile",
            str(tmp_path / "root.pem"),
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("level", LEVELS)
def test_openssl_cms_verifies_byte_range(signed, pki, tmp_path, level):
    from .conftest import require_tool

    require_tool("openssl")
    data = signed[level]
    br, der = byte_range(data)
    assert br[0] == 0 and br[2] + br[3] <= len(data)
    res = _openssl_verify(tmp_path, data, cert_to_pem(pki.root.certificate))
    assert res.returncode == 0, res.stderr
    assert "Verification successful" in res.stderr
    # and the messageDigest attribute equals SHA-256 of the signed byte ranges
    attrs = cms.ContentInfo.load(der)["content"]["signer_infos"][0]["signed_attrs"]
    md = next(a["values"][0].native for a in attrs if a["type"].native == "message_digest")
    assert md == hashlib.sha256(signed_bytes(data, br)).digest()


def test_openssl_cms_second_signature(two_signers, pki, tmp_path):
    from .conftest import require_tool

    require_tool("openssl")
    # every detached CMS signature in the file (leader and seal); document timestamps
    # encapsulate their TSTInfo and are skipped
    import re

    n = len(re.findall(rb"/ByteRange", two_signers))
    results = []
    for i in range(n):
        _, der = byte_range(two_signers, i)
        if cms.ContentInfo.load(der)["content"]["encap_content_info"]["content"].native:
            continue
        res = _openssl_verify(tmp_path, two_signers, cert_to_pem(pki.root.certificate), i)
        results.append(res.returncode)
    assert results == [0, 0]


def test_openssl_cms_rejects_tampered_content(signed, pki, tmp_path):
    from .conftest import require_tool

    require_tool("openssl")
    data = bytearray(signed["B-B"])
    data[20] ^= 0x01
    res = _openssl_verify(tmp_path, bytes(data), cert_to_pem(pki.root.certificate))
    assert res.returncode != 0
    assert "Verification successful" not in res.stderr


def test_openssl_cms_rejects_untrusted_root(signed, pki, tmp_path):
    from .conftest import require_tool

    require_tool("openssl")
    res = _openssl_verify(tmp_path, signed["B-B"], cert_to_pem(pki.untrusted_root.certificate))
    assert res.returncode != 0


@pytest.mark.parametrize("level", LEVELS)
def test_qpdf_check(signed, tmp_path, level):
    from .conftest import require_tool

    require_tool("qpdf")
    path = tmp_path / "s.pdf"
    path.write_bytes(signed[level])
    res = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "No syntax or stream encoding errors found" in res.stdout


def test_qpdf_check_two_signers(two_signers, tmp_path):
    from .conftest import require_tool

    require_tool("qpdf")
    path = tmp_path / "two.pdf"
    path.write_bytes(two_signers)
    res = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
