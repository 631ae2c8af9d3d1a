import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Procedure
from tests.conftest import PASSWORD

REGISTRATION = {"username": "apiuser", "password": "HoaBanTrang2026", "full_name": "Vàng A Dế",
                "id_number": "012090654321", "phone": "0987654321", "email": "de@example.vn"}


def error_code(response):
    body = response.get_json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])
    return body["error"]["code"]


def test_register_then_token_then_me_then_revoke(client):
    response = client.post("/api/v1/auth/register", json=REGISTRATION)
    assert response.status_code == 202, response.get_json()
    response = client.post("/api/v1/auth/token", json={"username": "apiuser", "password": "HoaBanTrang2026"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["expires_at"].endswith("+07:00")
    headers = {"Authorization": f"Bearer {body['token']}"}
    assert client.get("/api/v1/me", headers=headers).get_json()["full_name"] == "Vàng A Dế"
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_register_duplicate_and_invalid(client):
    assert client.post("/api/v1/auth/register", json=REGISTRATION).status_code == 202
    response = client.post("/api/v1/auth/register", json=REGISTRATION)
    assert response.status_code == 409 and error_code(response) == "username_taken"
    response = client.post("/api/v1/auth/register", json={**REGISTRATION, "username": "other", "id_number": "123"})
    assert response.status_code == 422
    assert "id_number" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("body, content_type, status", [
    ("{not json", "application/json", 400),
    ("[1, 2]", "application/json", 400),
    ("username=x", "application/x-www-form-urlencoded", 415),
])
def test_malformed_bodies(client, body, content_type, status):
    response = client.post("/api/v1/auth/token", data=body, content_type=content_type)
    assert response.status_code == status
    error_code(response)


def test_wrong_password_and_rate_limit(client, make_user, app):
    make_user(username="lovanpa")
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_USER"]):
        response = client.post("/api/v1/auth/token", json={"username": "lovanpa", "password": "Sai12345678"})
        assert response.status_code == 401
    response = client.post("/api/v1/auth/token", json={"username": "lovanpa", "password": PASSWORD})
    assert response.status_code == 429 and error_code(response) == "rate_limited"
    assert int(response.headers["Retry-After"]) > 0


def test_missing_or_forged_token(client):
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer forged"}).status_code == 401


def test_procedures_list_filters_and_detail(client):
    body = client.get("/api/v1/procedures").get_json()
    assert body["total"] == 30 and len(body["items"]) == 30
    level4 = client.get("/api/v1/procedures?level=4").get_json()
    assert all(item["level"] == 4 for item in level4["items"])
    assert level4["total"] == db.session.query(Procedure).filter(Procedure.level == 4).count()
    found = client.get("/api/v1/procedures", query_string={"q": "khai sinh"}).get_json()
    assert found["total"] >= 1
    code = found["items"][0]["code"]
    detail = client.get(f"/api/v1/procedures/{code}").get_json()
    assert detail["documents"] and detail["steps"] and detail["legal_basis"]
    assert detail["form"]["type"] == "object" and detail["form"]["properties"]


def test_procedure_form_is_a_valid_json_schema(client):
    jsonschema = pytest.importorskip("jsonschema")
    for p in db.session.scalars(select(Procedure)).all():
        schema = client.get(f"/api/v1/procedures/{p.code}").get_json()["form"]
        jsonschema.Draft202012Validator.check_schema(schema)


def test_unknown_procedure_and_bad_parameters(client):
    response = client.get("/api/v1/procedures/khong-co")
    assert response.status_code == 404 and error_code(response) == "not_found"
    for query in ("level=7", "page=0", "per_page=1000", "level=abc"):
        response = client.get(f"/api/v1/procedures?{query}")
        assert response.status_code == 400, query


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/khong-co")
    assert response.status_code == 404 and error_code(response) == "not_found"


def test_openapi_documents_every_api_route(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = rule.rule.replace("<", "{").replace(">", "}")
            path = path.replace("{int:", "{").replace("{path:", "{")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes.add((path, method))
    assert routes == documented
