"""Dossier endpoints shared by citizens and officers: read one, act on one."""

from __future__ import annotations

import base64
import binascii

from flask import g, jsonify, request, send_file

from portal.api import filing as applicant_api
from portal.api.blueprint import bp
from portal.api.common import json_body, token_required
from portal.api.serialize import dossier_json, visible_dossier
from portal.errors import api_error
from portal.messages import message_for
from portal.operations import commands
from portal.operations.applicant import downloadable_file
from portal.operations.commands import InvalidInput
from portal.operations.dossiers import DossierError
from portal.operations.filing import FilingError
from portal.storage import blob_path
from portal.transaction import refused
from workflow.states import DeliveryMethod, ResultKind, Role


@bp.get("/dossiers/<int:dossier_id>")
@token_required
def show_dossier(dossier_id: int):
    dossier = visible_dossier(dossier_id, g.api_user)
    if dossier is None:
        return api_error(404)
    return jsonify(dossier_json(dossier, g.api_user))


@bp.get("/dossiers/<int:dossier_id>/files/<int:file_id>")
@token_required
def download_file(dossier_id: int, file_id: int):
    try:
        row, dossier = downloadable_file(file_id, g.api_user)
    except FilingError:
        return api_error(404)
    if dossier.id != dossier_id:
        return api_error(404)
    response = send_file(blob_path(row.blob_sha256), mimetype=row.blob.content_type, as_attachment=True,
                         download_name=row.original_name, conditional=False, etag=False)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _action_values(body: dict) -> dict:
    """The JSON body as the plain values every door passes to ``commands.run``."""
    values = {key: body.get(key) for key in (
        "version", "reason", "items", "new_due_at", "assignee_id", "delivery", "checked", "generate", "draft_name",
        "result_kind")}
    values["reason"] = body.get("reason") if body.get("reason") is not None else body.get("comment")
    if body.get("draft_base64") is not None:
        try:
            values["draft"] = base64.b64decode(str(body["draft_base64"]), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput("draft_base64") from None
    return values


@bp.post("/dossiers/<int:dossier_id>/actions/<action>")
@token_required
def dossier_action(dossier_id: int, action: str):
    body = json_body()
    if g.api_user.role == Role.CITIZEN.value and action in applicant_api.APPLICANT_ACTIONS:
        return applicant_api.applicant_action(dossier_id, action, body)
    outcome = commands.run_once(dossier_id, action, g.api_user, _action_values(body),
                                request.headers.get("Idempotency-Key"))
    response = jsonify(dossier_json(outcome.dossier, g.api_user))
    response.headers["Idempotent-Replayed"] = "true" if outcome.replayed else "false"
    return response


@bp.errorhandler(DossierError)
def _refused(error: DossierError):
    refused(error)
    response = api_error(error.status, message_for(error), error.code,
                         **({"field": error.field} if isinstance(error, InvalidInput) else {}))
    if error.status == 503:  # a signing service did not answer: nothing changed, the same request may be sent again
        response.headers["Retry-After"] = "60"
    return response


OPENAPI_PATHS = {
    "/api/v1/dossiers/{dossier_id}": {
        "get": {
            "summary": "Một hồ sơ: trạng thái, mã trạng thái quốc gia, hạn, lịch sử",
            "security": [{"bearer": []}],
            "parameters": [{"name": "dossier_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "OK"}, "404": {"description": "Unknown or not yours"}},
        }
    },
    "/api/v1/dossiers/{dossier_id}/files/{file_id}": {
        "get": {
            "summary": "Tải một tệp của hồ sơ (giấy tờ, biểu mẫu đã ký, kết quả đã ký)",
            "security": [{"bearer": []}],
            "parameters": [
                {"name": "dossier_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                {"name": "file_id", "in": "path", "required": True, "schema": {"type": "integer"}},
            ],
            "responses": {"200": {"description": "The file"}, "404": {"description": "Unknown or not yours"}},
        }
    },
    "/api/v1/dossiers/{dossier_id}/actions/{action}": {
        "post": {
            "summary": "Thực hiện một thao tác trên hồ sơ (tiếp nhận, chuyển, yêu cầu bổ sung, ...)",
            "security": [{"bearer": []}],
            "parameters": [
                {"name": "dossier_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                {"name": "action", "in": "path", "required": True, "schema": {"type": "string"}},
            ],
            "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
                "version": {"type": "integer"}, "reason": {"type": "string"}, "comment": {"type": "string"},
                "new_due_at": {"type": "string", "format": "date-time"}, "assignee_id": {"type": "integer"},
                "items": {"type": "array", "items": {"type": "string"}},
                "checked": {"type": "array", "items": {"type": "string"}},
                "delivery": {"type": "string", "enum": [m.value for m in DeliveryMethod]},
                "generate": {"type": "boolean"}, "draft_base64": {"type": "string"}, "draft_name": {"type": "string"},
                "result_kind": {"type": "string", "enum": [k.value for k in ResultKind]}}}}}},
            "responses": {"200": {"description": "The dossier after the action"},
                          "403": {"description": "Wrong role or not your step"},
                          "404": {"description": "Unknown or not yours"},
                          "409": {"description": "Stale version or not allowed from this status"},
                          "422": {"description": "Missing reason or bad data"},
                          "503": {"description": "The signing service (timestamp authority, key store or PKCS#11 "
                                                 "token) cannot be used now: nothing changed, send the same "
                                                 "request again later (signing_unavailable, key_store_unavailable)"}},
        }
    },
}
