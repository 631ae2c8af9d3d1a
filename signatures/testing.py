"""Deterministic test PKI and a local RFC 3161 timestamp authority (no network).

``TestPKI.get()`` builds, once per process, a root CA with an officer, a leader, an agency
seal and a TSA certificate, plus an unrelated "untrusted" root with its own signer. The
structure and names are always the same; the keys are random. Also used as the development
"local TSA" (never in production: the TSA key lives in process memory).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import cms, core
from asn1crypto import keys as asn1_keys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pyhanko.sign.general import as_signing_certificate, simple_cms_attribute
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator import ValidationContext

from .asn1 import certificate_store, to_asn1_cert
from .levels import hash_for_digest
from .pki import CertifiedKey, TrustStore, create_ca, issue_certificate

__all__ = ["LocalTimeStamper", "TestPKI", "local_timestamper"]

ORG = "Ủy ban nhân dân tỉnh Lai Châu"


class LocalTimeStamper(DummyTimeStamper):
    """pyHanko's in-process TSA, signing with a key parsed once.

    ``DummyTimeStamper`` loads its DER key again for every token, and loading an RSA private key
    checks the key's consistency: dearer than the signature itself. Here the parsed key is kept.
    """

    def __init__(self, tsa: CertifiedKey) -> None:
        key = tsa.private_key
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("The local timestamp authority signs with RSA keys only.")
        key_der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        super().__init__(
            tsa_cert=to_asn1_cert(tsa.certificate),
            tsa_key=asn1_keys.PrivateKeyInfo.load(key_der),
            certs_to_embed=certificate_store(tsa.chain),
        )
        self._parsed_key = key

    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, dt: datetime):
        algorithm = hash_for_digest(md_algorithm.lower())
        digest = hashes.Hash(algorithm)
        digest.update(tst_info_data)
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                simple_cms_attribute("signing_certificate", as_signing_certificate(self.tsa_cert)),
                simple_cms_attribute("message_digest", digest.finalize()),
            ]
        )
        signature = self._parsed_key.sign(signed_attrs.dump(), padding.PKCS1v15(), algorithm)
        return signature, signed_attrs


def local_timestamper(tsa: CertifiedKey) -> LocalTimeStamper:
    """An in-process RFC 3161 TSA signing with ``tsa`` (RSA only, like pyHanko's dummy TSA)."""
    return LocalTimeStamper(tsa)


@dataclass(frozen=True, repr=False)
class TestPKI:
    """The test PKI. Use :meth:`get` (cached per process); building it costs ~1 s of RSA."""

    __test__ = False  # not a pytest test class

    root: CertifiedKey
    officer: CertifiedKey
    leader: CertifiedKey
    seal: CertifiedKey
    tsa: CertifiedKey
    untrusted_root: CertifiedKey
    untrusted_signer: CertifiedKey

    @classmethod
    def build(cls) -> TestPKI:
        root = create_ca("CA Thử nghiệm Dịch vụ công Lai Châu", ORG)
        other = create_ca("CA Không tin cậy", "Tổ chức lạ")
        return cls(
            root=root,
            officer=issue_certificate(
                root,
                "Nguyễn Thị Hoà",
                purpose="person",
                email="hoa.nt@laichau.gov.vn",
                organization="Bộ phận Một cửa tỉnh Lai Châu",
            ),
            leader=issue_certificate(
                root,
                "Trần Văn Đức",
                purpose="person",
                email="duc.tv@laichau.gov.vn",
                organization=ORG,
            ),
            seal=issue_certificate(root, ORG, purpose="seal", organization=ORG),
            tsa=issue_certificate(
                root, "Dịch vụ cấp dấu thời gian thử nghiệm", purpose="tsa", organization=ORG
            ),
            untrusted_root=other,
            untrusted_signer=issue_certificate(other, "Người Giả Mạo", purpose="person"),
        )

    @classmethod
    def get(cls) -> TestPKI:
        with _lock:
            global _cached
            if _cached is None:
                _cached = cls.build()
            return _cached

    @property
    def trust_store(self) -> TrustStore:
        return TrustStore([self.root.certificate])

    def timestamper(self) -> LocalTimeStamper:
        return local_timestamper(self.tsa)

    def validation_context(self) -> ValidationContext:
        """Offline validation context trusting the test root (for signing B-LT/B-LTA)."""
        return ValidationContext(
            trust_roots=[to_asn1_cert(self.root.certificate)],
            allow_fetching=False,
            revocation_mode="soft-fail",
        )

    def __repr__(self) -> str:
        return f"TestPKI(root={self.root!r})"


_lock = threading.Lock()
_cached: TestPKI | None = None
