"""Signers: keys that produce the CMS signature of a PAdES signature.

:class:`KeyFileSigner` holds the key in memory (from a :class:`~signatures.pki.CertifiedKey`
or PKCS#12 bytes); :class:`signatures.token.TokenSigner` signs with a key on a PKCS#11 token.
"""

from __future__ import annotations

import abc

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.sign import signers as ph_signers
from pyhanko.sign.general import SigningError
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import process_pss_params

from .asn1 import certificate_store, to_asn1_cert
from .levels import hash_for_digest
from .pki import CertifiedKey, PrivateKey, common_name, load_pkcs12

__all__ = ["KeyFileSigner", "Signer"]


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
        md = hash_for_digest(digest_algorithm.lower())
        if algo == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), md)
        if algo == "rsassa_pss" and isinstance(key, rsa.RSAPrivateKey):
            pss, pss_md = process_pss_params(mech["parameters"])
            return key.sign(data, pss, pss_md)
        if algo == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(md))
        raise SigningError(f"Signature mechanism {algo} does not match the key.")


class BuiltSigner(Signer):
    """A signer whose certificate, chain and pyHanko signer are fixed when it is built."""

    _certificate: x509.Certificate
    _chain: tuple[x509.Certificate, ...]
    _signer: ph_signers.Signer

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        return self._chain

    def pyhanko_signer(self) -> ph_signers.Signer:
        return self._signer


class KeyFileSigner(BuiltSigner):
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
            certificate_store(self._chain),
            prefer_pss,
        )

    @classmethod
    def from_pkcs12(
        cls, data: bytes, password: bytes | None, *, prefer_pss: bool = False
    ) -> KeyFileSigner:
        return cls(load_pkcs12(data, password), prefer_pss=prefer_pss)
