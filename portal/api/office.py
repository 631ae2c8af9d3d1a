"""Office endpoints: the work queue, desk registration, standard forms as PDF."""

from __future__ import annotations

import base64
import binascii
from datetime import date

from flask import g, jsonify, request

from portal.api.blueprint import bp
from portal.api.common import iso, json_body, token_required
from portal.api.openapi import (
    BEARER,
    JSON_BODY_ERRORS,
    binary_response,
    errors,
    json_response,
    path_param,
    query_param,
    ref,
)
from portal.api.openapi import json_body as body_doc
from portal.api.serialize import dossier_json, visible_dossier
from portal.downloads import form_pdf_response
from portal.errors import api_error
from portal.extensions import db
from portal.messages import TEXTS as QUEUE_MESSAGES  # code -> translated sentence
from portal.messages import message_for
from portal.models import Agency
from portal.operations import desk, office
from portal.operations.dossiers import DossierError
from portal.operations.forms import FormNotAvailable
from portal.transaction import refused
from workflow.states import NATIONAL_CODE, Channel, Role, Status

STAFF_VALUES = {r.value for r in Role} - {Role.CITIZEN.value}


def _staff_only():
    if g.api_user.role not in STAFF_VALUES:
        return api_error(403, "Chỉ cán bộ của cơ quan mới xem được hàng đợi hồ sơ.", "staff_only")
    return None


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes", "on")


def queue_filter_from_args(args) -> office.QueueFilter:
    """A QueueFilter from query parameters; ``office.QueueError`` for malformed values."""
    try:
        page = int(args.get("page", 1))
        per_page = int(args.get("per_page", 25))
        received_from = date.fromisoformat(args["from"]) if args.get("from") else None
        received_to = date.fromisoformat(args["to"]) if args.get("to") else None
    except ValueError:
        raise office.QueueError("bad_page") from None
    overdue = _flag(args.get("overdue"))
    return office.QueueFilter(
        queue=args.get("queue") or ("overdue" if overdue else "all" if args.get("status") else "work"),
        status=args.get("status") or None, procedure=args.get("procedure") or None,
        channel=args.get("channel") or None, received_from=received_from, received_to=received_to,
        q=args.get("q", ""), overdue=overdue, page=page, per_page=per_page, cursor=args.get("cursor") or None,
    )


def queue_row_json(row, time_left: office.TimeLeft) -> dict:
    text, overdue = time_left(row)
    return {
        "id": row.id, "code": row.code, "status": row.status, "status_code": NATIONAL_CODE[Status(row.status)],
        "channel": row.channel, "procedure": {"code": row.procedure_code, "name": row.procedure_name},
        "applicant_name": row.applicant_name, "submitted_at": iso(row.submitted_at),
        "received_at": iso(row.received_at), "due_at": iso(row.due_at), "step": row.step_key,
        "holder_role": row.holder_role, "step_due_at": iso(row.step_due_at), "version": row.version,
        "overdue": overdue, "time_left": text,
    }


@bp.get("/office/dossiers")
@token_required
def office_queue():
    not_staff = _staff_only()
    if not_staff:
        return not_staff
    try:
        flt = _queue_filter()
        page = office.queue(g.api_user, flt, with_counts=request.args.get("counts", "true").lower() not in (
            "0", "false", "no", "off"))
    except office.QueueError as error:
        return api_error(422, QUEUE_MESSAGES.get(error.code, error.code), error.code)
    time_left = office.TimeLeft(page.now, calendars=page.calendars)
    return jsonify({
        "items": [queue_row_json(row, time_left) for row in page.rows],
        "page": page.page, "per_page": page.per_page, "has_next": page.has_next, "next_cursor": page.next_cursor,
        "queue": flt.queue, "counts": page.counts,
    })


def _bulk_items(body: dict) -> list[tuple[int, int | None]]:
    items = body.get("items")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ValueError("items")
    found = []
    for item in items[: office.MAX_BULK + 1]:
        dossier_id, version = item.get("id"), item.get("version")
        if not isinstance(dossier_id, int) or isinstance(dossier_id, bool) or (
                version is not None and (not isinstance(version, int) or isinstance(version, bool))):
            raise ValueError("items")
        found.append((dossier_id, version))
    return found


@bp.post("/office/dossiers/bulk")
@token_required
def office_bulk():
    """Forward (``assignee_id``: to that person) each listed dossier as its own action; 200 with
    what was done and, per dossier, what was refused (nothing else is undone by a refusal)."""
    not_staff = _staff_only()
    if not_staff:
        return not_staff
    body = json_body()
    assignee = body.get("assignee_id")
    try:
        items = _bulk_items(body)
        if assignee is not None and (not isinstance(assignee, int) or isinstance(assignee, bool)):
            raise ValueError("assignee_id")
    except ValueError as error:
        return api_error(422, "Dữ liệu không hợp lệ: items phải là [{id, version}], assignee_id là số.", "invalid",
                         field=str(error))
    try:
        results = office.bulk_act(g.api_user, str(body.get("action") or ""), items, {"assignee_id": assignee},
                                  request.headers.get("Idempotency-Key"))
    except office.QueueError as error:
        return api_error(422, QUEUE_MESSAGES.get(error.code, error.code), error.code)
    except DossierError as error:
        refused(error)
        return api_error(error.status, message_for(error), error.code)
    return jsonify({
        "done": [{"id": r.dossier_id, "code": r.dossier.code, "status": r.dossier.status, "step": r.dossier.step_key,
                  "holder_role": r.dossier.holder_role, "holder_id": r.dossier.holder_id, "version": r.dossier.version,
                  "replayed": r.replayed} for r in results if r.error is None],
        "failed": [{"id": r.dossier_id, "error": {"code": r.error.code, "message": message_for(r.error),
                                                  "status": r.error.status}} for r in results if r.error is not None],
    })


def _queue_filter() -> office.QueueFilter:
    """The query string's filter; an administrator may name any agency (``agency``)."""
    flt = queue_filter_from_args(request.args)
    if g.api_user.role == Role.ADMIN.value and request.args.get("agency"):
        agency = db.session.scalar(db.select(Agency).where(Agency.code == request.args["agency"]))
        if agency is None:
            raise office.QueueError("unknown_agency")
        flt.agency_id = agency.id
    return flt


def _scans(body: dict) -> list[desk.Scan]:
    scans = []
    for item in body.get("scans") or []:
        if not isinstance(item, dict):
            raise ValueError("scan")
        data = base64.b64decode(str(item.get("content_base64", "")), validate=True)
        scans.append(desk.Scan(str(item.get("document", ""))[:64], str(item.get("filename", ""))[:255], data))
    return scans


@bp.post("/office/dossiers")
@token_required
def office_register():
    body = json_body()
    try:
        registration = _registration(body)
    except (ValueError, TypeError, binascii.Error):
        return api_error(422, "Dữ liệu không hợp lệ (scans phải là [{document, filename, content_base64}]).",
                         "invalid")
    try:
        dossier, replayed = desk.register_once(g.api_user, registration, request.headers.get("Idempotency-Key"))
    except DossierError as error:
        refused(error)
        return api_error(error.status, message_for(error), error.code)
    response = jsonify(dossier_json(dossier, g.api_user))
    response.headers["Idempotent-Replayed"] = "true" if replayed else "false"
    return response, 201


def _registration(body: dict) -> desk.DeskRegistration:
    return desk.DeskRegistration(
        procedure_code=str(body.get("procedure", "")), channel=str(body.get("channel", "")),
        applicant=body.get("applicant") if isinstance(body.get("applicant"), dict) else {},
        form_data=body.get("data") if isinstance(body.get("data"), dict) else {},
        scans=_scans(body),
        paper_documents=[str(k)[:64] for k in body.get("paper_documents") or []][:100],
        note=str(body.get("note") or "")[:2000],
    )


@bp.get("/dossiers/<int:dossier_id>/forms/<form>")
@token_required
def dossier_form(dossier_id: int, form: str):
    dossier = visible_dossier(dossier_id, g.api_user)
    if dossier is None:
        return api_error(404)
    try:
        return form_pdf_response(dossier, form)
    except FormNotAvailable as error:
        return _form_not_available(error)


def _form_not_available(error: FormNotAvailable):
    if error.code == "unknown_form":
        return api_error(404, "Không có biểu mẫu này trong bộ mẫu đang dùng.", error.code)
    return api_error(409, "Hồ sơ chưa có biểu mẫu này ở trạng thái hiện tại.", error.code)


_DT = {"type": ["string", "null"], "format": "date-time"}
_STATUS = {"type": "string", "enum": [s.value for s in Status]}
_CHANNEL = {"type": "string", "enum": [c.value for c in Channel]}

OPENAPI_SCHEMAS = {
    "QueueRow": {
        "type": "object",
        "required": ["id", "code", "status", "status_code", "channel", "procedure", "version", "overdue"],
        "properties": {
            "id": {"type": "integer"}, "code": {"type": ["string", "null"]}, "status": _STATUS,
            "status_code": {"type": ["integer", "null"]}, "channel": _CHANNEL,
            "procedure": {"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"}}},
            "applicant_name": {"type": ["string", "null"]}, "submitted_at": _DT, "received_at": _DT, "due_at": _DT,
            "step": {"type": ["string", "null"]}, "holder_role": {"type": ["string", "null"]}, "step_due_at": _DT,
            "version": {"type": "integer"}, "overdue": {"type": "boolean"},
            "time_left": {"type": ["string", "null"], "description": "time left or overdue, in words"},
        },
    },
    "QueuePage": {
        "type": "object",
        "required": ["items", "page", "per_page", "has_next", "next_cursor", "queue", "counts"],
        "properties": {
            "items": {"type": "array", "items": ref("QueueRow")}, "page": {"type": "integer"},
            "per_page": {"type": "integer"}, "has_next": {"type": "boolean"},
            "next_cursor": {"type": ["string", "null"], "description": "send as cursor for the next page"},
            "queue": {"type": "string", "enum": list(office.QUEUES)},
            "counts": {"type": ["object", "null"],
                       "description": "dossiers in each queue (whole tab, before q and filters); null with counts=false",
                       "properties": {q: {"type": "integer"} for q in office.QUEUES},
                       "required": list(office.QUEUES)},
        },
    },
}

_ID = path_param("dossier_id", "integer")
_DATE = {"type": "string", "format": "date"}
OPENAPI_PATHS = {
    "/api/v1/office/dossiers": {
        "get": {
            "summary": "Hàng đợi hồ sơ của cơ quan (cán bộ), có lọc và phân trang",
            "security": BEARER,
            "parameters": [
                query_param("queue", {"type": "string", "enum": list(office.QUEUES)}, "hàng đợi (mặc định work)"),
                query_param("status", _STATUS, "trạng thái"),
                query_param("procedure", {"type": "string"}, "mã thủ tục"),
                query_param("channel", _CHANNEL, "kênh nộp"),
                query_param("overdue", {"type": "boolean"}, "chỉ hồ sơ quá hạn"),
                query_param("q", {"type": "string"},
                            "mã hồ sơ (cả mã hoặc một phần, vd. 4 số cuối), số nội bộ, tên người nộp (có hoặc "
                            "không dấu), số định danh hoặc số điện thoại"),
                query_param("from", _DATE, "nhận từ ngày (YYYY-MM-DD)"),
                query_param("to", _DATE, "nhận đến ngày (YYYY-MM-DD), không trước from"),
                query_param("page", {"type": "integer", "minimum": 1, "maximum": 100_000, "default": 1}, "trang"),
                query_param("per_page", {"type": "integer", "minimum": 1, "maximum": office.MAX_PER_PAGE, "default": 25},
                            "số dòng mỗi trang"),
                query_param("cursor", {"type": "string"}, "con trỏ next_cursor của trang trước (trang sâu, nhanh)"),
                query_param("agency", {"type": "string"}, "mã cơ quan (chỉ quản trị)"),
                query_param("counts", {"type": "boolean", "default": True},
                            "kèm số hồ sơ của từng tab (false: bỏ qua, vd. khi duyệt các trang sau bằng cursor)"),
            ],
            "responses": {"200": json_response(ref("QueuePage")),
                          **errors(401, s403="Not agency staff", s422="A bad parameter (queue, status, page, dates, cursor)")},
        },
        "post": {
            "summary": "Đăng ký hồ sơ nộp trực tiếp hoặc qua bưu chính (tiếp nhận ngay, cấp giấy tiếp nhận)",
            "security": BEARER,
            "requestBody": body_doc({"type": "object", "required": ["procedure", "channel", "applicant"], "properties": {
                "procedure": {"type": "string"}, "channel": {"type": "string", "enum": ["in_person", "post"]},
                "applicant": {"type": "object", "properties": {k: {"type": "string"} for k in desk.APPLICANT_FIELDS}},
                "data": {"type": "object"}, "note": {"type": "string"},
                "paper_documents": {"type": "array", "items": {"type": "string"}},
                "scans": {"type": "array", "items": {"type": "object", "properties": {
                    "document": {"type": "string"}, "filename": {"type": "string"},
                    "content_base64": {"type": "string", "contentEncoding": "base64"}}}}}}),
            "responses": {"201": json_response(ref("Dossier"), "The accepted dossier"),
                          **errors(*JSON_BODY_ERRORS, 401, 409, 503, s403="Not a desk officer",
                                   s404="Unknown procedure at your agency")},
        },
    },
    "/api/v1/office/dossiers/bulk": {
        "post": {
            "summary": "Chuyển bước tiếp theo (hoặc phân công cho một người) nhiều hồ sơ; mỗi hồ sơ là một thao "
                       "tác riêng, hồ sơ bị từ chối được báo kèm lý do",
            "security": BEARER,
            "requestBody": body_doc({"type": "object", "required": ["action", "items"], "properties": {
                "action": {"type": "string", "enum": list(office.BULK_ACTIONS)},
                "items": {"type": "array", "minItems": 1, "maxItems": office.MAX_BULK, "items": {
                    "type": "object", "required": ["id", "version"],
                    "properties": {"id": {"type": "integer"}, "version": {"type": "integer"}}}},
                "assignee_id": {"type": ["integer", "null"]}}}),
            "responses": {"200": json_response({"type": "object", "required": ["done", "failed"], "properties": {
                "done": {"type": "array", "items": {"type": "object"}},
                "failed": {"type": "array", "items": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "error": {"type": "object"}}}}}}, "What was done, what was refused"),
                **errors(*JSON_BODY_ERRORS, 401, s403="Not agency staff",
                         s422="Bad items, action or assignee (nothing done)")},
        },
    },
    "/api/v1/dossiers/{dossier_id}/forms/{form}": {
        "get": {
            "summary": "Biểu mẫu chuẩn của hồ sơ (PDF): receipt, supplement_request, refusal, apology, "
                       "control_sheet, stop_notice (bộ 2025)",
            "security": BEARER,
            "parameters": [_ID, path_param("form")],
            "responses": {"200": binary_response("The form", "application/pdf", headers={
                "X-Form-Signed": {"schema": {"type": "string", "enum": ["true", "false"]}}}),
                **errors(401, 503, s404="Unknown dossier or form", s409="The dossier has not reached this form yet")},
        }
    },
}
