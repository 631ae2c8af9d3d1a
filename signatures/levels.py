"""PAdES levels and what each needs beyond B-B: the digest, and for B-LT / B-LTA the
validation data (DSS) and the archive timestamp added after the signature."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Sequence
from io import BytesIO
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers.pdf_signer import (
    DSSContentSettings,
    PdfTimeStamper,
    SigDSSPlacementPreference,
    TimestampDSSContentSettings,
)
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko_certvalidator import ValidationContext

from .asn1 import to_asn1_cert

__all__ = [
    "LEVELS",
    "Level",
    "LONG_TERM_DSS",
    "add_long_term_data",
    "check_level",
    "default_validation_context",
    "digest_algorithm_for",
    "hash_for_digest",
    "reserved_signature_bytes",
]

Level = Literal["B-B", "B-T", "B-LT", "B-LTA"]
LEVELS: tuple[str, ...] = ("B-B", "B-T", "B-LT", "B-LTA")

_HASHES: dict[str, type[hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


# Where the validation data (DSS) goes, so that the last revision of a signed PDF is always covered
# by a signature or a document timestamp ("Total document signed" in pdfsig): the signer's DSS in
# the signature's own revision, the timestamp authority's in the document timestamp's revision,
# written before the timestamp. VRI entries (deprecated by current PAdES) would force a DSS update
# after the timestamp, so none are written.
LONG_TERM_DSS = DSSContentSettings(
    include_vri=False,
    placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE,
    next_ts_settings=TimestampDSSContentSettings(include_vri=False, update_before_ts=True),
)
ARCHIVE_TIMESTAMP_DSS = LONG_TERM_DSS.get_settings_for_ts()


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise ValueError(f"Unknown PAdES level {level!r}; use one of {', '.join(LEVELS)}.")
    return level


def digest_algorithm_for(cert: x509.Certificate) -> str:
    """The digest for a signature by ``cert``'s key: SHA-384/512 for large EC curves."""
    pub = cert.public_key()
    if isinstance(pub, ec.EllipticCurvePublicKey):
        if pub.curve.key_size >= 512:
            return "sha512"
        if pub.curve.key_size >= 384:
            return "sha384"
    return "sha256"


def hash_for_digest(name: str) -> hashes.SHA256 | hashes.SHA384 | hashes.SHA512:
    """The ``cryptography`` hash for a digest name used here ("sha256", "sha384", "sha512")."""
    return _HASHES[name]()


def default_validation_context(signer_chain: Sequence[x509.Certificate]) -> ValidationContext:
    """Offline validation, trusting the self-signed roots found in ``signer_chain``."""
    roots = [c for c in signer_chain if c.issuer == c.subject]
    return ValidationContext(
        trust_roots=[to_asn1_cert(c) for c in roots],
        other_certs=[to_asn1_cert(c) for c in signer_chain if c not in roots],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )


def add_long_term_data(
    output: BytesIO,
    field_name: str,
    vc: ValidationContext,
    timestamper: TimeStamper | None,
    archive: bool,
) -> BytesIO:
    """Add the DSS for signature ``field_name`` (B-LT), then a document timestamp (B-LTA)."""
    from pyhanko.sign.validation import add_validation_info

    reader = PdfFileReader(output)
    emb = next(s for s in reader.embedded_signatures if s.field_name == field_name)
    dss_out = BytesIO()
    add_validation_info(emb, vc, output=dss_out, force_write=True, add_vri_entry=False)
    if not archive:
        return dss_out
    assert timestamper is not None
    final = BytesIO()
    PdfTimeStamper(timestamper).timestamp_pdf(
        IncrementalPdfFileWriter(dss_out), "sha256", vc, output=final,
        dss_settings=ARCHIVE_TIMESTAMP_DSS,
    )
    return final


# The space reserved in the PDF for a signature's CMS container, fixed per signer and level instead
# of pyHanko's default dry run (a complete throw-away CMS built for every signature to measure it,
# ~40% of a B-B signature). Everything variable in the container is known in advance: the
# certificates it embeds, the signature value, the timestamp token (whose size the timestamper
# reports once per digest algorithm); the rest (signed attributes, algorithm identifiers, signer
# info) is below the fixed allowance. Should a container ever outgrow it, ``sign_pdf`` signs again
# with pyHanko's own estimate.
CMS_ALLOWANCE = 2048
_certificate_bytes: weakref.WeakKeyDictionary[object, int] = weakref.WeakKeyDictionary()
_token_bytes: weakref.WeakKeyDictionary[TimeStamper, dict[str, int]] = weakref.WeakKeyDictionary()


def _signature_value_bytes(cert: x509.Certificate) -> int:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return (key.key_size + 7) // 8
    if isinstance(key, ec.EllipticCurvePublicKey):
        return 2 * ((key.curve.key_size + 7) // 8) + 9  # DER SEQUENCE of two INTEGERs
    return 512  # Ed25519/Ed448 and anything else: generous


def _timestamp_token_bytes(timestamper: TimeStamper, md_algorithm: str) -> int:
    sizes = _token_bytes.setdefault(timestamper, {})
    if md_algorithm not in sizes:
        token = asyncio.run(timestamper.async_dummy_response(md_algorithm))
        sizes[md_algorithm] = len(token.dump())
    return sizes[md_algorithm]


def reserved_signature_bytes(
    signer: object,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate],
    md_algorithm: str,
    timestamper: TimeStamper | None,
) -> int:
    """Hex digits to reserve for the signature of ``signer`` (twice the DER size, with margin)."""
    base = _certificate_bytes.get(signer)
    if base is None:
        base = sum(len(c.public_bytes(serialization.Encoding.DER)) for c in (certificate, *chain))
        base += _signature_value_bytes(certificate)
        _certificate_bytes[signer] = base
    size = base + CMS_ALLOWANCE
    if timestamper is not None:
        size += _timestamp_token_bytes(timestamper, md_algorithm)
    return 2 * (size + size // 8)
