"""Verification of signed PDFs: valid / invalid / indeterminate, in Vietnamese and English.

Rules: ``valid`` only if every signature is cryptographically intact, chains to a trusted
root and pyHanko's overall ``bottom_line`` passes (it includes the difference analysis of
later incremental updates: a text overlay appended after signing changes no signed byte and
passes the AdES check and pdfsig, only ``bottom_line`` / the modification level catch it).
A broken signature or disallowed modification -> ``invalid``; an untrusted chain, missing
signatures or a level below ``expected_level`` -> ``indeterminate``. Never raises on input.
"""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from io import BytesIO
from typing import Any

from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    validate_pdf_signature,
    validate_pdf_timestamp,
)
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from .asn1 import to_asn1_cert
from .levels import LEVELS
from .pki import TrustStore

__all__ = ["SignatureReport", "VerificationReport", "verify_pdf"]

log = logging.getLogger(__name__)

_MODIFICATIONS = {
    ModificationLevel.NONE: "none",
    ModificationLevel.LTA_UPDATES: "lta_updates",
    ModificationLevel.FORM_FILLING: "form_filling",
    ModificationLevel.ANNOTATIONS: "annotations",
    ModificationLevel.OTHER: "other",
}


class Verdict(StrEnum):
    """The overall answer of a verification (the values are those of the API and the page)."""

    VALID = "valid"
    INVALID = "invalid"
    INDETERMINATE = "indeterminate"
    UNSIGNED = "unsigned"  # a readable PDF with no signature at all: nothing to judge


@dataclass
class SignatureReport:
    field_name: str
    signer: str
    issuer: str
    signed_at: _dt.datetime | None
    level: str | None
    intact: bool
    trusted: bool
    covers_whole_document: bool
    modifications: str
    bottom_line: bool = False
    timestamped: bool = False
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "field_name": self.field_name,
            "signer": self.signer,
            "issuer": self.issuer,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "level": self.level,
            "intact": self.intact,
            "trusted": self.trusted,
            "covers_whole_document": self.covers_whole_document,
            "modifications": self.modifications,
        }


@dataclass
class VerificationReport:
    verdict: Verdict
    signatures: list[SignatureReport] = field(default_factory=list)
    message_vi: str = ""
    message_en: str = ""

    @property
    def valid(self) -> bool:
        return self.verdict is Verdict.VALID

    def to_dict(self) -> dict[str, Any]:
        """The JSON body of ``POST /api/v1/verify`` (docs: /work/shared/API.md)."""
        return {
            "verdict": self.verdict,
            "signatures": [s.to_dict() for s in self.signatures],
            "message_vi": self.message_vi,
            "message_en": self.message_en,
        }


def _cn(name) -> str:
    try:
        return name.native.get("common_name") or name.human_friendly
    except Exception:  # pragma: no cover - exotic names
        return "?"


def _trust_roots(trust_roots: TrustStore | Iterable[x509.Certificate]) -> list:
    return [to_asn1_cert(c) for c in trust_roots]


def _vc(roots: list, extra_certs: list) -> ValidationContext:
    return ValidationContext(
        trust_roots=roots,
        other_certs=extra_certs,
        allow_fetching=False,
        revocation_mode="soft-fail",
    )


def _aware(dt: _dt.datetime | None) -> _dt.datetime | None:
    if dt is not None and dt.tzinfo is None:
        dt = dt.replace(tzinfo=_dt.UTC)
    return dt


def _failure(verdict: Verdict, vi: str, en: str) -> VerificationReport:
    return VerificationReport(verdict=verdict, message_vi=vi, message_en=en)


def verify_pdf(
    pdf_bytes: bytes,
    trust_roots: TrustStore | list[x509.Certificate],
    *,
    expected_level: str | None = None,
) -> VerificationReport:
    """Verify every signature of ``pdf_bytes`` against ``trust_roots``."""
    if expected_level is not None and expected_level not in LEVELS:
        raise ValueError(f"Unknown PAdES level {expected_level!r}.")
    try:
        return _verify(bytes(pdf_bytes or b""), _trust_roots(trust_roots), expected_level)
    except Exception as exc:  # never let a hostile file crash the caller
        log.warning("PDF verification failed: %s", type(exc).__name__)
        return _failure(
            Verdict.INVALID,
            "Không đọc được tệp hoặc chữ ký số bị hỏng.",
            "The file or its digital signature could not be read.",
        )


def _verify(data: bytes, roots: list, expected_level: str | None) -> VerificationReport:
    if not data.strip():
        return _failure(Verdict.INVALID, "Tệp rỗng.", "The file is empty.")
    if b"%PDF-" not in data[:1024]:
        return _failure(
            Verdict.INVALID, "Tệp không phải là tài liệu PDF.", "The file is not a PDF document."
        )
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        regular = list(reader.embedded_regular_signatures)
        doc_timestamps = list(reader.embedded_timestamp_signatures)
    except Exception as exc:
        log.info("Unreadable PDF: %s", type(exc).__name__)
        return _failure(
            Verdict.INVALID,
            "Không đọc được tệp PDF (tệp bị hỏng hoặc đã bị sửa đổi).",
            "The PDF could not be read (damaged or modified file).",
        )
    if not regular:
        return _failure(
            Verdict.UNSIGNED,
            "Tài liệu không có chữ ký số.",
            "The document has no digital signature.",
        )

    try:
        dss = DocumentSecurityStore.read_dss(reader)
        dss_certs = list(dss.load_certs())
    except Exception:
        dss, dss_certs = None, []
    dss_revisions = _dss_revisions(reader)

    ts_ok: list[tuple[int, bool, bool]] = []  # (revision, intact, trusted)
    for emb in doc_timestamps:
        try:
            st = validate_pdf_timestamp(emb, validation_context=_vc(roots, dss_certs))
            ts_ok.append((emb.signed_revision, st.intact and st.valid, st.trusted))
        except Exception:
            ts_ok.append((emb.signed_revision, False, False))

    reports = [_check_signature(emb, roots, dss_certs, dss_revisions, ts_ok) for emb in regular]
    return _judge(reports, ts_ok, expected_level)


def _dss_revisions(reader: PdfFileReader) -> list[int]:
    """The revisions whose catalog has a /DSS."""
    out = []
    for rev in range(reader.xrefs.total_revisions):
        try:
            if "/DSS" in reader.get_historical_root(rev):
                out.append(rev)
        except Exception:
            continue
    return out


def _check_signature(emb, roots, dss_certs, dss_revisions, ts_ok) -> SignatureReport:
    name = emb.field_name
    try:
        cert = emb.signer_cert
        signer, issuer = _cn(cert.subject), _cn(cert.issuer)
    except Exception:
        signer = issuer = "?"
    try:
        st = validate_pdf_signature(emb, _vc(roots, dss_certs))
    except Exception as exc:
        log.info("Signature %s could not be validated: %s", name, type(exc).__name__)
        return SignatureReport(
            field_name=name,
            signer=signer,
            issuer=issuer,
            signed_at=None,
            level=None,
            intact=False,
            trusted=False,
            covers_whole_document=False,
            modifications="unknown",
            problem="unreadable",
        )
    tst = st.timestamp_validity
    valid_tst = tst if tst is not None and tst.intact and tst.valid else None
    timestamped = valid_tst is not None
    signed_at = _aware(valid_tst.timestamp if valid_tst is not None else st.signer_reported_dt)
    level = "B-B"
    if timestamped:
        level = "B-T"
        later_dss = [rev for rev in dss_revisions if rev >= emb.signed_revision]
        signer_in_dss = any(c.sha256 == st.signing_cert.sha256 for c in dss_certs)
        if later_dss and signer_in_dss:
            level = "B-LT"
            if any(rev >= later_dss[0] and ok for rev, ok, _ in ts_ok):
                level = "B-LTA"
    mod_level = st.modification_level
    modifications = _MODIFICATIONS.get(mod_level, "unknown") if mod_level else "unknown"
    diff = st.diff_result
    if diff is not None and not hasattr(diff, "modification_level"):
        modifications = f"other: {diff}"  # SuspiciousModification explains itself
    return SignatureReport(
        field_name=name,
        signer=signer,
        issuer=issuer,
        signed_at=signed_at,
        level=level,
        intact=bool(st.intact and st.valid),
        trusted=bool(st.trusted and (tst is None or tst.trusted)),
        covers_whole_document=st.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        modifications=modifications,
        bottom_line=bool(st.bottom_line),
        timestamped=timestamped,
        problem=None if st.bottom_line else _problem(st),
    )


def _problem(st) -> str:
    if not st.intact:
        return "digest"
    if not st.valid:
        return "signature"
    if st.docmdp_ok is False or st.modification_level == ModificationLevel.OTHER:
        return "modified"
    if not st.trusted:
        return "untrusted"
    tst = st.timestamp_validity
    if tst is not None and not (tst.intact and tst.valid):
        return "timestamp"
    if tst is not None and not tst.trusted:
        return "untrusted"
    return "other"


def _judge(reports: list[SignatureReport], ts_ok, expected_level) -> VerificationReport:
    n = len(reports)
    report = VerificationReport(verdict=Verdict.VALID, signatures=reports)
    broken = [r for r in reports if r.problem in ("digest", "signature", "unreadable", "timestamp")]
    modified = [r for r in reports if r.problem == "modified"]
    if broken or any(not intact for _, intact, _ in ts_ok):
        report.verdict = Verdict.INVALID
        report.message_vi = (
            "Chữ ký không hợp lệ: tài liệu đã bị sửa đổi sau khi ký hoặc chữ ký bị hỏng."
        )
        report.message_en = (
            "Invalid signature: the document was modified after signing or the signature "
            "is damaged."
        )
        return report
    if modified:
        report.verdict = Verdict.INVALID
        report.message_vi = "Tài liệu đã bị sửa đổi sau khi ký."
        report.message_en = "The document has been modified after it was signed."
        return report
    untrusted = any(not r.trusted for r in reports) or any(not t for *_, t in ts_ok)
    if untrusted:
        report.verdict = Verdict.INDETERMINATE
        report.message_vi = (
            "Chưa xác định: chứng thư số của người ký không được cấp bởi tổ chức chứng thực "
            "tin cậy."
        )
        report.message_en = (
            "Indeterminate: the signer's certificate does not chain to a trusted certification "
            "authority."
        )
        return report
    if any(not r.bottom_line for r in reports):
        report.verdict = Verdict.INDETERMINATE
        report.message_vi = "Chưa xác định được tính hợp lệ của chữ ký."
        report.message_en = "The validity of the signature could not be determined."
        return report
    if expected_level is not None:
        need = LEVELS.index(expected_level)
        low = [r for r in reports if r.level is None or LEVELS.index(r.level) < need]
        if low:
            report.verdict = Verdict.INDETERMINATE
            report.message_vi = (
                f"Chữ ký còn nguyên vẹn nhưng chưa đạt mức PAdES yêu cầu ({expected_level})."
            )
            report.message_en = (
                f"The signature is intact but does not reach the required PAdES level "
                f"({expected_level})."
            )
            return report
    if n == 1:
        report.message_vi = "Chữ ký hợp lệ: tài liệu không bị thay đổi sau khi ký."
        report.message_en = (
            "Valid signature: the document has not been changed since it was signed."
        )
    else:
        report.message_vi = f"Cả {n} chữ ký hợp lệ: tài liệu không bị thay đổi sau khi ký."
        report.message_en = (
            f"All {n} signatures are valid: the document has not been changed since it was signed."
        )
    return report
