"""Signatures: public verification of signed PDFs, and remote (client-side) signing of results.

``POST /api/v1/verify`` is public (no token). Remote signing: the server prepares the document
and returns the digest, the client's USB token or signing service signs it, the server embeds
the signature and adds the agency seal (docs/signatures.md).
"""

from __future__ import annotations

import base64

from flask import current_app, g, jsonify, request

from portal.api.blueprint import bp
from portal.api.common import ApiAbort, iso, json_body, token_required
from portal.api.openapi import BEARER, JSON_BODY_ERRORS, errors, json_response, path_param, ref
from portal.api.openapi import json_body as body_doc
from portal.errors import api_error
from portal.extensions import db
from portal.lazy import lazy_module
from portal.models import Dossier
from portal.models.files import FileKind
from portal.operations.dossiers import DossierError
from portal.storage import sniff_content_type
from portal.transaction import refused

certificates = lazy_module("portal.operations.certificates")  # pyHanko: imported by the first use
signing = lazy_module("portal.operations.signing")

DEFAULT_VERIFY_MAX_BYTES = 20 * 1024 * 1024


def verify_limit() -> int:
    return int(current_app.config.get("VERIFY_MAX_BYTES", DEFAULT_VERIFY_MAX_BYTES))


@bp.post("/verify")
def verify_document():
    report = certificates.verify_document(_uploaded_pdf())
    body = report.to_dict()
    body["signature_count"] = len(report.signatures)
    return jsonify(body)


def _uploaded_pdf() -> bytes:
    """The uploaded file when it is a PDF within the size limit; otherwise the error answer
    (400, 413, 415) raised as ApiAbort."""
    limit = verify_limit()
    too_large = (413, f"Tệp quá lớn (tối đa {limit // (1024 * 1024)} MB).", "too_large")
    if request.content_length is not None and request.content_length > limit + 64 * 1024:
        raise ApiAbort(api_error(*too_large))
    upload = request.files.get("file")
    if upload is None:
        raise ApiAbort(api_error(400, "Thiếu tệp: gửi tệp PDF trong trường 'file' (multipart/form-data).",
                                 "file_required"))
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ApiAbort(api_error(*too_large))
    if not data:
        raise ApiAbort(api_error(400, "Tệp rỗng.", "file_empty"))
    if sniff_content_type(data) != "application/pdf":
        raise ApiAbort(api_error(415, "Tệp không phải là tài liệu PDF.", "not_pdf"))
    return data


def _error(error: DossierError):
    refused(error)
    return api_error(error.status, error.detail or error.code, error.code)


@bp.post("/dossiers/<int:dossier_id>/signing/prepare")
@token_required
def prepare_signing(dossier_id: int):
    body = json_body()
    kind = str(body.get("kind") or FileKind.RESULT.value)
    dossier = db.session.get(Dossier, dossier_id)
    if dossier is None:
        return api_error(404)
    try:
        session, prepared = signing.prepare_remote(dossier, g.api_user, kind)
    except DossierError as error:
        return _error(error)
    return jsonify(_prepared_json(session, prepared)), 201


def _prepared_json(session, prepared) -> dict:
    cert = prepared.certificate
    return {
        "session": session.id,
        "digest": base64.b64encode(prepared.digest_to_sign).decode("ascii"),
        "data_to_sign": base64.b64encode(prepared.data_to_sign).decode("ascii"),
        "algorithm": prepared.md_algorithm,
        "signature_algorithm": signing.signature_algorithm(cert),
        "certificate_serial": format(cert.serial_number, "x"),
        "level": prepared.level,
        "expires_at": iso(session.expires_at),
    }


@bp.post("/signing/<session_id>/complete")
@token_required
def complete_signing(session_id: str):
    body = json_body()
    try:
        value = signing.decode_signature(body.get("signature"))
    except ValueError:
        return api_error(422, "Trường 'signature' phải là chữ ký mã hóa base64.", "bad_signature_encoding")
    try:
        row = signing.complete_remote(session_id, value, user=g.api_user)
    except DossierError as error:
        return _error(error)
    return jsonify({
        "dossier_id": row.dossier_id,
        "file": {"id": row.id, "kind": row.kind, "sha256": row.blob_sha256, "name": row.original_name},
    })


_SIGNATURE_ITEM = {"type": "object", "properties": {
    "field_name": {"type": ["string", "null"]}, "signer": {"type": ["string", "null"]}, "issuer": {"type": ["string", "null"]},
    "signed_at": {"type": ["string", "null"], "format": "date-time"},
    "level": {"type": ["string", "null"], "enum": ["B-B", "B-T", "B-LT", "B-LTA", None]},
    "intact": {"type": "boolean"}, "trusted": {"type": "boolean"},
    "covers_whole_document": {"type": "boolean"}, "modifications": {"type": ["string", "null"]},
}}

def _openapi_schemas() -> dict:
    from signatures.verify import Verdict  # pyHanko: imported when the document is asked for

    return {
        "VerificationReport": {"type": "object", "required": ["verdict", "signatures", "message_vi", "message_en"], "properties": {
            "verdict": {"type": "string", "enum": [v.value for v in Verdict]},
            "signatures": {"type": "array", "items": _SIGNATURE_ITEM},
            "signature_count": {"type": "integer"},
            "message_vi": {"type": "string"}, "message_en": {"type": "string"}}},
        "SigningSession": {"type": "object", "required": ["session", "digest", "data_to_sign", "algorithm", "expires_at"],
                           "properties": {
            "session": {"type": "string"},
            "digest": {"type": "string", "contentEncoding": "base64", "description": "hash of data_to_sign"},
            "data_to_sign": {"type": "string", "contentEncoding": "base64", "description": "DER signed attributes"},
            "algorithm": {"type": "string"}, "signature_algorithm": {"type": "string"},
            "certificate_serial": {"type": "string"}, "level": {"type": "string"},
            "expires_at": {"type": "string", "format": "date-time"}}},
        "SignedFile": {"type": "object", "required": ["dossier_id", "file"], "properties": {
            "dossier_id": {"type": "integer"},
            "file": {"type": "object", "required": ["id", "kind", "sha256", "name"], "properties": {
                "id": {"type": "integer"}, "kind": {"type": "string"}, "sha256": {"type": "string"}, "name": {"type": "string"}}}}},
    }


def _openapi_paths() -> dict:
    return {
        "/api/v1/verify": {
            "post": {
                "summary": "Kiểm tra chữ ký số của một tệp PDF (công khai)",
                "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                    "type": "object", "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}}}}}},
                "responses": {
                    "200": json_response(ref("VerificationReport"), "The verification report"),
                    **errors(s400="No file part or an empty file", s413="File too large", s415="Not a PDF"),
                },
            }
        },
        "/api/v1/dossiers/{dossier_id}/signing/prepare": {
            "post": {
                "summary": "Chuẩn bị ký số từ xa kết quả giải quyết (lãnh đạo): trả về giá trị băm cần ký",
                "security": BEARER,
                "parameters": [path_param("dossier_id", "integer")],
                "requestBody": body_doc({"type": "object", "properties": {
                    "kind": {"type": "string", "enum": [str(k) for k in signing.REMOTE_KINDS]}}}),
                "responses": {
                    "201": json_response(ref("SigningSession"), "The session and the digest to sign"),
                    **errors(*JSON_BODY_ERRORS, 401, 503, s403="Not this user's signature", s404="Unknown or not yours",
                             s409="The result is not waiting for this user's signature"),
                },
            }
        },
        "/api/v1/signing/{session_id}/complete": {
            "post": {
                "summary": "Hoàn tất ký số từ xa: gửi chữ ký (base64) của máy khách; máy chủ nhúng chữ ký và ký số cơ quan",
                "security": BEARER,
                "parameters": [path_param("session_id")],
                "requestBody": body_doc({"type": "object", "required": ["signature"], "properties": {
                    "signature": {"type": "string", "contentEncoding": "base64"}}}),
                "responses": {
                    "200": json_response(ref("SignedFile"), "The signed result file"),
                    **errors(*JSON_BODY_ERRORS, 401, 503, s403="Not this user's session", s404="Unknown session or not yours",
                             s409="Session completed or expired, or the dossier moved on",
                             s422="Bad encoding or the signature does not match"),
                },
            }
        },
    }


def __getattr__(name: str):
    """``OPENAPI_SCHEMAS`` and ``OPENAPI_PATHS``, built on first use (portal.api.spec): they name
    values of the signing modules, which are not imported before signing is needed."""
    if name == "OPENAPI_SCHEMAS":
        return _openapi_schemas()
    if name == "OPENAPI_PATHS":
        return _openapi_paths()
    raise AttributeError(name)
