"""Hostile characters (NUL, the other C0 controls but tab/CR/LF, DEL) are refused with 400 before any
database call: every string parameter and every body field of every operation the OpenAPI document
lists, every GET page, the web forms and the names of uploaded files. File contents are untouched.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from sqlalchemy import event, func, select

from portal.extensions import db
from portal.input_guard import is_hostile, json_strings
from portal.models import Dossier, DossierFile
from portal.models.user import LoginAttempt
from tests.conftest import PASSWORD, csrf_token_from
from tests.integration.filing_helpers import JPEG, procedure, valid_data
from tests.integration.office_helpers import fast_passwords  # noqa: F401

NUL = "a\x00b"


@pytest.fixture
def statements(app):
    """The SQL statements sent to the database while the test runs (cleared by the test at will)."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def citizen(make_user, fast_passwords):  # noqa: F811
    return make_user(username="guardcitizen")


@pytest.fixture
def officer(make_user, fast_passwords):  # noqa: F811
    return make_user(role="one_stop_officer", agency=procedure("LC-05").agency.code, username="guardofficer")


def bearer(client, user) -> dict:
    response = client.post("/api/v1/auth/token", json={"username": user.username, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def assert_refused_untouched(response, statements: list[str], api: bool = True) -> None:
    assert response.status_code == 400, (response.status_code, response.get_data(as_text=True)[:300])
    if api:
        assert response.get_json()["error"]["code"] == "control_characters"
    else:
        assert "ký tự điều khiển" in response.get_data(as_text=True)
    assert statements == [], f"the database was called: {statements[:3]}"


# ---------------------------------------------------------------------------------------------
# The character class


@pytest.mark.parametrize("code", [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
def test_every_c0_control_but_tab_cr_lf_and_del_is_hostile(code):
    assert is_hostile(f"Lò Văn{chr(code)}Pả")


def test_ordinary_text_is_not_hostile():
    for text in ("Bản Hon\tTam Đường\r\nLai Châu", "Nguyễn Thị Ánh — 0912 345 678", "€ ½ \u00a0 \u0085", "🙂"):
        assert not is_hostile(text)
    assert is_hostile("\ud800")  # a lone surrogate cannot be stored as UTF-8


def test_json_strings_reach_nested_keys_and_values():
    document = {"a": [1, {"b\x00": True}, ["x", {"c": None, "d": "y\x01"}]], "e": 2.5}
    assert set(json_strings(document)) == {"a", "b\x00", "x", "c", "d", "y\x01", "e"}


# ---------------------------------------------------------------------------------------------
# Every operation of the OpenAPI document


def leaves(schema: dict, hostile: str) -> Iterator[object]:
    """One JSON value per field of ``schema`` (nested objects and arrays included) carrying ``hostile``."""
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        for name, sub in (schema.get("properties") or {}).items():
            for value in leaves(sub, hostile):
                yield {name: value}
        yield {hostile: "x"}  # a key
    elif kind == "array" and isinstance(schema.get("items"), dict):
        for value in leaves(schema["items"], hostile):
            yield [value]
    else:
        yield hostile


def operations(client) -> Iterator[tuple[str, str, dict]]:
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation


def url(path: str, operation: dict, hostile_param: str | None = None) -> str:
    for param in operation.get("parameters", []):
        if param["in"] == "path":
            value = quote(NUL) if param["name"] == hostile_param else "1"
            path = path.replace("{" + param["name"] + "}", value)
    return path


def hostile_requests(client) -> Iterator[tuple[str, str, dict]]:
    """(method, url, keyword arguments of the test client) for every hostile variant of every operation."""
    for method, path, operation in operations(client):
        for param in operation.get("parameters", []):
            if param.get("schema", {}).get("type") != "string":
                continue
            if param["in"] == "path":
                yield method, url(path, operation, param["name"]), {}
            elif param["in"] == "query":
                yield method, url(path, operation), {"query_string": {param["name"]: NUL}}
            elif param["in"] == "header":
                yield method, url(path, operation), {"headers": {param["name"]: NUL}}
        for content_type, content in operation.get("requestBody", {}).get("content", {}).items():
            schema = content.get("schema", {})
            if content_type == "application/json":
                for body in leaves(schema, NUL):
                    yield method, url(path, operation), {"json": body}
                continue
            for name, sub in (schema.get("properties") or {}).items():
                if sub.get("format") == "binary":
                    data = {name: (io.BytesIO(JPEG), "giay\x00to.jpg")}
                else:
                    data = {name: NUL}
                yield method, url(path, operation), {"data": data, "content_type": content_type}


def test_every_string_of_every_api_operation_is_refused_before_the_database(client, officer, statements):
    headers = bearer(client, officer)
    cases = list(hostile_requests(client))
    assert len(cases) > 60 and {m for m, _, _ in cases} >= {"get", "post"}
    for method, target, kwargs in cases:
        statements.clear()
        extra = kwargs.pop("headers", {})
        response = client.open(target, method=method.upper(), headers={**headers, **extra}, **kwargs)
        assert_refused_untouched(response, statements)


@pytest.mark.parametrize("target", [
    "/api/v1/lookup/a%00b", "/api/v1/procedures/a%00b", "/api/v1/procedures?q=a%00b",
    "/api/v1/office/dossiers?q=a%00b", "/api/v1/lookup/a%7Fb", "/api/v1/procedures?q=a%1Bb",
])
def test_the_reported_urls_answer_400(client, officer, statements, target):
    headers = bearer(client, officer)
    statements.clear()
    assert_refused_untouched(client.get(target, headers=headers), statements)


def test_json_bodies_of_token_register_dossier_and_action(client, citizen, officer, statements):
    headers = bearer(client, citizen)
    for target, body in [
        ("/api/v1/auth/token", {"username": NUL, "password": "x"}),
        ("/api/v1/auth/register", {"username": "moi", "password": "MatKhau2026", "full_name": "Lò\x00Pả",
                                   "id_number": "012190000009", "phone": "0912345678"}),
        ("/api/v1/dossiers", {"procedure": "LC-05", "data": {"temp_address": "Bản\x00Hon"}}),
        ("/api/v1/dossiers", {"procedure": "LC-05", "data": {"x\x00": "Bản Hon"}}),
        ("/api/v1/dossiers/1/actions/withdraw", {"version": 1, "reason": "thôi\x08"}),
    ]:
        statements.clear()
        assert_refused_untouched(client.post(target, json=body, headers=headers), statements)
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 1  # only the real sign-in


def test_a_json_body_nested_too_deep_is_a_400_not_a_500(client, statements):
    body = "[" * 100_000 + "]" * 100_000
    response = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "control_characters"


def test_tab_cr_lf_and_binary_file_contents_pass(client, citizen):
    headers = bearer(client, citizen)
    proc = procedure("LC-05")
    data = {**valid_data(proc), "temp_address": "Tổ 5\tphường Tân Phong\r\nLai Châu"}
    created = client.post("/api/v1/dossiers", json={"procedure": "LC-05", "data": data}, headers=headers)
    assert created.status_code == 201, created.get_json()
    dossier_id = created.get_json()["id"]
    assert b"\x00" in JPEG
    document = proc.documents[0]["key"]
    uploaded = client.post(f"/api/v1/dossiers/{dossier_id}/attachments", headers=headers, content_type="multipart/form-data",
                           data={"document": document, "file": (io.BytesIO(JPEG), "anh.jpg")})
    assert uploaded.status_code == 201, uploaded.get_json()
    row = db.session.get(DossierFile, uploaded.get_json()["id"])
    assert row.blob.size == len(JPEG)


# ---------------------------------------------------------------------------------------------
# Web pages and forms


def test_every_get_page_refuses_a_hostile_query_or_path(app, client, statements):
    from flask import url_for

    def target(rule, hostile_path: bool) -> str:
        values = {arg: (NUL if hostile_path and type(rule._converters[arg]).__name__ != "DatabaseId" else "1")
                  for arg in rule.arguments}
        with app.test_request_context():
            return url_for(rule.endpoint, **values)

    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        plain, hostile = target(rule, False), target(rule, True)
        for path, query in [(plain, {"q": NUL})] + ([(hostile, None)] if hostile != plain else []):
            statements.clear()
            assert_refused_untouched(client.get(path, query_string=query), statements, api=path.startswith("/api/"))
            checked += 1
    assert checked > 50


def test_the_catalogue_search_and_the_sign_in_form(client, pages, statements):
    statements.clear()
    assert_refused_untouched(client.get("/thu-tuc?q=a%00b"), statements, api=False)
    page = client.get("/dang-nhap").get_data(as_text=True)
    statements.clear()
    response = client.post("/dang-nhap", data={"csrf_token": csrf_token_from(page), "username": NUL, "password": "x"})
    assert_refused_untouched(response, statements, api=False)


def test_the_web_filing_form_and_an_uploaded_file_name(client, pages, citizen, statements):
    assert pages.login(citizen.username, PASSWORD).status_code == 302
    proc = procedure("LC-05")
    page = client.get("/ho-so/nop/LC-05").get_data(as_text=True)
    fields = {**{k: str(v) for k, v in valid_data(proc).items()}, "temp_address": "Bản\x00Hon", "step": "draft"}
    response = client.post("/ho-so/nop/LC-05", data={**fields, "csrf_token": csrf_token_from(page)})
    assert response.status_code == 400 and "ký tự điều khiển" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Dossier).where(Dossier.applicant_id == citizen.id)) == 0

    fields["temp_address"] = "Bản Hon"
    assert client.post("/ho-so/nop/LC-05", data={**fields, "csrf_token": csrf_token_from(page)}).status_code == 302
    dossier = db.session.scalar(select(Dossier).where(Dossier.applicant_id == citizen.id))
    documents = client.get(f"/ho-so/{dossier.id}/giay-to").get_data(as_text=True)
    key = proc.documents[0]["key"]
    response = client.post(f"/ho-so/{dossier.id}/giay-to/{key}", content_type="multipart/form-data", data={
        "csrf_token": csrf_token_from(documents), "file": (io.BytesIO(JPEG), "chung\x1fminh.jpg")})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(DossierFile).where(DossierFile.dossier_id == dossier.id)) == 0


def test_the_guard_answers_json_with_the_offending_part(client):
    response = client.post("/api/v1/auth/token", data=json.dumps({"username": {"k": ["\u0007"]}}),
                           content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"]["part"] == "json"


def test_a_multipart_part_without_a_name_is_no_server_error(client):
    """Werkzeug gives a part without a name the key None (found by the API fuzzing): refused."""
    body = (b"--b\r\nContent-Disposition: form-data\r\n\r\nnull\r\n"
            b"--b\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nlovanpa\r\n--b--\r\n")
    response = client.post("/dang-nhap", data=body, content_type="multipart/form-data; boundary=b")
    assert response.status_code == 400
    api = client.post("/api/v1/dossiers/1/attachments", data=body, content_type="multipart/form-data; boundary=b")
    assert api.status_code == 400 and api.get_json()["error"]["code"] == "control_characters"
    assert not is_hostile(None)
