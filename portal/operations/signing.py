"""Digital signatures in the portal: the deployment PKI kept in the database, signing of forms
and results, remote (client-side) signing and verification. See docs/signatures.md.

- Certificates live in ``signing_certificates``; private keys only as PKCS#8 PEM encrypted with
  ``PKI_KEY_PASSWORD`` (development/testing use a fixed development password; production
  refuses to sign without the variable). Keys never leave this module: they are not logged,
  printed or served.
- A parsed key is kept per process in a small cache of ``KeyFileSigner`` objects, keyed by the
  certificate's fingerprint (re-parsing a key for every document costs several times more).
- Timestamps: ``TSA_URL`` (RFC 3161 over HTTP) when set; otherwise, outside production, a local
  TSA whose certificate is issued by the deployment CA.
- Trust store: the deployment root(s) plus every PEM file of ``PKI_TRUST_DIR``.

Operations flush only; the caller commits.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from collections import OrderedDict
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import Agency, Dossier, DossierEvent, DossierFile, User
from portal.models.signing import RemoteSigningSession, SigningCertificate
from portal.models.types import utcnow
from portal.operations import audit
from portal.operations.dossiers import DossierError, DossierNotFound, NotAllowed, can_see
from portal.storage import put_blob, read_blob, sniff_content_type
from signatures import pki
from signatures.pdf import (
    KeyFileSigner,
    PreparedSignature,
    SignatureMeta,
    SigningError,
    StampText,
    complete_remote_signing,
    prepare_remote_signing,
    sign_pdf,
    to_asn1_cert,
)
from signatures.verify import VerificationReport, verify_pdf
from workflow.states import Role, Status

CA_NAME = "CA Dịch vụ công tỉnh Lai Châu (triển khai)"
ORG_NAME = "Ủy ban nhân dân tỉnh Lai Châu"
TSA_NAME = "Dịch vụ cấp dấu thời gian nội bộ"
# Results: the leader at B-LTA, then the agency seal at B-LTA (both stay verifiable after the
# certificates expire, and each signature gets its own document timestamp).
RESULT_LEVEL = "B-LTA"
FORM_LEVEL = "B-T"
REMOTE_SESSION_MINUTES = 15
REMOTE_KINDS = ("result",)


class SigningFailure(DossierError):
    """The document could not be signed (bad input document, a signature that does not match)."""

    status = 422


class NoCertificate(DossierError):
    status = 422


class SigningNotConfigured(DossierError):
    """A deployment setting is missing (production without PKI_KEY_PASSWORD or TSA_URL)."""

    status = 503


class PkiOperationError(Exception):
    """An administrative PKI operation failed (CLI): ``code`` is stable, ``message`` Vietnamese."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# ---------------------------------------------------------------------------------------------
# Keys at rest


def _password() -> bytes:
    password = current_app.config.get("PKI_KEY_PASSWORD")
    if not password:
        raise SigningNotConfigured(
            "pki_password_missing", "PKI_KEY_PASSWORD is not set: private keys cannot be stored or used"
        )
    return password.encode("utf-8")


def _fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _row(ck_cert: x509.Certificate, purpose: str, *, key=None, chain=(), user: User | None = None,
         agency: Agency | None = None, source: str = "issued") -> SigningCertificate:
    if db.session.scalar(select(SigningCertificate.id).where(
            SigningCertificate.fingerprint == _fingerprint(ck_cert))) is not None:
        raise PkiOperationError("duplicate", "Chứng thư số này đã có trong hệ thống.")
    row = SigningCertificate(
        purpose=purpose,
        user_id=user.id if user is not None else None,
        agency_id=agency.id if agency is not None else None,
        subject=ck_cert.subject.rfc4514_string()[:500],
        issuer=ck_cert.issuer.rfc4514_string()[:500],
        serial=format(ck_cert.serial_number, "x"),
        fingerprint=_fingerprint(ck_cert),
        not_before=ck_cert.not_valid_before_utc,
        not_after=ck_cert.not_valid_after_utc,
        certificate_pem=_pem(ck_cert),
        chain_pem="".join(_pem(c) for c in chain),
        private_key_pem=pki.encrypt_key_pem(key, _password()).decode("ascii") if key is not None else None,
        source=source,
    )
    db.session.add(row)
    return row


def certificate_of(row: SigningCertificate) -> x509.Certificate:
    return x509.load_pem_x509_certificate(row.certificate_pem.encode("ascii"))


def chain_of(row: SigningCertificate) -> tuple[x509.Certificate, ...]:
    if not row.chain_pem:
        return ()
    return tuple(x509.load_pem_x509_certificates(row.chain_pem.encode("ascii")))


def _certified_key(row: SigningCertificate) -> pki.CertifiedKey:
    if not row.private_key_pem:
        raise NoCertificate("no_private_key", "this certificate has no key on the server (remote signing only)")
    try:
        key = pki.load_key_pem(row.private_key_pem.encode("ascii"), _password())
    except pki.WrongPasswordError:
        raise SigningNotConfigured("pki_password_wrong", "PKI_KEY_PASSWORD does not open the stored keys") from None
    return pki.CertifiedKey(certificate_of(row), key, chain_of(row))


_cache_lock = threading.Lock()
_signers: OrderedDict[str, KeyFileSigner] = OrderedDict()
_timestampers: dict[str, object] = {}
_CACHE_SIZE = 256


def signer_for(row: SigningCertificate) -> KeyFileSigner:
    """The cached ``KeyFileSigner`` of a certificate (parsed once per process)."""
    with _cache_lock:
        found = _signers.get(row.fingerprint)
        if found is not None:
            _signers.move_to_end(row.fingerprint)
            return found
    signer = KeyFileSigner(_certified_key(row))
    with _cache_lock:
        _signers[row.fingerprint] = signer
        while len(_signers) > _CACHE_SIZE:
            _signers.popitem(last=False)
    return signer


def _forget(row: SigningCertificate) -> None:
    with _cache_lock:
        _signers.pop(row.fingerprint, None)
        _timestampers.pop(row.fingerprint, None)


# ---------------------------------------------------------------------------------------------
# Finding certificates


def _usable(row: SigningCertificate, at: datetime, need_key: bool) -> bool:
    return (row.revoked_at is None and row.not_before <= at <= row.not_after
            and (row.private_key_pem is not None or not need_key))


def _find(purpose: str, *, user_id: int | None = None, agency_id: int | None = None,
          need_key: bool = True) -> SigningCertificate | None:
    """The newest usable certificate, including rows added in this session but not yet flushed
    (signing runs inside the lifecycle's no-autoflush block)."""
    at = utcnow()

    def matches(row: SigningCertificate) -> bool:
        return (row.purpose == purpose and (user_id is None or row.user_id == user_id)
                and (agency_id is None or row.agency_id == agency_id) and _usable(row, at, need_key))

    pending = [o for o in db.session.new if isinstance(o, SigningCertificate) and matches(o)]
    if pending:
        return pending[-1]
    query = select(SigningCertificate).where(
        SigningCertificate.purpose == purpose, SigningCertificate.revoked_at.is_(None),
        SigningCertificate.not_after >= at)
    if user_id is not None:
        query = query.where(SigningCertificate.user_id == user_id)
    if agency_id is not None:
        query = query.where(SigningCertificate.agency_id == agency_id)
    if need_key:
        query = query.where(SigningCertificate.private_key_pem.is_not(None))
    for row in db.session.scalars(query.order_by(SigningCertificate.not_after.desc(), SigningCertificate.id.desc())):
        if matches(row):
            return row
    return None


def deployment_ca() -> SigningCertificate | None:
    return _find("ca")


def init_ca(key_type: str = "rsa", valid_days: int = 3650) -> tuple[SigningCertificate, bool]:
    """The deployment CA, created if there is none (returns ``(row, created)``)."""
    row = deployment_ca()
    if row is not None:
        return row, False
    ca = pki.create_ca(CA_NAME, ORG_NAME, key_type=key_type, valid_days=valid_days)
    row = _row(ca.certificate, "ca", key=ca.private_key)
    audit.record("pki.ca_created", actor="system", object_type="certificate", object_id=row.serial)
    return row, True


def _ca_key() -> pki.CertifiedKey:
    row = deployment_ca()
    if row is None:
        if not current_app.config.get("SIGNING_AUTO_ISSUE"):
            raise NoCertificate("no_ca", "the deployment CA does not exist (flask pki init-ca)")
        row, _ = init_ca()
    return _certified_key(row)


def issue_for_user(user: User, *, key_type: str = "ec", valid_days: int = 730,
                   by: User | None = None) -> tuple[SigningCertificate, pki.CertifiedKey]:
    """A personal signing certificate for an officer or leader, issued by the deployment CA."""
    if not user.is_staff:
        raise PkiOperationError("not_staff", "Chỉ cấp chứng thư số cho cán bộ, công chức.")
    ck = pki.issue_certificate(
        _ca_key(), user.full_name, purpose="person", email=user.email or None,
        organization=user.agency.name_vi if user.agency else ORG_NAME, key_type=key_type, valid_days=valid_days,
    )
    row = _row(ck.certificate, "person", key=ck.private_key, chain=ck.chain, user=user)
    audit.record("pki.certificate_issued", user=by, actor=None if by else "system", object_type="certificate",
                 object_id=row.serial, purpose="person", owner=user.username)
    return row, ck


def issue_seal(agency: Agency, *, key_type: str = "ec", valid_days: int = 1095,
               by: User | None = None) -> SigningCertificate:
    """The agency seal certificate ("chữ ký số của cơ quan")."""
    ck = pki.issue_certificate(_ca_key(), agency.name_vi, purpose="seal", organization=agency.name_vi,
                               key_type=key_type, valid_days=valid_days)
    row = _row(ck.certificate, "seal", key=ck.private_key, chain=ck.chain, agency=agency)
    audit.record("pki.certificate_issued", user=by, actor=None if by else "system", object_type="certificate",
                 object_id=row.serial, purpose="seal", owner=agency.code)
    return row


def import_pkcs12(data: bytes, password: bytes | None, *, user: User | None = None,
                  agency: Agency | None = None, by: User | None = None) -> SigningCertificate:
    """Import a real certificate and key (PKCS#12) for a person or, with ``agency``, a seal."""
    if (user is None) == (agency is None):
        raise ValueError("give either a user or an agency")
    try:
        ck = pki.load_pkcs12(data, password)
    except pki.WrongPasswordError:
        raise PkiOperationError("wrong_password", "Sai mật khẩu tệp PKCS#12.") from None
    except pki.PkiError:
        raise PkiOperationError("bad_pkcs12", "Tệp không phải PKCS#12 hợp lệ, thiếu khóa hoặc khóa quá yếu.") from None
    now = utcnow()
    if not ck.certificate.not_valid_before_utc <= now <= ck.certificate.not_valid_after_utc:
        raise PkiOperationError("expired", "Chứng thư số đã hết hạn hoặc chưa có hiệu lực.")
    row = _row(ck.certificate, "seal" if agency else "person", key=ck.private_key, chain=ck.chain,
               user=user, agency=agency, source="imported")
    audit.record("pki.certificate_imported", user=by, actor=None if by else "system", object_type="certificate",
                 object_id=row.serial, owner=(user.username if user else agency.code))
    return row


def is_trusted(row: SigningCertificate) -> bool:
    """Whether the certificate's chain ends in the trust store (else its signatures verify as
    'indeterminate')."""
    roots = trust_store()
    certs = [certificate_of(row), *chain_of(row)]
    if any(c in roots for c in certs):
        return True
    last = certs[-1]
    return any(r.subject == last.issuer for r in roots)


def list_certificates() -> list[SigningCertificate]:
    return list(db.session.scalars(select(SigningCertificate).order_by(SigningCertificate.id)))


def revoke(serial: str, *, by: User | None = None, now: datetime | None = None) -> SigningCertificate:
    row = db.session.scalar(select(SigningCertificate).where(SigningCertificate.serial == serial.strip().lower()))
    if row is None:
        raise PkiOperationError("not_found", "Không tìm thấy chứng thư số có số hiệu này.")
    if row.revoked_at is not None:
        raise PkiOperationError("already_revoked", "Chứng thư số này đã bị thu hồi trước đó.")
    row.revoked_at = now or utcnow()
    _forget(row)
    audit.record("pki.certificate_revoked", user=by, actor=None if by else "system", object_type="certificate",
                 object_id=row.serial, purpose=row.purpose)
    return row


def root_pem() -> str:
    row = deployment_ca()
    if row is None:
        raise PkiOperationError("no_ca", "Chưa có CA triển khai (chạy 'flask pki init-ca').")
    return row.certificate_pem


# ---------------------------------------------------------------------------------------------
# Trust, timestamps, validation


def trust_store() -> pki.TrustStore:
    store = pki.TrustStore()
    for row in db.session.scalars(select(SigningCertificate).where(
            SigningCertificate.purpose == "ca", SigningCertificate.revoked_at.is_(None))):
        store.add(certificate_of(row))
    for row in db.session.new:
        if isinstance(row, SigningCertificate) and row.purpose == "ca" and row.revoked_at is None:
            store.add(certificate_of(row))
    directory = current_app.config.get("PKI_TRUST_DIR")
    if directory and Path(directory).is_dir():
        for cert in pki.TrustStore.from_pem_dir(directory):
            store.add(cert)
    return store


def _validation_context(chain: tuple[x509.Certificate, ...]):
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(
        trust_roots=[to_asn1_cert(c) for c in trust_store()],
        other_certs=[to_asn1_cert(c) for c in chain],
        allow_fetching=current_app.config.get("PORTAL_ENV") == "production",
        revocation_mode="soft-fail",
    )


def timestamper():
    """The RFC 3161 timestamp authority: TSA_URL, or the local TSA outside production."""
    url = current_app.config.get("TSA_URL")
    if url:
        with _cache_lock:
            found = _timestampers.get(url)
        if found is None:
            from pyhanko.sign.timestamps import HTTPTimeStamper

            found = HTTPTimeStamper(url, timeout=10)
            with _cache_lock:
                _timestampers[url] = found
        return found
    if current_app.config.get("PORTAL_ENV") == "production":
        raise SigningNotConfigured("tsa_not_configured", "TSA_URL is not set")
    row = _find("tsa")
    if row is None:
        ck = pki.issue_certificate(_ca_key(), TSA_NAME, purpose="tsa", organization=ORG_NAME,
                                   key_type="rsa")  # pyHanko's local TSA signs with RSA
        row = _row(ck.certificate, "tsa", key=ck.private_key, chain=ck.chain)
    with _cache_lock:
        found = _timestampers.get(row.fingerprint)
    if found is None:
        from signatures.testing import local_timestamper

        found = local_timestamper(_certified_key(row))
        with _cache_lock:
            _timestampers[row.fingerprint] = found
    return found


def verify_document(data: bytes) -> VerificationReport:
    """Verify every signature of a PDF against the portal's trust store (never raises on input)."""
    return verify_pdf(data, trust_store())


# ---------------------------------------------------------------------------------------------
# Signing


def _person_certificate(user: User) -> SigningCertificate:
    row = _find("person", user_id=user.id)
    if row is not None:
        return row
    if not current_app.config.get("SIGNING_AUTO_ISSUE") or not user.is_staff:
        raise NoCertificate("no_certificate", f"{user.username} has no signing certificate")
    return issue_for_user(user)[0]


def _seal_certificate(agency: Agency) -> SigningCertificate:
    row = _find("seal", agency_id=agency.id)
    if row is not None:
        return row
    if not current_app.config.get("SIGNING_AUTO_ISSUE"):
        raise NoCertificate("no_certificate", f"agency {agency.code} has no seal certificate")
    return issue_seal(agency)


def _position(user: User) -> str:
    if user.position:
        return user.position
    return {Role.AGENCY_LEADER.value: "Lãnh đạo cơ quan", Role.UNIT_LEADER.value: "Lãnh đạo phòng",
            Role.ONE_STOP_OFFICER.value: "Công chức tiếp nhận"}.get(user.role, "Cán bộ")


def _person_stamp(user: User, box) -> StampText:
    return StampText(
        signer_name=user.full_name, position=_position(user),
        organization=user.agency.name_vi if user.agency else "", signed_at=utcnow(),
        page=box.page if box is not None else -1, box=box.box if box is not None else None,
    )


def _seal_stamp(agency: Agency, box) -> StampText:
    return StampText(
        signer_name=agency.name_vi, position="Chữ ký số của cơ quan", signed_at=utcnow(),
        page=box.page if box is not None else -1, box=box.box if box is not None else None,
    )


def _sign(pdf: bytes, row: SigningCertificate, *, level: str, reason: str, stamp: StampText) -> bytes:
    signer = signer_for(row)
    tsa = timestamper()
    context = _validation_context(signer.chain) if level in ("B-LT", "B-LTA") else None
    try:
        return sign_pdf(pdf, signer, level=level, reason=reason, stamp=stamp, timestamper=tsa,
                        validation_context=context)
    except Exception as error:  # a damaged or hostile PDF may raise anything inside pyHanko
        current_app.logger.warning("Signing failed: %s", type(error).__name__)
        raise SigningFailure("signing_failed", "the document could not be signed (damaged or protected PDF?)") from None


def sign_form(pdf: bytes, signer: User, box, reason: str) -> bytes:
    """A standard form (receipt, supplement request, refusal, apology, stop notice) signed at B-T
    by ``signer``, with a visible stamp in ``box`` (a ``portal.documents.SignatureBox``) or at
    the bottom right of the last page."""
    row = _person_certificate(signer)
    return _sign(pdf, row, level=FORM_LEVEL, reason=reason, stamp=_person_stamp(signer, box))


def _current_files(dossier: Dossier, kind: str) -> DossierFile | None:
    return db.session.scalar(select(DossierFile).where(
        DossierFile.dossier_id == dossier.id, DossierFile.kind == kind, DossierFile.superseded_at.is_(None),
    ).order_by(DossierFile.id.desc()).limit(1))


def _proposal_note(dossier: Dossier) -> str:
    event = db.session.scalar(select(DossierEvent).where(
        DossierEvent.dossier_id == dossier.id, DossierEvent.action == "propose_result",
    ).order_by(DossierEvent.seq.desc()).limit(1))
    return (event.comment or "") if event is not None else ""


def render_default_result(dossier: Dossier, leader: User, now: datetime):
    from portal.documents.data import Header
    from portal.documents.result import ResultData, render_result
    from workflow.calendar import VN_TZ

    agency = dossier.agency
    applicant = dossier.applicant or {}
    header = Header(
        managing_body=agency.parent.name_vi if agency.parent is not None else "UBND tỉnh Lai Châu",
        unit=agency.name_vi, place="Lai Châu", number=None, date=now.astimezone(VN_TZ).date(),
    )
    return render_result(ResultData(
        header=header, dossier_code=dossier.code or str(dossier.id), procedure_name=dossier.procedure.name_vi,
        applicant_name=applicant.get("full_name") or "", applicant_id_number=applicant.get("id_number") or "",
        applicant_address=applicant.get("address") or "", received_at=dossier.received_at,
        granted=dossier.result_kind != "refused", reason=_proposal_note(dossier),
        agency_name=agency.name_vi, signer_title=_position(leader), signer_name=leader.full_name,
    ))


def _unsigned_result(dossier: Dossier, leader: User, now: datetime):
    """(pdf, leader box, seal box): the newest draft, or the default result document."""
    draft = _current_files(dossier, "result_draft")
    if draft is not None:
        data = read_blob(draft.blob_sha256)
        if sniff_content_type(data) != "application/pdf":
            raise SigningFailure("result_draft_not_pdf", "the result draft is not a PDF")
        return data, None, None
    rendered = render_default_result(dossier, leader, now)
    return rendered.pdf, rendered.signature_boxes["head"], rendered.signature_boxes["seal"]


def _reason(dossier: Dossier) -> str:
    return f"Phê duyệt kết quả giải quyết hồ sơ {dossier.code or dossier.id}"


def _seal_and_store(dossier: Dossier, signed: bytes, seal_row: SigningCertificate, seal_box,
                    by: User, now: datetime) -> DossierFile:
    sealed = _sign(signed, seal_row, level=RESULT_LEVEL, stamp=_seal_stamp(dossier.agency, seal_box),
                   reason=f"Chữ ký số của cơ quan trên kết quả hồ sơ {dossier.code or dossier.id}")
    for old in db.session.scalars(select(DossierFile).where(
            DossierFile.dossier_id == dossier.id, DossierFile.kind == "result", DossierFile.superseded_at.is_(None))):
        old.superseded_at = now
    blob = put_blob(sealed, "application/pdf")
    row = DossierFile(dossier_id=dossier.id, kind="result", blob_sha256=blob.sha256,
                      original_name=f"ket-qua-{dossier.code or dossier.id}.pdf", uploaded_by_id=by.id, uploaded_at=now)
    db.session.add(row)
    return row


def _remote_signed_result(dossier: Dossier) -> DossierFile | None:
    """A result already signed through remote signing and not overtaken by a newer draft."""
    result = _current_files(dossier, "result")
    if result is None:
        return None
    draft = _current_files(dossier, "result_draft")
    return result if draft is None or result.id > draft.id else None


def sign_result(dossier: Dossier, leader: User, now: datetime) -> DossierFile:
    """Sign the result of ``dossier``: the leader at B-LTA, then the agency seal at B-LTA as a
    second incremental signature; stored as ``DossierFile(kind="result")`` (not flushed).

    A result already signed by the leader through remote signing is used as it is.
    """
    existing = _remote_signed_result(dossier)
    if existing is not None:
        return existing
    leader_row = _person_certificate(leader)  # both certificates first: fail before any work
    seal_row = _seal_certificate(dossier.agency)
    pdf, leader_box, seal_box = _unsigned_result(dossier, leader, now)
    signed = _sign(pdf, leader_row, level=RESULT_LEVEL, reason=_reason(dossier),
                   stamp=_person_stamp(leader, leader_box))
    return _seal_and_store(dossier, signed, seal_row, seal_box, leader, now)


# ---------------------------------------------------------------------------------------------
# Remote signing (USB token via PKCS#11 on the client, or a remote signing service)


def _check_result_signable(dossier: Dossier, user: User) -> None:
    if user.role != Role.AGENCY_LEADER.value:
        raise NotAllowed("role_not_allowed", "only the agency leader signs the result")
    if (dossier.status != Status.IN_PROCESS.value or dossier.holder_role != Role.AGENCY_LEADER.value
            or not dossier.result_proposed or dossier.result_signed
            or dossier.holder_id not in (None, user.id)):
        raise NotAllowed("not_signable", "the result of this dossier is not waiting for your signature")


def signature_algorithm(cert: x509.Certificate) -> str:
    return "ecdsa-sha256" if isinstance(cert.public_key(), ec.EllipticCurvePublicKey) else "rsa-pkcs1v15-sha256"


def prepare_remote(dossier: Dossier, user: User, kind: str,
                   now: datetime | None = None) -> tuple[RemoteSigningSession, PreparedSignature]:
    """Prepare the leader's signature of the result; the client signs ``digest_to_sign``."""
    now = now or utcnow()
    if not can_see(user, dossier):
        raise DossierNotFound("not_found")
    if kind not in REMOTE_KINDS:
        raise DossierError("unknown_kind", f"remote signing supports {', '.join(REMOTE_KINDS)}")
    _check_result_signable(dossier, user)
    row = _find("person", user_id=user.id, need_key=False)
    if row is None:
        raise NoCertificate("no_certificate", f"{user.username} has no registered signing certificate")
    _seal_certificate(dossier.agency)  # the seal is applied at completion: check it now
    pdf, leader_box, seal_box = _unsigned_result(dossier, user, now)
    tsa = timestamper()
    try:
        prepared = prepare_remote_signing(
            pdf, certificate_of(row),
            SignatureMeta(reason=_reason(dossier), level=RESULT_LEVEL, stamp=_person_stamp(user, leader_box)),
            chain=chain_of(row), timestamper=tsa,
        )
    except Exception:  # a damaged draft
        raise SigningFailure("signing_failed", "the document could not be prepared for signing") from None
    state = prepared.to_dict()
    if seal_box is not None:
        state["seal_box"] = [seal_box.page, seal_box.x1, seal_box.y1, seal_box.x2, seal_box.y2]
    db.session.flush()  # the certificate row id
    session = RemoteSigningSession(
        id=secrets.token_hex(16), user_id=user.id, dossier_id=dossier.id, certificate_id=row.id, kind=kind,
        prepared=state, created_at=now, expires_at=now + timedelta(minutes=REMOTE_SESSION_MINUTES),
    )
    db.session.add(session)
    audit.record("signing.remote_prepared", user=user, object_type="dossier", object_id=dossier.id,
                 session=session.id, certificate=row.serial)
    db.session.flush()
    return session, prepared


def complete_remote(session_id: str, signature_value: bytes, user: User | None = None,
                    now: datetime | None = None) -> DossierFile:
    """Embed the client's signature value, add the agency seal and store the signed result."""
    from portal.documents.common import SignatureBox

    now = now or utcnow()
    session = db.session.get(RemoteSigningSession, str(session_id)[:32])
    if session is None or (user is not None and session.user_id != user.id):
        raise DossierNotFound("signing_session_not_found")
    if session.completed_at is not None:
        raise NotAllowed("signing_session_completed", "this signature was already completed")
    if session.expires_at < now:
        raise NotAllowed("signing_session_expired", "prepare the signature again")
    signer = db.session.get(User, session.user_id)
    dossier = db.session.get(Dossier, session.dossier_id)
    _check_result_signable(dossier, signer)
    if session.certificate.revoked_at is not None:
        raise NoCertificate("certificate_revoked", "the certificate was revoked")
    seal_row = _seal_certificate(dossier.agency)
    state = dict(session.prepared)
    seal_box = SignatureBox(*state.pop("seal_box")) if "seal_box" in state else None
    prepared = PreparedSignature.from_dict(state)
    tsa = timestamper()
    context = _validation_context((prepared.certificate, *chain_of(session.certificate)))
    try:
        signed = complete_remote_signing(prepared, signature_value, timestamper=tsa, validation_context=context)
    except SigningError:
        raise SigningFailure("signature_mismatch", "the signature value does not match the prepared document") from None
    row = _seal_and_store(dossier, signed, seal_row, seal_box, signer, now)
    db.session.flush()
    session.completed_at = now
    session.result_file_id = row.id
    audit.record("signing.remote_completed", user=signer, object_type="dossier", object_id=dossier.id,
                 session=session.id, file_id=row.id, sha256=row.blob_sha256)
    return row


def decode_signature(value: object) -> bytes:
    """A base64 signature value from a client (raises ValueError when it is not one)."""
    if not isinstance(value, str) or not value.strip() or len(value) > 8192:
        raise ValueError("signature must be a base64 string")
    return base64.b64decode(value.strip(), validate=True)
