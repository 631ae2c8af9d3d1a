"""The national public-service portal hands a dossier over: ``POST /api/v1/national/dossiers``.

Authenticated by the message signature of docs/national-portal.md (HMAC-SHA256 with
NATIONAL_PORTAL_SECRET over ``<timestamp>.<body>``, at most 300 s old), not by a token. The door
checks the signature and the shapes of the JSON, then calls the same use cases as a citizen's
own filing (``portal.operations.national.receive``), with the e-form data checked by the same
form as the web page (``validated_data``).
"""

from __future__ import annotations

from flask import current_app, jsonify, request

from portal.api.blueprint import bp
from portal.api.common import ApiAbort, json_body
from portal.api.filing import validated_data
from portal.api.openapi import JSON_BODY_ERRORS, errors, json_response, ref
from portal.api.openapi import json_body as body_doc
from portal.errors import api_error
from portal.models import Dossier
from portal.operations import national
from portal.operations.filing import FilingError, Limits
from portal.transaction import refused
from signatures.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, is_authentic
from workflow.states import NATIONAL_CODE, Status


def _refuse(status: int, message: str, code: str):
    raise ApiAbort(api_error(status, message, code))


def _text(value, name: str, limit: int, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit:
        _refuse(422, f"{name} phải là chuỗi (tối đa {limit} ký tự).", "invalid_field")
    return value.strip()


def _object(value, name: str, required: bool = True) -> dict | None:
    if value is None and not required:
        return None
    if not isinstance(value, dict):
        _refuse(422, f"{name} phải là một đối tượng JSON.", "invalid_field")
    return value


def _documents(value) -> tuple[national.NationalDocument, ...]:
    if not isinstance(value, list) or len(value) > 100:
        _refuse(422, "documents phải là một danh sách (tối đa 100 tệp).", "invalid_field")
    found = []
    for item in value:
        item = _object(item, "documents[]")
        found.append(national.NationalDocument(
            key=_text(item.get("key"), "documents[].key", 64), filename=_text(item.get("filename"), "documents[].filename", 255),
            content_type=_text(item.get("content_type"), "documents[].content_type", 100),
            content=national.decode_content(_text(item.get("content_base64"), "documents[].content_base64", 70_000_000)),
            sha256=_text(item.get("sha256"), "documents[].sha256", 64)))
    return tuple(found)


def _filing(body: dict) -> national.NationalFiling:
    return national.NationalFiling(
        national_code=_text(body.get("national_code"), "national_code", 64),
        procedure=_text(body.get("procedure"), "procedure", 64),
        applicant=_object(body.get("applicant"), "applicant"), data=_object(body.get("data") or {}, "data"),
        documents=_documents(body.get("documents") or []), payment=_object(body.get("payment"), "payment", False),
        delivery=_object(body.get("delivery"), "delivery", False),
        submitted_at=_text(body.get("submitted_at"), "submitted_at", 40, required=False) or None,
        digest=national.digest_of(body))


def _answer(dossier: Dossier, status: int):
    response = jsonify({"id": dossier.id, "code": dossier.code, "status": dossier.status,
                        "status_code": NATIONAL_CODE[Status(dossier.status)], "national_code": dossier.national_code})
    response.status_code = status
    return response


@bp.post("/national/dossiers")
def national_dossier():
    secret = current_app.config.get("NATIONAL_PORTAL_SECRET") or ""
    if not is_authentic(secret, request.headers.get(TIMESTAMP_HEADER), request.headers.get(SIGNATURE_HEADER),
                        request.get_data(cache=True)):
        return api_error(401, "Chữ ký của thông điệp không hợp lệ, thiếu hoặc đã quá hạn.", "bad_signature")
    received = _filing(json_body())
    earlier = national.earlier_filing(received.national_code, received.digest)
    if earlier is not None:
        return _answer(earlier, 200)
    procedure = national.procedure_for(received.procedure)
    data = validated_data(procedure.form_schema, received.data, final=True)
    try:
        dossier = national.receive(received, procedure, data, Limits.from_config(current_app.config))
    except FilingError as error:
        if error.code != "national_code_conflict":
            raise
        refused(error)  # received by a concurrent request meanwhile: answer as a replay when it is the same
        earlier = national.earlier_filing(received.national_code, received.digest)
        if earlier is None:
            raise
        return _answer(earlier, 200)
    return _answer(dossier, 201)


_DOCUMENT = {"type": "object", "required": ["key", "filename", "content_type", "content_base64", "sha256"], "properties": {
    "key": {"type": "string", "description": "the procedure's document key"}, "name": {"type": "string"},
    "filename": {"type": "string"}, "content_type": {"type": "string", "enum": ["application/pdf", "image/jpeg", "image/png"]},
    "content_base64": {"type": "string", "contentEncoding": "base64"},
    "sha256": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"}}}

OPENAPI_SCHEMAS = {
    "NationalDossier": {
        "type": "object", "required": ["national_code", "procedure", "applicant"],
        "properties": {
            "national_code": {"type": "string", "maxLength": 64, "description": "the national portal's dossier code"},
            "procedure": {"type": "string", "description": "national procedure code or catalogue code"},
            "submitted_at": {"type": "string", "format": "date-time"},
            "applicant": {"type": "object", "required": ["full_name", "id_number"], "properties": {
                "full_name": {"type": "string"}, "id_number": {"type": "string", "pattern": "^[0-9]{12}$"},
                "phone": {"type": "string"}, "email": {"type": "string"}, "address": {"type": "string"}}},
            "data": {"type": "object", "description": "the e-form fields of the procedure"},
            "documents": {"type": "array", "items": _DOCUMENT},
            "payment": {"type": ["object", "null"], "properties": {
                "amount": {"type": "integer"}, "paid_at": {"type": "string"}, "transaction_id": {"type": "string"}}},
            "delivery": {"type": ["object", "null"], "properties": {
                "method": {"type": "string"}, "address": {"type": "string"}}},
        },
    },
    "NationalDossierReceipt": {
        "type": "object", "required": ["id", "code", "status", "status_code", "national_code"],
        "properties": {"id": {"type": "integer"}, "code": {"type": ["string", "null"]},
                       "status": {"type": "string"}, "status_code": {"type": "integer", "minimum": 1, "maximum": 10},
                       "national_code": {"type": "string"}},
    },
}

_SIGNED = [
    {"name": TIMESTAMP_HEADER, "in": "header", "required": True, "schema": {"type": "string", "pattern": "^[0-9]{1,12}$"},
     "description": "Unix seconds; refused when more than 300 s away from the province's clock"},
    {"name": SIGNATURE_HEADER, "in": "header", "required": True, "schema": {"type": "string"},
     "description": "sha256=<hex of HMAC-SHA256(NATIONAL_PORTAL_SECRET, '<timestamp>.<raw body>')>"},
]

OPENAPI_PATHS = {
    "/api/v1/national/dossiers": {
        "post": {
            "summary": "Cổng DVC quốc gia chuyển một hồ sơ về tỉnh (thông điệp có chữ ký HMAC)",
            "description": "Idempotent by national_code: the same body again answers 200 with the same dossier. "
                           "See docs/national-portal.md.",
            "parameters": _SIGNED,
            "requestBody": body_doc(ref("NationalDossier")),
            "responses": {
                "201": json_response(ref("NationalDossierReceipt"), "Dossier created (status 1, source national portal)"),
                "200": json_response(ref("NationalDossierReceipt"), "The same request again: the same dossier"),
                **errors(*JSON_BODY_ERRORS, s401="Missing or wrong signature, or a timestamp more than 300 s away",
                         s409="This national_code was received with another body",
                         s422="Unknown procedure, invalid applicant, e-form data or document (type, size, sha256): nothing stored"),
            },
        },
    },
}
