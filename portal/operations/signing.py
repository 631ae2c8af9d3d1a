"""Signing in the portal: standard forms (B-T) and results (the leader, then the agency seal, both
B-LTA), and remote (client-side) signing of the result with a USB token or a remote signing
service. The certificates, keys, trust store and timestamper are ``portal.operations.certificates``.
See docs/signatures.md.

Operations flush only; the caller commits.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from io import BytesIO

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from sqlalchemy import select

from portal.documents.common import SignatureBox
from portal.extensions import db
from portal.models import Agency, Dossier, DossierEvent, DossierFile, User
from portal.models.files import GENERATED_DRAFT, FileKind
from portal.models.signing import RemoteSigningSession, SigningCertificate
from portal.models.types import utcnow
from portal.operations import audit
from portal.operations.certificates import (
    NoCertificate,
    certificate_of,
    chain_of,
    find_usable,
    issue_for_user,
    issue_seal,
    signing_key,
    timestamper,
    validation_context,
)
from portal.operations.dossiers import DossierError, DossierNotFound, NotAllowed, can_see
from portal.operations.errors import DomainError
from portal.storage import put_blob, read_blob, sniff_content_type
from signatures.availability import service_unavailable
from signatures.pdf import (
    PreparedSignature,
    SignatureMeta,
    SigningError,
    StampText,
    complete_remote_signing,
    prepare_remote_signing,
    sign_pdf,
)
from workflow.states import Action, Role, Status

# Results: the leader at B-LTA, then the agency seal at B-LTA (both stay verifiable after the
# certificates expire, and each signature gets its own document timestamp).
RESULT_LEVEL = "B-LTA"
FORM_LEVEL = "B-T"
REMOTE_SESSION_MINUTES = 15
REMOTE_KINDS = (FileKind.RESULT,)


class SigningFailure(DossierError):
    """The document could not be signed (bad input document, a signature that does not match)."""

    status = 422


class SigningUnavailable(DossierError):
    """The timestamp authority or the key store did not answer: nothing was signed, the request's
    transaction rolls back (no version, event or file changes), and the same action sent again
    later succeeds."""

    status = 503


@contextmanager
def _signing_services(code: str, detail: str) -> Iterator[None]:
    """Failures inside pyHanko: a service that did not answer is ``SigningUnavailable`` (503),
    anything else (a damaged or hostile PDF may raise anything) a ``SigningFailure`` ``code``."""
    try:
        yield
    except DomainError:
        raise
    except Exception as error:
        if service_unavailable(error):
            current_app.logger.warning("Signing service unavailable: %s", type(error).__name__)
            raise SigningUnavailable("signing_unavailable",
                                     "the timestamp authority or the key store did not answer") from None
        current_app.logger.warning("Signing failed: %s", type(error).__name__)
        raise SigningFailure(code, detail) from None


# ---------------------------------------------------------------------------------------------
# Signing


def _person_certificate(user: User) -> SigningCertificate:
    row = find_usable("person", user_id=user.id)
    if row is not None:
        return row
    if not current_app.config.get("SIGNING_AUTO_ISSUE") or not user.is_staff:
        raise NoCertificate("no_certificate", f"{user.username} has no signing certificate")
    return issue_for_user(user)[0]


def _seal_certificate(agency: Agency) -> SigningCertificate:
    row = find_usable("seal", agency_id=agency.id)
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
    """Sign with ``row``'s key, stored encrypted or on the PKCS#11 token (``signing_key``: a token
    that cannot be used is a 503 ``key_store_unavailable``, raised before any row is written)."""
    tsa = timestamper()
    with signing_key(row) as signer:
        context = validation_context(signer.chain) if level in ("B-LT", "B-LTA") else None
        with _signing_services("signing_failed", "the document could not be signed (damaged or protected PDF?)"):
            return sign_pdf(pdf, signer, level=level, reason=reason, stamp=stamp, timestamper=tsa,
                            validation_context=context)


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
        DossierEvent.dossier_id == dossier.id, DossierEvent.action == Action.PROPOSE_RESULT,
    ).order_by(DossierEvent.seq.desc()).limit(1))
    return (event.comment or "") if event is not None else ""


def render_default_result(dossier: Dossier, leader: User, now: datetime, note: str | None = None,
                          granted: bool | None = None):
    """The numbered result document (``portal.operations.result_document``) as ``leader`` signs it;
    ``note``: the proposal's note by default."""
    from portal.operations.result_document import render_result_document

    return render_result_document(dossier, leader, now, note=_proposal_note(dossier) if note is None else note,
                                  granted=granted)


def _with_annex(result: bytes, annex: bytes) -> bytes:
    """The result followed by the pages of a PDF the specialist uploaded with the proposal
    (drawings, tables): one document, signed as a whole."""
    from pypdf import PdfReader, PdfWriter

    try:
        writer = PdfWriter(clone_from=PdfReader(BytesIO(result)))
        writer.append(PdfReader(BytesIO(annex)))
        out = BytesIO()
        writer.write(out)
    except Exception as error:  # a damaged or hostile upload may raise anything
        current_app.logger.warning("Result annex unreadable: %s", type(error).__name__)
        raise SigningFailure("signing_failed", "the uploaded draft could not be read (damaged PDF?)") from None
    return out.getvalue()


def _unsigned_result(dossier: Dossier, leader: User, now: datetime):
    """(pdf, leader box, seal box): the numbered result document; a PDF the specialist uploaded as
    the draft follows it as an annex. The draft itself ("DỰ THẢO") is never what gets signed."""
    rendered = render_default_result(dossier, leader, now)
    pdf = rendered.pdf
    draft = _current_files(dossier, FileKind.RESULT_DRAFT)
    if draft is not None and draft.document_key != GENERATED_DRAFT:
        data = read_blob(draft.blob_sha256)
        if sniff_content_type(data) != "application/pdf":
            raise SigningFailure("result_draft_not_pdf", "the result draft is not a PDF")
        pdf = _with_annex(pdf, data)
    return pdf, rendered.signature_boxes["head"], rendered.signature_boxes["seal"]


def _reason(dossier: Dossier) -> str:
    return f"Phê duyệt kết quả giải quyết hồ sơ {dossier.code or dossier.id}"


def _seal_and_store(dossier: Dossier, signed: bytes, seal_row: SigningCertificate, seal_box,
                    by: User, now: datetime) -> DossierFile:
    sealed = _sign(signed, seal_row, level=RESULT_LEVEL, stamp=_seal_stamp(dossier.agency, seal_box),
                   reason=f"Chữ ký số của cơ quan trên kết quả hồ sơ {dossier.code or dossier.id}")
    for old in db.session.scalars(select(DossierFile).where(
            DossierFile.dossier_id == dossier.id, DossierFile.kind == FileKind.RESULT, DossierFile.superseded_at.is_(None))):
        old.superseded_at = now
    blob = put_blob(sealed, "application/pdf")
    row = DossierFile(dossier_id=dossier.id, kind=FileKind.RESULT.value, blob_sha256=blob.sha256,
                      original_name=f"ket-qua-{dossier.code or dossier.id}.pdf", uploaded_by_id=by.id, uploaded_at=now)
    db.session.add(row)
    return row


def _remote_signed_result(dossier: Dossier) -> DossierFile | None:
    """A result already signed through remote signing and not overtaken by a newer draft."""
    result = _current_files(dossier, FileKind.RESULT)
    if result is None:
        return None
    draft = _current_files(dossier, FileKind.RESULT_DRAFT)
    return result if draft is None or result.id > draft.id else None


def sign_refusal(dossier: Dossier, leader: User, now: datetime, reasons: str) -> DossierFile:
    """The leader's refusal of the request: the written reply stating ``reasons`` (the agency's
    own header and number), signed and sealed like any result."""
    leader_row = _person_certificate(leader)
    seal_row = _seal_certificate(dossier.agency)
    rendered = render_default_result(dossier, leader, now, note=reasons, granted=False)
    signed = _sign(rendered.pdf, leader_row, level=RESULT_LEVEL, reason=_reason(dossier),
                   stamp=_person_stamp(leader, rendered.signature_boxes["head"]))
    return _seal_and_store(dossier, signed, seal_row, rendered.signature_boxes["seal"], leader, now)


def sign_result(dossier: Dossier, leader: User, now: datetime) -> DossierFile:
    """Sign the result of ``dossier``: the leader at B-LTA, then the agency seal at B-LTA as a
    second incremental signature; stored as ``DossierFile(kind=FileKind.RESULT)`` (not flushed).

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
    row = find_usable("person", user_id=user.id, need_key=False)
    if row is None:
        raise NoCertificate("no_certificate", f"{user.username} has no registered signing certificate")
    _seal_certificate(dossier.agency)  # the seal is applied at completion: check it now
    pdf, leader_box, seal_box = _unsigned_result(dossier, user, now)
    tsa = timestamper()
    with _signing_services("signing_failed", "the document could not be prepared for signing"):
        prepared = prepare_remote_signing(
            pdf, certificate_of(row),
            SignatureMeta(reason=_reason(dossier), level=RESULT_LEVEL, stamp=_person_stamp(user, leader_box)),
            chain=chain_of(row), timestamper=tsa,
        )
    state = prepared.to_dict()
    if seal_box is not None:
        state["seal_box"] = [seal_box.page, seal_box.x1, seal_box.y1, seal_box.x2, seal_box.y2]
    db.session.flush()  # the certificate row id
    session = RemoteSigningSession(
        id=secrets.token_hex(16), user_id=user.id, dossier_id=dossier.id, certificate_id=row.id, kind=FileKind(kind).value,
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
    context = validation_context((prepared.certificate, *chain_of(session.certificate)))
    try:
        signed = complete_remote_signing(prepared, signature_value, timestamper=tsa, validation_context=context)
    except SigningError as error:
        if service_unavailable(error):
            raise SigningUnavailable("signing_unavailable", "the timestamp authority did not answer") from None
        raise SigningFailure("signature_mismatch", "the signature value does not match the prepared document") from None
    except Exception as error:
        if service_unavailable(error):
            raise SigningUnavailable("signing_unavailable", "the timestamp authority did not answer") from None
        raise
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
