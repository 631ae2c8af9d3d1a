"""The citizens' filing API: idempotent drafts, attachments, submission, lookup, applicant actions."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Dossier, DossierFile
from portal.models.filing import Rating
from tests.conftest import PASSWORD
from tests.integration.filing_helpers import EXE, PDF, pdf, png, procedure, valid_data
from tests.integration.lifecycle_helpers import act, build_office, vn
from workflow.codes import parse_code


@pytest.fixture
def office(make_user):
    return build_office(make_user, procedure("LC-05"))


def token(client, username):
    response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def create(client, headers, key="k-1", data=None):
    proc = procedure("LC-05")
    return client.post("/api/v1/dossiers", json={"procedure": "LC-05", "data": data or valid_data(proc)},
                       headers={**headers, "Idempotency-Key": key})


def attach(client, headers, dossier_id, document, content, name="giay-to.pdf"):
    return client.post(f"/api/v1/dossiers/{dossier_id}/attachments", headers=headers, content_type="multipart/form-data",
                       data={"document": document, "file": (io.BytesIO(content), name)})


def dossier_count(user) -> int:
    return db.session.scalar(select(func.count()).select_from(Dossier).where(Dossier.applicant_id == user.id))


def test_idempotent_creation(client, office):
    headers = token(client, office.citizen.username)
    first = create(client, headers)
    assert first.status_code == 201 and first.get_json()["status"] == "draft"
    replay = create(client, headers)
    assert replay.status_code == 200 and replay.get_json()["id"] == first.get_json()["id"]
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert dossier_count(office.citizen) == 1
    other = create(client, headers, data={**valid_data(procedure("LC-05")), "temp_address": "Nơi khác"})
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "idempotency_key_reused"
    assert create(client, headers, key="k-2").status_code == 201
    assert dossier_count(office.citizen) == 2


def test_creation_checks_the_e_form(client, office):
    headers = token(client, office.citizen.username)
    bad = create(client, headers, data={"phone": "abc"})
    assert bad.status_code == 422 and "phone" in bad.get_json()["error"]["fields"]
    unknown = create(client, headers, data={"nope": "x"})
    assert unknown.status_code == 422 and unknown.get_json()["error"]["code"] == "unknown_fields"
    assert client.post("/api/v1/dossiers", json={"procedure": "KHONG-CO"}, headers=headers).status_code == 404
    officer = token(client, office.officer.username)
    assert create(client, officer).status_code == 403
    assert client.post("/api/v1/dossiers", json={"procedure": "LC-05"}).status_code == 401
    assert dossier_count(office.citizen) == 0


def test_attachments_and_submission(client, office, make_user):
    headers = token(client, office.citizen.username)
    dossier_id = create(client, headers).get_json()["id"]
    docs = procedure("LC-05").documents
    key = docs[0]["key"]
    assert attach(client, headers, dossier_id, key, b"plain text").status_code == 415
    assert attach(client, headers, dossier_id, key, EXE, name="hop-le.pdf").status_code == 415
    assert attach(client, headers, dossier_id, key, b"").status_code == 422
    unknown = attach(client, headers, dossier_id, "khong-co", PDF)
    assert unknown.status_code == 422 and unknown.get_json()["error"]["code"] == "unknown_document"
    client.application.config["MAX_UPLOAD_BYTES"], saved = 1024, client.application.config["MAX_UPLOAD_BYTES"]
    try:
        too_big = attach(client, headers, dossier_id, key, PDF + b"0" * 2048)
    finally:
        client.application.config["MAX_UPLOAD_BYTES"] = saved
    assert too_big.status_code == 413 and too_big.get_json()["error"]["code"] == "file_too_large"
    assert db.session.scalar(select(func.count()).select_from(DossierFile)) == 0
    incomplete = client.post(f"/api/v1/dossiers/{dossier_id}/submit", headers=headers)
    assert incomplete.status_code == 422 and incomplete.get_json()["error"]["code"] == "documents_missing"
    for doc in docs:
        if doc["required"]:
            response = attach(client, headers, dossier_id, doc["key"], png(1, 2) if doc["key"] == key else PDF)
            assert response.status_code == 201, response.get_json()
    stranger = make_user(username="nguoila")
    other = token(client, stranger.username)
    assert attach(client, other, dossier_id, key, PDF).status_code == 404
    assert client.post(f"/api/v1/dossiers/{dossier_id}/submit", headers=other).status_code == 404
    bad_delivery = client.post(f"/api/v1/dossiers/{dossier_id}/submit", json={"delivery": {"method": "post"}},
                               headers=headers)
    assert bad_delivery.status_code == 422
    done = client.post(f"/api/v1/dossiers/{dossier_id}/submit", json={"delivery": {"method": "online"}}, headers=headers)
    assert done.status_code == 200 and done.get_json()["status"] == "submitted" and parse_code(done.get_json()["code"])  # a code at once
    again = client.post(f"/api/v1/dossiers/{dossier_id}/submit", headers=headers)
    assert again.status_code == 200 and again.get_json()["version"] == done.get_json()["version"]
    mine = client.get("/api/v1/dossiers", headers=headers).get_json()["items"]
    assert [d["id"] for d in mine] == [dossier_id] and len(mine[0]["documents"]) == 2
    assert client.get("/api/v1/dossiers", headers=other).get_json()["items"] == []


def test_public_lookup_has_no_personal_data(client, office):
    headers = token(client, office.citizen.username)
    dossier_id = create(client, headers).get_json()["id"]
    for doc in procedure("LC-05").documents:
        if doc["required"]:
            attach(client, headers, dossier_id, doc["key"], pdf(doc["key"]))
    client.post(f"/api/v1/dossiers/{dossier_id}/submit", headers=headers)
    act(dossier_id, "accept", office.officer, vn(2026, 11, 23, 8, 0))
    code = db.session.get(Dossier, dossier_id).code
    body = client.get(f"/api/v1/lookup/{code}").get_json()
    assert body["status"] == "accepted" and body["status_code"] == 2 and body["due_at"].endswith("+07:00")
    text = str(body)
    assert "Lò Văn Pả" not in text and office.citizen.id_number not in text and "applicant" not in body
    assert client.get("/api/v1/lookup/000.00.00.H00-000000-0000").status_code == 404


def test_applicant_actions_through_the_actions_endpoint(client, office):
    headers = token(client, office.citizen.username)
    dossier_id = create(client, headers).get_json()["id"]
    for doc in procedure("LC-05").documents:
        if doc["required"]:
            attach(client, headers, dossier_id, doc["key"], pdf(doc["key"]))
    client.post(f"/api/v1/dossiers/{dossier_id}/submit", headers=headers)
    act(dossier_id, "accept", office.officer, vn(2026, 11, 23, 8, 0))
    act(dossier_id, "request_supplement", office.officer, vn(2026, 11, 23, 9, 0), reason="Sai chủ hộ",
        items=["household_head"])
    url = f"/api/v1/dossiers/{dossier_id}/actions/supplement"
    outside = client.post(url, json={"data": {"temp_address": "Khác"}}, headers=headers)
    assert outside.status_code == 422
    ok = client.post(url, json={"data": {"household_head": "Lò Thị Mai"}, "comment": "Đã sửa"}, headers=headers)
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["status"] == "accepted" and ok.get_json()["data"]["household_head"] == "Lò Thị Mai"
    assert client.post(f"/api/v1/dossiers/{dossier_id}/actions/rate", json={"level": "satisfied"},
                       headers=headers).status_code == 409
    assert client.post(f"/api/v1/dossiers/{dossier_id}/actions/withdraw", json={}, headers=headers).status_code == 422
    gone = client.post(f"/api/v1/dossiers/{dossier_id}/actions/withdraw", json={"reason": "Không cần nữa"}, headers=headers)
    assert gone.status_code == 200 and gone.get_json()["status"] == "withdrawn"
    assert db.session.scalar(select(func.count()).select_from(Rating)) == 0


def test_openapi_documents_the_filing_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/dossiers", "/api/v1/dossiers/{dossier_id}/attachments", "/api/v1/dossiers/{dossier_id}/submit",
                 "/api/v1/lookup/{code}", "/api/v1/payments/sandbox/callback"):
        assert path in paths


def test_submit_with_a_json_array_body_is_a_clear_400(client, make_user):
    from tests.conftest import PASSWORD

    make_user(username="mangjson")
    token = client.post("/api/v1/auth/token", json={"username": "mangjson", "password": PASSWORD}).get_json()["token"]
    response = client.post("/api/v1/dossiers/1/submit", json=[1, 2], headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
