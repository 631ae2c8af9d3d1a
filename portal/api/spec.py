"""The OpenAPI 3 description of the API, kept next to the routes it describes.

A test checks that every /api/v1 route of the application is documented here and that
every documented path exists.
"""

from __future__ import annotations

from flask import jsonify

from portal.api import auth, catalogue, dossiers, filing, office, stats, verify
from portal.api.blueprint import bp


def _error_response(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": _error_response("Malformed request"),
    "415": _error_response("Not JSON"),
    "422": _error_response("Invalid content"),
}

PROCEDURE_SUMMARY = {
    "type": "object",
    "properties": {
        "code": {"type": "string"}, "name": {"type": "string"}, "name_en": {"type": "string"},
        "field": {"type": "object"}, "agency": {"type": "object"},
        "level": {"type": "integer", "enum": [2, 3, 4]}, "level_name": {"type": "string"},
        "processing_days": {"type": "integer"}, "online_processing_days": {"type": ["integer", "null"]},
        "fee": {"type": "object"},
    },
    "required": ["code", "name", "level", "processing_days"],
}

SPEC = {
    "openapi": "3.1.0",
    "info": {
        "title": "Cổng Dịch vụ công tỉnh Lai Châu — API",
        "version": "1.0.0",
        "description": "API cho Cổng Dịch vụ công quốc gia, ứng dụng di động và hệ thống khác. "
                       "Thời gian theo ISO 8601, múi giờ +07:00.",
    },
    "servers": [{"url": "/"}],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {
                "type": "object",
                "properties": {"error": {"type": "object", "properties": {
                    "code": {"type": "string"}, "message": {"type": "string"}}, "required": ["code", "message"]}},
                "required": ["error"],
            },
            "ProcedureSummary": PROCEDURE_SUMMARY,
        },
    },
    "paths": {
        "/api/v1/auth/token": {
            "post": {
                "summary": "Đăng nhập, nhận mã truy cập (Bearer)",
                "requestBody": _body({"type": "object", "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
                                      "required": ["username", "password"]}),
                "responses": {"200": _json({"type": "object", "properties": {"token": {"type": "string"},
                                                                             "expires_at": {"type": "string", "format": "date-time"}}}),
                              "401": _error_response("Wrong username or password"),
                              "429": _error_response("Too many failed attempts"), **ERRORS},
            },
            "delete": {"summary": "Thu hồi mã truy cập đang dùng (đăng xuất trên web thu hồi mọi mã của tài khoản)",
                       "security": [{"bearer": []}],
                       "responses": {"204": {"description": "Revoked"}, "401": _error_response("No or invalid token")}},
        },
        "/api/v1/auth/register": {
            "post": {
                "summary": "Đăng ký tài khoản công dân",
                "requestBody": _body({"type": "object", "properties": {
                    "username": {"type": "string"}, "password": {"type": "string"}, "full_name": {"type": "string"},
                    "id_number": {"type": "string", "pattern": r"^\d{12}$"}, "phone": {"type": "string"},
                    "email": {"type": "string", "format": "email"}},
                    "required": ["username", "password", "full_name", "id_number", "phone"]}),
                "description": "The same 202 whether an account was created or the ID number already had "
                               "one (its owner is told by notification and e-mail): the answer does not "
                               "reveal whether someone else's ID number has an account.",
                "responses": {"202": _json({"type": "object", "properties": {
                                  "status": {"type": "string"}, "username": {"type": "string"},
                                  "message": {"type": "string"}}}, "Received"),
                              "409": _error_response("Username already taken"), **ERRORS},
            }
        },
        "/api/v1/me": {
            "get": {"summary": "Tài khoản của mã truy cập", "security": [{"bearer": []}],
                    "responses": {"200": _json({"type": "object"}), "401": _error_response("No or invalid token")}}
        },
        "/api/v1/procedures": {
            "get": {
                "summary": "Tra cứu danh mục thủ tục",
                "parameters": [
                    {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "Từ khóa, có hoặc không dấu"},
                    {"name": "field", "in": "query", "schema": {"type": "string"}},
                    {"name": "agency", "in": "query", "schema": {"type": "string"}},
                    {"name": "level", "in": "query", "schema": {"type": "integer", "enum": [2, 3, 4]}},
                    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                ],
                "responses": {"200": _json({"type": "object", "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/ProcedureSummary"}},
                    "total": {"type": "integer"}}}), "400": _error_response("Bad parameter")},
            }
        },
        "/api/v1/procedures/{code}": {
            "get": {
                "summary": "Chi tiết thủ tục: giấy tờ, biểu mẫu điện tử (JSON Schema), quy trình",
                "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": _json({"type": "object"}), "404": _error_response("Unknown procedure")},
            }
        },
        "/api/v1/openapi.json": {
            "get": {"summary": "Tài liệu OpenAPI này", "responses": {"200": _json({"type": "object"})}}
        },
    },
}


#: Every module of the API, in the order of the published document.
MODULES = (auth, catalogue, dossiers, filing, office, verify, stats)


def full_spec() -> dict:
    """The base document plus the paths each API module declares in ``OPENAPI_PATHS``."""
    paths = dict(SPEC["paths"])
    for module in MODULES:
        paths.update(getattr(module, "OPENAPI_PATHS", {}))
    return {**SPEC, "paths": paths}


@bp.get("/openapi.json")
def openapi():
    return jsonify(full_spec())
