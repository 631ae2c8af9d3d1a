"""Building blocks of the OpenAPI document, shared by every route module of ``portal.api``.

Each route module declares ``OPENAPI_PATHS`` (its operations) and may declare
``OPENAPI_SCHEMAS`` (the schemas of its bodies, published under ``components/schemas``);
``portal.api.spec`` merges them. Every error any operation can answer is listed with the shared
``Error`` schema, so that a client (and the schemathesis run in the test suite) knows every
status an operation can return.
"""

from __future__ import annotations

#: What each error status means in this API (shared/API.md).
ERROR_DESCRIPTIONS = {
    "400": "Malformed request: not a JSON object, a missing part, a malformed parameter or Idempotency-Key",
    "401": "No token, or an invalid, expired or revoked token",
    "403": "Not allowed for this account's role, agency or process step",
    "404": "Unknown, or not yours (another person's dossier is never revealed)",
    "409": "Conflict: stale version, not allowed from this status, a duplicate, a concurrent change",
    "413": "Too large (the request, a file or the dossier)",
    "415": "Unsupported content type (not JSON, not multipart, not an accepted file type)",
    "422": "Invalid content (field errors in error.fields or error.field)",
    "429": "Too many attempts; retry after Retry-After seconds",
    "503": "A service the operation needs (timestamp authority, key store) is unavailable; nothing was changed",
}

BEARER = [{"bearer": []}]

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {"type": "string", "description": "a stable machine-readable code"},
            "message": {"type": "string", "description": "a sentence for people (Vietnamese)"},
            "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                       "description": "per-field messages of a 422"},
            "field": {"type": "string", "description": "the field an invalid value was sent in"},
        },
    }},
}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(type_: str, **extra) -> dict:
    return {"type": [type_, "null"], **extra}


def json_response(schema: dict, description: str = "OK", headers: dict | None = None) -> dict:
    response = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


def binary_response(description: str, *media_types: str, headers: dict | None = None) -> dict:
    response = {"description": description,
                "content": {media: {"schema": {"type": "string", "format": "binary"}} for media in media_types}}
    if headers:
        response["headers"] = headers
    return response


def error(status: str | int, description: str | None = None) -> dict:
    return json_response(ref("Error"), description or ERROR_DESCRIPTIONS[str(status)])


def errors(*statuses: str | int, **described: str) -> dict:
    """Error responses: ``errors(401, 404, s409="Stale version")`` (a keyword ``s<status>``
    gives an operation's own description of a status)."""
    result = {str(s): error(s) for s in statuses}
    for key, description in described.items():
        result[key.removeprefix("s")] = error(key.removeprefix("s"), description)
    return dict(sorted(result.items()))


def json_body(schema: dict, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def path_param(name: str, type_: str = "string", **schema) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": type_, **schema}}


def query_param(name: str, schema: dict, description: str | None = None, required: bool = False) -> dict:
    param = {"name": name, "in": "query", "required": required, "schema": schema}
    if description:
        param["description"] = description
    return param


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 100},
    "description": "the same key sent again returns the recorded result instead of acting twice",
}

REPLAYED_HEADER = {"Idempotent-Replayed": {"schema": {"type": "string", "enum": ["true", "false"]},
                                           "description": "true when this answer is the replay of an earlier request"}}

#: Statuses every operation behind ``token_required`` and with a JSON body can answer.
JSON_BODY_ERRORS = (400, 413, 415, 422)
