"""Shared pieces of the office tests (queue, actions, desk, forms)."""

from __future__ import annotations

import unicodedata
from io import BytesIO

import pytest
from pypdf import PdfReader
from werkzeug import security


@pytest.fixture
def fast_passwords(monkeypatch):
    """Cheap password hashes for the many accounts these tests create (the production hash
    is deliberately slow; its strength is tested in test_accounts)."""
    import portal.models.user as user_module

    monkeypatch.setattr(user_module, "generate_password_hash",
                        lambda password: security.generate_password_hash(password, method="pbkdf2:sha256:1"))


def pdf_text(pdf: bytes) -> str:
    text = " ".join((p.extract_text() or "") for p in PdfReader(BytesIO(pdf)).pages)
    return " ".join(unicodedata.normalize("NFC", text).split())
