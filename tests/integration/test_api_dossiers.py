import pytest

from tests.conftest import PASSWORD
from tests.integration.lifecycle_helpers import build_office, new_submitted, vn


@pytest.fixture
def office(make_user):
    return build_office(make_user)


def token(client, username):
    response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def test_officer_accepts_through_the_api(client, office):
    dossier = new_submitted(office, vn(2026, 11, 23, 8, 0))
    headers = token(client, office.officer.username)
    body = client.get(f"/api/v1/dossiers/{dossier.id}", headers=headers).get_json()
    assert body["status"] == "submitted" and body["status_code"] == 1
    checked = [d["key"] for d in office.procedure.documents if d.get("required")]
    response = client.post(f"/api/v1/dossiers/{dossier.id}/actions/accept", json={"version": body["version"]},
                           headers=headers)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "guard_documents_complete"
    response = client.post(f"/api/v1/dossiers/{dossier.id}/actions/accept",
                           json={"version": body["version"], "checked": checked}, headers=headers)
    assert response.status_code == 200, response.get_json()
    after = response.get_json()
    assert after["status"] == "accepted" and after["status_code"] == 2 and after["code"]
    assert after["due_at"].endswith("+07:00") and after["version"] == body["version"] + 1
    assert [h["action"] for h in after["history"]] == ["create", "submit", "accept"]


def test_errors_map_to_statuses(client, office, make_user):
    dossier = new_submitted(office, vn(2026, 11, 23, 8, 0))
    officer = token(client, office.officer.username)
    specialist = token(client, office.specialist.username)
    version = client.get(f"/api/v1/dossiers/{dossier.id}", headers=officer).get_json()["version"]
    url = f"/api/v1/dossiers/{dossier.id}/actions"
    assert client.post(f"{url}/accept", json={"version": version}, headers=specialist).status_code == 403
    assert client.post(f"{url}/return_result", json={"version": version}, headers=officer).status_code == 409
    assert client.post(f"{url}/accept", json={"version": version - 1}, headers=officer).status_code == 409
    assert client.post(f"{url}/refuse_intake", json={"version": version}, headers=officer).status_code == 422
    assert client.post(f"{url}/accept", json={}, headers=officer).status_code == 422
    assert client.post(f"{url}/fly", json={"version": version}, headers=officer).status_code == 409
    assert client.post(f"{url}/accept", data="x", content_type="text/plain", headers=officer).status_code == 415
    make_user(username="nguoila")
    stranger = token(client, "nguoila")
    assert client.get(f"/api/v1/dossiers/{dossier.id}", headers=stranger).status_code == 404
    assert client.post(f"{url}/withdraw", json={"reason": "x"}, headers=stranger).status_code == 404
    assert client.get("/api/v1/dossiers/999999", headers=officer).status_code == 404


def test_the_applicant_sees_the_dossier_and_can_withdraw_it(client, office):
    dossier = new_submitted(office, vn(2026, 11, 23, 8, 0))
    citizen = token(client, office.citizen.username)
    assert client.get(f"/api/v1/dossiers/{dossier.id}", headers=citizen).status_code == 200
    response = client.post(f"/api/v1/dossiers/{dossier.id}/actions/withdraw", json={"reason": "Nộp nhầm thủ tục"},
                           headers=citizen)
    assert response.status_code == 200 and response.get_json()["status"] == "withdrawn"
    assert response.get_json()["history"][-1]["comment"] == "Nộp nhầm thủ tục"


def test_documents_and_signed_result_through_the_api(client, office):
    from tests.integration.lifecycle_helpers import walk_to_result

    dossier = new_submitted(office, vn(2026, 11, 23, 8, 0))
    walk_to_result(office, dossier.id, vn(2026, 11, 23, 9, 0))
    citizen = token(client, office.citizen.username)
    body = client.get(f"/api/v1/dossiers/{dossier.id}", headers=citizen).get_json()
    assert body["status"] == "processed" and body["result"] is not None
    download = client.get(body["result"]["download"], headers=citizen)
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    import hashlib

    assert hashlib.sha256(download.data).hexdigest() == body["result"]["sha256"]
    assert client.get(body["result"]["download"]).status_code == 401
    assert client.get(f"/api/v1/dossiers/{dossier.id}/files/999999", headers=citizen).status_code == 404


def test_ids_beyond_the_column_range_are_404_not_500(client, office):
    headers = token(client, office.officer.username)
    for path in ("/api/v1/dossiers/36893488147419103233", "/api/v1/dossiers/1/files/4578391799869886702772448919552000",
                 "/api/v1/dossiers/527176642173207528604496658694144/forms/receipt"):
        response = client.get(path, headers=headers)
        assert response.status_code == 404, path
    assert client.get("/ho-so/99999999999999999999").status_code == 404
