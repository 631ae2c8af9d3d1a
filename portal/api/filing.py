"""Citizens' filing endpoints (drafts, attachments, submission, my dossiers), the public lookup,
and the payment provider's server-to-server callback.

The applicant's own actions ``supplement`` (with new data), ``withdraw`` and ``rate`` arrive
at ``POST /dossiers/<id>/actions/<action>`` (``portal.api.dossiers``), which hands citizens'
requests for them to ``applicant_action`` here, so that they go through the same operations
as the web pages (only requested items changed; a Rating row stored).
"""

from __future__ import annotations

import json
from functools import lru_cache

from flask import current_app, g, jsonify, request
from sqlalchemy import bindparam
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from portal.access import client_address
from portal.api.blueprint import bp
from portal.api.common import ApiAbort, iso, json_body, token_required
from portal.api.openapi import (
    BEARER,
    IDEMPOTENCY_KEY,
    JSON_BODY_ERRORS,
    REPLAYED_HEADER,
    errors,
    json_response,
    path_param,
    ref,
)
from portal.api.openapi import json_body as body_doc
from portal.api.serialize import dossier_json
from portal.citizen import forms
from portal.errors import api_error
from portal.extensions import db
from portal.messages import message_for as filing_message
from portal.models import Dossier, Procedure
from portal.operations import applicant, filing, payments
from portal.operations.filing import FilingError, Limits
from portal.payments import get_gateway
from portal.payments.platform import NationalPaymentPlatform
from portal.request_body import upload_bytes
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


def summary_json(dossier: Dossier, files: list | None = None) -> dict:
    """The dossier as its applicant sees it; ``files``: its current documents when the request
    already has them (with their blobs), else they are read in one query."""
    result = applicant.applicant_result(dossier)
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
            for row in (filing.active_files(dossier) if files is None else files)
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
                                upload_bytes(upload, limits.max_file), limits)
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
    dossier = filing.own_dossier(dossier_id, user, lock=True)
    choice = filing.delivery_choice(dossier.procedure, delivery.get("method"), delivery.get("address"))
    dossier, _submitted_now = filing.submit(dossier_id, user, choice if dossier.status == Status.DRAFT.value else None,
                                            client_address=client_address(), locked=dossier)
    return jsonify(summary_json(dossier))


@bp.post("/dossiers/submit-with-files")
@token_required
def submit_with_files():
    """The whole online filing in one request (multipart): ``procedure``, ``data`` (the e-form as
    JSON text), optional ``delivery`` (JSON text ``{"method", "address"}``) and one file part per
    document, named by the document's key (repeated for a document that takes several files).
    One authentication, one transaction, one commit; idempotent with ``Idempotency-Key``."""
    user = _citizen()
    form = request.form
    procedure = db.session.scalar(_published_with_agency(), {"code": str(form.get("procedure") or "")})
    if procedure is None:
        return api_error(404, "Không tìm thấy thủ tục.", "unknown_procedure")
    data, delivery = _json_field(form, "data"), _json_field(form, "delivery")
    if not isinstance(delivery, dict):
        return api_error(422, "delivery phải là đối tượng {method, address}.", "invalid_delivery")
    data = validated_data(procedure.form_schema, data, final=True)
    limits = Limits.from_config(current_app.config)
    uploads = [filing.Upload(document_key, upload.filename, upload_bytes(upload, limits.max_file))
               for document_key in request.files for upload in request.files.getlist(document_key)]
    dossier, files, created = filing.submit_with_files(user, procedure, data, uploads, limits, delivery=delivery,
                                                       key=request.headers.get("Idempotency-Key"))
    response = jsonify(summary_json(dossier, files))
    response.status_code = 201 if created else 200
    response.headers["Idempotent-Replayed"] = "false" if created else "true"
    return response


@lru_cache(maxsize=1)
def _published_with_agency():
    """A published procedure by code, with its agency: the code given at submission is the
    agency's (no query of its own). Built once, so its cache key is computed once."""
    return (db.select(Procedure).options(joinedload(Procedure.agency))
            .where(Procedure.code == bindparam("code"), Procedure.is_published))


def _json_field(form, name: str):
    """A multipart text field holding JSON (``{}`` when absent); 400 when it is not JSON."""
    raw = form.get(name)
    if raw is None or raw.strip() == "":
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        _abort(400, f"Trường {name} phải là JSON hợp lệ.", "malformed_json")


@bp.get("/dossiers")
@token_required
def list_my_dossiers():
    return jsonify({"items": [summary_json(d) for d in filing.my_dossiers(g.api_user)]})


@bp.get("/lookup/<path:code>")
def public_lookup(code: str):
    try:
        dossier = applicant.lookup(code, request.args.get("phone"), address=client_address())
    except FilingError as error:
        refused(error)
        return api_error(error.status, filing_message(error), error.code)
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
    payment = payments.handle_callback(params, gateway, source="notification", address=client_address())
    return jsonify({"reference": payment.reference, "status": payment.status, "receipt_number": payment.receipt_number})


@bp.post("/payments/national/callback")
def national_payment_callback():
    """The national payment platform's server-to-server notification (JSON, signed in its
    headers like every national message; docs/payments.md). A repeat of a recorded result is
    acknowledged (200, ``duplicate``) so that the platform stops sending it; nothing changes."""
    gateway = get_gateway()
    if not isinstance(gateway, NationalPaymentPlatform):
        return api_error(404, "Chưa cấu hình nền tảng thanh toán quốc gia.", "no_payment_provider")
    if not request.is_json:
        return api_error(415, "Thông báo thanh toán phải là JSON.", "unsupported_media_type")
    try:
        payment = payments.handle_notification(request.headers, request.get_data(), gateway, address=client_address())
    except payments.DuplicateCallback as duplicate:
        refused(duplicate)
        if not duplicate.same:
            return api_error(409, filing_message(duplicate), duplicate.code)
        payment = duplicate.payment
        return jsonify({"reference": payment.reference, "status": payment.status,
                        "receipt_number": payment.receipt_number, "duplicate": True})
    return jsonify({"reference": payment.reference, "status": payment.status,
                    "receipt_number": payment.receipt_number, "duplicate": False})


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


_DT = {"type": ["string", "null"], "format": "date-time"}
_NAMED = {"type": "object", "required": ["code", "name"], "properties": {"code": {"type": "string"}, "name": {"type": "string"}}}
_STATUS_CODE = {"type": ["integer", "null"], "minimum": 1, "maximum": 10, "description": "national status code; null for a draft"}
_ATTACHMENT = {"type": "object", "required": ["id", "document", "name", "size", "content_type", "sha256"], "properties": {
    "id": {"type": "integer"}, "document": {"type": ["string", "null"]}, "name": {"type": "string"},
    "size": {"type": "integer"}, "content_type": {"type": "string"}, "sha256": {"type": "string"}}}

OPENAPI_SCHEMAS = {
    "DossierSummary": {
        "type": "object",
        "required": ["id", "code", "status", "status_code", "version", "procedure", "channel", "documents", "result"],
        "properties": {
            "id": {"type": "integer"}, "code": {"type": ["string", "null"]},
            "status": {"type": "string", "enum": [s.value for s in Status]}, "status_code": _STATUS_CODE,
            "version": {"type": "integer"}, "procedure": _NAMED, "channel": {"type": "string"},
            "step": {"type": ["string", "null"]}, "submitted_at": _DT, "received_at": _DT, "due_at": _DT,
            "finished_at": _DT, "timeliness": {"type": ["string", "null"]}, "fee_amount": {"type": "integer"},
            "fee_paid": {"type": "boolean"}, "form_version": {"type": "integer"}, "data": {"type": "object"},
            "documents": {"type": "array", "items": _ATTACHMENT},
            "result": {"type": ["object", "null"], "required": ["id", "name", "download"], "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"}, "download": {"type": "string"}}},
        },
    },
    "DossierList": {"type": "object", "required": ["items"],
                    "properties": {"items": {"type": "array", "items": ref("DossierSummary")}}},
    "Attachment": _ATTACHMENT,
    "Lookup": {
        "type": "object", "required": ["code", "status", "status_code", "procedure", "agency"],
        "properties": {"code": {"type": "string"}, "status": {"type": "string"}, "status_code": _STATUS_CODE,
                       "procedure": _NAMED, "agency": {"type": "string"}, "received_at": _DT, "due_at": _DT,
                       "finished_at": _DT},
    },
    "PaymentResult": {"type": "object", "required": ["reference", "status"], "properties": {
        "reference": {"type": "string"}, "status": {"type": "string"}, "receipt_number": {"type": ["string", "null"]},
        "duplicate": {"type": "boolean", "description": "A repeat of a result already recorded (national platform)"}}},
}

_ID = [path_param("dossier_id", "integer")]
_STORAGE_UNAVAILABLE = "The file store cannot be written (storage_unavailable, Retry-After): nothing was filed"
_CALLBACK = {"type": "object", "properties": {
    "reference": {"type": "string"}, "transaction_id": {"type": "string"}, "amount": {"type": "string"},
    "status": {"type": "string"}, "signature": {"type": "string"}}}

OPENAPI_PATHS = {
    "/api/v1/dossiers": {
        "get": {"summary": "Hồ sơ của tôi", "security": BEARER,
                "responses": {"200": json_response(ref("DossierList")), **errors(401)}},
        "post": {
            "summary": "Tạo hồ sơ nháp (Idempotency-Key: gửi lại cùng khóa trả về cùng hồ sơ)",
            "security": BEARER,
            "parameters": [IDEMPOTENCY_KEY],
            "requestBody": body_doc({"type": "object", "required": ["procedure"], "properties": {
                "procedure": {"type": "string"}, "data": {"type": "object", "description": "the e-form fields (see the procedure's form)"}}}),
            "responses": {"201": json_response(ref("DossierSummary"), "Draft created", REPLAYED_HEADER),
                          "200": json_response(ref("DossierSummary"), "Replay of the same key", REPLAYED_HEADER),
                          **errors(*JSON_BODY_ERRORS, 401, s403="Not a citizen", s404="Unknown procedure",
                                   s409="The Idempotency-Key was used for another request")},
        },
    },
    "/api/v1/dossiers/{dossier_id}/attachments": {
        "post": {
            "summary": "Đính kèm một tệp (PDF, JPEG, PNG; kiểm tra theo nội dung)", "security": BEARER,
            "parameters": _ID,
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["document", "file"],
                "properties": {"document": {"type": "string"}, "file": {"type": "string", "format": "binary"}}}}}},
            "responses": {"201": json_response(ref("Attachment"), "Attached"),
                          **errors(401, 404, s400="No file part", s403="Not a citizen",
                                   s409="The dossier is no longer editable", s413="Too large (file or dossier)",
                                   s415="Not an accepted file type", s422="Unknown document, empty file, too many files",
                                   s503=_STORAGE_UNAVAILABLE)},
        }
    },
    "/api/v1/dossiers/{dossier_id}/submit": {
        "post": {
            "summary": "Nộp hồ sơ (gửi lại không tạo hồ sơ thứ hai)", "security": BEARER, "parameters": _ID,
            "requestBody": body_doc({"type": "object", "properties": {
                "delivery": {"type": "object", "properties": {"method": {"type": "string", "enum": [m.value for m in DeliveryMethod]},
                                                              "address": {"type": "string"}}}}}, required=False),
            "responses": {"200": json_response(ref("DossierSummary"), "Submitted"),
                          **errors(400, 401, 404, 413, s403="Not a citizen", s409="Not a draft any more",
                                   s422="Form incomplete, documents missing, bad delivery, or the population database "
                                        "contradicts the applicant's data (registry_mismatch, registry_not_found, "
                                        "registry_birth_date_mismatch; docs/population-registry.md)")},
        }
    },
    "/api/v1/dossiers/submit-with-files": {
        "post": {
            "summary": "Nộp hồ sơ trong một yêu cầu: biểu mẫu điện tử và mọi giấy tờ (Idempotency-Key)",
            "description": "One request instead of create + one upload per document + submit: one authentication, "
                           "one transaction, one commit. Every file is checked before anything is stored, so an "
                           "invalid document stores nothing. The same Idempotency-Key with the same request returns "
                           "the first dossier (200, Idempotent-Replayed: true); with another request, 409.",
            "security": BEARER,
            "parameters": [IDEMPOTENCY_KEY],
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["procedure", "data"],
                "properties": {
                    "procedure": {"type": "string", "description": "the procedure's code"},
                    "data": {"type": "string", "description": "the e-form fields as JSON text (all required ones)"},
                    "delivery": {"type": "string", "description": 'JSON text {"method": ..., "address": ...} (optional)'},
                },
                "additionalProperties": {"type": "string", "format": "binary",
                                         "description": "one file part per document, named by the document's key "
                                                        "(repeated for a document that takes several files)"},
            }}}},
            "responses": {"201": json_response(ref("DossierSummary"), "Submitted", REPLAYED_HEADER),
                          "200": json_response(ref("DossierSummary"), "Replay of the same key", REPLAYED_HEADER),
                          **errors(401, s400="Malformed JSON field or key", s403="Not a citizen",
                                   s404="Unknown procedure",
                                   s409="Not filed online, or the Idempotency-Key was used for another request",
                                   s413="Too large (file or dossier)", s415="Not an accepted file type",
                                   s422="Form incomplete, unknown or missing document, empty file, bad delivery",
                                   s503=_STORAGE_UNAVAILABLE)},
        }
    },
    "/api/v1/lookup/{code}": {
        "get": {
            "summary": "Tra cứu công khai theo mã hồ sơ (không có thông tin cá nhân)",
            "description": "The full code, or its last groups (YYMMDD-XXXX) with the applicant's phone number; "
                           "partial look-ups are limited per address (429 past the limit).",
            "parameters": [path_param("code"),
                           {"name": "phone", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 20},
                            "description": "The phone number given when filing (with a partial code)"}],
            "responses": {"200": json_response(ref("Lookup")),
                          **errors(429, s404="Unknown or malformed code", s422="A partial code without a phone number")},
        }
    },
    "/api/v1/payments/sandbox/callback": {
        "post": {
            "summary": "Thông báo kết quả thanh toán từ nhà cung cấp thử nghiệm (ký HMAC-SHA256)",
            "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": _CALLBACK},
                                                          "application/json": {"schema": _CALLBACK}}},
            "responses": {"200": json_response(ref("PaymentResult"), "Payment settled"),
                          **errors(413, s400="Forged or malformed callback", s404="No payment provider configured",
                                   s409="Duplicate callback")},
        }
    },
    "/api/v1/payments/national/callback": {
        "post": {
            "summary": "Thông báo kết quả thanh toán từ Nền tảng thanh toán quốc gia (ký X-National-Signature)",
            "description": "Signed like every national message: X-National-Timestamp and X-National-Signature "
                           "(HMAC-SHA256 with PAYMENT_PLATFORM_SECRET over '<timestamp>.<body>'). "
                           "The result is checked against the platform's status query before it is recorded.",
            "requestBody": body_doc({"type": "object", "required": ["merchant", "reference", "transaction_id", "amount", "status"],
                                     "properties": {"event_id": {"type": "string"}, "merchant": {"type": "string"},
                                                    "reference": {"type": "string"}, "transaction_id": {"type": "string"},
                                                    "amount": {"type": "integer"},
                                                    "status": {"type": "string", "enum": ["paid", "declined"]},
                                                    "paid_at": {"type": ["string", "null"]}}}),
            "responses": {"200": json_response(ref("PaymentResult"), "Payment settled, or a repeat acknowledged"),
                          **errors(413, s400="Not JSON, another merchant, unknown reference or amount, not confirmed by the status query",
                                   s401="Missing or wrong signature", s415="Not application/json",
                                   s422="Missing or malformed fields (reference, transaction, amount, status)", s404="National payment platform not configured",
                                   s409="Contradicts the result already recorded",
                                   s503="The platform's status query did not answer")},
        }
    },
}
