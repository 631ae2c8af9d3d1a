"""The deployment PKI kept in the database: the deployment CA, issuing, importing and revoking
certificates, keys at rest, the trust store, the timestamp authority and verification. Signing
with these certificates is ``portal.operations.signing``. See docs/signatures.md.

- Certificates live in ``signing_certificates``; private keys only as PKCS#8 PEM encrypted with
  ``PKI_KEY_PASSWORD`` (development/testing use a fixed development password; production
  refuses to sign without the variable). Keys are decrypted only here (``signer_for`` hands
  ``portal.operations.signing`` a ``KeyFileSigner``): they are not logged, printed or served.
- A parsed key is kept per process in a small cache of ``KeyFileSigner`` objects, keyed by the
  certificate's fingerprint (re-parsing a key for every document costs several times more).
- Timestamps: ``TSA_URL`` (RFC 3161 over HTTP) when set; otherwise, outside production, a local
  TSA whose certificate is issued by the deployment CA.
- Trust store: the deployment root(s) plus every PEM file of ``PKI_TRUST_DIR``.
- Keys on a PKCS#11 token (``PKCS11_MODULE``, ``PKCS11_TOKEN_LABEL``, ``PKCS11_PIN``): a row
  with ``source = "pkcs11"`` has no key column; its certificate's Subject Key Identifier is the
  token key's CKA_ID (``signatures.token``). ``signing_key(row)`` gives either signer; a token
  that cannot be used is a ``KeyStoreUnavailable`` (503) and nothing is signed or written.

Operations flush only; the caller commits.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import current_app
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import case, select

from portal.extensions import db
from portal.models import Agency, User
from portal.models.signing import SigningCertificate
from portal.models.types import utcnow
from portal.operations import audit
from portal.operations.dossiers import DossierError
from signatures import pki, token
from signatures.pdf import KeyFileSigner, Signer, to_asn1_cert
from signatures.testing import local_timestamper
from signatures.verify import VerificationReport, verify_pdf

CA_NAME = "CA Dịch vụ công tỉnh Lai Châu (triển khai)"
ORG_NAME = "Ủy ban nhân dân tỉnh Lai Châu"
TSA_NAME = "Dịch vụ cấp dấu thời gian nội bộ"
#: ``SigningCertificate.source`` of a certificate whose key is on the PKCS#11 token.
TOKEN_SOURCE = "pkcs11"
ANCHOR_NAME = "Nhật ký kiểm chứng - Cổng DVC tỉnh Lai Châu"


class NoCertificate(DossierError):
    status = 422


class SigningNotConfigured(DossierError):
    """A deployment setting is missing (production without PKI_KEY_PASSWORD or TSA_URL)."""

    status = 503


class KeyStoreUnavailable(DossierError):
    """The PKCS#11 token holding the key cannot be used now (module, token, PIN, key): retry
    later; nothing was signed or written."""

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


def has_key(row: SigningCertificate) -> bool:
    """Whether the server can sign with this certificate (key stored encrypted, or on the token)."""
    return row.private_key_pem is not None or row.source == TOKEN_SOURCE


# ---------------------------------------------------------------------------------------------
# The PKCS#11 token


def _token_config() -> token.TokenConfig:
    module = current_app.config.get("PKCS11_MODULE")
    if not module:
        raise KeyStoreUnavailable("key_store_unavailable", "PKCS11_MODULE is not set")
    return token.TokenConfig(module, token_label=current_app.config.get("PKCS11_TOKEN_LABEL") or None,
                             pin=current_app.config.get("PKCS11_PIN") or None)


def _unavailable(error: token.TokenUnavailable) -> KeyStoreUnavailable:
    current_app.logger.warning("PKCS#11 token unavailable (%s): %s", error.reason, error)
    return KeyStoreUnavailable("key_store_unavailable", f"PKCS#11 token unavailable: {error}", reason=error.reason)


@contextmanager
def signing_key(row: SigningCertificate) -> Iterator[Signer]:
    """The signer of a certificate for a ``with`` block: the cached ``KeyFileSigner`` of a stored
    key, or a ``TokenSigner`` holding the token's session (``KeyStoreUnavailable`` when the token
    cannot be used, on entering or while signing)."""
    if row.source != TOKEN_SOURCE:
        yield signer_for(row)
        return
    config = _token_config()
    try:
        with token.token_signer(config, certificate_of(row), chain_of(row)) as signer:
            yield signer
    except token.TokenUnavailable as error:
        raise _unavailable(error) from None


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
    return row.revoked_at is None and row.not_before <= at <= row.not_after and (has_key(row) or not need_key)


def find_usable(purpose: str, *, user_id: int | None = None, agency_id: int | None = None,
          need_key: bool = True) -> SigningCertificate | None:
    """The newest usable certificate, one whose key is on the token first, including rows added
    in this session but not yet flushed (signing runs inside the lifecycle's no-autoflush block)."""
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
        query = query.where(SigningCertificate.private_key_pem.is_not(None) | (SigningCertificate.source == TOKEN_SOURCE))
    on_token_first = case((SigningCertificate.source == TOKEN_SOURCE, 0), else_=1)
    for row in db.session.scalars(query.order_by(on_token_first, SigningCertificate.not_after.desc(),
                                                 SigningCertificate.id.desc())):
        if matches(row):
            return row
    return None


def deployment_ca() -> SigningCertificate | None:
    return find_usable("ca")


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


def issue_on_token(*, user: User | None = None, agency: Agency | None = None, key_id: bytes | None = None,
                   key_label: str | None = None, key_type: str = "ec", valid_days: int | None = None,
                   by: User | None = None) -> SigningCertificate:
    """A certificate from the deployment CA for a key on the PKCS#11 token: a new key pair
    generated there, or an existing one named by ``key_id`` (CKA_ID) or ``key_label``. For a
    person (``user``) or an agency seal (``agency``); the database gets the certificate only.
    A token that cannot be used raises ``KeyStoreUnavailable`` before anything is written."""
    if (user is None) == (agency is None):
        raise ValueError("give either a user or an agency")
    if user is not None and not user.is_staff:
        raise PkiOperationError("not_staff", "Chỉ cấp chứng thư số cho cán bộ, công chức.")
    ca = _ca_key()  # no CA, no key generated
    config = _token_config()
    name = agency.name_vi if agency is not None else user.full_name
    organization = agency.name_vi if agency is not None else (user.agency.name_vi if user.agency else ORG_NAME)
    try:
        if key_id is not None or key_label is not None:
            key = token.find_key(config, key_id=key_id, label=key_label)
        else:
            label = f"seal {agency.code}" if agency is not None else f"person {user.username}"
            key = token.generate_key(config, label=label, key_type="rsa" if key_type == "rsa" else "ec")
    except token.TokenUnavailable as error:
        raise _unavailable(error) from None
    except pki.PkiError:
        raise PkiOperationError("weak_key", "Khóa trên thiết bị không đạt yêu cầu (RSA từ 2048 bit hoặc ECDSA từ 256 bit).") from None
    purpose = "seal" if agency is not None else "person"
    cert = pki.certify_public_key(
        ca, key.public_key, name, purpose=purpose, email=(user.email or None) if user is not None else None,
        organization=organization, key_identifier=key.key_id,
        valid_days=valid_days or (1095 if agency is not None else 730),
    )
    row = _row(cert, purpose, chain=(ca.certificate, *ca.chain), user=user, agency=agency, source=TOKEN_SOURCE)
    audit.record("pki.certificate_issued", user=by, actor=None if by else "system", object_type="certificate",
                 object_id=row.serial, purpose=purpose, owner=agency.code if agency is not None else user.username,
                 key_store="pkcs11", key_id=key.key_id.hex())
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


def anchor_key() -> tuple[SigningCertificate, pki.CertifiedKey]:
    """The key that signs the daily audit anchor: a certificate of purpose ``anchor`` issued by
    the deployment CA on first use (the system's own key, like the local TSA's)."""
    row = find_usable("anchor")
    if row is None:
        ck = pki.issue_certificate(_ca_key(), ANCHOR_NAME, purpose="anchor", organization=ORG_NAME, key_type="ec")
        row = _row(ck.certificate, "anchor", key=ck.private_key, chain=ck.chain)
        audit.record("pki.certificate_issued", actor="system", object_type="certificate", object_id=row.serial,
                     purpose="anchor")
        return row, ck
    return row, _certified_key(row)


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


def validation_context(chain: tuple[x509.Certificate, ...]):

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

            found = HTTPTimeStamper(url, timeout=10)
            with _cache_lock:
                _timestampers[url] = found
        return found
    if current_app.config.get("PORTAL_ENV") == "production":
        raise SigningNotConfigured("tsa_not_configured", "TSA_URL is not set")
    row = find_usable("tsa")
    if row is None:
        ck = pki.issue_certificate(_ca_key(), TSA_NAME, purpose="tsa", organization=ORG_NAME,
                                   key_type="rsa")  # pyHanko's local TSA signs with RSA
        row = _row(ck.certificate, "tsa", key=ck.private_key, chain=ck.chain)
    with _cache_lock:
        found = _timestampers.get(row.fingerprint)
    if found is None:

        found = local_timestamper(_certified_key(row))
        with _cache_lock:
            _timestampers[row.fingerprint] = found
    return found


def verify_document(data: bytes) -> VerificationReport:
    """Verify every signature of a PDF against the portal's trust store (never raises on input)."""
    return verify_pdf(data, trust_store())
