"""Keys and X.509 certificates (cryptography only).

Deployment CA, certificate issuing for officers, leaders, agency seals and timestamp
authorities, PKCS#12 import/export, encrypted private keys at rest and a trust store.

Rules enforced here (Thông tư 15/2025/TT-BKHCN): RSA >= 2048 bits or ECDSA on a curve of
at least 256 bits, SHA-256 family only. Key material never appears in ``repr()`` or logs.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "MIN_EC_BITS",
    "MIN_RSA_BITS",
    "CertifiedKey",
    "PkiError",
    "PrivateKey",
    "PublicKey",
    "TrustStore",
    "WrongPasswordError",
    "certify_public_key",
    "create_ca",
    "encrypt_key_pem",
    "export_pkcs12",
    "generate_private_key",
    "issue_certificate",
    "load_key_pem",
    "load_pkcs12",
]

MIN_RSA_BITS = 2048
MIN_EC_BITS = 256

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey
KeyType = Literal["rsa", "ec"]
Purpose = Literal["person", "seal", "tsa", "anchor"]


class PkiError(ValueError):
    """A key, certificate or container could not be used."""


class WrongPasswordError(PkiError):
    """The password of an encrypted key or PKCS#12 container is wrong."""


@dataclass(frozen=True, repr=False)
class CertifiedKey:
    """A certificate with its private key and the chain of CA certificates above it.

    ``repr()`` shows the subject only, never key material.
    """

    certificate: x509.Certificate
    private_key: PrivateKey = field(compare=False)
    chain: tuple[x509.Certificate, ...] = ()

    def __post_init__(self) -> None:
        if self.private_key.public_key().public_numbers() != (
            self.certificate.public_key().public_numbers()  # type: ignore[union-attr]
        ):
            raise PkiError("The private key does not match the certificate.")

    @property
    def subject_cn(self) -> str:
        return common_name(self.certificate.subject)

    def __repr__(self) -> str:  # never show key material
        return (
            f"CertifiedKey(subject={self.subject_cn!r}, serial={self.certificate.serial_number:x})"
        )

    __str__ = __repr__


# -- keys ------------------------------------------------------------------------------------


def _check_key(key: object) -> None:
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise PkiError(f"RSA keys must have at least {MIN_RSA_BITS} bits (got {key.key_size}).")
    elif isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        if key.curve.key_size < MIN_EC_BITS:
            raise PkiError(
                f"ECDSA keys must use a curve of at least {MIN_EC_BITS} bits "
                f"(got {key.curve.name})."
            )
    else:
        raise PkiError(f"Unsupported key type: {type(key).__name__} (RSA or ECDSA only).")


def generate_private_key(
    key_type: KeyType = "rsa", *, rsa_bits: int = 2048, curve: ec.EllipticCurve | None = None
) -> PrivateKey:
    """Generate an RSA (>= 2048 bits) or ECDSA (P-256 or larger) private key."""
    if key_type == "rsa":
        if rsa_bits < MIN_RSA_BITS:
            raise PkiError(f"RSA keys must have at least {MIN_RSA_BITS} bits (got {rsa_bits}).")
        return rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    if key_type == "ec":
        curve = curve or ec.SECP256R1()
        if curve.key_size < MIN_EC_BITS:
            raise PkiError(f"ECDSA curves must have at least {MIN_EC_BITS} bits.")
        return ec.generate_private_key(curve)
    raise PkiError(f"Unknown key type {key_type!r} (use 'rsa' or 'ec').")


def _hash_for(key: PrivateKey) -> hashes.SHA256 | hashes.SHA384 | hashes.SHA512:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if key.curve.key_size >= 512:
            return hashes.SHA512()
        if key.curve.key_size >= 384:
            return hashes.SHA384()
    return hashes.SHA256()


# -- names and certificates ------------------------------------------------------------------


def _name(common: str, *, org: str | None = None, email: str | None = None) -> x509.Name:
    # cryptography encodes CN / O / L as UTF8String, so Vietnamese names work as-is
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common))
    if email:
        attrs.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))
    return x509.Name(attrs)


def common_name(name: x509.Name) -> str:
    """The CN of a name (falls back to the RFC 4514 string)."""
    cns = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if cns:
        value = cns[0].value
        return value.decode() if isinstance(value, bytes) else value
    return name.rfc4514_string()


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0)


def create_ca(
    common_name: str,
    org: str,
    key_type: KeyType = "rsa",
    valid_days: int = 3650,
    *,
    rsa_bits: int = 2048,
    path_length: int | None = 0,
) -> CertifiedKey:
    """Create a self-signed root CA (for the deployment or for tests)."""
    key = generate_private_key(key_type, rsa_bits=rsa_bits)
    name = _name(common_name, org=org)
    now = _now()
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _dt.timedelta(hours=1))
        .not_valid_after(now + _dt.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(key, _hash_for(key))
    )
    return CertifiedKey(cert, key)


def issue_certificate(
    ca: CertifiedKey,
    subject_name: str,
    *,
    purpose: Purpose = "person",
    email: str | None = None,
    organization: str | None = None,
    key_type: KeyType = "rsa",
    rsa_bits: int = 2048,
    curve: ec.EllipticCurve | None = None,
    valid_days: int = 730,
) -> CertifiedKey:
    """Issue an end-entity certificate signed by ``ca`` for a new key generated here.

    ``purpose``: "person" (officer, leader), "seal" (agency seal), "anchor" (the daily audit
    anchor) -> digitalSignature + nonRepudiation; "tsa" -> digitalSignature and the critical timeStamping EKU.
    """
    if purpose not in ("person", "seal", "tsa", "anchor"):
        raise PkiError(f"Unknown certificate purpose {purpose!r}.")
    key = generate_private_key(key_type, rsa_bits=rsa_bits, curve=curve)
    cert = certify_public_key(
        ca,
        key.public_key(),
        subject_name,
        purpose=purpose,
        email=email,
        organization=organization,
        valid_days=valid_days,
    )
    return CertifiedKey(cert, key, chain=(ca.certificate, *ca.chain))


def certify_public_key(
    ca: CertifiedKey,
    public_key: PublicKey,
    subject_name: str,
    *,
    purpose: Purpose = "person",
    email: str | None = None,
    organization: str | None = None,
    valid_days: int = 730,
    key_identifier: bytes | None = None,
) -> x509.Certificate:
    """An end-entity certificate signed by ``ca`` for a key held elsewhere (e.g. on a PKCS#11
    token, whose private key never leaves it).

    ``key_identifier`` is the Subject Key Identifier (default: the SHA-1 of the public key,
    RFC 5280 method 1); for a token key it is the key's CKA_ID, so that the certificate names
    its key (RFC 5280 allows any unique value).
    """
    if purpose not in ("person", "seal", "tsa", "anchor"):
        raise PkiError(f"Unknown certificate purpose {purpose!r}.")
    _check_key(public_key)
    now = _now()
    not_after = min(now + _dt.timedelta(days=valid_days), ca.certificate.not_valid_after_utc)
    ca_ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    ski = (
        x509.SubjectKeyIdentifier(key_identifier)
        if key_identifier
        else x509.SubjectKeyIdentifier.from_public_key(public_key)
    )
    signer = purpose != "tsa"
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject_name, org=organization, email=email))
        .issuer_name(ca.certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _dt.timedelta(hours=1))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=signer,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
    )
    if purpose == "tsa":
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    if email:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False
        )
    return builder.sign(ca.private_key, _hash_for(ca.private_key))


# -- containers ------------------------------------------------------------------------------


def load_pkcs12(data: bytes, password: bytes | None) -> CertifiedKey:
    """Load a PKCS#12 (.p12/.pfx) container: key, certificate and CA chain.

    Raises :class:`WrongPasswordError` for a wrong/missing password and :class:`PkiError`
    for anything else that makes the container unusable (weak key, no key, not PKCS#12).
    """
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, password)
    except ValueError as exc:
        msg = str(exc).lower()
        if "password" in msg or "mac" in msg or "decrypt" in msg:
            raise WrongPasswordError("Sai mật khẩu tệp PKCS#12 / wrong PKCS#12 password.") from None
        raise PkiError("Not a readable PKCS#12 container.") from None
    except TypeError:
        raise WrongPasswordError(
            "Tệp PKCS#12 cần mật khẩu / the PKCS#12 container needs a password."
        ) from None
    if key is None or cert is None:
        raise PkiError("The PKCS#12 container has no private key or no certificate.")
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise PkiError(f"Unsupported key type {type(key).__name__} (RSA or ECDSA only).")
    _check_key(key)
    return CertifiedKey(cert, key, chain=tuple(extra or ()))


def export_pkcs12(
    ck: CertifiedKey, password: bytes, *, friendly_name: bytes | None = None
) -> bytes:
    """Export to an encrypted PKCS#12 container (AES-256, PBKDF2)."""
    if not password:
        raise PkiError("A password is required to export a private key.")
    return pkcs12.serialize_key_and_certificates(
        friendly_name or ck.subject_cn.encode("utf-8"),
        ck.private_key,
        ck.certificate,
        list(ck.chain) or None,
        serialization.BestAvailableEncryption(password),
    )


def encrypt_key_pem(key: PrivateKey, password: bytes) -> bytes:
    """PKCS#8 PEM encrypted with the best available encryption (keys at rest)."""
    if not password:
        raise PkiError("A password is required to store a private key.")
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password),
    )


def load_key_pem(data: bytes, password: bytes) -> PrivateKey:
    """Load a key written by :func:`encrypt_key_pem`."""
    try:
        key = serialization.load_pem_private_key(data, password)
    except (ValueError, TypeError):
        raise WrongPasswordError("Wrong password or unreadable private key.") from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise PkiError("Unsupported key type (RSA or ECDSA only).")
    _check_key(key)
    return key


def cert_to_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


# -- trust store -----------------------------------------------------------------------------


class TrustStore:
    """Trusted root certificates (e.g. the national root CA and the deployment CA)."""

    def __init__(self, roots: Iterable[x509.Certificate] = ()) -> None:
        self._roots: list[x509.Certificate] = []
        for cert in roots:
            self.add(cert)

    def add(self, cert: x509.Certificate) -> None:
        if cert not in self._roots:
            self._roots.append(cert)

    @classmethod
    def from_pem(cls, data: bytes) -> TrustStore:
        try:
            return cls(x509.load_pem_x509_certificates(data))
        except ValueError:
            raise PkiError("No PEM certificate could be read.") from None

    @classmethod
    def from_pem_files(cls, paths: Iterable[str | Path]) -> TrustStore:
        store = cls()
        for path in paths:
            for cert in cls.from_pem(Path(path).read_bytes()):
                store.add(cert)
        return store

    @classmethod
    def from_pem_dir(cls, path: str | Path) -> TrustStore:
        """Every ``*.pem`` / ``*.crt`` file of a directory (sorted by name)."""
        directory = Path(path)
        files = sorted(
            p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in (".pem", ".crt")
        )
        return cls.from_pem_files(files)

    @property
    def roots(self) -> tuple[x509.Certificate, ...]:
        return tuple(self._roots)

    def __iter__(self) -> Iterator[x509.Certificate]:
        return iter(self._roots)

    def __len__(self) -> int:
        return len(self._roots)

    def __contains__(self, cert: object) -> bool:
        return cert in self._roots

    def __repr__(self) -> str:
        names = ", ".join(common_name(c.subject) for c in self._roots)
        return f"TrustStore([{names}])"
