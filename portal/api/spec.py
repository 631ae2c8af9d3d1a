"""The OpenAPI 3 description of the API, kept next to the routes it describes.

Each route module declares ``OPENAPI_PATHS`` and may declare ``OPENAPI_SCHEMAS``; this module
merges them into one document. Tests check that every /api/v1 route of the application is
documented here and that every documented path exists, and run schemathesis against the
application (tests/integration/test_api_conformance.py): every status, content type and body an
operation answers is the one documented here.
"""

from __future__ import annotations

from flask import jsonify

from portal.api import (
    appointments,
    auth,
    catalogue,
    dossiers,
    feedback,
    filing,
    messaging,
    national,
    office,
    serialize,
    stats,
    verify,
)
from portal.api.blueprint import bp
from portal.api.openapi import ERROR_SCHEMA, error, json_response

SPEC = {
    "openapi": "3.1.0",
    "info": {
        "title": "Cổng Dịch vụ công tỉnh Lai Châu — API",
        "version": "1.0.0",
        "description": "API cho Cổng Dịch vụ công quốc gia, ứng dụng di động và hệ thống khác. "
                       "Thời gian theo ISO 8601, múi giờ +07:00. Lỗi: {\"error\": {\"code\", \"message\"}} "
                       "(components/schemas/Error).",
    },
    "servers": [{"url": "/"}],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {"Error": ERROR_SCHEMA},
    },
    "paths": {
        "/api/v1/openapi.json": {
            "get": {"summary": "Tài liệu OpenAPI này",
                    "responses": {"200": json_response({"type": "object", "required": ["openapi", "paths"]})}}
        },
    },
}


#: Every module of the API, in the order of the published document.
MODULES = (auth, catalogue, dossiers, filing, office, feedback, verify, appointments, stats, national, messaging)


def full_spec() -> dict:
    """The base document plus the paths and schemas each API module declares."""
    paths = dict(SPEC["paths"])
    schemas = dict(SPEC["components"]["schemas"])
    for module in MODULES:
        for path, operations in getattr(module, "OPENAPI_PATHS", {}).items():
            paths[path] = {**paths.get(path, {}), **operations}
    for module in (*MODULES, serialize):
        schemas.update(getattr(module, "OPENAPI_SCHEMAS", {}))
    # Every request passes the input guard first (portal/input_guard.py): control characters
    # anywhere in it are a 400, whatever the operation.
    for operations in paths.values():
        for operation in operations.values():
            operation["responses"].setdefault("400", error(400, "Malformed request, e.g. control characters "
                                                                "in the path, query, headers or body"))
    return {**SPEC, "components": {**SPEC["components"], "schemas": schemas}, "paths": dict(sorted(paths.items()))}


@bp.get("/openapi.json")
def openapi():
    return jsonify(full_spec())
