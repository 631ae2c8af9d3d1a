"""Shared pieces of the office tests (queue, actions, desk, forms)."""

from __future__ import annotations

import unicodedata
from io import BytesIO

import pytest
from pypdf import PdfReader
from werkzeug import security

from portal.extensions import db
from portal.models import Dossier
from tests.conftest import PASSWORD, csrf_token_from


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


def login(pages, user):
    pages.logout() if pages.client.get("/tai-khoan").status_code == 200 else None
    response = pages.login(user.username, PASSWORD)
    assert response.status_code == 302


def post_action(client, dossier_id, action, data=None, version=None):
    page = client.get(f"/mot-cua/ho-so/{dossier_id}")
    token = csrf_token_from(page.get_data(as_text=True))
    if version is None:
        db.session.expire_all()
        version = db.session.get(Dossier, dossier_id).version
    return client.post(f"/mot-cua/ho-so/{dossier_id}/thao-tac/{action}",
                       data={"csrf_token": token, "version": version, **(data or {})},
                       content_type="multipart/form-data", follow_redirects=True)


def status_of(dossier_id):
    db.session.expire_all()
    return db.session.get(Dossier, dossier_id)
