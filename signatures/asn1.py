"""``cryptography`` certificates in the asn1crypto form pyHanko works with."""

from __future__ import annotations

from collections.abc import Sequence

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko_certvalidator.registry import SimpleCertificateStore

__all__ = ["certificate_store", "to_asn1_cert"]


def to_asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def certificate_store(certs: Sequence[x509.Certificate]) -> SimpleCertificateStore:
    """The certificates as a pyHanko certificate registry (the chain sent with a signature)."""
    return SimpleCertificateStore.from_certs([to_asn1_cert(c) for c in certs])
