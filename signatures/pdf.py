"""PAdES signing with pyHanko: levels B-B/B-T/B-LT/B-LTA, visible Vietnamese stamps,
multi-signer incremental signatures and remote (interrupted) signing.

:func:`sign_pdf` signs in one step with a key the server holds. The parts live in their own
modules and are re-exported here, the import path callers use: ``signers`` (keys),
``stamp`` (the visible stamp), ``fields`` (signature fields of the document), ``levels``
(PAdES levels, DSS, archive timestamps), ``remote`` (interrupted signing) and ``asn1``.
"""

from __future__ import annotations

from io import BytesIO

from pyhanko.sign import fields as ph_fields
from pyhanko.sign import signers as ph_signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko_certvalidator import ValidationContext

from .asn1 import to_asn1_cert
from .fields import default_field_name, existing_signature_fields, field_spec, open_writer
from .levels import (
    LEVELS,
    LONG_TERM_DSS,
    Level,
    check_level,
    default_validation_context,
    digest_algorithm_for,
    reserved_signature_bytes,
)
from .remote import (
    PreparedSignature,
    RemoteSigningError,
    SignatureMeta,
    complete_remote_signing,
    prepare_remote_signing,
)
from .signers import KeyFileSigner, Signer
from .stamp import VN_TZ, StampText, format_vn_time, render_stamp_pdf

__all__ = [
    "LEVELS",
    "VN_TZ",
    "KeyFileSigner",
    "PreparedSignature",
    "RemoteSigningError",
    "SignatureMeta",
    "Signer",
    "SigningError",
    "StampText",
    "complete_remote_signing",
    "format_vn_time",
    "prepare_remote_signing",
    "render_stamp_pdf",
    "sign_pdf",
    "to_asn1_cert",
]


def sign_pdf(
    pdf_bytes: bytes,
    signer: Signer,
    *,
    level: Level | str = "B-B",
    reason: str,
    location: str = "Lai Châu",
    field_name: str | None = None,
    stamp: StampText | None = None,
    timestamper: TimeStamper | None = None,
    validation_context: ValidationContext | None = None,
) -> bytes:
    """Sign ``pdf_bytes`` as a new incremental update and return the signed PDF.

    B-T needs ``timestamper``; B-LT also embeds the validation data (DSS) built with
    ``validation_context`` (default: offline, trusting the root in the signer's chain);
    B-LTA then adds a document timestamp. Signing a signed PDF adds one more signature.
    """
    level = check_level(level)
    if level != "B-B" and timestamper is None:
        raise SigningError(f"PAdES {level} needs a timestamp authority (timestamper).")
    w = open_writer(pdf_bytes)
    existing, n_signed = existing_signature_fields(w)
    field_name = field_name or default_field_name(existing, n_signed)
    if field_name in existing:
        raise SigningError(f"Signature field {field_name!r} already exists.")
    long_term = level in ("B-LT", "B-LTA")
    if long_term and validation_context is None:
        validation_context = default_validation_context(signer.chain)
    md_algorithm = digest_algorithm_for(signer.certificate)
    tsa = timestamper if level != "B-B" else None
    meta = ph_signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason,
        location=location,
        name=signer.subject_name,
        md_algorithm=md_algorithm,
        subfilter=ph_fields.SigSeedSubFilter.PADES,
        embed_validation_info=long_term,
        use_pades_lta=level == "B-LTA",
        validation_context=validation_context if long_term else None,
        dss_settings=LONG_TERM_DSS,
    )
    spec, style = field_spec(w, field_name, stamp, n_signed)
    pdf_signer = ph_signers.PdfSigner(
        meta,
        signer=signer.pyhanko_signer(),
        timestamper=tsa,
        stamp_style=style,
        new_field_spec=spec,
    )
    reserved = reserved_signature_bytes(signer, signer.certificate, signer.chain, md_algorithm, tsa)
    out = BytesIO()
    try:
        pdf_signer.sign_pdf(w, output=out, bytes_reserved=reserved)
    except SigningError as error:
        if "larger than expected" not in str(error):
            raise
        # The container outgrew the fixed reservation: sign again, letting pyHanko measure it.
        w = open_writer(pdf_bytes)
        spec, style = field_spec(w, field_name, stamp, n_signed)
        pdf_signer = ph_signers.PdfSigner(
            meta, signer=signer.pyhanko_signer(), timestamper=tsa, stamp_style=style, new_field_spec=spec
        )
        out = BytesIO()
        pdf_signer.sign_pdf(w, output=out)
    return out.getvalue()
