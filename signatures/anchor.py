"""Detached signatures and RFC 3161 timestamps of the daily audit anchor.

Flask-free. The portal builds a day's statement (JSON bytes with the Merkle root), timestamps the
root and signs the statement; anyone can check both with OpenSSL (docs/audit.md):

- the signature is a detached CMS SignedData (PKCS#7, DER, SHA-256) over the exact bytes of the
  statement, with the signer's certificate and its chain inside:
  ``openssl cms -verify -binary -inform DER -in DAY.p7s -content DAY.json -CAfile root.pem -purpose any``;
- the timestamp token is an RFC 3161 TimeStampToken (CMS ContentInfo, DER) whose message imprint
  is the root itself (SHA-256, the root is already a SHA-256 value):
  ``openssl ts -verify -token_in -in DAY.tsr -digest ROOT_HEX -CAfile root.pem``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import cms, tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7
from pyhanko.sign.validation.generic_cms import (
    async_validate_detached_cms,
    validate_tst_signed_data,
)
from pyhanko_certvalidator import ValidationContext

from .asn1 import to_asn1_cert
from .pki import CertifiedKey

__all__ = ["TimestampCheck", "sign_detached", "timestamp_digest", "timestamp_time", "verify_detached",
           "verify_timestamp"]


def sign_detached(key: CertifiedKey, data: bytes) -> bytes:
    """A detached CMS signature (DER) over ``data``, carrying the certificate and its chain."""
    builder = pkcs7.PKCS7SignatureBuilder().set_data(data).add_signer(
        key.certificate, key.private_key, hashes.SHA256())
    for cert in key.chain:
        builder = builder.add_certificate(cert)
    return builder.sign(serialization.Encoding.DER,
                        [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary])


def timestamp_digest(timestamper, digest: bytes) -> bytes:
    """An RFC 3161 token (DER) over a SHA-256 value, from a pyHanko ``TimeStamper``."""
    token = asyncio.run(timestamper.async_timestamp(digest, "sha256"))
    return token.dump()


def _tst_info(token: bytes) -> tsp.TSTInfo:
    content = cms.ContentInfo.load(token)["content"]
    return content["encap_content_info"]["content"].parsed


def timestamp_time(token: bytes) -> datetime:
    return _tst_info(token)["gen_time"].native


def _context(roots: Iterable[x509.Certificate]) -> ValidationContext:
    return ValidationContext(trust_roots=[to_asn1_cert(c) for c in roots])


def verify_detached(data: bytes, signature: bytes, roots: Iterable[x509.Certificate]) -> str | None:
    """None when ``signature`` is an intact, valid CMS signature over ``data`` by a certificate
    chaining to one of ``roots``; otherwise the problem in a few words."""
    try:
        signed_data = cms.ContentInfo.load(signature)["content"]
        status = asyncio.run(async_validate_detached_cms(data, signed_data, signer_validation_context=_context(roots)))
    except Exception as error:  # a damaged file is a finding, not a crash
        return f"unreadable signature ({type(error).__name__})"
    if not status.intact:
        return "the signed content was changed"
    if not status.valid:
        return "the signature value is wrong"
    if not status.trusted:
        return "the signer's certificate is not trusted"
    return None


@dataclass(frozen=True)
class TimestampCheck:
    problem: str | None
    time: datetime | None


def verify_timestamp(token: bytes, digest: bytes, roots: Iterable[x509.Certificate]) -> TimestampCheck:
    """Whether ``token`` is a valid, trusted RFC 3161 token over ``digest`` (SHA-256)."""
    try:
        signed_data = cms.ContentInfo.load(token)["content"]
        imprint = _tst_info(token)["message_imprint"]
        if imprint["hash_algorithm"]["algorithm"].native != "sha256" or imprint["hashed_message"].native != digest:
            return TimestampCheck("the timestamp is over another value", None)
        result = asyncio.run(validate_tst_signed_data(signed_data, _context(roots), lambda _algorithm: digest))
    except Exception as error:
        return TimestampCheck(f"unreadable timestamp ({type(error).__name__})", None)
    if not (result["intact"] and result["valid"]):
        return TimestampCheck("the timestamp's signature is broken", None)
    if result["trust_problem_indic"] is not None:
        return TimestampCheck("the timestamp authority is not trusted", None)
    return TimestampCheck(None, result["timestamp"])
