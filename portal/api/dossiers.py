"""Dossier endpoints shared by citizens and officers: read one, act on one."""

from __future__ import annotations

import base64
import binascii

from flask import g, jsonify, request, send_file

from portal.api import filing as applicant_api
from portal.api.blueprint import bp
from portal.api.common import json_body, token_required
from portal.api.openapi import (
    BEARER,
    IDEMPOTENCY_KEY,
    JSON_BODY_ERRORS,
    REPLAYED_HEADER,
    binary_response,
    errors,
    json_response,
    path_param,
    ref,
)
from portal.api.openapi import json_body as body_doc
from portal.api.serialize import dossier_json, visible_dossier
from portal.errors import api_error
from portal.messages import message_for
from portal.models.filing import RatingLevel
from portal.operations import commands, result_signing
from portal.operations.applicant import downloadable_file
from portal.operations.commands import InvalidInput
from portal.operations.dossiers import DossierError
from portal.operations.filing import FilingError
from portal.storage import SIGNATURES as FILE_SIGNATURES
from portal.storage import blob_path
from portal.transaction import refused
from workflow.states import Action, DeliveryMethod, ResultKind, Role

FILE_TYPES = {content_type for _magic, content_type in FILE_SIGNATURES}


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
        "result_kind", "repeat_reason", "remote_area")}
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


@bp.post("/dossiers/<int:dossier_id>/signing/run")
@token_required
def run_signing(dossier_id: int):
    """Run the dossier's pending signing job now (what the office page's "Ký số ngay" does)."""
    outcome, state = result_signing.sign_now(dossier_id, g.api_user)
    return jsonify({"outcome": outcome.value, **state.as_json()})


@bp.errorhandler(DossierError)
def _refused(error: DossierError):
    refused(error)
    response = api_error(error.status, message_for(error), error.code,
                         **({"field": error.field} if isinstance(error, InvalidInput) else {}))
    if error.status == 503:  # a signing service did not answer: nothing changed, the same request may be sent again
        response.headers["Retry-After"] = "60"
    return response


_DOSSIER_ID = path_param("dossier_id", "integer")

OPENAPI_PATHS = {
    "/api/v1/dossiers/{dossier_id}": {
        "get": {
            "summary": "Một hồ sơ: trạng thái, mã trạng thái quốc gia, hạn, lịch sử",
            "security": BEARER,
            "parameters": [_DOSSIER_ID],
            "responses": {"200": json_response(ref("Dossier")), **errors(401, 404)},
        }
    },
    "/api/v1/dossiers/{dossier_id}/signing/run": {
        "post": {
            "summary": "Ký số ngay kết quả đang chờ ký của hồ sơ (sau khi lãnh đạo phê duyệt hoặc từ chối, "
                       "RESULT_SIGNING=deferred); dịch vụ ký số chưa phản hồi thì hệ thống tự thử lại",
            "security": BEARER,
            "parameters": [_DOSSIER_ID],
            "responses": {"200": json_response({"type": "object", "required": ["outcome", "result_signed"], "properties": {
                "outcome": {"type": "string", "enum": [o.value for o in result_signing.Outcome]},
                "result_signed": {"type": "boolean"},
                "result_signing": {"type": ["string", "null"], "enum": [s.value for s in result_signing.SigningState] + [None]},
                "attempts": {"type": "integer"}, "next_attempt_at": {"type": ["string", "null"], "format": "date-time"},
                "error": {"type": ["string", "null"]}}}), **errors(401, 404)},
        }
    },
    "/api/v1/dossiers/{dossier_id}/files/{file_id}": {
        "get": {
            "summary": "Tải một tệp của hồ sơ (giấy tờ, biểu mẫu đã ký, kết quả đã ký)",
            "security": BEARER,
            "parameters": [_DOSSIER_ID, path_param("file_id", "integer")],
            "responses": {"200": binary_response("The file (type detected from its content)", *sorted(FILE_TYPES)),
                          **errors(401, 404)},
        }
    },
    "/api/v1/dossiers/{dossier_id}/actions/{action}": {
        "post": {
            "summary": "Thực hiện một thao tác trên hồ sơ: cán bộ (tiếp nhận, chuyển, yêu cầu bổ sung, phê duyệt, ...) "
                       "hoặc người nộp (supplement, withdraw, rate)",
            "security": BEARER,
            "parameters": [_DOSSIER_ID, path_param("action", enum=[a.value for a in Action if a is not Action.SUBMIT]),
                           IDEMPOTENCY_KEY],
            "requestBody": body_doc({"type": "object", "properties": {
                "version": {"type": "integer", "description": "the version of the dossier acted on (required for staff)"},
                "reason": {"type": "string"}, "comment": {"type": "string"},
                "remote_area": {"type": "boolean", "description": "accept: the case is one of a remote and difficult "
                                "area (vùng sâu, vùng xa): the procedure's longer time limit applies, if it has one"},
                "repeat_reason": {"type": "string", "description": "request_supplement after an earlier request: "
                                  "why it was not asked the first time (required then)"},
                "new_due_at": {"type": "string", "format": "date-time"}, "assignee_id": {"type": "integer"},
                "items": {"type": "array", "items": {"type": "string"}},
                "checked": {"type": "array", "items": {"type": "string"}},
                "delivery": {"type": "string", "enum": [m.value for m in DeliveryMethod]},
                "generate": {"type": "boolean"}, "draft_base64": {"type": "string", "contentEncoding": "base64"},
                "draft_name": {"type": "string"},
                "result_kind": {"type": "string", "enum": [k.value for k in ResultKind]},
                "data": {"type": "object", "description": "supplement: the e-form fields asked for"},
                "level": {"type": "string", "enum": [r.value for r in RatingLevel], "description": "rate: the rating"}}}),
            "responses": {"200": json_response(ref("Dossier"), "The dossier after the action", REPLAYED_HEADER),
                          **errors(*JSON_BODY_ERRORS, 401, 404, 503,
                                   s403="Wrong role, not your agency or not your step",
                                   s409="Stale version, not allowed from this status, unknown action, "
                                        "or the Idempotency-Key was used for another request")},
        }
    },
}
