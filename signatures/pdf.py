"""PAdES signing with pyHanko: levels B-B/B-T/B-LT/B-LTA, visible Vietnamese stamps,
multi-signer incremental signatures and remote (interrupted) signing.

Visible stamps are drawn by reportlab with the bundled Liberation Serif (2048 units/em) and
imported into the signature appearance as a form XObject: reportlab writes glyph widths in
the PDF's 1/1000 em units, so the text is not stretched (see docs/signatures.md).
"""

from __future__ import annotations

import abc
import asyncio
import base64
import binascii
import datetime as _dt
import hashlib
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, Literal

from asn1crypto import cms as asn1_cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.pdf_utils import content as ph_content
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import BoxConstraints
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields as ph_fields
from pyhanko.sign import signers as ph_signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument, PdfTimeStamper
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.stamp.static import StaticStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import process_pss_params

from .pki import CertifiedKey, PrivateKey, common_name, load_pkcs12

__all__ = [
    "LEVELS",
    "VN_TZ",
    "KeyFileSigner",
    "Pkcs11SignerConfig",
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

Level = Literal["B-B", "B-T", "B-LT", "B-LTA"]
LEVELS: tuple[str, ...] = ("B-B", "B-T", "B-LT", "B-LTA")

FONT_DIR = Path(__file__).with_name("fonts")

try:
    from zoneinfo import ZoneInfo

    VN_TZ: _dt.tzinfo = ZoneInfo("Asia/Ho_Chi_Minh")
except Exception:  # pragma: no cover - no tz database: Vietnam has no DST
    VN_TZ = _dt.timezone(_dt.timedelta(hours=7), "+07")


class RemoteSigningError(SigningError):
    """The remote client's signature value cannot be embedded."""


def to_asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _md_for_cert(cert: x509.Certificate) -> str:
    pub = cert.public_key()
    if isinstance(pub, ec.EllipticCurvePublicKey):
        if pub.curve.key_size >= 512:
            return "sha512"
        if pub.curve.key_size >= 384:
            return "sha384"
    return "sha256"


def _check_level(level: str) -> str:
    if level not in LEVELS:
        raise ValueError(f"Unknown PAdES level {level!r}; use one of {', '.join(LEVELS)}.")
    return level


def format_vn_time(when: _dt.datetime | None = None) -> str:
    """``dd/mm/yyyy HH:MM`` in Asia/Ho_Chi_Minh (+07:00)."""
    when = when or _dt.datetime.now(_dt.UTC)
    if when.tzinfo is None:
        raise ValueError("Use an aware datetime.")
    return when.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")


# -- signers -----------------------------------------------------------------------------------


class Signer(abc.ABC):
    """Something that can produce the CMS signature for :func:`sign_pdf`."""

    @property
    @abc.abstractmethod
    def certificate(self) -> x509.Certificate: ...

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        return ()

    @property
    def subject_name(self) -> str:
        return common_name(self.certificate.subject)

    @abc.abstractmethod
    def pyhanko_signer(self) -> ph_signers.Signer:
        """The pyHanko signer object (built once and reused)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(subject={self.subject_name!r})"


class _PreloadedKeySigner(ph_signers.Signer):
    """pyHanko signer holding an already-parsed ``cryptography`` key.

    pyHanko's ``SimpleSigner.sign_raw`` re-parses the DER key on every signature (plus one
    extra real RSA operation for the size-estimating dry run); here the key object is kept
    and the dry run returns a correctly sized placeholder.
    """

    def __init__(
        self,
        signing_cert: asn1_x509.Certificate,
        key: PrivateKey,
        cert_registry: SimpleCertificateStore,
        prefer_pss: bool,
    ) -> None:
        self.__key = key
        super().__init__(
            prefer_pss=prefer_pss, signing_cert=signing_cert, cert_registry=cert_registry
        )

    def __repr__(self) -> str:
        return "<_PreloadedKeySigner>"

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False) -> bytes:
        key = self.__key
        if dry_run and isinstance(key, rsa.RSAPrivateKey):
            return bytes(key.key_size // 8)
        mech = self.get_signature_mechanism_for_digest(digest_algorithm)
        algo = mech.signature_algo
        md = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}[
            digest_algorithm.lower()
        ]()
        if algo == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), md)
        if algo == "rsassa_pss" and isinstance(key, rsa.RSAPrivateKey):
            pss, pss_md = process_pss_params(mech["parameters"])
            return key.sign(data, pss, pss_md)
        if algo == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(md))
        raise SigningError(f"Signature mechanism {algo} does not match the key.")


def _registry(certs: Sequence[x509.Certificate]) -> SimpleCertificateStore:
    return SimpleCertificateStore.from_certs([to_asn1_cert(c) for c in certs])


class KeyFileSigner(Signer):
    """Signs with a key held in memory (from a :class:`CertifiedKey` or PKCS#12 bytes).

    The parsed key and the pyHanko signer are built once per instance: keep one instance per
    key (e.g. per officer) instead of re-reading the PKCS#12 file for every document.
    ``prefer_pss`` switches RSA signatures to RSASSA-PSS.
    """

    def __init__(self, key: CertifiedKey, *, prefer_pss: bool = False) -> None:
        self._certificate = key.certificate
        self._chain = tuple(key.chain)
        self._signer = _PreloadedKeySigner(
            to_asn1_cert(key.certificate),
            key.private_key,
            _registry(self._chain),
            prefer_pss,
        )

    @classmethod
    def from_pkcs12(
        cls, data: bytes, password: bytes | None, *, prefer_pss: bool = False
    ) -> KeyFileSigner:
        return cls(load_pkcs12(data, password), prefer_pss=prefer_pss)

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        return self._chain

    def pyhanko_signer(self) -> ph_signers.Signer:
        return self._signer


@dataclass(frozen=True)
class Pkcs11SignerConfig:
    """Seam for USB tokens / HSMs (not implemented here; see docs/signatures.md).

    Keys are selected by CKA_ID (``key_id``), never by label: labels are free text the
    token vendor's tool lets users edit and duplicates are common. The PIN is read from
    the environment variable named by ``pin_env`` at signing time, never stored.
    """

    module_path: str
    key_id: bytes
    token_label: str | None = None
    slot_no: int | None = None
    cert_id: bytes | None = None  # defaults to key_id
    pin_env: str = "PKCS11_PIN"

    def __post_init__(self) -> None:
        if not self.key_id:
            raise ValueError("key_id (CKA_ID) is required; selecting by label is not supported.")

    def __repr__(self) -> str:
        return (
            f"Pkcs11SignerConfig(module_path={self.module_path!r}, key_id={self.key_id.hex()}, "
            f"token_label={self.token_label!r}, slot_no={self.slot_no!r})"
        )


# -- visible stamp ---------------------------------------------------------------------------

STAMP_SIZE = (230.0, 78.0)
_font_lock = threading.Lock()
_FONT_REGULAR = "SigLiberationSerif"
_FONT_BOLD = "SigLiberationSerif-Bold"


def _register_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _font_lock:
        registered = pdfmetrics.getRegisteredFontNames()
        if _FONT_REGULAR not in registered:
            pdfmetrics.registerFont(
                TTFont(_FONT_REGULAR, str(FONT_DIR / "LiberationSerif-Regular.ttf"))
            )
        if _FONT_BOLD not in registered:
            pdfmetrics.registerFont(TTFont(_FONT_BOLD, str(FONT_DIR / "LiberationSerif-Bold.ttf")))


@dataclass(frozen=True)
class StampText:
    """Text of a visible signature stamp.

    ``box`` is (x1, y1, x2, y2) in PDF points on page ``page`` (negative = from the end);
    by default the stamp goes to the bottom right, shifted left for each earlier signature.
    """

    signer_name: str
    position: str = ""
    organization: str = ""
    signed_at: _dt.datetime | None = None
    page: int = -1
    box: tuple[float, float, float, float] | None = None
    heading: str = "Ký số bởi:"

    def lines(self, now: _dt.datetime | None = None) -> list[tuple[str, bool]]:
        when = self.signed_at or now or _dt.datetime.now(_dt.UTC)
        out = [(self.heading, False), (self.signer_name, True)]
        if self.position:
            out.append((self.position, False))
        if self.organization:
            out.append((self.organization, False))
        out.append((f"Thời gian: {format_vn_time(when)} (+07:00)", False))
        return out


def render_stamp_pdf(stamp: StampText, width: float, height: float) -> bytes:
    """One-page PDF (width x height points) with the stamp, drawn by reportlab."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    _register_fonts()
    buf = BytesIO()
    c = canvas.Canvas(buf, pagesize=(width, height), pageCompression=1)
    c.setTitle("stamp")
    red = (0.75, 0.05, 0.05)
    c.setStrokeColorRGB(*red)
    c.setLineWidth(1.2)
    c.roundRect(1, 1, width - 2, height - 2, 4, stroke=1, fill=0)
    lines = stamp.lines()
    pad = 6.0
    leading_factor = 1.18
    size = min(11.0, (height - 2 * pad) / (len(lines) * leading_factor))
    for text, bold in lines:
        font = _FONT_BOLD if bold else _FONT_REGULAR
        w = stringWidth(text, font, size)
        if w > width - 2 * pad:
            size = min(size, size * (width - 2 * pad) / w)
    c.setFillColorRGB(*red)
    block = size * leading_factor * (len(lines) - 1) + size
    y = height - (height - block) / 2 - size * 0.85  # vertically centred
    for text, bold in lines:
        c.setFont(_FONT_BOLD if bold else _FONT_REGULAR, size)
        c.drawString(pad, y, text)
        y -= size * leading_factor
    c.showPage()
    c.save()
    return buf.getvalue()


class _ImportedPdfBytes(ph_content.PdfContent):
    """Like pyHanko's ImportedPdfPage, from bytes in memory."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        super().__init__()

    def render(self) -> bytes:
        w = self._ensure_writer
        xobj = w.import_page_as_xobject(PdfFileReader(BytesIO(self._data)), page_ix=0)
        name = "/Stamp" + binascii.hexlify(uuid.uuid4().bytes).decode("ascii")
        self.resources.xobject[name] = xobj
        x1, y1, x2, y2 = xobj.get_object()["/BBox"]
        self.box = BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return name.encode("ascii") + b" Do"


def _page_count_and_size(reader, page: int) -> tuple[int, float, float]:
    count = int(reader.root["/Pages"]["/Count"])
    ix = page if page >= 0 else count + page
    if not 0 <= ix < count:
        raise ValueError(f"Page {page} does not exist (the document has {count}).")
    page_obj = reader.find_page_for_modification(ix)[0].get_object()
    media = page_obj.get("/MediaBox")
    node = page_obj
    while media is None and "/Parent" in node:
        node = node["/Parent"].get_object()
        media = node.get("/MediaBox")
    x1, y1, x2, y2 = (float(v) for v in (media or (0, 0, 595, 842)))
    return ix, abs(x2 - x1), abs(y2 - y1)


def _field_spec(
    w: IncrementalPdfFileWriter, field_name: str, stamp: StampText | None, n_existing: int
) -> tuple[ph_fields.SigFieldSpec, StaticStampStyle | None]:
    if stamp is None:
        return ph_fields.SigFieldSpec(sig_field_name=field_name), None
    page_ix, pw, ph = _page_count_and_size(w.prev, stamp.page)
    if stamp.box is not None:
        box = tuple(int(round(v)) for v in stamp.box)
    else:
        sw, sh = STAMP_SIZE
        margin = 30.0
        per_row = max(1, int((pw - 2 * margin + 10) // (sw + 10)))
        row, col = divmod(n_existing, per_row)
        x2 = pw - margin - col * (sw + 10)
        y1 = margin + row * (sh + 10)
        box = (int(x2 - sw), int(y1), int(x2), int(y1 + sh))
    width, height = box[2] - box[0], box[3] - box[1]
    style = StaticStampStyle(
        background=_ImportedPdfBytes(render_stamp_pdf(stamp, width, height)),
        border_width=0,
        background_opacity=1.0,
    )
    return ph_fields.SigFieldSpec(sig_field_name=field_name, on_page=page_ix, box=box), style


def _existing_sig_fields(w: IncrementalPdfFileWriter) -> tuple[list[str], int]:
    """Names of all signature fields, and the number of (non-timestamp) signatures."""
    names, regular = [], 0
    for name, value, _ in ph_fields.enumerate_sig_fields(w.prev):
        names.append(name)
        if value is not None and value.get_object().get("/Type") != "/DocTimeStamp":
            regular += 1
    return names, regular


def _default_field_name(existing: list[str], regular: int) -> str:
    n = regular + 1
    while f"ChuKy{n}" in existing:
        n += 1
    return f"ChuKy{n}"


def _default_validation_context(signer_chain: Sequence[x509.Certificate]) -> ValidationContext:
    roots = [c for c in signer_chain if c.issuer == c.subject]
    return ValidationContext(
        trust_roots=[to_asn1_cert(c) for c in roots],
        other_certs=[to_asn1_cert(c) for c in signer_chain if c not in roots],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )


def _open_writer(pdf_bytes: bytes) -> IncrementalPdfFileWriter:
    if not pdf_bytes or not pdf_bytes.lstrip()[:5].startswith(b"%PDF"):
        raise SigningError("Not a PDF document.")
    return IncrementalPdfFileWriter(BytesIO(pdf_bytes))


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
    level = _check_level(level)
    if level != "B-B" and timestamper is None:
        raise SigningError(f"PAdES {level} needs a timestamp authority (timestamper).")
    w = _open_writer(pdf_bytes)
    existing, n_signed = _existing_sig_fields(w)
    field_name = field_name or _default_field_name(existing, n_signed)
    if field_name in existing:
        raise SigningError(f"Signature field {field_name!r} already exists.")
    long_term = level in ("B-LT", "B-LTA")
    if long_term and validation_context is None:
        validation_context = _default_validation_context(signer.chain)
    meta = ph_signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason,
        location=location,
        name=signer.subject_name,
        md_algorithm=_md_for_cert(signer.certificate),
        subfilter=ph_fields.SigSeedSubFilter.PADES,
        embed_validation_info=long_term,
        use_pades_lta=level == "B-LTA",
        validation_context=validation_context if long_term else None,
    )
    spec, style = _field_spec(w, field_name, stamp, n_signed)
    pdf_signer = ph_signers.PdfSigner(
        meta,
        signer=signer.pyhanko_signer(),
        timestamper=timestamper if level != "B-B" else None,
        stamp_style=style,
        new_field_spec=spec,
    )
    out = BytesIO()
    pdf_signer.sign_pdf(w, output=out)
    return out.getvalue()


# -- remote (interrupted) signing ------------------------------------------------------------


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
            level=_check_level(d["level"]),
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
    level = _check_level(meta.level)
    if level != "B-B" and timestamper is None:
        raise SigningError(f"PAdES {level} needs a timestamp authority (timestamper).")
    w = _open_writer(pdf_bytes)
    existing, n_signed = _existing_sig_fields(w)
    field_name = meta.field_name or _default_field_name(existing, n_signed)
    md = _md_for_cert(signer_certificate)
    ext = ph_signers.ExternalSigner(
        signing_cert=to_asn1_cert(signer_certificate),
        cert_registry=_registry(chain),
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
    spec, style = _field_spec(w, field_name, meta.stamp, n_signed)
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
    md = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}[
        prepared.md_algorithm
    ]()
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
        cert_registry=_registry(chain),
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
        vc = validation_context or _default_validation_context([cert, *chain])
        output = _add_long_term(output, prepared.field_name, vc, timestamper, level == "B-LTA")
    return output.getvalue()


def _add_long_term(
    output: BytesIO,
    field_name: str,
    vc: ValidationContext,
    timestamper: TimeStamper | None,
    archive: bool,
) -> BytesIO:
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
