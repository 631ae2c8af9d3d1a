"""The transaction boundary (``portal.transaction``): one transaction per request.

A use case only flushes; the request commits when its answer is below 400, and rolls back
otherwise, or when the view reported a refusal with ``refused(error)`` although it answers with a
redirect or a page (200/302), or when the view raised. A refusal that is a fact worth keeping
(a failed sign-in) is committed although the answer is an error.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, DossierFile, LoginAttempt
from portal.operations import audit, filing
from tests.conftest import PASSWORD, csrf_token_from
from tests.integration.filing_helpers import pdf, procedure, upload


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def stored_files(app) -> set[Path]:
    return {p for p in Path(app.config["STORAGE_DIR"]).rglob("*") if p.is_file()}


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


def draft_with_documents_page(client, pages, make_user):
    citizen = make_user()
    assert pages.login(citizen.username, PASSWORD).status_code == 302
    proc = procedure("LC-05")
    dossier, _ = filing.start_draft(citizen, proc, {})
    db.session.commit()
    token = csrf_token_from(client.get(f"/ho-so/{dossier.id}/giay-to").get_data(as_text=True))
    return dossier, proc.documents[0]["key"], token


def test_a_use_case_that_writes_then_refuses_leaves_nothing_behind_a_redirect(client, pages, make_user, app):
    """Two files in one upload: the first is stored and flushed, the second (empty) is refused.
    The page redirects (302) with the reason flashed, and neither file is kept."""
    dossier, key, token = draft_with_documents_page(client, pages, make_user)
    before = stored_files(app)
    first = pdf(uuid.uuid4().hex)  # content never stored before: its blob file is new
    response = client.post(f"/ho-so/{dossier.id}/giay-to/{key}", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": [upload("a.pdf", first), upload("b.pdf", b"")]})
    assert response.status_code == 302 and response.headers["Location"].endswith("/giay-to#giay-to")
    assert [category for category, _message in flashes(client)] == ["error"]
    assert count(DossierFile, DossierFile.dossier_id == dossier.id) == 0
    assert stored_files(app) == before  # the stored file of the rolled-back transaction is removed

    # The same upload without the refused file is kept: a redirect commits.
    response = client.post(f"/ho-so/{dossier.id}/giay-to/{key}", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": upload("a.pdf", first)})
    assert response.status_code == 302
    assert count(DossierFile, DossierFile.dossier_id == dossier.id) == 1


def test_a_failed_sign_in_is_counted_although_the_answer_is_an_error(pages, client, make_user):
    make_user(username="lothimai")
    assert pages.login("lothimai", "SaiMatKhau1").status_code == 401
    response = client.post("/api/v1/auth/token", json={"username": "lothimai", "password": "SaiMatKhau2"})
    assert response.status_code == 401
    attempts = db.session.scalars(select(LoginAttempt).where(LoginAttempt.username == "lothimai")).all()
    assert [a.succeeded for a in attempts] == [False, False]
    assert count(AuditEntry, AuditEntry.action == "auth.failed", AuditEntry.actor == "lothimai") == 2


def test_an_unexpected_exception_in_a_view_rolls_back(client, pages, make_user, monkeypatch):
    citizen = make_user()
    assert pages.login(citizen.username, PASSWORD).status_code == 302
    token = csrf_token_from(client.get("/ho-so/thong-bao").get_data(as_text=True))

    def write_then_crash(user):
        audit.record("test.written_before_the_crash", user=user)
        db.session.flush()
        raise RuntimeError("unexpected")

    monkeypatch.setattr("portal.operations.notifications.mark_all_read", write_then_crash)
    response = client.post("/ho-so/thong-bao/da-doc", data={"csrf_token": token})
    assert response.status_code == 500
    assert count(AuditEntry, AuditEntry.action == "test.written_before_the_crash") == 0
