"""Citizens' filing endpoints (drafts, attachments, submission, my dossiers), the public lookup,
and the payment provider's server-to-server callback.

The applicant's own actions ``supplement`` (with new data), ``withdraw`` and ``rate`` arrive
at ``POST /dossiers/<id>/actions/<action>`` (``portal.api.dossiers``), which hands citizens'
requests for them to ``applicant_action`` here, so that they go through the same operations
as the web pages (only requested items changed; a Rating row stored).
"""

from __future__ import annotations

from flask import current_app, g, jsonify, request
from werkzeug.datastructures import MultiDict

from portal.api.blueprint import bp
from portal.api.common import ApiAbort, iso, json_body, token_required
from portal.api.serialize import dossier_json
from portal.citizen import forms
from portal.errors import api_error
from portal.extensions import db
from portal.messages import message_for as filing_message
from portal.models import Dossier, Procedure
from portal.operations import applicant, filing, payments
from portal.operations.filing import FilingError, Limits
from portal.payments import get_gateway
from portal.transaction import refused
from workflow.states import NATIONAL_CODE, DeliveryMethod, Status

APPLICANT_ACTIONS = ("supplement", "withdraw", "rate")


@bp.errorhandler(FilingError)
def _filing_error(error: FilingError):
    refused(error)
    return api_error(error.status, filing_message(error), error.code)


def _abort(status: int, message: str, code: str):
    raise ApiAbort(api_error(status, message, code))


def _citizen():
    if g.api_user.role != "citizen":
        _abort(403, "Chỉ công dân, tổ chức nộp hồ sơ trực tuyến.", "citizens_only")
    return g.api_user


def summary_json(dossier: Dossier) -> dict:
    result = applicant.result_file(dossier)
    return {
        "id": dossier.id, "code": dossier.code, "status": dossier.status,
        "status_code": NATIONAL_CODE[Status(dossier.status)], "version": dossier.version,
        "procedure": {"code": dossier.procedure.code, "name": dossier.procedure.name_vi},
        "channel": dossier.channel, "step": dossier.step_key, "submitted_at": iso(dossier.submitted_at),
        "received_at": iso(dossier.received_at), "due_at": iso(dossier.due_at), "finished_at": iso(dossier.finished_at),
        "timeliness": dossier.timeliness, "fee_amount": dossier.fee_amount, "fee_paid": dossier.fee_paid_at is not None,
        "form_version": dossier.form_version, "data": dossier.form_data,
        "documents": [
            {"id": row.id, "document": row.document_key, "name": row.original_name, "size": row.blob.size,
             "content_type": row.blob.content_type, "sha256": row.blob_sha256}
            for row in filing.active_files(dossier)
        ],
        "result": {"id": result.id, "name": result.original_name, "download": f"/api/v1/dossiers/{dossier.id}/files/{result.id}"} if result else None,
    }


def validated_data(schema: list[dict], data, final: bool = False, only: set[str] | None = None) -> dict:
    """The e-form data checked by the same WTForms form as the web page (422 with field errors)."""
    if not isinstance(data, dict):
        _abort(422, "data phải là một đối tượng JSON.", "invalid_data")
    known = {spec["name"] for spec in schema if only is None or spec["name"] in only}
    unknown = sorted(set(data) - known)
    if unknown:
        _abort(422, "Có mục không thuộc biểu mẫu hoặc không được phép sửa: " + ", ".join(unknown[:20]), "unknown_fields")
    if any(not isinstance(v, (str, int, float)) or isinstance(v, bool) for v in data.values() if v is not None):
        _abort(422, "Giá trị các mục phải là chuỗi hoặc số.", "invalid_data")
    form_class = forms.dossier_form_class(schema, "vi", only=only, csrf=False)
    form = form_class(formdata=MultiDict({k: str(v) for k, v in data.items() if v is not None}))
    form.validate()
    problems = form.errors if final else forms.draft_errors(form)
    if problems:
        details = {name: [str(e) for e in errors] for name, errors in problems.items()}
        raise ApiAbort(api_error(422, "Dữ liệu biểu mẫu chưa hợp lệ.", "invalid_data", fields=details))
    return forms.cleaned(form)


@bp.post("/dossiers")
@token_required
def create_dossier():
    user = _citizen()
    body = json_body()
    procedure = db.session.scalar(db.select(Procedure).where(Procedure.code == str(body.get("procedure") or ""),
                                                             Procedure.is_published))
    if procedure is None:
        return api_error(404, "Không tìm thấy thủ tục.", "unknown_procedure")
    data = validated_data(procedure.form_schema, body.get("data") or {})
    dossier, created = filing.start_draft(user, procedure, data, key=request.headers.get("Idempotency-Key"))
    response = jsonify(summary_json(dossier))
    response.status_code = 201 if created else 200
    response.headers["Idempotent-Replayed"] = "false" if created else "true"
    return response


@bp.post("/dossiers/<int:dossier_id>/attachments")
@token_required
def add_attachment(dossier_id: int):
    user = _citizen()
    dossier = filing.own_dossier(dossier_id, user)
    upload = request.files.get("file")
    if upload is None:
        return api_error(400, "Thiếu tệp (trường multipart 'file').", "file_missing")
    limits = Limits.from_config(current_app.config)
    row = filing.add_attachment(dossier, user, request.form.get("document", ""), upload.filename,
                                upload.stream.read(limits.max_file + 1), limits)
    return jsonify({"id": row.id, "document": row.document_key, "name": row.original_name, "size": row.blob.size,
                    "content_type": row.blob.content_type, "sha256": row.blob_sha256}), 201


@bp.post("/dossiers/<int:dossier_id>/submit")
@token_required
def submit_dossier(dossier_id: int):
    user = _citizen()
    body = request.get_json(silent=True) if request.is_json else {}
    if body is not None and not isinstance(body, dict):
        return api_error(400, "Nội dung JSON phải là một đối tượng.", "malformed_json")
    delivery = (body or {}).get("delivery") or {}
    if not isinstance(delivery, dict):
        return api_error(422, "delivery phải là đối tượng {method, address}.", "invalid_delivery")
    dossier = filing.own_dossier(dossier_id, user)
    choice = filing.delivery_choice(dossier.procedure, delivery.get("method"), delivery.get("address"))
    dossier, _submitted_now = filing.submit(dossier_id, user, choice if dossier.status == Status.DRAFT.value else None)
    return jsonify(summary_json(dossier))


@bp.get("/dossiers")
@token_required
def list_my_dossiers():
    return jsonify({"items": [summary_json(d) for d in filing.my_dossiers(g.api_user)]})


@bp.get("/lookup/<path:code>")
def public_lookup(code: str):
    dossier = applicant.find_by_code(code)
    if dossier is None:
        return api_error(404, "Không tìm thấy hồ sơ với mã này.")
    return jsonify({"code": dossier.code, "status": dossier.status, "status_code": NATIONAL_CODE[Status(dossier.status)],
                    "procedure": {"code": dossier.procedure.code, "name": dossier.procedure.name_vi},
                    "agency": dossier.agency.name_vi, "received_at": iso(dossier.received_at),
                    "due_at": iso(dossier.due_at), "finished_at": iso(dossier.finished_at)})


@bp.post("/payments/sandbox/callback")
def sandbox_payment_callback():
    """The sandbox provider's server-to-server notification (form-encoded or JSON)."""
    params = request.get_json(silent=True) if request.is_json else request.form
    if not isinstance(params, (dict, MultiDict)):
        return api_error(400, "Nội dung không hợp lệ.", "malformed")
    gateway = get_gateway()
    if gateway is None:
        return api_error(404, "Chưa cấu hình cổng thanh toán.", "no_payment_provider")
    payment = payments.handle_callback(params, gateway)
    return jsonify({"reference": payment.reference, "status": payment.status, "receipt_number": payment.receipt_number})


def applicant_action(dossier_id: int, action: str, body: dict):
    """``supplement`` / ``withdraw`` / ``rate`` by the applicant (called from portal.api.dossiers)."""
    user = g.api_user
    version = body.get("version")
    if version is not None and not isinstance(version, int):
        return api_error(422, "version phải là số nguyên.", "invalid_version")
    reason = str(body.get("reason") or body.get("comment") or "")[:4000]
    if action == "supplement":
        changes = _supplement_changes(dossier_id, user, body)
        dossier = applicant.answer_supplement(dossier_id, user, changes, reason, version=version)
    elif action == "withdraw":
        dossier = applicant.withdraw(dossier_id, user, reason, version=version)
    else:
        applicant.rate(dossier_id, user, str(body.get("level") or ""), body.get("comment"))
        dossier = db.session.get(Dossier, dossier_id)
    return jsonify(dossier_json(dossier, user))


def _supplement_changes(dossier_id: int, user, body: dict) -> dict:
    """The new e-form data of a supplement: only fields the agency asked for, checked like the web form."""
    dossier = filing.own_dossier(dossier_id, user)
    only = set(filing.editable_items(dossier).fields)
    data = body.get("data") or {}
    return validated_data(dossier.form_snapshot, data, final=True, only=only & set(data)) if data else {}


_ERRORS = {"401": {"description": "No or invalid token"}, "404": {"description": "Unknown or not yours"},
           "409": {"description": "Conflict"}, "422": {"description": "Invalid content"}}
_ID = [{"name": "dossier_id", "in": "path", "required": True, "schema": {"type": "integer"}}]

OPENAPI_PATHS = {
    "/api/v1/dossiers": {
        "get": {"summary": "Hồ sơ của tôi", "security": [{"bearer": []}],
                "responses": {"200": {"description": "items"}, "401": _ERRORS["401"]}},
        "post": {
            "summary": "Tạo hồ sơ nháp (Idempotency-Key: gửi lại cùng khóa trả về cùng hồ sơ)",
            "security": [{"bearer": []}],
            "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string", "maxLength": 100}}],
            "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["procedure"], "properties": {
                "procedure": {"type": "string"}, "data": {"type": "object"}}}}}},
            "responses": {"201": {"description": "Draft created"}, "200": {"description": "Replay of the same key"},
                          "403": {"description": "Not a citizen"}, **_ERRORS},
        },
    },
    "/api/v1/dossiers/{dossier_id}/attachments": {
        "post": {
            "summary": "Đính kèm một tệp (PDF, JPEG, PNG; kiểm tra theo nội dung)", "security": [{"bearer": []}],
            "parameters": _ID,
            "requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object", "required": ["document", "file"],
                            "properties": {"document": {"type": "string"}, "file": {"type": "string", "format": "binary"}}}}}},
            "responses": {"201": {"description": "Attached"}, "413": {"description": "Too large (file or dossier)"},
                          "415": {"description": "Not an accepted type"}, **_ERRORS},
        }
    },
    "/api/v1/dossiers/{dossier_id}/submit": {
        "post": {
            "summary": "Nộp hồ sơ (gửi lại không tạo hồ sơ thứ hai)", "security": [{"bearer": []}], "parameters": _ID,
            "requestBody": {"required": False, "content": {"application/json": {"schema": {"type": "object", "properties": {
                "delivery": {"type": "object", "properties": {"method": {"type": "string", "enum": [m.value for m in DeliveryMethod]},
                                                              "address": {"type": "string"}}}}}}}},
            "responses": {"200": {"description": "Submitted"}, **_ERRORS},
        }
    },
    "/api/v1/lookup/{code}": {
        "get": {
            "summary": "Tra cứu công khai theo mã hồ sơ (không có thông tin cá nhân)",
            "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "Status, procedure, dates"}, "404": {"description": "Unknown code"}},
        }
    },
    "/api/v1/payments/sandbox/callback": {
        "post": {
            "summary": "Thông báo kết quả thanh toán từ nhà cung cấp thử nghiệm (ký HMAC-SHA256)",
            "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {
                "reference": {"type": "string"}, "transaction_id": {"type": "string"}, "amount": {"type": "string"},
                "status": {"type": "string"}, "signature": {"type": "string"}}}}}},
            "responses": {"200": {"description": "Payment settled"}, "400": {"description": "Forged callback"},
                          "409": {"description": "Duplicate callback"}},
        }
    },
}
