"""Detached CMS signature and RFC 3161 timestamp of the audit anchor's statement
(signatures/anchor.py), with the test PKI and the local TSA."""

from __future__ import annotations

import hashlib

import pytest

from signatures import anchor
from signatures.testing import TestPKI

STATEMENT = b'{"day": "2026-11-29", "root": "ab"}\n'


@pytest.fixture(scope="module")
def pki():
    return TestPKI.get()


def test_a_signature_verifies_and_catches_a_change(pki):
    signature = anchor.sign_detached(pki.seal, STATEMENT)
    roots = [pki.root.certificate]
    assert anchor.verify_detached(STATEMENT, signature, roots) is None
    assert anchor.verify_detached(STATEMENT.replace(b"29", b"28"), signature, roots) == "the signed content was changed"
    assert anchor.verify_detached(STATEMENT, signature, [pki.untrusted_root.certificate]) is not None
    broken = bytearray(signature)
    broken[-5] ^= 0xFF
    assert anchor.verify_detached(STATEMENT, bytes(broken), roots) is not None
    assert anchor.verify_detached(STATEMENT, b"not cms", roots).startswith("unreadable")


def test_a_timestamp_is_over_the_root(pki):
    root = hashlib.sha256(b"root").digest()
    token = anchor.timestamp_digest(pki.timestamper(), root)
    roots = [pki.root.certificate]
    check = anchor.verify_timestamp(token, root, roots)
    assert check.problem is None and check.time == anchor.timestamp_time(token)
    assert anchor.verify_timestamp(token, hashlib.sha256(b"other").digest(), roots).problem == \
        "the timestamp is over another value"
    assert anchor.verify_timestamp(token, root, [pki.untrusted_root.certificate]).problem == \
        "the timestamp authority is not trusted"
    assert anchor.verify_timestamp(b"junk", root, roots).problem.startswith("unreadable")
