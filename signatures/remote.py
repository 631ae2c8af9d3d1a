"""Remote (interrupted) signing: the server prepares the PDF and computes what to sign, the
client signs it with its own key (USB token, signing app), the server embeds the value.

:func:`prepare_remote_signing` adds the signature field (and stamp) and reserves the
signature; :class:`PreparedSignature` carries the state between the two requests (no secret
in it); :func:`complete_remote_signing` checks and embeds the client's signature value and
finishes the requested PAdES level.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from asn1crypto import cms as asn1_cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.sign import fields as ph_fields
from pyhanko.sign import signers as ph_signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko_certvalidator import ValidationContext

from .asn1 import certificate_store, to_asn1_cert
from .fields import default_field_name, existing_signature_fields, field_spec, open_writer
from .levels import (
    Level,
    add_long_term_data,
    check_level,
    default_validation_context,
    digest_algorithm_for,
    hash_for_digest,
)
from .pki import common_name
from .stamp import StampText

__all__ = [
    "PreparedSignature",
    "RemoteSigningError",
    "SignatureMeta",
    "complete_remote_signing",
    "prepare_remote_signing",
]


class RemoteSigningError(SigningError):
    """The remote client's signature value cannot be embedded."""


@dataclass(frozen=True)
class SignatureMeta:
    """What :func:`prepare_remote_signing` needs besides the PDF and the certificate."""

    reason: str
    location: str = "Lai Châu"
    level: Level | str = "B-B"
    field_name: str | None = None
    stamp: StampText | None = None


@dataclass(frozen=True, repr=False)
class PreparedSignature:
    """State between "server computes the hash" and "client returns the signature".

    Contains no secret; serialisable with :meth:`to_dict` / :meth:`from_dict` so that any
    worker can complete the signature. The client signs :attr:`data_to_sign` (the DER
    signed attributes) with its key, i.e. the raw signature over SHA-256(data_to_sign) =
    :attr:`digest_to_sign` (RSA PKCS#1 v1.5 or ECDSA, DER-encoded for ECDSA).
    """

    pdf: bytes
    document_digest: bytes
    reserved_region_start: int
    reserved_region_end: int
    md_algorithm: str
    signed_attrs: bytes
    signer_certificate: bytes
    chain: tuple[bytes, ...]
    level: str
    field_name: str

    @property
    def data_to_sign(self) -> bytes:
        return self.signed_attrs

    @property
    def digest_to_sign(self) -> bytes:
        return hashlib.new(self.md_algorithm, self.signed_attrs).digest()

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.signer_certificate)

    def to_dict(self) -> dict[str, Any]:
        b64 = base64.b64encode
        return {
            "pdf": b64(self.pdf).decode(),
            "document_digest": self.document_digest.hex(),
            "reserved_region_start": self.reserved_region_start,
            "reserved_region_end": self.reserved_region_end,
            "md_algorithm": self.md_algorithm,
            "signed_attrs": b64(self.signed_attrs).decode(),
            "signer_certificate": b64(self.signer_certificate).decode(),
            "chain": [b64(c).decode() for c in self.chain],
            "level": self.level,
            "field_name": self.field_name,
            "digest_to_sign": self.digest_to_sign.hex(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PreparedSignature:
        b64d = base64.b64decode
        return cls(
            pdf=b64d(d["pdf"]),
            document_digest=bytes.fromhex(d["document_digest"]),
            reserved_region_start=int(d["reserved_region_start"]),
            reserved_region_end=int(d["reserved_region_end"]),
            md_algorithm=d["md_algorithm"],
            signed_attrs=b64d(d["signed_attrs"]),
            signer_certificate=b64d(d["signer_certificate"]),
            chain=tuple(b64d(c) for c in d["chain"]),
            level=check_level(d["level"]),
            field_name=d["field_name"],
        )

    def __repr__(self) -> str:
        return (
            f"PreparedSignature(level={self.level!r}, field_name={self.field_name!r}, "
            f"digest_to_sign={self.digest_to_sign.hex()})"
        )


def _placeholder_len(cert: x509.Certificate) -> int:
    pub = cert.public_key()
    if isinstance(pub, rsa.RSAPublicKey):
        return pub.key_size // 8
    if isinstance(pub, ec.EllipticCurvePublicKey):
        return 2 * ((pub.curve.key_size + 7) // 8) + 9
    raise SigningError("Only RSA and ECDSA certificates are supported.")


def prepare_remote_signing(
    pdf_bytes: bytes,
    signer_certificate: x509.Certificate,
    meta: SignatureMeta,
    *,
    chain: Sequence[x509.Certificate] = (),
    timestamper: TimeStamper | None = None,
) -> PreparedSignature:
    """Add the signature field (and stamp), reserve the signature and compute what the
    client must sign (pyHanko interrupted signing: ``async_digest_doc_for_signing``).

    For B-T and above ``timestamper`` is used to size the reserved space (the timestamp
    itself is requested in :func:`complete_remote_signing`).
    """
    level = check_level(meta.level)
    if level != "B-B" and timestamper is None:
        raise SigningError(f"PAdES {level} needs a timestamp authority (timestamper).")
    w = open_writer(pdf_bytes)
    existing, n_signed = existing_signature_fields(w)
    field_name = meta.field_name or default_field_name(existing, n_signed)
    md = digest_algorithm_for(signer_certificate)
    ext = ph_signers.ExternalSigner(
        signing_cert=to_asn1_cert(signer_certificate),
        cert_registry=certificate_store(chain),
        signature_value=_placeholder_len(signer_certificate),
    )
    pdf_meta = ph_signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=meta.reason,
        location=meta.location,
        name=common_name(signer_certificate.subject),
        md_algorithm=md,
        subfilter=ph_fields.SigSeedSubFilter.PADES,
    )
    spec, style = field_spec(w, field_name, meta.stamp, n_signed)
    pdf_signer = ph_signers.PdfSigner(
        pdf_meta,
        signer=ext,
        timestamper=timestamper if level != "B-B" else None,
        stamp_style=style,
        new_field_spec=spec,
    )

    async def _run():
        prep, _tbs, output = await pdf_signer.async_digest_doc_for_signing(w)
        attrs = await ext.signed_attrs(prep.document_digest, md, use_pades=True)
        return prep, output, attrs

    prep, output, attrs = asyncio.run(_run())
    return PreparedSignature(
        pdf=output.getvalue(),
        document_digest=prep.document_digest,
        reserved_region_start=prep.reserved_region_start,
        reserved_region_end=prep.reserved_region_end,
        md_algorithm=md,
        signed_attrs=attrs.dump(),
        signer_certificate=signer_certificate.public_bytes(serialization.Encoding.DER),
        chain=tuple(c.public_bytes(serialization.Encoding.DER) for c in chain),
        level=level,
        field_name=field_name,
    )


def _check_client_signature(prepared: PreparedSignature, value: bytes) -> None:
    pub = prepared.certificate.public_key()
    md = hash_for_digest(prepared.md_algorithm)
    try:
        if isinstance(pub, rsa.RSAPublicKey):
            pub.verify(value, prepared.signed_attrs, padding.PKCS1v15(), md)
        elif isinstance(pub, ec.EllipticCurvePublicKey):
            pub.verify(value, prepared.signed_attrs, ec.ECDSA(md))
        else:
            raise RemoteSigningError("Unsupported key type.")
    except InvalidSignature:
        raise RemoteSigningError(
            "Giá trị chữ ký từ máy khách không khớp với chứng thư số / "
            "the client's signature does not match the certificate."
        ) from None


def complete_remote_signing(
    prepared: PreparedSignature,
    signature_value: bytes,
    *,
    timestamper: TimeStamper | None = None,
    validation_context: ValidationContext | None = None,
    check_signature: bool = True,
) -> bytes:
    """Embed the client's signature value and finish the requested PAdES level.

    ``check_signature`` (default) refuses a value that does not verify against the
    certificate instead of producing a PDF with a broken signature.
    """
    level = prepared.level
    if level != "B-B" and timestamper is None:
        raise SigningError(f"PAdES {level} needs a timestamp authority (timestamper).")
    if check_signature:
        _check_client_signature(prepared, signature_value)
    cert = prepared.certificate
    chain = [x509.load_der_x509_certificate(c) for c in prepared.chain]
    ext = ph_signers.ExternalSigner(
        signing_cert=to_asn1_cert(cert),
        cert_registry=certificate_store(chain),
        signature_value=signature_value,
    )
    attrs = asn1_cms.CMSAttributes.load(prepared.signed_attrs)

    async def _cms():
        return await ext.async_sign_prescribed_attributes(
            prepared.md_algorithm,
            attrs,
            timestamper=timestamper if level != "B-B" else None,
        )

    sig_cms = asyncio.run(_cms())
    prep = PreparedByteRangeDigest(
        document_digest=prepared.document_digest,
        reserved_region_start=prepared.reserved_region_start,
        reserved_region_end=prepared.reserved_region_end,
    )
    output = BytesIO(prepared.pdf)
    try:
        PdfTBSDocument.finish_signing(output, prep, sig_cms)
    except SigningError as exc:
        raise RemoteSigningError(f"Cannot embed the signature: {exc}") from None
    if level in ("B-LT", "B-LTA"):
        vc = validation_context or default_validation_context([cert, *chain])
        output = add_long_term_data(output, prepared.field_name, vc, timestamper, level == "B-LTA")
    return output.getvalue()
