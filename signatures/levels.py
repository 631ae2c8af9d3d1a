"""PAdES levels and what each needs beyond B-B: the digest, and for B-LT / B-LTA the
validation data (DSS) and the archive timestamp added after the signature."""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko_certvalidator import ValidationContext

from .asn1 import to_asn1_cert

__all__ = [
    "LEVELS",
    "Level",
    "add_long_term_data",
    "check_level",
    "default_validation_context",
    "digest_algorithm_for",
    "hash_for_digest",
]

Level = Literal["B-B", "B-T", "B-LT", "B-LTA"]
LEVELS: tuple[str, ...] = ("B-B", "B-T", "B-LT", "B-LTA")

_HASHES: dict[str, type[hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


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
    add_validation_info(emb, vc, output=dss_out, force_write=True)
    if not archive:
        return dss_out
    assert timestamper is not None
    final = BytesIO()
    PdfTimeStamper(timestamper).timestamp_pdf(
        IncrementalPdfFileWriter(dss_out), "sha256", vc, output=final
    )
    return final
