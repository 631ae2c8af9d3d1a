from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding

from signatures.pdf import (
    PreparedSignature,
    RemoteSigningError,
    SignatureMeta,
    StampText,
    complete_remote_signing,
    prepare_remote_signing,
)
from signatures.pki import issue_certificate
from signatures.verify import verify_pdf


def _client_sign(key, prepared: PreparedSignature) -> bytes:
    """What the citizen's / officer's signing client does with its own key."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(prepared.data_to_sign, ec.ECDSA(hashes.SHA256()))
    return key.sign(prepared.data_to_sign, padding.PKCS1v15(), hashes.SHA256())


@pytest.mark.parametrize("level", ["B-B", "B-T", "B-LTA"])
def test_remote_round_trip(pki, unsigned_pdf, trust, level):
    meta = SignatureMeta(
        reason="Ký từ xa", level=level, stamp=StampText("Nguyễn Thị Hoà", "Công chức")
    )
    prepared = prepare_remote_signing(
        unsigned_pdf,
        pki.officer.certificate,
        meta,
        chain=[pki.root.certificate],
        timestamper=pki.timestamper(),
    )
    assert len(prepared.digest_to_sign) == 32
    # the state survives a trip through JSON (another worker may complete it)
    prepared = PreparedSignature.from_dict(json.loads(json.dumps(prepared.to_dict())))
    value = _client_sign(pki.officer.private_key, prepared)
    out = complete_remote_signing(
        prepared, value, timestamper=pki.timestamper(), validation_context=pki.validation_context()
    )
    report = verify_pdf(out, trust)
    assert report.verdict == "valid", report
    assert report.signatures[0].level == level
    assert report.signatures[0].signer == "Nguyễn Thị Hoà"


def test_remote_ecdsa(pki, unsigned_pdf, trust):
    ck = issue_certificate(pki.root, "Lê Thị Én", key_type="ec")
    prepared = prepare_remote_signing(
        unsigned_pdf, ck.certificate, SignatureMeta(reason="x"), chain=ck.chain
    )
    out = complete_remote_signing(prepared, _client_sign(ck.private_key, prepared))
    assert verify_pdf(out, trust).verdict == "valid"


def test_remote_wrong_signature(pki, unsigned_pdf, trust):
    prepared = prepare_remote_signing(
        unsigned_pdf,
        pki.officer.certificate,
        SignatureMeta(reason="x"),
        chain=[pki.root.certificate],
    )
    wrong = _client_sign(pki.leader.private_key, prepared)  # another person's key
    with pytest.raises(RemoteSigningError):
        complete_remote_signing(prepared, wrong)
    # if embedded anyway, the verifier reports it invalid
    out = complete_remote_signing(prepared, wrong, check_signature=False)
    report = verify_pdf(out, trust)
    assert report.verdict == "invalid"
    assert report.signatures[0].intact is False


def test_prepared_repr_has_no_document(pki, unsigned_pdf):
    prepared = prepare_remote_signing(
        unsigned_pdf, pki.officer.certificate, SignatureMeta(reason="x")
    )
    assert "digest_to_sign" in repr(prepared) and len(repr(prepared)) < 300
